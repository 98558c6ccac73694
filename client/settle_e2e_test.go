package client_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// uncapped lets a trade's settlements take its whole total (production's
// default is 30%: --settle-max-percent).
var uncapped = trade.Options{SettleMaxPercent: 100}

// alipay.trade.order.settle splits a paid trade to bound receivers, once
// per out_request_no, never beyond the total less refunds; settle.query
// finds it by settle_no (gateway.do) or trade_no and out_request_no (v3).
func TestE2EOrderSettle(t *testing.T) {
	srv := startMock(t, mock.Options{Trades: uncapped}) // the bound tested here is the total less refunds
	c := mockClient(t, srv, nil)
	ctx := context.Background()
	const recv, stranger = "2088000000000101", "2088000000000102"
	if _, err := c.RoyaltyRelationBind(ctx, client.RoyaltyRelationRequest{OutRequestNo: "B1",
		ReceiverList: []client.RoyaltyEntity{{Type: client.RoyaltyUserID, Account: recv}}}); err != nil {
		t.Fatal(err)
	}
	// Not face-to-face, whose refunds take the split back on their own.
	p, err := c.Create(ctx, client.CreateRequest{Order: client.Order{OutTradeNo: "settle-1", TotalAmount: amount.MustParse("10.00"), Subject: "s"},
		BuyerID: "2088102000005678"})
	if err != nil {
		t.Fatal(err)
	}
	buyer(t, srv, "pay", "settle-1", nil)
	req := client.OrderSettleRequest{OutRequestNo: "S1", TradeNo: p.TradeNo,
		RoyaltyParameters: []client.RoyaltyParameter{{RoyaltyType: "transfer", TransIn: recv, Amount: amount.MustParse("3.00"), Desc: "fee"}}}
	s, err := c.OrderSettle(ctx, req)
	if err != nil || s.TradeNo != p.TradeNo || s.SettleNo == "" || s.Code != client.CodeSuccess {
		t.Fatalf("settle: %+v %v", s, err)
	}
	// The same request again answers as the first time.
	if again, err := c.OrderSettle(ctx, req); err != nil || again.SettleNo != s.SettleNo {
		t.Fatalf("repeat: %+v %v", again, err)
	}
	// The same number with another amount is refused.
	other := req
	other.RoyaltyParameters = []client.RoyaltyParameter{{TransIn: recv, Amount: amount.MustParse("4.00")}}
	_, err = c.OrderSettle(ctx, other)
	wantAPIError(t, err, "40004", "ACQ.DISCORDANT_REPEAT_REQUEST")

	// After a refund of 2.00, 5.00 is what is left to settle.
	if _, err := c.Refund(ctx, client.RefundRequest{TradeNo: p.TradeNo, RefundAmount: amount.MustParse("2.00"), OutRequestNo: "R1"}); err != nil {
		t.Fatal(err)
	}
	over := client.OrderSettleRequest{OutRequestNo: "S2", TradeNo: p.TradeNo, RoyaltyMode: "async",
		RoyaltyParameters: []client.RoyaltyParameter{{TransIn: recv, Amount: amount.MustParse("2.01")}, {TransIn: recv, Amount: amount.MustParse("3.00")}}}
	_, err = c.OrderSettle(ctx, over)
	wantAPIError(t, err, "40004", "ACQ.ALLOC_AMOUNT_VALIDATE_ERROR")
	over.RoyaltyParameters[0].Amount = amount.MustParse("2.00")
	s2, err := c.OrderSettle(ctx, over)
	if err != nil || s2.SettleNo == s.SettleNo {
		t.Fatalf("the rest, async: %+v %v", s2, err)
	}
	last := client.OrderSettleRequest{OutRequestNo: "S3", TradeNo: p.TradeNo, RoyaltyParameters: []client.RoyaltyParameter{{TransIn: recv, Amount: amount.MustParse("0.01")}}}
	_, err = c.OrderSettle(ctx, last)
	wantAPIError(t, err, "40004", "ACQ.ALLOC_AMOUNT_VALIDATE_ERROR")

	// Query by settle_no over gateway.do: the async settlement is
	// PROCESSING until the mock's clock has moved on 5 seconds.
	q, err := c.OrderSettleQuery(ctx, client.OrderSettleQueryRequest{SettleNo: s2.SettleNo})
	if err != nil || q.OutRequestNo != "S2" || q.OperationDt == "" || len(q.RoyaltyDetailList) != 2 {
		t.Fatalf("query: %+v %v", q, err)
	}
	if d := q.RoyaltyDetailList[0]; d.State != "PROCESSING" || d.ExecuteDt != "" {
		t.Errorf("async detail before the delay: %+v", d)
	}
	mocktest.On(t, srv).Advance("5s")
	q, err = c.OrderSettleQuery(ctx, client.OrderSettleQueryRequest{SettleNo: s2.SettleNo})
	if err != nil || len(q.RoyaltyDetailList) != 2 {
		t.Fatalf("query after 5s: %+v %v", q, err)
	}
	opAt, _ := time.Parse(time.DateTime, q.OperationDt)
	d := q.RoyaltyDetailList[1]
	if d.TransIn != recv || d.TransInType != "userId" || d.Amount != amount.MustParse("3.00") || d.State != "SUCCESS" ||
		d.OperationType != "transfer" || d.TransOut != "" || d.TransOutType != "" || d.DetailID == "" ||
		d.ExecuteDt != opAt.Add(5*time.Second).Format(time.DateTime) {
		t.Errorf("detail %+v (operation_dt %s)", d, q.OperationDt)
	}
	// And by trade_no and out_request_no over v3 (a GET); a sync
	// settlement was done when it was made.
	var v3 client.OrderSettleQueryResponse
	if err := c.V3(ctx, "alipay.trade.order.settle.query", client.OrderSettleQueryRequest{TradeNo: p.TradeNo, OutRequestNo: "S1"}, &v3); err != nil ||
		v3.OutRequestNo != "S1" || len(v3.RoyaltyDetailList) != 1 || v3.RoyaltyDetailList[0].Amount != amount.MustParse("3.00") ||
		v3.RoyaltyDetailList[0].State != "SUCCESS" || v3.RoyaltyDetailList[0].ExecuteDt != v3.OperationDt {
		t.Fatalf("v3 query: %+v %v", v3, err)
	}
	_, err = c.OrderSettleQuery(ctx, client.OrderSettleQueryRequest{TradeNo: p.TradeNo, OutRequestNo: "S9"})
	wantAPIError(t, err, "40004", "ACQ.TRADE_NOT_EXIST")
	_, err = c.OrderSettleQuery(ctx, client.OrderSettleQueryRequest{SettleNo: "1"})
	wantAPIError(t, err, "40004", "ACQ.TRADE_NOT_EXIST")
	_, err = c.OrderSettleQuery(ctx, client.OrderSettleQueryRequest{TradeNo: p.TradeNo})
	wantAPIError(t, err, "40004", "ACQ.INVALID_PARAMETER")

	// The trade keeps its settlements and their history.
	tr := mockTrade(t, srv, "settle-1")
	if sets, _ := tr["settlements"].([]any); len(sets) != 2 || sets[1].(map[string]any)["royalty_mode"] != "async" {
		t.Errorf("settlements %v", tr["settlements"])
	}
	n := 0
	for _, e := range tr["history"].([]any) {
		if e.(map[string]any)["type"] == "settled" {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d settled events, want 2", n)
	}

	// Refused: a receiver not bound, an unpaid trade, an unknown trade, bad fields.
	pre, err := c.Precreate(ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "settle-2", TotalAmount: amount.MustParse("1.00"), Subject: "s"}})
	if err != nil {
		t.Fatal(err)
	}
	buyer(t, srv, "scan", pre.OutTradeNo, nil) // an unscanned QR trade does not exist yet
	unpaid := mockTrade(t, srv, pre.OutTradeNo)["trade_no"].(string)
	one := []client.RoyaltyParameter{{TransIn: recv, Amount: amount.MustParse("0.01")}}
	for _, tc := range []struct {
		name, sub, says string
		req             client.OrderSettleRequest
	}{
		{"receiver not bound", "ACQ.ROYALTY_RECEIVER_INVALID", "", client.OrderSettleRequest{OutRequestNo: "E1", TradeNo: p.TradeNo,
			RoyaltyParameters: []client.RoyaltyParameter{{TransIn: stranger, Amount: amount.MustParse("0.01")}}}},
		{"unpaid trade", "ACQ.TRADE_STATUS_ERROR", "", client.OrderSettleRequest{OutRequestNo: "E2", TradeNo: unpaid, RoyaltyParameters: one}},
		{"unknown trade", "ACQ.TRADE_NOT_EXIST", "", client.OrderSettleRequest{OutRequestNo: "E3", TradeNo: "2099010122001400000000000000", RoyaltyParameters: one}},
		{"no trade_no", "ACQ.INVALID_PARAMETER", "trade_no", client.OrderSettleRequest{OutRequestNo: "E4", RoyaltyParameters: one}},
		{"no out_request_no", "ACQ.INVALID_PARAMETER", "out_request_no", client.OrderSettleRequest{TradeNo: p.TradeNo, RoyaltyParameters: one}},
		{"out_request_no with a dash", "ACQ.INVALID_PARAMETER", "out_request_no", client.OrderSettleRequest{OutRequestNo: "E-5", TradeNo: p.TradeNo, RoyaltyParameters: one}},
		{"no royalty_parameters", "ACQ.INVALID_PARAMETER", "royalty_parameters", client.OrderSettleRequest{OutRequestNo: "E6", TradeNo: p.TradeNo}},
		{"no trans_in", "ACQ.INVALID_PARAMETER", "trans_in", client.OrderSettleRequest{OutRequestNo: "E7", TradeNo: p.TradeNo,
			RoyaltyParameters: []client.RoyaltyParameter{{Amount: amount.MustParse("0.01")}}}},
		{"zero amount", "ACQ.INVALID_PARAMETER", "amount", client.OrderSettleRequest{OutRequestNo: "E8", TradeNo: p.TradeNo,
			RoyaltyParameters: []client.RoyaltyParameter{{TransIn: recv}}}},
		{"unknown royalty_mode", "ACQ.INVALID_PARAMETER", "royalty_mode", client.OrderSettleRequest{OutRequestNo: "E9", TradeNo: p.TradeNo, RoyaltyMode: "later", RoyaltyParameters: one}},
		{"royalty_type replenish", "ACQ.INVALID_PARAMETER", "royalty_type", client.OrderSettleRequest{OutRequestNo: "E11", TradeNo: p.TradeNo,
			RoyaltyParameters: []client.RoyaltyParameter{{RoyaltyType: "replenish", TransIn: recv, Amount: amount.MustParse("0.01")}}}},
		{"cardAliasNo", "ACQ.INVALID_PARAMETER", "trans_in_type", client.OrderSettleRequest{OutRequestNo: "E10", TradeNo: p.TradeNo,
			RoyaltyParameters: []client.RoyaltyParameter{{TransIn: "x", TransInType: "cardAliasNo", Amount: amount.MustParse("0.01")}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.OrderSettle(ctx, tc.req)
			e := wantAPIError(t, err, "40004", tc.sub)
			if !strings.Contains(e.SubMsg, tc.says) {
				t.Errorf("sub_msg %q does not name %q", e.SubMsg, tc.says)
			}
		})
	}
	if sets := mockTrade(t, srv, "settle-1")["settlements"].([]any); len(sets) != 2 {
		t.Errorf("refused settlements were recorded: %d", len(sets))
	}
}

