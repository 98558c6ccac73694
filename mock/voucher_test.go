package mock_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// voucherDetailFields are the @ApiField names of alipay-sdk-java-all's
// v2/src/main/java/com/alipay/api/domain/VoucherDetail.java.
var voucherDetailFields = map[string]bool{"amount": true, "id": true, "memo": true, "merchant_contribute": true,
	"name": true, "other_contribute": true, "other_contribute_detail": true, "purchase_ant_contribute": true,
	"purchase_buyer_contribute": true, "purchase_merchant_contribute": true, "template_id": true, "type": true}

// list reads field of node as a list of objects, failing when it is not one.
func list(t *testing.T, node map[string]any, field string) []map[string]any {
	t.Helper()
	raw, ok := node[field].([]any)
	if !ok {
		t.Fatalf("%s = %v, want a list (node %v)", field, node[field], node)
	}
	out := make([]map[string]any, len(raw))
	for i, e := range raw {
		if out[i], ok = e.(map[string]any); !ok {
			t.Fatalf("%s[%d] = %v, want an object", field, i, e)
		}
	}
	return out
}

// cents parses an amount field of node.
func cents(t *testing.T, node map[string]any, field string) amount.Amount {
	t.Helper()
	s, _ := node[field].(string)
	a, err := amount.Parse(s)
	if err != nil {
		t.Fatalf("%s = %v: %v", field, node[field], err)
	}
	return a
}

// sumBills adds up the amounts of a fund_bill_list.
func sumBills(t *testing.T, bills []map[string]any) amount.Amount {
	t.Helper()
	var s amount.Amount
	for _, b := range bills {
		s += cents(t, b, "amount")
	}
	return s
}

