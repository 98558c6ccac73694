package client_test

import (
	"context"
	"errors"
	"html"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
)

// Red-packet methods against the fake gateway: what goes on the wire and
// how each kind of answer comes back.

func TestCouponMethods(t *testing.T) {
	g := newFakeGateway(t)
	c := newClient(t, g.gatewayURL(), nil)
	ctx := context.Background()
	order := client.CouponOrder{OutOrderNo: "p1", OutRequestNo: "p1-pay", OrderTitle: "新年红包", Amount: 1000, PayTimeout: "30m", ExtraParam: `{"merchantExt":"x"}`}
	tests := []struct {
		method  string
		call    func() (any, error)
		wantBiz string
	}{
		{"alipay.fund.coupon.order.agreement.pay", func() (any, error) {
			return c.CouponAgreementPay(ctx, client.CouponAgreementPayRequest{CouponOrder: order, PayerUserID: "2088102000000001"})
		}, `{"out_order_no":"p1","out_request_no":"p1-pay","order_title":"新年红包","amount":"10.00","pay_timeout":"30m","extra_param":"{\"merchantExt\":\"x\"}","payer_user_id":"2088102000000001"}`},
		{"alipay.fund.coupon.order.disburse", func() (any, error) {
			return c.CouponDisburse(ctx, client.CouponDisburseRequest{OutOrderNo: "c1", OutRequestNo: "c1-1", DeductAuthNo: "2024050111000000000001",
				OrderTitle: "领红包", Amount: 300, PayeeUserID: "2088102000000002"})
		}, `{"out_order_no":"c1","out_request_no":"c1-1","deduct_auth_no":"2024050111000000000001","order_title":"领红包","amount":"3.00","payee_user_id":"2088102000000002"}`},
		{"alipay.fund.coupon.order.disburse", func() (any, error) {
			return c.CouponDisburse(ctx, client.CouponDisburseRequest{OutOrderNo: "c2", OutRequestNo: "c2-1", DeductOutOrderNo: "p1",
				Amount: 1, PayeeLogonID: "payee@example.com"})
		}, `{"out_order_no":"c2","out_request_no":"c2-1","deduct_out_order_no":"p1","amount":"0.01","payee_logon_id":"payee@example.com"}`},
		{"alipay.fund.coupon.order.refund", func() (any, error) {
			return c.CouponRefund(ctx, client.CouponRefundRequest{AuthNo: "2024050111000000000001", OutRequestNo: "r1", Amount: 500, Remark: "退回"})
		}, `{"auth_no":"2024050111000000000001","out_request_no":"r1","amount":"5.00","remark":"退回"}`},
		{"alipay.fund.coupon.operation.query", func() (any, error) {
			return c.CouponOperationQuery(ctx, client.CouponOperationQueryRequest{AuthNo: "2024050111000000000001", OperationID: "2024050120000000000002"})
		}, `{"auth_no":"2024050111000000000001","operation_id":"2024050120000000000002"}`},
		{"alipay.fund.coupon.operation.query", func() (any, error) {
			return c.CouponOperationQuery(ctx, client.CouponOperationQueryRequest{OutOrderNo: "p1", OutRequestNo: "p1-pay"})
		}, `{"out_order_no":"p1","out_request_no":"p1-pay"}`},
	}
	g.set(reply{node: `{"code":"10000","msg":"Success"}`})
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			resp, err := tt.call()
			if err != nil {
				t.Fatal(err)
			}
			if resp == nil {
				t.Fatal("nil response")
			}
			rec := g.received()
			if rec.VerifyErr != nil {
				t.Errorf("request signature: %v", rec.VerifyErr)
			}
			if rec.Params["method"] != tt.method {
				t.Errorf("method = %q", rec.Params["method"])
			}
			if rec.Params["biz_content"] != tt.wantBiz {
				t.Errorf("biz_content = %s\nwant          %s", rec.Params["biz_content"], tt.wantBiz)
			}
		})
	}
}