// royalty_info and settle_info are kept on the trade as sent; one that is
// not a JSON object is refused.
func TestE2ERoyaltyAndSettleInfoKept(t *testing.T) {
	srv := startMock(t, mock.Options{})
	c := mockClient(t, srv, nil)
	ctx := context.Background()
	ri := &client.RoyaltyInfo{RoyaltyType: "ROYALTY", RoyaltyDetailInfos: []client.RoyaltyDetailInfos{
		{SerialNo: 1, TransIn: "2088000000000101", Amount: amount.MustParse("1.00"), Desc: "fee"}}}
	si := &client.SettleInfo{SettleDetailInfos: []client.SettleDetailInfo{{TransInType: "defaultSettle", Amount: amount.MustParse("5.00")}}}
	if _, err := c.Precreate(ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "info-1", TotalAmount: amount.MustParse("5.00"),
		Subject: "s", RoyaltyInfo: ri, SettleInfo: si}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "info-2", TotalAmount: amount.MustParse("5.00"), Subject: "s", RoyaltyInfo: ri},
		AuthCode: "286648048691290423"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(ctx, client.CreateRequest{Order: client.Order{OutTradeNo: "info-3", TotalAmount: amount.MustParse("5.00"), Subject: "s", SettleInfo: si},
		BuyerID: "2088000000000001"}); err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string][]string{"info-1": {"royalty_info", "settle_info"}, "info-2": {"royalty_info"}, "info-3": {"settle_info"}} {
		tr := mockTrade(t, srv, ref)
		for _, k := range want {
			if tr[k] == nil {
				t.Errorf("%s: no %s in %v", ref, k, tr)
			}
		}
	}
	kept := mockTrade(t, srv, "info-1")
	det := kept["royalty_info"].(map[string]any)["royalty_detail_infos"].([]any)[0].(map[string]any)
	if det["trans_in"] != "2088000000000101" || det["amount"] != "1.00" || kept["settle_info"].(map[string]any)["settle_detail_infos"] == nil {
		t.Errorf("kept %v %v", kept["royalty_info"], kept["settle_info"])
	}
	m := mocktest.On(t, srv)
	for _, biz := range []string{
		`{"out_trade_no":"info-4","total_amount":"1.00","subject":"s","royalty_info":"ROYALTY"}`,
		`{"out_trade_no":"info-5","total_amount":"1.00","subject":"s","settle_info":[1]}`,
		`{"out_trade_no":"info-6","total_amount":"1.00","subject":"s","settle_info":{"x":"` + strings.Repeat("a", 5000) + `"}}`,
	} {
		node := m.Call("alipay.trade.precreate", biz)
		if node["sub_code"] != "ACQ.INVALID_PARAMETER" {
			t.Errorf("%.80s: %v", biz, node)
		}
	}
}