// TestVoucherAmountsConsistent: a buyer paying partly with a coupon (the
// magic amounts 100.10 and 100.20, or a then.voucher rule) gets the same
// amounts on pay, query and the notification: buyer_pay_amount and
// invoice_amount are the total less the voucher, receipt_amount the total
// less what the merchant funded, fund_bill_list adds up to the total.
func TestVoucherAmountsConsistent(t *testing.T) {
	h := newHarness(t, mock.Options{})
	mer := newMerchant(t, "success")
	h.control("POST", "/scenarios", `{"name":"voucher","rules":[{"when":{"method":"alipay.trade.pay","biz":{"out_trade_no":"V3"}},"then":{"voucher":{"amount":"2.50","funder":"merchant","name":"满减券"}}}]}`, http.StatusCreated)
	opts := `"query_options":["fund_bill_list","voucher_detail_list"]`
	cases := []struct {
		out, total, voucher, receipt, buyerPay, typ, channel, merchantPart, name string
	}{
		{"V1", "100.10", "10.00", "100.10", "90.10", "ALIPAY_FIX_VOUCHER", "DISCOUNT", "0.00", "10.00元代金券"},
		{"V2", "100.20", "10.00", "90.20", "90.20", "ALIPAY_BIZ_VOUCHER", "MDISCOUNT", "10.00", "10.00元代金券"},
		{"V3", "20.00", "2.50", "17.50", "17.50", "ALIPAY_BIZ_VOUCHER", "MDISCOUNT", "2.50", "满减券"},
	}
	for _, c := range cases {
		t.Run(c.out, func(t *testing.T) {
			p := h.params("alipay.trade.pay", `{"out_trade_no":"`+c.out+`","scene":"bar_code","auth_code":"283912345678901234","total_amount":"`+c.total+`","subject":"咖啡",`+opts+`}`,
				func(p map[string]string) { p["notify_url"] = mer.URL })
			pay := h.verify("alipay.trade.pay", h.post(p), true)
			q := h.call("alipay.trade.query", `{"out_trade_no":"`+c.out+`",`+opts+`}`)
			expect(t, q, "trade_status", "TRADE_SUCCESS")
			for name, node := range map[string]map[string]any{"pay": pay, "query": q} {
				expect(t, node, "code", "10000", "total_amount", c.total, "buyer_pay_amount", c.buyerPay,
					"invoice_amount", c.buyerPay, "receipt_amount", c.receipt, "point_amount", "0.00")
				bills := list(t, node, "fund_bill_list")
				if got := sumBills(t, bills); got.String() != c.total {
					t.Errorf("%s: fund_bill_list adds up to %s, want %s: %v", name, got, c.total, bills)
				}
				if len(bills) != 2 {
					t.Fatalf("%s: fund_bill_list %v, want the balance and the voucher", name, bills)
				}
				expect(t, bills[0], "fund_channel", "ALIPAYACCOUNT", "amount", c.buyerPay)
				expect(t, bills[1], "fund_channel", c.channel, "amount", c.voucher)
				vs := list(t, node, "voucher_detail_list")
				if len(vs) != 1 {
					t.Fatalf("%s: voucher_detail_list %v, want one voucher", name, vs)
				}
				expect(t, vs[0], "type", c.typ, "amount", c.voucher, "merchant_contribute", c.merchantPart, "name", c.name)
				if cents(t, vs[0], "merchant_contribute")+cents(t, vs[0], "other_contribute") != cents(t, vs[0], "amount") {
					t.Errorf("%s: contributions do not add up to the voucher: %v", name, vs[0])
				}
				for k := range vs[0] {
					if !voucherDetailFields[k] {
						t.Errorf("%s: voucher_detail_list field %s is not in the SDK's VoucherDetail", name, k)
					}
				}
				if id, _ := vs[0]["id"].(string); len(id) != 28 {
					t.Errorf("%s: voucher id %q, want 28 characters", name, id)
				}
			}

			n := h.notifications("out_trade_no=" + c.out + "&state=delivered")
			if len(n) != 1 {
				t.Fatalf("notifications %+v, want one", n)
			}
			f := n[0].Params
			for k, want := range map[string]string{"total_amount": c.total, "buyer_pay_amount": c.buyerPay,
				"invoice_amount": c.buyerPay, "receipt_amount": c.receipt, "point_amount": "0.00"} {
				if f[k] != want {
					t.Errorf("notification %s = %q, want %q", k, f[k], want)
				}
			}
			var nb []map[string]string
			if err := json.Unmarshal([]byte(f["fund_bill_list"]), &nb); err != nil || len(nb) != 2 ||
				nb[0]["fundChannel"] != "ALIPAYACCOUNT" || nb[0]["amount"] != c.buyerPay || nb[1]["fundChannel"] != c.channel || nb[1]["amount"] != c.voucher {
				t.Errorf("notification fund_bill_list %s (%v)", f["fund_bill_list"], err)
			}
			var nv []map[string]string
			if err := json.Unmarshal([]byte(f["voucher_detail_list"]), &nv); err != nil || len(nv) != 1 ||
				nv[0]["amount"] != c.voucher || nv[0]["merchantContribute"] != c.merchantPart || nv[0]["type"] != c.typ || len(nv[0]["voucherId"]) != 28 {
				t.Errorf("notification voucher_detail_list %s (%v)", f["voucher_detail_list"], err)
			}
		})
	}

	t.Run("control API", func(t *testing.T) {
		tr := h.control("GET", "/trades/V2", "", http.StatusOK)
		vs := list(t, tr, "voucher_detail_list")
		if len(vs) != 1 {
			t.Fatalf("trade voucher_detail_list %v", vs)
		}
		expect(t, vs[0], "amount", "10.00", "merchant_contribute", "10.00", "type", "ALIPAY_BIZ_VOUCHER")
	})

	t.Run("dashboard", func(t *testing.T) {
		page := string(getBody(t, h.http.URL+"/_mock/ui/trades/V2"))
		for _, want := range []string{
			`<tr data-field="voucher_detail_list"><th scope="row">paid with vouchers (voucher_detail_list)</th><td>10.00 ALIPAY_BIZ_VOUCHER (merchant 10.00, other 0.00) 10.00元代金券</td>`,
			`<tr data-field="buyer_pay_amount"><th scope="row">buyer_pay_amount</th><td>90.20</td>`,
			`<tr data-field="receipt_amount"><th scope="row">receipt_amount</th><td>90.20</td>`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("trade page lacks %s", want)
			}
		}
	})

	t.Run("no voucher", func(t *testing.T) {
		p := h.params("alipay.trade.pay", `{"out_trade_no":"V0","scene":"bar_code","auth_code":"283912345678901234","total_amount":"100.00","subject":"咖啡",`+opts+`}`,
			func(p map[string]string) { p["notify_url"] = mer.URL })
		pay := h.verify("alipay.trade.pay", h.post(p), true)
		expect(t, pay, "buyer_pay_amount", "100.00", "receipt_amount", "100.00", "invoice_amount", "100.00")
		absent(t, pay, "voucher_detail_list")
		if b := list(t, pay, "fund_bill_list"); len(b) != 1 {
			t.Errorf("fund_bill_list %v, want the balance only", b)
		}
		n := h.notifications("out_trade_no=V0&state=delivered")
		if len(n) != 1 {
			t.Fatalf("notifications %+v", n)
		}
		if v, ok := n[0].Params["voucher_detail_list"]; ok {
			t.Errorf("notification voucher_detail_list = %q, want none without a voucher", v)
		}
		page := string(getBody(t, h.http.URL+"/_mock/ui/trades/V0"))
		if !strings.Contains(page, `data-field="total_amount"`) || strings.Contains(page, `data-field="voucher_detail_list"`) ||
			strings.Contains(page, `data-field="buyer_pay_amount"`) {
			t.Error("the trade page of a trade without a voucher lacks total_amount or shows voucher fields")
		}
	})
}