func TestCouponResponses(t *testing.T) {
	g := newFakeGateway(t)
	c := newClient(t, g.gatewayURL(), nil)
	ctx := context.Background()

	g.set(reply{node: `{"code":"10000","msg":"Success","amount":"3.00","auth_no":"2024050111000000000002","gmt_trans":"2024-05-01 12:00:01",` +
		`"operation_id":"2024050120000000000003","out_order_no":"c1","out_request_no":"c1-1","status":"SUCCESS"}`})
	d, err := c.CouponDisburse(ctx, client.CouponDisburseRequest{OutOrderNo: "c1"})
	if err != nil {
		t.Fatal(err)
	}
	want := client.CouponOperation{AuthNo: "2024050111000000000002", OperationID: "2024050120000000000003", OutOrderNo: "c1",
		OutRequestNo: "c1-1", Amount: 300, Status: client.CouponSuccess, GmtTrans: "2024-05-01 12:00:01"}
	if d.CouponOperation != want || d.Code != client.CodeSuccess || d.Processing() {
		t.Errorf("disburse = %+v", d)
	}

	g.set(reply{node: `{"code":"10000","msg":"Success","amount":"5.00","auth_no":"A1","extra_param":"{\"k\":\"v\"}","gmt_create":"2024-05-01 12:00:00",` +
		`"gmt_trans":"2024-05-01 12:00:02","operation_id":"O1","operation_type":"REFUND","order_title":"红包","out_order_no":"p1","out_request_no":"r1",` +
		`"payer_logon_id":"138******00","payer_user_id":"2088102000000001","remark":"退回","status":"SUCCESS","total_pay_refund_amount":"5.00"}`})
	q, err := c.CouponOperationQuery(ctx, client.CouponOperationQueryRequest{AuthNo: "A1", OperationID: "O1"})
	if err != nil {
		t.Fatal(err)
	}
	if q.OperationType != client.CouponOperationRefund || q.Amount != 500 || q.TotalPayRefundAmount != 500 || q.ExtraParam != `{"k":"v"}` ||
		q.PayerUserID != "2088102000000001" || q.PayerLogonID != "138******00" || q.Remark != "退回" || q.OrderTitle != "红包" ||
		q.GmtCreate != "2024-05-01 12:00:00" || q.Status != client.CouponSuccess || q.OutOrderNo != "p1" {
		t.Errorf("query = %+v", q)
	}

	t.Run("40004 keeps the response and display_message", func(t *testing.T) {
		g.set(reply{node: `{"code":"40004","msg":"Business Failed","sub_code":"REST_AMOUNT_NOT_ENOUGH","sub_msg":"红包剩余金额不足","display_message":"红包已被领完"}`})
		d, err := c.CouponDisburse(ctx, client.CouponDisburseRequest{OutOrderNo: "c1"})
		var e *client.Error
		if !errors.As(err, &e) || e.SubCode != "REST_AMOUNT_NOT_ENOUGH" || e.SubMsg != "红包剩余金额不足" {
			t.Fatalf("err = %v", err)
		}
		if !errors.Is(err, &client.Error{Code: "40004", SubCode: "REST_AMOUNT_NOT_ENOUGH"}) {
			t.Errorf("errors.Is does not match %v", err)
		}
		if d == nil || d.DisplayMessage != "红包已被领完" || d.Code != "40004" || d.SubCode != "REST_AMOUNT_NOT_ENOUGH" {
			t.Errorf("response with the error = %+v", d)
		}
	})
	t.Run("10003 is a response, not an error", func(t *testing.T) {
		g.set(reply{node: `{"code":"10003","msg":" order success pay inprocess","amount":"5.00","auth_no":"A1","operation_id":"O2","out_request_no":"r2","status":"INIT"}`})
		r, err := c.CouponRefund(ctx, client.CouponRefundRequest{AuthNo: "A1", OutRequestNo: "r2", Amount: 500})
		if err != nil {
			t.Fatal(err)
		}
		if !r.Processing() || r.Code != client.CodeProcessing || r.Status != client.CouponInit || r.OperationID != "O2" {
			t.Errorf("refund = %+v", r)
		}
	})
	t.Run("20000 is an error", func(t *testing.T) {
		g.set(reply{node: `{"code":"20000","msg":"Service Currently Unavailable","sub_code":"isp.unknow-error","sub_msg":"系统繁忙"}`})
		r, err := c.CouponAgreementPay(ctx, client.CouponAgreementPayRequest{})
		if !errors.Is(err, &client.Error{Code: "20000"}) {
			t.Fatalf("err = %v", err)
		}
		if r == nil || r.Code != "20000" || r.OperationID != "" {
			t.Errorf("response with the error = %+v", r)
		}
	})
	t.Run("unverifiable answer gives no response", func(t *testing.T) {
		g.set(reply{node: `{"code":"40004","msg":"Business Failed","sub_code":"ORDER_NOT_EXIST","display_message":"x"}`, badSign: true})
		r, err := c.CouponRefund(ctx, client.CouponRefundRequest{AuthNo: "A1"})
		if !errors.Is(err, sign.ErrBadSignature) || r != nil {
			t.Fatalf("refund = %+v, %v", r, err)
		}
		g.set(reply{node: `{"code":"10000","msg":"Success","status":"SUCCESS"}`, unsigned: true})
		r, err = c.CouponRefund(ctx, client.CouponRefundRequest{AuthNo: "A1"})
		if !errors.Is(err, client.ErrUnsigned) || r != nil {
			t.Fatalf("refund = %+v, %v", r, err)
		}
	})
}

