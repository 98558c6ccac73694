package scenarios_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/control"
	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/trade"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

var epoch = mocktest.Epoch

// env is a mock with every example scenario loaded, a manual clock and a
// client for the dev app (see mocktest).
type env struct {
	t     *testing.T
	srv   *mock.Server
	http  *httptest.Server
	clock *clock.Sim
	c     *client.Client
	ctx   context.Context
	m     *mocktest.Mock
}

func newEnv(t *testing.T, opts mock.Options) *env {
	t.Helper()
	files, err := scenarios.LoadPath("examples", gateway.Catalogue())
	if err != nil {
		t.Fatal(err)
	}
	opts.Scenarios = append(files, opts.Scenarios...)
	opts.Clock = clock.NewManual(epoch)
	opts.Seed = 1
	m := mocktest.New(t, opts)
	return &env{t: t, srv: m.Srv, http: m.HTTP, clock: m.Clock, c: m.Client(nil), ctx: context.Background(), m: m}
}

// certApp is e acting as the certificate-mode dev app, which red packets
// and transfers need.
func (e *env) certApp() *env {
	e.m = e.m.CertApp()
	e.c = e.m.Client(nil)
	return e
}

func (e *env) control(method, path, body string, want int) []byte {
	e.t.Helper()
	return e.m.Control(method, path, body, want)
}

func (e *env) advance(d time.Duration) { e.srv.Sched.Advance(d) }

func (e *env) precreate(out, total string, opts ...client.CallOption) {
	e.t.Helper()
	_, err := e.c.Precreate(e.ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: out, TotalAmount: amount.MustParse(total), Subject: "scenario"}}, opts...)
	if err != nil {
		e.t.Fatalf("precreate %s: %v", out, err)
	}
}

func (e *env) pay(out, total string, opts ...client.CallOption) (*client.PayResponse, error) {
	return e.c.Pay(e.ctx, client.PayRequest{Order: client.Order{OutTradeNo: out, TotalAmount: amount.MustParse(total), Subject: "scenario"},
		Scene: "bar_code", AuthCode: "283912345678901234"}, opts...)
}

func (e *env) status(out string) string {
	e.t.Helper()
	q, err := e.c.Query(e.ctx, client.QueryRequest{OutTradeNo: out})
	if err != nil {
		e.t.Fatalf("query %s: %v", out, err)
	}
	return string(q.TradeStatus)
}

func code(err error) string {
	var ae *client.Error
	if errors.As(err, &ae) {
		return ae.Code + " " + ae.SubCode
	}
	if err == nil {
		return "ok"
	}
	return "transport: " + err.Error()
}

func TestQRPayAfterPolls(t *testing.T) {
	e := newEnv(t, mock.Options{})
	e.precreate("POLLPAY-1", "9.90")
	for i := 1; i <= 3; i++ {
		e.advance(5 * time.Second)
		if s := e.status("POLLPAY-1"); s != "WAIT_BUYER_PAY" {
			t.Fatalf("poll %d: %s", i, s)
		}
	}
	q, err := e.c.Query(e.ctx, client.QueryRequest{OutTradeNo: "POLLPAY-1"})
	if err != nil || q.TradeStatus != "TRADE_SUCCESS" || q.BuyerLogonID != "138****8000" {
		t.Fatalf("poll 4: %+v %v", q, err)
	}
}

func TestQRNeverPaidThenCancel(t *testing.T) {
	e := newEnv(t, mock.Options{Trades: trade.Options{ShowUnscanned: true}}) // the guide's flow: polled before the scan
	e.precreate("NEVER-1", "1.00")
	for i := 0; i < 6; i++ { // 30 s of polling
		e.advance(5 * time.Second)
		if s := e.status("NEVER-1"); s != "WAIT_BUYER_PAY" {
			t.Fatalf("poll %d: %s", i, s)
		}
	}
	tr := e.control("GET", "/trades/NEVER-1", "", 200)
	if !strings.Contains(string(tr), `"scanned":true`) {
		t.Errorf("the buyer scanned after 10 s: %s", tr)
	}
	res, err := e.c.Cancel(e.ctx, client.CancelRequest{OutTradeNo: "NEVER-1"})
	if err != nil || res.Action != "close" {
		t.Fatalf("cancel: %+v %v", res, err)
	}
	e.control("POST", "/trades/NEVER-1/pay", "", http.StatusConflict)
}

