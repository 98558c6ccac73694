package gateway

import (
	"sort"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/mock/royalty"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// resultCode is the answer of relation.bind and relation.unbind
// (alipay-sdk-java-all AlipayTradeRoyaltyRelationBindResponse,
// ...UnbindResponse): SUCCESS, or an error.
type resultCode struct {
	ResultCode string `json:"result_code"`
}

// royaltyBind answers alipay.trade.royalty.relation.bind.
func (g *Gateway) royaltyBind(cl *call, in royalty.Request) (any, *apierr.Error) {
	if err := g.Royalty.Bind(cl.owner(), in); err != nil { // with --store: under the app's row lock
		return nil, g.asAPI(err)
	}
	return resultCode{"SUCCESS"}, nil
}

// royaltyUnbind answers alipay.trade.royalty.relation.unbind.
func (g *Gateway) royaltyUnbind(cl *call, in royalty.Request) (any, *apierr.Error) {
	if err := g.Royalty.Unbind(cl.owner(), in); err != nil { // with --store: under the app's row lock
		return nil, g.asAPI(err)
	}
	return resultCode{"SUCCESS"}, nil
}

// royaltyQuery answers alipay.trade.royalty.relation.batchquery with one
// page of the app's relations
// (AlipayTradeRoyaltyRelationBatchqueryResponse).
func (g *Gateway) royaltyQuery(cl *call, in royalty.QueryRequest) (any, *apierr.Error) {
	if err := g.Royalty.Fresh(cl.owner()); err != nil { // with --store: another replica's binds
		return nil, g.asAPI(err)
	}
	p, err := g.Royalty.Query(cl.owner(), in)
	if err != nil {
		return nil, g.asAPI(err)
	}
	if p.Receivers == nil {
		p.Receivers = []royalty.Entity{}
	}
	return struct {
		ResultCode      string           `json:"result_code"`
		ReceiverList    []royalty.Entity `json:"receiver_list"`
		TotalPageNum    int64            `json:"total_page_num"`
		TotalRecordNum  int64            `json:"total_record_num"`
		CurrentPageNum  int64            `json:"current_page_num"`
		CurrentPageSize int64            `json:"current_page_size"`
	}{"SUCCESS", p.Receivers, p.TotalPages, p.TotalRec, p.PageNum, p.PageSize}, nil
}

// orderSettle answers alipay.trade.order.settle with the trade and the
// settlement's number (AlipayTradeOrderSettleResponse).
func (g *Gateway) orderSettle(cl *call, in trade.SettleRequest) (any, *apierr.Error) {
	if err := g.Royalty.Fresh(cl.owner()); err != nil { // with --store: another replica's binds
		return nil, g.asAPI(err)
	}
	owner := cl.owner()
	t, s, err := g.Trades.OrderSettle(owner, in, func(typ, account string) bool { return g.Royalty.Bound(owner, typ, account) })
	if err != nil {
		return nil, g.asAPI(err)
	}
	return struct {
		TradeNo  string `json:"trade_no"`
		SettleNo string `json:"settle_no"`
	}{t.TradeNo, s.SettleNo}, nil
}

// settleQueryRequest is the biz_content of alipay.trade.order.settle.query
// (AlipayTradeOrderSettleQueryModel).
type settleQueryRequest struct {
	SettleNo     string `json:"settle_no"`
	OutRequestNo string `json:"out_request_no"`
	TradeNo      string `json:"trade_no"`
}

// settleQuery answers alipay.trade.order.settle.query: every transfer of
// the settlement, done (AlipayTradeOrderSettleQueryResponse).
func (g *Gateway) settleQuery(cl *call, in settleQueryRequest) (any, *apierr.Error) {
	_, s, err := g.Trades.SettleQuery(cl.owner(), in.SettleNo, in.TradeNo, in.OutRequestNo)
	if err != nil {
		return nil, g.asAPI(err)
	}
	// An async settlement is PROCESSING until the mock's clock passes
	// trade.AsyncSettleDelay; then SUCCESS with its execute_dt.
	return struct {
		OutRequestNo      string                `json:"out_request_no"`
		OperationDt       string                `json:"operation_dt"`
		RoyaltyDetailList []trade.RoyaltyDetail `json:"royalty_detail_list"`
	}{s.OutRequestNo, timestamp.Format(s.At), s.RoyaltyDetails(g.Clock.Now())}, nil
}

// tradeSettleInfo is query's trade_settle_info (alipay-sdk-java-all
// TradeSettleInfo). trade_unsettled_amount is left out: the class returns
// it only for 直付通账期 and 直连账期 trades, which the mock has none of.
type tradeSettleInfo struct {
	TradeSettleDetailList []tradeSettleDetail `json:"trade_settle_detail_list"`
}

// tradeSettleDetail is one operation on the trade's money
// (TradeSettleDetail).
type tradeSettleDetail struct {
	OperationType     string        `json:"operation_type"`
	OperationSerialNo string        `json:"operation_serial_no"`
	OperationDt       string        `json:"operation_dt"`
	TransOut          string        `json:"trans_out"`
	TransIn           string        `json:"trans_in"`
	Amount            amount.Amount `json:"amount"`
}

// settleInfo is trade_settle_info when query_options names it and the
// trade has settled money: each transfer once done (an async one after
// trade.AsyncSettleDelay), then each amount a refund took back from a
// receiver (transfer_refund), in the order they happened. A trade with
// nothing to list gets none (inferred).
func settleInfo(t *trade.Trade, opts []string, now time.Time) *tradeSettleInfo {
	if !asked(opts, "trade_settle_info") {
		return nil
	}
	var list []tradeSettleDetail
	for _, s := range t.Settlements {
		if !s.Done(now) {
			continue
		}
		for _, d := range s.Details {
			list = append(list, tradeSettleDetail{OperationType: "transfer", OperationSerialNo: s.OutRequestNo,
				OperationDt: timestamp.Format(s.DoneAt()), TransOut: t.Seller.UserID, TransIn: d.TransIn, Amount: d.Amount})
		}
	}
	for _, r := range t.Refunds {
		for _, b := range r.RoyaltyBack {
			list = append(list, tradeSettleDetail{OperationType: "transfer_refund", OperationSerialNo: r.OutRequestNo,
				OperationDt: timestamp.Format(r.At), TransOut: b.TransOut, TransIn: t.Seller.UserID, Amount: b.Amount})
		}
	}
	if len(list) == 0 {
		return nil
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].OperationDt < list[j].OperationDt })
	return &tradeSettleInfo{TradeSettleDetailList: list}
}