func TestCouponAppPayOrderString(t *testing.T) {
	c := newClient(t, client.ProductionGateway, func(cfg *client.Config) { cfg.Charset = "GBK" })
	s, err := c.CouponAppPayOrderString(client.CouponAppPayRequest{CouponOrder: client.CouponOrder{
		OutOrderNo: "p1", OutRequestNo: "p1-pay", OrderTitle: "红包", Amount: 888, PayTimeout: "5m"}},
		client.WithNotifyURL("http://shop/notify"))
	if err != nil {
		t.Fatal(err)
	}
	form, err := url.ParseQuery(s)
	if err != nil {
		t.Fatal(err)
	}
	p := verifyRequest(t, form)
	if p["method"] != "alipay.fund.coupon.order.app.pay" || p["notify_url"] != "http://shop/notify" || p["charset"] != "GBK" ||
		p["biz_content"] != `{"out_order_no":"p1","out_request_no":"p1-pay","order_title":"红包","amount":"8.88","pay_timeout":"5m"}` {
		t.Errorf("params = %v", p)
	}
	if strings.Contains(p["biz_content"], "product_code") {
		t.Errorf("red packets have no product_code: %s", p["biz_content"])
	}
}

func TestCouponPagePay(t *testing.T) {
	c := newClient(t, "http://127.0.0.1:9/gateway.do", nil)
	req := client.CouponPagePayRequest{CouponOrder: client.CouponOrder{OutOrderNo: "p1", OutRequestNo: "p1-pay", OrderTitle: `红包 "<b>"`, Amount: 100},
		ReturnURL: "http://shop/return"}
	const wantBiz = `{"out_order_no":"p1","out_request_no":"p1-pay","order_title":"红包 \"<b>\"","amount":"1.00"}`

	s, err := c.CouponPagePayURL(req)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	p := verifyRequest(t, u.Query())
	if u.Path != "/gateway.do" || p["method"] != "alipay.fund.coupon.order.page.pay" || p["return_url"] != "http://shop/return" || p["biz_content"] != wantBiz {
		t.Errorf("URL %s: params %v", s, p)
	}

	// An option given to the call wins over the request's ReturnURL.
	f, err := c.CouponPagePayForm(req, client.WithReturnURL("http://shop/other"))
	if err != nil {
		t.Fatal(err)
	}
	m := formTag.FindStringSubmatch(f)
	if m == nil {
		t.Fatalf("no form:\n%s", f)
	}
	action, _ := url.Parse(html.UnescapeString(m[1]))
	submitted := action.Query()
	for _, in := range inputTag.FindAllStringSubmatch(f, -1) {
		submitted.Add(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
	}
	p = verifyRequest(t, submitted)
	if p["method"] != "alipay.fund.coupon.order.page.pay" || p["return_url"] != "http://shop/other" || p["biz_content"] != wantBiz {
		t.Errorf("form params %v", p)
	}
}

// fundNotice is a red-packet claim notice as the mock sends it.
func fundNotice() map[string]string {
	return map[string]string{
		"notify_time": "2024-05-01 12:00:05", "notify_type": "fund_auth_pay", "notify_id": "2024050100222120005012345679",
		"app_id": keys.DevAppID, "auth_app_id": keys.DevAppID, "charset": "utf-8", "version": "1.0", "sign_type": "RSA2",
		"auth_no": "2024050111000000000002", "out_order_no": "c1", "operation_id": "2024050120000000000003",
		"out_request_no": "c1-1", "operation_type": "PAY", "amount": "3.00", "status": "SUCCESS",
		"gmt_create": "2024-05-01 12:00:04", "gmt_trans": "2024-05-01 12:00:04", "order_title": "新年红包",
		"payer_user_id": "2088102000000001", "payer_logon_id": "138******00", "payee_user_id": "2088102000000002",
		"payee_logon_id": "pay***@example.com", "deduct_auth_no": "2024050111000000000001", "rest_amount": "0.00",
		"total_freeze_amount": "3.00", "total_unfreeze_amount": "0.00", "total_pay_amount": "3.00", "extra_param": `{"k":"v"}`,
	}
}

func TestVerifyFundNotification(t *testing.T) {
	c := newClient(t, client.SandboxGateway, nil)
	p := fundNotice()
	signNotice(t, p, keys.DevAlipayPrivateKey())
	var got *client.Notification
	h := c.NotifyHandler(func(_ context.Context, n *client.Notification) error { got = n; return nil })
	w := httptest.NewRecorder()
	h.ServeHTTP(w, postNotice(t, "/notify", p))
	if w.Body.String() != "success" || got == nil {
		t.Fatalf("handler answered %q", w.Body.String())
	}
	if got.NotifyType != client.NotifyFundAuthPay || got.AuthNo != p["auth_no"] || got.OutOrderNo != "c1" || got.OperationID != p["operation_id"] ||
		got.OutRequestNo != "c1-1" || got.OperationType != client.CouponOperationPay || got.Amount != 300 || got.Status != client.CouponSuccess ||
		got.RestAmount != 0 || got.TotalFreezeAmount != 300 || got.TotalPayAmount != 300 || got.TotalUnfreezeAmount != 0 ||
		got.DeductAuthNo != p["deduct_auth_no"] || got.PayeeUserID != "2088102000000002" || got.PayerUserID != "2088102000000001" ||
		got.GmtTrans != p["gmt_trans"] || got.GmtCreate != p["gmt_create"] || got.OrderTitle != "新年红包" || got.ExtraParam != `{"k":"v"}` {
		t.Errorf("notification = %+v", got)
	}
	if got.Paid() {
		t.Error("a fund notice has no trade_status: Paid must be false")
	}

	p["amount"] = "300.00"
	w = httptest.NewRecorder()
	h.ServeHTTP(w, postNotice(t, "/notify", p))
	if w.Body.String() != "fail" {
		t.Errorf("tampered amount: handler answered %q", w.Body.String())
	}
}