// TestVoucherGatedByQueryOptions: voucher_detail_list and
// refund_voucher_detail_list appear only when query_options names them.
func TestVoucherGatedByQueryOptions(t *testing.T) {
	h := newHarness(t, mock.Options{})
	pay := h.call("alipay.trade.pay", `{"out_trade_no":"G1","scene":"bar_code","auth_code":"283912345678901234","total_amount":"100.10","subject":"咖啡"}`)
	expect(t, pay, "code", "10000", "buyer_pay_amount", "90.10")
	absent(t, pay, "voucher_detail_list", "fund_bill_list")
	q := h.call("alipay.trade.query", `{"out_trade_no":"G1","query_options":["fund_bill_list"]}`)
	expect(t, q, "buyer_pay_amount", "90.10", "receipt_amount", "100.10")
	absent(t, q, "voucher_detail_list")
	present(t, q, "fund_bill_list")
	q = h.call("alipay.trade.query", `{"out_trade_no":"G1","query_options":["voucher_detail_list"]}`)
	present(t, q, "voucher_detail_list")
	absent(t, q, "fund_bill_list")

	r := h.call("alipay.trade.refund", `{"out_trade_no":"G1","refund_amount":"1.00","out_request_no":"R1"}`)
	expect(t, r, "code", "10000")
	absent(t, r, "refund_voucher_detail_list")
	rq := h.call("alipay.trade.fastpay.refund.query", `{"out_trade_no":"G1","out_request_no":"R1"}`)
	absent(t, rq, "refund_voucher_detail_list")
	rq = h.call("alipay.trade.fastpay.refund.query", `{"out_trade_no":"G1","out_request_no":"R1","query_options":["refund_voucher_detail_list"]}`)
	if v := list(t, rq, "refund_voucher_detail_list"); len(v) != 1 {
		t.Errorf("refund query refund_voucher_detail_list %v", v)
	}

	// An unpaid trade with a voucher lists none: nothing was used yet.
	h.call("alipay.trade.precreate", `{"out_trade_no":"G2","total_amount":"100.10","subject":"奶茶"}`)
	h.control("POST", "/trades/G2/scan", "", http.StatusOK)
	q = h.call("alipay.trade.query", `{"out_trade_no":"G2","query_options":["voucher_detail_list","fund_bill_list"]}`)
	expect(t, q, "trade_status", "WAIT_BUYER_PAY")
	absent(t, q, "voucher_detail_list", "fund_bill_list")
}