// refund_royalty_parameters take settled money back from receivers, at
// most what each was given; what is taken back can be settled again.
func TestE2ERefundRoyaltyParameters(t *testing.T) {
	srv := startMock(t, mock.Options{Trades: uncapped})
	c := mockClient(t, srv, nil)
	ctx := context.Background()
	const recv = "2088000000000101"
	if _, err := c.RoyaltyRelationBind(ctx, client.RoyaltyRelationRequest{OutRequestNo: "B1",
		ReceiverList: []client.RoyaltyEntity{{Type: client.RoyaltyUserID, Account: recv}}}); err != nil {
		t.Fatal(err)
	}
	// Not face-to-face: a face-to-face refund takes the split back on its
	// own and refuses refund_royalty_parameters.
	p, err := c.Create(ctx, client.CreateRequest{Order: client.Order{OutTradeNo: "back-1", TotalAmount: amount.MustParse("10.00"), Subject: "s"},
		BuyerID: "2088102000005678"})
	if err != nil {
		t.Fatal(err)
	}
	buyer(t, srv, "pay", "back-1", nil)
	settle := func(no, amt string) error {
		_, err := c.OrderSettle(ctx, client.OrderSettleRequest{OutRequestNo: no, TradeNo: p.TradeNo,
			RoyaltyParameters: []client.RoyaltyParameter{{TransIn: recv, Amount: amount.MustParse(amt)}}})
		return err
	}
	refund := func(no, amt, back string) error {
		_, err := c.Refund(ctx, client.RefundRequest{TradeNo: p.TradeNo, OutRequestNo: no, RefundAmount: amount.MustParse(amt),
			RefundRoyaltyParameters: []client.RoyaltyParameter{{TransOut: recv, Amount: amount.MustParse(back)}}})
		return err
	}
	if err := settle("S1", "4.00"); err != nil {
		t.Fatal(err)
	}
	wantAPIError(t, refund("R1", "1.00", "4.01"), "40004", "ACQ.ALLOC_AMOUNT_VALIDATE_ERROR")
	if err := refund("R1", "1.00", "2.00"); err != nil {
		t.Fatal(err)
	}
	wantAPIError(t, refund("R2", "1.00", "2.01"), "40004", "ACQ.ALLOC_AMOUNT_VALIDATE_ERROR")
	_, err = c.Refund(ctx, client.RefundRequest{TradeNo: p.TradeNo, OutRequestNo: "R3", RefundAmount: amount.MustParse("1.00"),
		RefundRoyaltyParameters: []client.RoyaltyParameter{{Amount: amount.MustParse("1.00")}}})
	e := wantAPIError(t, err, "40004", "ACQ.INVALID_PARAMETER")
	if !strings.Contains(e.SubMsg, "trans_out") {
		t.Errorf("sub_msg %q does not name trans_out", e.SubMsg)
	}
	tr := mockTrade(t, srv, "back-1")
	refunds := tr["refunds"].([]any)
	if len(refunds) != 1 {
		t.Fatalf("refunds %v: failed ones must not be recorded", refunds)
	}
	back := refunds[0].(map[string]any)["refund_royalty_parameters"].([]any)
	if len(back) != 1 || back[0].(map[string]any)["trans_out"] != recv || back[0].(map[string]any)["amount"] != "2.00" {
		t.Errorf("kept %v", back)
	}
	// Left to settle: 10 - 1 refunded - (4 - 2) still with the receiver = 7.
	wantAPIError(t, settle("S2", "7.01"), "40004", "ACQ.ALLOC_AMOUNT_VALIDATE_ERROR")
	if err := settle("S2", "7.00"); err != nil {
		t.Fatal(err)
	}
}