func TestQRPayOnTheClockNotifies(t *testing.T) {
	e := newEnv(t, mock.Options{})
	got := make(chan *client.Notification, 1)
	m := httptest.NewServer(e.c.NotifyHandler(func(_ context.Context, n *client.Notification) error { got <- n; return nil }))
	defer m.Close()
	e.precreate("CLOCK-1", "12.00", client.WithNotifyURL(m.URL))
	e.advance(4 * time.Second)
	if tr := e.control("GET", "/trades/CLOCK-1", "", 200); strings.Contains(string(tr), `"scanned":true`) {
		t.Fatal("scanned too early")
	}
	e.advance(time.Second)
	if tr := e.control("GET", "/trades/CLOCK-1", "", 200); !strings.Contains(string(tr), `"scanned":true`) {
		t.Fatal("not scanned at 5 s")
	}
	e.advance(15 * time.Second)
	select {
	case n := <-got:
		if n.TradeStatus != "TRADE_SUCCESS" || n.Values.Get("buyer_id") != "2088000000000042" || n.Values.Get("gmt_payment") != "2026-11-23 10:00:20" {
			t.Errorf("notification: %v", n.Values)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no notification")
	}
}

func TestBarcodePasswordThenPolls(t *testing.T) {
	e := newEnv(t, mock.Options{})
	res, err := e.pay("PWD-1", "5.00")
	if err != nil || res.Code != "10003" {
		t.Fatalf("pay: %+v %v", res, err)
	}
	for i, want := range []string{"WAIT_BUYER_PAY", "WAIT_BUYER_PAY", "TRADE_SUCCESS"} {
		if s := e.status("PWD-1"); s != want {
			t.Fatalf("query %d: %s, want %s", i+1, s, want)
		}
	}
}

func TestBarcodeUnknownResult(t *testing.T) {
	e := newEnv(t, mock.Options{})
	if _, err := e.pay("LOST-1", "5.00"); code(err) != "20000 isp.unknow-error" {
		t.Fatalf("pay: %v", err)
	}
	if s := e.status("LOST-1"); s != "TRADE_SUCCESS" {
		t.Fatalf("the pay happened: %s", s)
	}
	if _, err := e.pay("LOST-1", "5.00"); code(err) != "40004 ACQ.TRADE_HAS_SUCCESS" {
		t.Errorf("only the first call is affected (nth 1): %v", err)
	}
}

func TestRefundOutcomeChain(t *testing.T) {
	e := newEnv(t, mock.Options{})
	if _, err := e.pay("RF-1", "10.00"); err != nil {
		t.Fatal(err)
	}
	req := client.RefundRequest{OutTradeNo: "RF-1", RefundAmount: amount.MustParse("3.00"), OutRequestNo: "RETRY-1"}
	for i := 0; i < 2; i++ {
		if _, err := e.c.Refund(e.ctx, req); code(err) != "20000 isp.unknow-error" {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	r, err := e.c.Refund(e.ctx, req)
	if err != nil || r.FundChange != "Y" || r.RefundFee.String() != "3.00" {
		t.Fatalf("third call: %+v %v", r, err)
	}
	r, err = e.c.Refund(e.ctx, req)
	if err != nil || r.FundChange != "N" || r.RefundFee.String() != "3.00" {
		t.Fatalf("a retry is idempotent: %+v %v", r, err)
	}
}

// recorder is a notify_url that keeps what it got (see mocktest.Merchant).
type recorder struct{ *mocktest.Merchant }

func newRecorder(t *testing.T, answer string) *recorder {
	return &recorder{mocktest.NewMerchant(t, answer)}
}

func (r *recorder) all() []url.Values {
	var out []url.Values
	for _, c := range r.Calls() {
		out = append(out, c.Form)
	}
	return out
}

// settle runs what is due now (first attempts) and waits for it.
func (e *env) settle() { e.srv.Sched.RunDue() }

func TestNotifyChaos(t *testing.T) {
	e := newEnv(t, mock.Options{})
	rec := newRecorder(t, "success")
	notify := client.WithNotifyURL(rec.URL)

	t.Run("late and duplicated", func(t *testing.T) {
		if _, err := e.pay("LATE-1", "1.00", notify); err != nil {
			t.Fatal(err)
		}
		e.settle()
		if n := len(rec.all()); n != 0 {
			t.Fatalf("sent before the delay: %d", n)
		}
		e.advance(10 * time.Minute)
		got := rec.all()
		if len(got) != 2 || got[0].Get("notify_id") != got[1].Get("notify_id") {
			t.Fatalf("want the same notification twice after 10m: %v", got)
		}
	})
	t.Run("bad signature is refused by the client", func(t *testing.T) {
		var verr error
		done := make(chan struct{}, 4)
		h := e.c.NotifyHandler(func(context.Context, *client.Notification) error { return nil })
		m := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := e.c.VerifyNotification(r.Clone(r.Context())); err != nil {
				verr = err
			}
			h.ServeHTTP(w, r)
			done <- struct{}{}
		}))
		defer m.Close()
		if _, err := e.pay("FORGED-1", "1.00", client.WithNotifyURL(m.URL)); err != nil {
			t.Fatal(err)
		}
		e.settle()
		list := e.srv.Notifier.Outbox().List(notifyFilter("FORGED-1"))
		if len(list) != 1 || len(list[0].Attempts) != 1 || list[0].Attempts[0].Response != "fail" {
			t.Fatalf("the client must answer fail: %+v (verify error %v)", list, verr)
		}
	})
	t.Run("suppressed", func(t *testing.T) {
		before := len(rec.all())
		if _, err := e.pay("SILENT-1", "1.00", notify); err != nil {
			t.Fatal(err)
		}
		e.advance(time.Hour)
		list := e.srv.Notifier.Outbox().List(notifyFilter("SILENT-1"))
		if len(list) != 1 || list[0].State != "suppressed" || len(rec.all()) != before {
			t.Fatalf("suppressed: %+v", list)
		}
	})
	t.Run("reordered", func(t *testing.T) {
		before := len(rec.all())
		if _, err := e.pay("SWAP-1", "5.00", notify); err != nil {
			t.Fatal(err)
		}
		if _, err := e.c.Refund(e.ctx, client.RefundRequest{OutTradeNo: "SWAP-1", RefundAmount: amount.MustParse("1.00"), OutRequestNo: "S1"}); err != nil {
			t.Fatal(err)
		}
		e.advance(2 * time.Minute)
		got := rec.all()[before:]
		if len(got) != 2 || got[0].Get("out_biz_no") != "S1" || got[1].Get("out_biz_no") != "" {
			t.Fatalf("want the refund notice first: %v", got)
		}
	})
	t.Run("sent elsewhere", func(t *testing.T) {
		if _, err := e.pay("ELSEWHERE-1", "1.00", notify); err != nil {
			t.Fatal(err)
		}
		e.settle()
		list := e.srv.Notifier.Outbox().List(notifyFilter("ELSEWHERE-1"))
		if len(list) != 1 || list[0].URL != "http://127.0.0.1:9/nowhere" || list[0].Attempts[0].Error == "" {
			t.Fatalf("elsewhere: %+v", list)
		}
	})
}