// TestVoucherRefund: refunds list the vouchers the trade was paid with
// (refund_voucher_detail_list) and give the buyer's money back first, the
// voucher's part last; a full refund closes the trade.
func TestVoucherRefund(t *testing.T) {
	h := newHarness(t, mock.Options{})
	h.call("alipay.trade.pay", `{"out_trade_no":"F1","scene":"bar_code","auth_code":"283912345678901234","total_amount":"100.20","subject":"咖啡"}`)
	all := `"query_options":["refund_voucher_detail_list","refund_detail_item_list"]`
	steps := []struct {
		req, amount, refunded string
		sendBack              string      // the merchant's own money: not the merchant's voucher
		bills                 [][2]string // channel, amount
	}{
		{"R1", "80.00", "80.00", "80.00", [][2]string{{"ALIPAYACCOUNT", "80.00"}}},
		{"R2", "15.00", "95.00", "10.20", [][2]string{{"ALIPAYACCOUNT", "10.20"}, {"MDISCOUNT", "4.80"}}},
		{"R3", "5.20", "100.20", "0.00", [][2]string{{"MDISCOUNT", "5.20"}}},
	}
	for _, s := range steps {
		r := h.call("alipay.trade.refund", `{"out_trade_no":"F1","refund_amount":"`+s.amount+`","out_request_no":"`+s.req+`",`+all+`}`)
		expect(t, r, "code", "10000", "refund_fee", s.refunded, "send_back_fee", s.sendBack)
		v := list(t, r, "refund_voucher_detail_list")
		if len(v) != 1 {
			t.Fatalf("%s: refund_voucher_detail_list %v", s.req, v)
		}
		expect(t, v[0], "amount", "10.00", "merchant_contribute", "10.00", "type", "ALIPAY_BIZ_VOUCHER")
		items := list(t, r, "refund_detail_item_list")
		if len(items) != len(s.bills) {
			t.Fatalf("%s: refund_detail_item_list %v, want %v", s.req, items, s.bills)
		}
		for i, b := range s.bills {
			expect(t, items[i], "fund_channel", b[0], "amount", b[1])
		}
		rq := h.call("alipay.trade.fastpay.refund.query", `{"out_trade_no":"F1","out_request_no":"`+s.req+`",`+all+`}`)
		if got := list(t, rq, "refund_detail_item_list"); len(got) != len(s.bills) || sumBills(t, got).String() != s.amount {
			t.Errorf("%s: refund query refund_detail_item_list %v, want %v", s.req, got, s.bills)
		}
		expect(t, rq, "send_back_fee", s.sendBack)
	}
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"F1"}`), "trade_status", "TRADE_CLOSED")
}

// TestVoucherKeptAcrossRestarts: with --data a trade's voucher survives a
// restart, with the same id and amounts.
func TestVoucherKeptAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	at := time.Date(2026, 6, 5, 10, 0, 0, 0, time.UTC)
	opts := []string{"voucher_detail_list"}
	s1, c1 := startWithData(t, dir, at)
	p, err := c1.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "PV", TotalAmount: amount.MustParse("100.10"), Subject: "s"},
		Scene: "bar_code", AuthCode: "283912345678901234", QueryOptions: opts})
	if err != nil || len(p.VoucherDetailList) != 1 {
		t.Fatalf("pay = %+v, %v", p, err)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	_, c2 := startWithData(t, dir, at)
	q, err := c2.Query(ctx, client.QueryRequest{OutTradeNo: "PV", QueryOptions: opts})
	if err != nil || len(q.VoucherDetailList) != 1 || q.VoucherDetailList[0] != p.VoucherDetailList[0] ||
		q.BuyerPayAmount != amount.MustParse("90.10") || q.ReceiptAmount != amount.MustParse("100.10") {
		t.Fatalf("after restart: query = %+v, %v; pay had %+v", q, err, p.VoucherDetailList)
	}
}

// send_back_fee is "本次商户实际退回金额" (AlipayTradeRefundResponse,
// AlipayTradeFastpayRefundQueryResponse): what the merchant itself pays
// back. A merchant-funded voucher (MDISCOUNT, magic amount 100.20) carried
// no money: the merchant received 90.20 (receipt_amount) and, refunding
// the whole 100.20, pays back only 90.20, the 10.00 voucher going back to
// the buyer as a voucher (AlipayTradeRefundModel.refund_amount: "20元无资金
// 流的营销券，商家实际收款80元 … 把20元的营销券退回给用户"). The mock answered
// send_back_fee 100.20: more than the merchant ever received.
func TestSendBackFeeLeavesOutMerchantVoucher(t *testing.T) {
	h := newHarness(t, mock.Options{})
	paid := h.call("alipay.trade.pay", `{"out_trade_no":"SBMV","scene":"bar_code","auth_code":"283912345678901234","total_amount":"100.20","subject":"s"}`)
	expect(t, paid, "code", "10000")
	expect(t, paid, "receipt_amount", "90.20")
	r := h.call("alipay.trade.refund", `{"out_trade_no":"SBMV","refund_amount":"100.20","out_request_no":"MVR1","query_options":["refund_detail_item_list"]}`)
	expect(t, r, "code", "10000")
	expect(t, r, "send_back_fee", "90.20")
	q := h.call("alipay.trade.fastpay.refund.query", `{"out_trade_no":"SBMV","out_request_no":"MVR1","query_options":["refund_detail_item_list"]}`)
	expect(t, q, "send_back_fee", "90.20")
}

// AlipayTradePayModel.query_options: "包括但不限于：["fund_bill_list",
// "voucher_detail_list","enterprise_pay_info","discount_goods_detail",
// "discount_amount","mdiscount_amount"]"; the pay and query responses carry
// discount_amount (平台优惠金额) and mdiscount_amount (商家优惠金额). A trade
// paid partly with a voucher (magic amounts 100.10: Alipay's 10.00, 100.20:
// the merchant's 10.00) reports them only when asked.
func TestDiscountAmountsWhenAsked(t *testing.T) {
	h := newHarness(t, mock.Options{})
	p := h.call("alipay.trade.pay", `{"out_trade_no":"DAMD","scene":"bar_code","auth_code":"283912345678901234","total_amount":"100.20","subject":"s","query_options":["mdiscount_amount","discount_amount"]}`)
	expect(t, p, "code", "10000")
	expect(t, p, "mdiscount_amount", "10.00", "discount_amount", "0.00")
	q := h.call("alipay.trade.query", `{"out_trade_no":"DAMD","query_options":["mdiscount_amount"]}`)
	expect(t, q, "mdiscount_amount", "10.00")
	h.call("alipay.trade.pay", `{"out_trade_no":"DAD","scene":"bar_code","auth_code":"283912345678901234","total_amount":"100.10","subject":"s"}`)
	q = h.call("alipay.trade.query", `{"out_trade_no":"DAD","query_options":["discount_amount"]}`)
	expect(t, q, "discount_amount", "10.00")
	if q = h.call("alipay.trade.query", `{"out_trade_no":"DAD"}`); q["discount_amount"] != nil || q["mdiscount_amount"] != nil {
		t.Errorf("discount amounts not asked for: %v", q)
	}
}

// send_back_fee's merchant-voucher share is back*MerchantDiscount/all in
// int64 cents: a 50,000,000.00 trade with a 40,000,000.00 merchant voucher
// (both within Alipay's bounds) overflows it. The merchant received
// 10,000,000.00 (receipt_amount) and pays back that much on a full refund.
func TestSendBackFeeOfALargeMerchantVoucherDoesNotOverflow(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	m.Control("POST", "/scenarios", `{"name":"bigv","rules":[{"when":{"method":"alipay.trade.precreate","biz":{"out_trade_no":"SBF-BIGV"}},"then":{"voucher":{"amount":"40000000.00","funder":"merchant"}}}]}`, http.StatusCreated)
	expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"SBF-BIGV","total_amount":"50000000.00","subject":"s"}`), "code", "10000")
	m.Control("POST", "/trades/SBF-BIGV/pay", nil, http.StatusOK)
	expect(t, m.Call("alipay.trade.query", `{"out_trade_no":"SBF-BIGV"}`), "trade_status", "TRADE_SUCCESS", "receipt_amount", "10000000.00")
	r := m.Call("alipay.trade.refund", `{"out_trade_no":"SBF-BIGV","refund_amount":"50000000.00","out_request_no":"R1","query_options":["refund_detail_item_list"]}`)
	expect(t, r, "code", "10000")
	expect(t, r, "send_back_fee", "10000000.00")
	q := m.Call("alipay.trade.fastpay.refund.query", `{"out_trade_no":"SBF-BIGV","out_request_no":"R1","query_options":["refund_detail_item_list"]}`)
	expect(t, q, "send_back_fee", "10000000.00")
}
