package sdktest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// result is what a Go SDK handed back for one call, flattened so the same
// flows can run against every SDK. Business and gateway errors arrive here
// too: each adapter turns its SDK's own error type into Code/SubCode.
type result struct {
	Code, Msg, SubCode, SubMsg string
	// Signed reports that the response carried a sign; with verification on,
	// an adapter only returns a signed result that also verified.
	Signed bool
	// ErrorType names the SDK type the error arrived as ("*alipay.BizErr",
	// "TradeQueryRsp.Error", ...), for the report.
	ErrorType string

	TradeNo, OutTradeNo, TradeStatus           string
	TotalAmount, BuyerPayAmount, ReceiptAmount string
	BuyerUserID, QRCode                        string
	RefundFee, FundChange                      string
	OutRequestNo, RefundAmount, RefundStatus   string
	Action, RetryFlag                          string
}

// goSDK is one Go SDK configured against the mock. Methods return an error
// only when the SDK itself failed: transport, parsing, or a signature that
// did not verify.
type goSDK interface {
	// precreate sends notify_url when notifyURL is not empty.
	precreate(ctx context.Context, outTradeNo, totalAmount, subject, notifyURL string) (result, error)
	barcodePay(ctx context.Context, outTradeNo, totalAmount, subject, authCode string) (result, error)
	query(ctx context.Context, outTradeNo string) (result, error)
	refund(ctx context.Context, outTradeNo, refundAmount, outRequestNo string) (result, error)
	refundQuery(ctx context.Context, outTradeNo, outRequestNo string) (result, error)
	cancel(ctx context.Context, outTradeNo string) (result, error)
	close(ctx context.Context, outTradeNo string) (result, error)
	// pagePayURL builds the browser URL of alipay.trade.page.pay (GET).
	pagePayURL(ctx context.Context, outTradeNo, totalAmount, subject string) (string, error)
	// verifyNotification checks a notification's signature the way the
	// SDK's users do and returns the trade_status it read.
	verifyNotification(ctx context.Context, form url.Values) (tradeStatus string, err error)
}

// newGoSDK configures an SDK for the gateway with the given credentials.
type newGoSDK func(t *testing.T, gateway string, c credentials) goSDK

// A barcode ("付款码") as the buyer's app shows it: 18 digits starting 28.
const authCode = "283912345678901234"

var (
	tradeNoRE = regexp.MustCompile(`^\d{28}$`)
	userIDRE  = regexp.MustCompile(`^2088\d{12}$`)
)

// flow wraps a test with assertions that, on failure, print the last
// request and response on the wire.
type flow struct {
	t   *testing.T
	m   *mockEnv
	ctx context.Context
}

func newFlow(t *testing.T, m *mockEnv) *flow {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return &flow{t: t, m: m, ctx: ctx}
}

func (f *flow) wire() string {
	if e, ok := f.m.wire.last(); ok {
		return "\nlast exchange:\n" + e.String()
	}
	return "\n(no exchange recorded)"
}

// step names one call of a flow and what it must answer.
type step struct {
	f             *flow
	name          string
	code, subCode string
}

// step expects a signed, verified 10000 answer unless told otherwise.
func (f *flow) step(name string) step { return step{f: f, name: name, code: "10000"} }

// expect makes the step require an error answer with this code and
// sub_code, parsed by the SDK (not an SDK failure).
func (s step) expect(code, subCode string) step {
	s.code, s.subCode = code, subCode
	return s
}

// do checks the SDK's answer to the step and returns it.
func (s step) do(r result, err error) result {
	t := s.f.t
	t.Helper()
	if err != nil {
		t.Fatalf("%s: want code %s %s, got an SDK error: %v%s", s.name, s.code, s.subCode, err, s.f.wire())
	}
	if r.Code != s.code || r.SubCode != s.subCode {
		t.Fatalf("%s: want code=%q sub_code=%q, got code=%q msg=%q sub_code=%q sub_msg=%q (as %s)%s",
			s.name, s.code, s.subCode, r.Code, r.Msg, r.SubCode, r.SubMsg, r.ErrorType, s.f.wire())
	}
	if r.Code == "10000" && !r.Signed {
		t.Fatalf("%s: code 10000 without a verified sign%s", s.name, s.f.wire())
	}
	return r
}