// query's trade_settle_info lists the trade's transfers (an async one once
// done) and what refunds took back, only when query_options asks for it.
func TestE2EQueryTradeSettleInfo(t *testing.T) {
	// A clock that stands still: the sync transfer's operation_dt equals the
	// payment's only if no second passes between the two calls.
	m := mocktest.Start(t, mock.Options{Clock: clock.NewManual(appEpoch), Trades: uncapped})
	srv, c := m.Srv, m.Client(nil)
	ctx := context.Background()
	const recv = "2088000000000101"
	if _, err := c.RoyaltyRelationBind(ctx, client.RoyaltyRelationRequest{OutRequestNo: "B1",
		ReceiverList: []client.RoyaltyEntity{{Type: client.RoyaltyUserID, Account: recv}}}); err != nil {
		t.Fatal(err)
	}
	p, err := c.Create(ctx, client.CreateRequest{Order: client.Order{OutTradeNo: "tsi-1", TotalAmount: amount.MustParse("10.00"), Subject: "s"},
		BuyerID: "2088102000005678"})
	if err != nil {
		t.Fatal(err)
	}
	buyer(t, srv, "pay", "tsi-1", nil)
	asked := client.QueryRequest{TradeNo: p.TradeNo, QueryOptions: []string{"trade_settle_info"}}
	if q, err := c.Query(ctx, asked); err != nil || q.TradeSettleInfo != nil {
		t.Fatalf("nothing settled yet: %+v %v", q, err)
	}
	for _, s := range []client.OrderSettleRequest{
		{OutRequestNo: "S1", TradeNo: p.TradeNo, RoyaltyParameters: []client.RoyaltyParameter{{TransIn: recv, Amount: amount.MustParse("3.00")}}},
		{OutRequestNo: "S2", TradeNo: p.TradeNo, RoyaltyMode: "async", RoyaltyParameters: []client.RoyaltyParameter{{TransIn: recv, Amount: amount.MustParse("2.00")}}},
	} {
		if _, err := c.OrderSettle(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	q, err := c.Query(ctx, asked)
	if err != nil || q.TradeSettleInfo == nil || len(q.TradeSettleInfo.TradeSettleDetailList) != 1 {
		t.Fatalf("before the async one is done: %+v %v", q, err)
	}
	d := q.TradeSettleInfo.TradeSettleDetailList[0]
	if d.OperationType != "transfer" || d.OperationSerialNo != "S1" || d.TransIn != recv || d.TransOut == "" ||
		d.Amount != amount.MustParse("3.00") || d.OperationDt != q.SendPayDate {
		t.Errorf("sync transfer %+v (paid %s)", d, q.SendPayDate)
	}
	if q.TradeSettleInfo.TradeUnsettledAmount != "" {
		t.Errorf("trade_unsettled_amount %q outside 账期 modes", q.TradeSettleInfo.TradeUnsettledAmount)
	}
	mocktest.On(t, srv).Advance("5s")
	if _, err := c.Refund(ctx, client.RefundRequest{TradeNo: p.TradeNo, RefundAmount: amount.MustParse("1.00"), OutRequestNo: "R1",
		RefundRoyaltyParameters: []client.RoyaltyParameter{{TransOut: recv, Amount: amount.MustParse("1.00")}}}); err != nil {
		t.Fatal(err)
	}
	q, err = c.Query(ctx, asked)
	if err != nil || q.TradeSettleInfo == nil {
		t.Fatalf("after: %+v %v", q, err)
	}
	var got []string
	for _, d := range q.TradeSettleInfo.TradeSettleDetailList {
		got = append(got, d.OperationType+" "+d.OperationSerialNo+" "+d.TransOut+">"+d.TransIn+" "+d.Amount.String())
	}
	seller := q.TradeSettleInfo.TradeSettleDetailList[0].TransOut
	want := []string{"transfer S1 " + seller + ">" + recv + " 3.00", "transfer S2 " + seller + ">" + recv + " 2.00",
		"transfer_refund R1 " + recv + ">" + seller + " 1.00"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("details\n got %v\nwant %v", got, want)
	}
	// Not asked: absent.
	if q, err := c.Query(ctx, client.QueryRequest{TradeNo: p.TradeNo, QueryOptions: []string{"fund_bill_list"}}); err != nil || q.TradeSettleInfo != nil {
		t.Errorf("not asked: %+v %v", q.TradeSettleInfo, err)
	}
}