func TestGatewayFaults(t *testing.T) {
	e := newEnv(t, mock.Options{Trades: trade.Options{ShowUnscanned: true}}) // queries QR trades no buyer scans
	for _, p := range []string{"DROP-1", "EMPTY-1", "TRUNC-1", "BADSIG-1", "PROXY-1", "SLOW-1", "FIELDS-1"} {
		e.precreate(p, "1.00")
	}
	for _, p := range []string{"DROP-1", "EMPTY-1", "TRUNC-1", "BADSIG-1", "PROXY-1"} {
		_, err := e.c.Query(e.ctx, client.QueryRequest{OutTradeNo: p})
		var ae *client.Error
		if err == nil || errors.As(err, &ae) {
			t.Errorf("%s: want a transport or verification failure, got %v", p, err)
		}
		if p == "PROXY-1" && !strings.Contains(err.Error(), "502") {
			t.Errorf("proxy: %v", err)
		}
		if p == "BADSIG-1" && !strings.Contains(strings.ToLower(err.Error()), "sign") {
			t.Errorf("bad signature: %v", err)
		}
	}
	start := time.Now()
	if s := e.status("SLOW-1"); s != "WAIT_BUYER_PAY" {
		t.Errorf("slow: %s", s)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("slow answered after %v, before the 100ms minimum", d)
	}
	if s := e.status("FIELDS-1"); s != "TRADE_CLOSED" {
		t.Errorf("changed field, still verified: %s", s)
	}
	if tr := e.control("GET", "/trades/FIELDS-1", "", 200); !strings.Contains(string(tr), "WAIT_BUYER_PAY") {
		t.Error("only the answer changed, not the trade")
	}
}

func TestNamedStates(t *testing.T) {
	e := newEnv(t, mock.Options{Trades: trade.Options{ShowUnscanned: true}}) // closes and queries a QR trade no buyer scans
	e.precreate("STATE-1", "1.00")
	if _, err := e.c.Close(e.ctx, client.CloseRequest{OutTradeNo: "STATE-1"}); code(err) != "20000 isp.unknow-error" {
		t.Fatalf("close: %v", err)
	}
	if _, err := e.c.Query(e.ctx, client.QueryRequest{OutTradeNo: "STATE-1"}); code(err) != "20000 isp.unknow-error" {
		t.Fatalf("degraded query: %v", err)
	}
	if s := e.status("STATE-1"); s != "WAIT_BUYER_PAY" {
		t.Fatalf("recovered query: %s", s)
	}
	if _, err := e.c.Close(e.ctx, client.CloseRequest{OutTradeNo: "STATE-1"}); err != nil {
		t.Fatalf("second close (rule used up): %v", err)
	}
	var list map[string][]scenarios.Status
	_ = control.UnmarshalText(e.control("GET", "/scenarios", "", 200), &list)
	found := false
	for _, st := range list["global"] {
		if st.File.Name == "named-states" {
			found = true
			if st.State != "Started" || st.Acted[0] != 1 || st.Acted[1] != 1 {
				t.Errorf("named-states status: %+v", st)
			}
		}
	}
	if !found {
		t.Error("named-states not listed")
	}
}

func notifyFilter(out string) notify.Filter { return notify.Filter{OutTradeNo: out} }
