package sdktest

import (
	"context"
	"testing"

	"github.com/go-pay/gopay"
	"github.com/smartwalle/alipay/v3"
)

// TestTypedAnswersGoSDKs decodes the answers of the trade methods the flows
// do not call into smartwalle's and gopay's typed responses, verified:
// a field of the wrong JSON type fails the SDK's json.Unmarshal.
func TestTypedAnswersGoSDKs(t *testing.T) {
	t.Parallel()
	m := startMock(t)
	ctx := context.Background()
	sw := newSmartwalle(t, m.Gateway, devCredentials()).(smartwalleSDK).c
	gp := newGopay(t, m.Gateway, devCredentials()).(gopaySDK).c
	opts := []string{"fund_bill_list", "voucher_detail_list", "discount_goods_detail", "discount_amount", "mdiscount_amount",
		"medical_insurance_info", "trade_settle_info", "charge_info_list", "hb_fq_pay_info", "buyer_user_type", "credit_pay_mode"}

	no := newID("TY")
	if r, err := sw.TradePay(ctx, alipay.TradePay{Trade: alipay.Trade{OutTradeNo: no, TotalAmount: "10.00", Subject: "typed", ProductCode: "FACE_TO_FACE_PAYMENT"},
		Scene: "bar_code", AuthCode: authCode}); err != nil || !r.IsSuccess() {
		t.Fatalf("pay: %+v %v", r, err)
	}
	q, err := sw.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: no, QueryOptions: opts})
	if err != nil || !q.IsSuccess() || len(q.FundBillList) == 0 || q.BuyerUserType == "" {
		t.Fatalf("smartwalle query with query_options (fund_bill_list, buyer_user_type): %+v %v", q, err)
	}
	if gq, err := gp.TradeQuery(ctx, gopay.BodyMap{"out_trade_no": no, "query_options": opts}); err != nil || len(gq.Response.FundBillList) == 0 {
		t.Errorf("gopay query with query_options (fund_bill_list): %+v %v", gq, err)
	}
	if r, err := sw.TradeRefund(ctx, alipay.TradeRefund{OutTradeNo: no, RefundAmount: "1.00", OutRequestNo: no + "R",
		QueryOptions: []string{"refund_detail_item_list", "deposit_back_info"}}); err != nil || !r.IsSuccess() || len(r.RefundDetailItemList) == 0 {
		t.Errorf("smartwalle refund with query_options (refund_detail_item_list): %+v %v", r, err)
	}
	rq, err := sw.TradeFastPayRefundQuery(ctx, alipay.TradeFastPayRefundQuery{OutTradeNo: no, OutRequestNo: no + "R",
		QueryOptions: []string{"refund_detail_item_list", "gmt_refund_pay", "deposit_back_info", "refund_royaltys"}})
	if err != nil || !rq.IsSuccess() || len(rq.RefundDetailItemList) == 0 {
		t.Errorf("smartwalle refund query with query_options (refund_detail_item_list): %+v %v", rq, err)
	}
	if gr, err := gp.TradeFastPayRefundQuery(ctx, gopay.BodyMap{"out_trade_no": no, "out_request_no": no + "R",
		"query_options": []string{"refund_detail_item_list", "gmt_refund_pay", "deposit_back_info"}}); err != nil || len(gr.Response.RefundDetailItemList) == 0 {
		t.Errorf("gopay refund query with query_options (refund_detail_item_list): %+v %v", gr, err)
	}
	cr, err := sw.TradeCreate(ctx, alipay.TradeCreate{Trade: alipay.Trade{OutTradeNo: no + "C", TotalAmount: "2.00", Subject: "create"},
		BuyerId: "2088102177846899"})
	if err != nil || !cr.IsSuccess() || cr.TradeNo == "" {
		t.Errorf("smartwalle create: %+v %v", cr, err)
	}
	if gc, err := gp.TradeCreate(ctx, gopay.BodyMap{"out_trade_no": no + "G", "total_amount": "2.00", "subject": "create", "buyer_id": "2088102177846899"}); err != nil || gc.Response.TradeNo == "" {
		t.Errorf("gopay create: %+v %v", gc, err)
	}
}