func (f *flow) eq(step, field, got, want string) {
	f.t.Helper()
	if got != want {
		f.t.Errorf("%s: %s = %q, want %q%s", step, field, got, want, f.wire())
	}
}

func (f *flow) match(step, field, got string, re *regexp.Regexp) {
	f.t.Helper()
	if !re.MatchString(got) {
		f.t.Errorf("%s: %s = %q, want it to match %s%s", step, field, got, re, f.wire())
	}
}

func (f *flow) status(sdk goSDK, outTradeNo, want string) {
	f.t.Helper()
	r := f.step("query").do(sdk.query(f.ctx, outTradeNo))
	f.eq("query", "trade_status", r.TradeStatus, want)
	f.eq("query", "out_trade_no", r.OutTradeNo, outTradeNo)
}

// runGoFlows runs every flow against one Go SDK.
func runGoFlows(t *testing.T, prefix string, newSDK newGoSDK) {
	m := startMock(t)
	dev := devCredentials()

	t.Run("precreate_pay_refund", func(t *testing.T) {
		f := newFlow(t, m)
		sdk := newSDK(t, m.Gateway, dev)
		no := newID(prefix + "QR")

		r := f.step("precreate").do(sdk.precreate(f.ctx, no, "88.88", "sdktest QR order", ""))
		f.eq("precreate", "out_trade_no", r.OutTradeNo, no)
		if r.QRCode == "" {
			t.Errorf("precreate: empty qr_code%s", f.wire())
		}

		m.scan(t, no)
		f.status(sdk, no, "WAIT_BUYER_PAY")

		m.pay(t, no)
		r = f.step("query after pay").do(sdk.query(f.ctx, no))
		f.eq("query after pay", "trade_status", r.TradeStatus, "TRADE_SUCCESS")
		f.eq("query after pay", "total_amount", r.TotalAmount, "88.88")
		f.eq("query after pay", "buyer_pay_amount", r.BuyerPayAmount, "88.88")
		f.eq("query after pay", "receipt_amount", r.ReceiptAmount, "88.88")
		f.match("query after pay", "trade_no", r.TradeNo, tradeNoRE)
		f.match("query after pay", "buyer_user_id", r.BuyerUserID, userIDRE)
		tradeNo := r.TradeNo

		r1 := newID("R1-")
		r = f.step("partial refund").do(sdk.refund(f.ctx, no, "20.00", r1))
		f.eq("partial refund", "refund_fee", r.RefundFee, "20.00")
		f.eq("partial refund", "fund_change", r.FundChange, "Y")
		f.eq("partial refund", "trade_no", r.TradeNo, tradeNo)
		f.eq("partial refund", "out_trade_no", r.OutTradeNo, no)

		r = f.step("refund query").do(sdk.refundQuery(f.ctx, no, r1))
		f.eq("refund query", "out_request_no", r.OutRequestNo, r1)
		f.eq("refund query", "refund_amount", r.RefundAmount, "20.00")
		f.eq("refund query", "total_amount", r.TotalAmount, "88.88")
		f.eq("refund query", "refund_status", r.RefundStatus, "REFUND_SUCCESS")

		f.status(sdk, no, "TRADE_SUCCESS")

		r2 := newID("R2-")
		r = f.step("refund of the rest").do(sdk.refund(f.ctx, no, "68.88", r2))
		f.eq("refund of the rest", "refund_fee", r.RefundFee, "88.88")
		f.eq("refund of the rest", "fund_change", r.FundChange, "Y")

		r = f.step("refund query of the rest").do(sdk.refundQuery(f.ctx, no, r2))
		f.eq("refund query of the rest", "refund_amount", r.RefundAmount, "68.88")
		f.eq("refund query of the rest", "refund_status", r.RefundStatus, "REFUND_SUCCESS")

		f.status(sdk, no, "TRADE_CLOSED")
	})

	t.Run("barcode_pay", func(t *testing.T) {
		f := newFlow(t, m)
		sdk := newSDK(t, m.Gateway, dev)
		no := newID(prefix + "BAR")

		r := f.step("pay").do(sdk.barcodePay(f.ctx, no, "12.34", "sdktest barcode order", authCode))
		f.eq("pay", "out_trade_no", r.OutTradeNo, no)
		f.eq("pay", "total_amount", r.TotalAmount, "12.34")
		f.eq("pay", "buyer_pay_amount", r.BuyerPayAmount, "12.34")
		f.match("pay", "trade_no", r.TradeNo, tradeNoRE)
		f.match("pay", "buyer_user_id", r.BuyerUserID, userIDRE)
		tradeNo := r.TradeNo

		r = f.step("query").do(sdk.query(f.ctx, no))
		f.eq("query", "trade_status", r.TradeStatus, "TRADE_SUCCESS")
		f.eq("query", "trade_no", r.TradeNo, tradeNo)
		f.eq("query", "total_amount", r.TotalAmount, "12.34")
	})

	t.Run("barcode_pay_password", func(t *testing.T) {
		f := newFlow(t, m)
		sdk := newSDK(t, m.Gateway, dev)
		no := newID(prefix + "PWD")

		// Above the password threshold (production 1000 yuan, sandbox 2000)
		// the buyer must confirm on the phone: 10003, which every SDK must
		// take as "created, paying" and still verify.
		r := f.step("pay").expect("10003", "").do(sdk.barcodePay(f.ctx, no, "2500.00", "sdktest password order", authCode))
		f.eq("pay", "msg", r.Msg, " order success pay inprocess")
		f.eq("pay", "out_trade_no", r.OutTradeNo, no)
		f.match("pay", "trade_no", r.TradeNo, tradeNoRE)
		if !r.Signed {
			t.Errorf("pay: a 10003 answer must be signed and verify%s", f.wire())
		}
		f.status(sdk, no, "WAIT_BUYER_PAY")

		m.pay(t, no)
		r = f.step("query after password").do(sdk.query(f.ctx, no))
		f.eq("query after password", "trade_status", r.TradeStatus, "TRADE_SUCCESS")
		f.eq("query after password", "total_amount", r.TotalAmount, "2500.00")
		f.eq("query after password", "buyer_pay_amount", r.BuyerPayAmount, "2500.00")
	})

	t.Run("cancel", func(t *testing.T) {
		f := newFlow(t, m)
		sdk := newSDK(t, m.Gateway, dev)

		// A paid barcode trade is cancelled by refunding it.
		paid := newID(prefix + "CXP")
		f.step("pay").do(sdk.barcodePay(f.ctx, paid, "8.00", "sdktest cancel paid", authCode))
		r := f.step("cancel paid").do(sdk.cancel(f.ctx, paid))
		f.eq("cancel paid", "action", r.Action, "refund")
		f.eq("cancel paid", "retry_flag", r.RetryFlag, "N")
		f.eq("cancel paid", "out_trade_no", r.OutTradeNo, paid)
		f.status(sdk, paid, "TRADE_CLOSED")

		// An unpaid (scanned) trade is cancelled by closing it.
		unpaid := newID(prefix + "CXU")
		f.step("precreate").do(sdk.precreate(f.ctx, unpaid, "9.00", "sdktest cancel unpaid", ""))
		m.scan(t, unpaid)
		r = f.step("cancel unpaid").do(sdk.cancel(f.ctx, unpaid))
		f.eq("cancel unpaid", "action", r.Action, "close")
		f.eq("cancel unpaid", "retry_flag", r.RetryFlag, "N")
		f.status(sdk, unpaid, "TRADE_CLOSED")
	})

	t.Run("close_unpaid", func(t *testing.T) {
		f := newFlow(t, m)
		sdk := newSDK(t, m.Gateway, dev)
		no := newID(prefix + "CLS")

		f.step("precreate").do(sdk.precreate(f.ctx, no, "5.00", "sdktest close", ""))
		m.scan(t, no)
		r := f.step("close").do(sdk.close(f.ctx, no))
		f.eq("close", "out_trade_no", r.OutTradeNo, no)
		f.match("close", "trade_no", r.TradeNo, tradeNoRE)
		f.status(sdk, no, "TRADE_CLOSED")
	})

	t.Run("page_pay", func(t *testing.T) {
		f := newFlow(t, m)
		sdk := newSDK(t, m.Gateway, dev)
		no := newID(prefix + "PAGE")

		u, err := sdk.pagePayURL(f.ctx, no, "19.90", "sdktest page order")
		if err != nil {
			t.Fatalf("page pay URL: %v", err)
		}
		// The browser opens the URL: the gateway must accept it (a GET with
		// every parameter in the query) and send the buyer to the cashier.
		status, location, body := m.openPage(t, u)
		if status != http.StatusFound || !strings.Contains(location, "/cashier/") {
			t.Fatalf("GET page pay URL: HTTP %d Location %q, want 302 to the cashier\n%s%s", status, location, body, f.wire())
		}
		m.pay(t, no)
		r := f.step("query").do(sdk.query(f.ctx, no))
		f.eq("query", "trade_status", r.TradeStatus, "TRADE_SUCCESS")
		f.eq("query", "total_amount", r.TotalAmount, "19.90")
	})

	t.Run("notification_trade_success", func(t *testing.T) {
		f := newFlow(t, m)
		sdk := newSDK(t, m.Gateway, dev)
		recv := newNotifyReceiver(t)
		no := newID(prefix + "NTF")

		f.step("precreate").do(sdk.precreate(f.ctx, no, "6.66", "sdktest notify", recv.URL))
		m.scan(t, no)
		m.pay(t, no)
		n, ok := recv.wait(no, func(v url.Values) bool { return v.Get("trade_status") == "TRADE_SUCCESS" }, notifyTimeout)
		if !ok {
			t.Fatalf("no TRADE_SUCCESS notification arrived at notify_url within %s", notifyTimeout)
		}
		status, err := sdk.verifyNotification(f.ctx, n.Form)
		if err != nil {
			t.Fatalf("the SDK rejected the notification: %v\nContent-Type: %s\nbody: %s", err, n.ContentType, n.RawBody)
		}
		f.eq("notification", "trade_status", status, "TRADE_SUCCESS")
		f.eq("notification", "total_amount", n.Form.Get("total_amount"), "6.66")
		f.eq("notification", "app_id", n.Form.Get("app_id"), dev.AppID)
		checkNotificationValues(t, n)

		// A partial refund is notified too: still TRADE_SUCCESS, with the
		// cumulative refund_fee and the refund's out_request_no as out_biz_no.
		rno := newID("NR-")
		f.step("partial refund").do(sdk.refund(f.ctx, no, "1.00", rno))
		n, ok = recv.wait(no, func(v url.Values) bool { return v.Get("out_biz_no") == rno }, notifyTimeout)
		if !ok {
			t.Fatalf("no notification for the partial refund %s arrived within %s", rno, notifyTimeout)
		}
		status, err = sdk.verifyNotification(f.ctx, n.Form)
		if err != nil {
			t.Fatalf("the SDK rejected the refund notification: %v\nContent-Type: %s\nbody: %s", err, n.ContentType, n.RawBody)
		}
		f.eq("refund notification", "trade_status", status, "TRADE_SUCCESS")
		f.eq("refund notification", "refund_fee", n.Form.Get("refund_fee"), "1.00")
		checkNotificationValues(t, n)
	})

	t.Run("business_error_trade_not_exist", func(t *testing.T) {
		f := newFlow(t, m)
		sdk := newSDK(t, m.Gateway, dev)
		r := f.step("query unknown trade").expect("40004", "ACQ.TRADE_NOT_EXIST").do(sdk.query(f.ctx, newID(prefix+"NONE")))
		f.eq("query unknown trade", "msg", r.Msg, "Business Failed")
		if !r.Signed {
			t.Errorf("business errors must be signed (production signs them; the Node SDK rejects them unsigned)%s", f.wire())
		}
		t.Logf("arrived as %s: %s %s", r.ErrorType, r.SubCode, r.SubMsg)
	})

	t.Run("gateway_error_wrong_private_key", func(t *testing.T) {
		f := newFlow(t, m)
		sdk := newSDK(t, m.Gateway, dev.withWrongAppKey())
		r := f.step("precreate signed with a wrong key").expect("40002", "isv.invalid-signature").
			do(sdk.precreate(f.ctx, newID(prefix+"BADSIG"), "1.00", "sdktest", ""))
		f.eq("wrong key", "msg", r.Msg, "Invalid Arguments")
		if !r.Signed {
			t.Errorf("an invalid-signature answer for a known app must be signed%s", f.wire())
		}
		t.Logf("arrived as %s: %s", r.ErrorType, r.SubMsg)
	})

	t.Run("gateway_error_unknown_app_id", func(t *testing.T) {
		f := newFlow(t, m)
		c := dev
		c.AppID = unknownAppID
		sdk := newSDK(t, m.Gateway, c)
		// Production answers this one unsigned (it has no key to sign with);
		// both forms are acceptable here, the SDK only has to parse it.
		r := f.step("query with an unknown app id").expect("40002", "isv.invalid-app-id").do(sdk.query(f.ctx, newID(prefix+"NOAPP")))
		t.Logf("arrived as %s (signed=%v): %s", r.ErrorType, r.Signed, r.SubMsg)
	})

	t.Run("verification_is_on", func(t *testing.T) {
		f := newFlow(t, m)
		sdk := newSDK(t, m.Gateway, dev.withWrongAlipayKey())
		r, err := sdk.precreate(f.ctx, newID(prefix+"VERIFY"), "1.00", "sdktest", "")
		if err == nil {
			t.Fatalf("with a wrong Alipay public key the SDK accepted the response (code=%s): "+
				"signature verification is not on, so the other flows prove nothing%s", r.Code, f.wire())
		}
		t.Logf("rejected as expected: %v", err)
	})

	// Last, since it moves the clock: the SDK stamps wall time, and the
	// mock must keep accepting it whatever its clock reads.
	t.Run("clock_moves_keep_the_sdk_working", func(t *testing.T) {
		f := newFlow(t, m)
		sdk := newSDK(t, m.Gateway, dev)
		for _, mv := range []struct{ path, body string }{
			{"/_mock/clock/advance", `{"by":"25h"}`},
			{"/_mock/clock/advance", `{"by":"48h"}`},
			{"/_mock/clock", `{"set":"2020-01-01 00:00:00"}`},
			{"/_mock/clock", `{"set":"now"}`},
		} {
			if code, body := m.control(t, http.MethodPost, mv.path, json.RawMessage(mv.body)); code != http.StatusOK {
				t.Fatalf("POST %s %s: HTTP %d %s", mv.path, mv.body, code, body)
			}
			f.step("precreate after " + mv.path + " " + mv.body).do(sdk.precreate(f.ctx, newID(prefix+"CLOCK"), "1.00", "sdktest", ""))
		}
	})
}

// checkNotificationValues requires one non-empty value per parameter: gopay
// skips empty values when verifying and the other SDKs do not, so no
// signature satisfies all of them once one is empty.
func checkNotificationValues(t *testing.T, n notification) {
	t.Helper()
	for k, vs := range n.Form {
		if len(vs) != 1 || vs[0] == "" {
			t.Errorf("notification parameter %s=%q: want exactly one non-empty value\nbody: %s", k, vs, n.RawBody)
		}
	}
}
