package mock_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/control"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// merchant is mocktest.Merchant with its calls under this package's names.
type merchant struct{ *mocktest.Merchant }

type received struct {
	form   url.Values
	body   string
	header http.Header
}

func newMerchant(t *testing.T, answers ...string) *merchant {
	return &merchant{mocktest.NewMerchant(t, answers...)}
}

func (m *merchant) calls() []received {
	var out []received
	for _, c := range m.Calls() {
		out = append(out, received{form: c.Form, body: c.Body, header: c.Header})
	}
	return out
}

// notifications long-polls the control API for a trade's notifications.
func (h *harness) notifications(query string) []notify.Notification {
	h.t.Helper()
	return h.m().Notifications(query)
}

func (h *harness) advance(body string) map[string]any {
	h.t.Helper()
	return h.control("POST", "/clock/advance", body, http.StatusOK)
}

func (h *harness) payWithNotify(out, total, notifyURL string) {
	h.t.Helper()
	p := h.params("alipay.trade.pay", `{"out_trade_no":"`+out+`","scene":"bar_code","auth_code":"283912345678901234","total_amount":"`+total+`","subject":"咖啡蛋糕"}`,
		func(p map[string]string) { p["notify_url"] = notifyURL })
	expect(h.t, h.verify("alipay.trade.pay", h.post(p), true), "code", "10000")
}

func TestPaymentNotificationVerifiesWithClientHandler(t *testing.T) {
	h := newHarness(t, mock.Options{PublicURL: "http://alipay-mock.test"})
	c, err := client.New(client.Config{GatewayURL: h.http.URL + "/gateway.do", AppID: "9021000100000001",
		PrivateKeyRSA: h.key, AlipayPublicKeyRSA: h.srv.AlipayPublicKey(), Now: h.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	var seen []*client.Notification
	var mu sync.Mutex
	handler := c.NotifyHandler(func(_ context.Context, n *client.Notification) error {
		mu.Lock()
		seen = append(seen, n)
		mu.Unlock()
		return nil
	})
	var raw []received
	merchant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		raw = append(raw, received{body: string(b), header: r.Header.Clone()})
		mu.Unlock()
		r.Body = io.NopCloser(strings.NewReader(string(b)))
		handler.ServeHTTP(w, r)
	}))
	defer merchant.Close()
	h.payWithNotify("N1", "12.50", merchant.URL+"/notify")
	list := h.notifications("out_trade_no=N1&state=delivered")
	if len(list) != 1 || len(list[0].Attempts) != 1 || list[0].Attempts[0].Response != "success" {
		t.Fatalf("want one delivered notification after one attempt: %+v", list)
	}
	mu.Lock()
	defer mu.Unlock()
	n := seen[0]
	if n.TradeStatus != "TRADE_SUCCESS" || n.TotalAmount.String() != "12.50" || n.OutTradeNo != "N1" || n.NotifyType != "trade_status_sync" {
		t.Errorf("notification: %+v", n)
	}
	for k, v := range n.Values {
		if v[0] == "" {
			t.Errorf("empty parameter %s sent", k)
		}
	}
	if fb := n.Values.Get("fund_bill_list"); fb != `[{"amount":"12.50","fundChannel":"ALIPAYACCOUNT"}]` {
		t.Errorf("fund_bill_list %s", fb)
	}
	if ua := raw[0].header.Get("User-Agent"); ua != notify.UserAgent {
		t.Errorf("User-Agent %q", ua)
	}
	if ct := raw[0].header.Get("Content-Type"); ct != "application/x-www-form-urlencoded; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	golden(t, "notify_trade_success", []byte(raw[0].body))
	if raw[0].body != list[0].Body {
		t.Error("the outbox must keep the exact bytes sent")
	}
}

func TestNotificationRetryScheduleOnTheClock(t *testing.T) {
	h := newHarness(t, mock.Options{})
	m := newMerchant(t, "fail", "<html>error</html>", "success")
	h.payWithNotify("R1", "1.00", m.URL)
	h.notifications("out_trade_no=R1") // the first attempt runs at once
	waitAttempts(t, h, "R1", 1)
	h.advance(`{"by":"3m59s"}`)
	if n := len(m.calls()); n != 1 {
		t.Fatalf("before 4m: %d calls", n)
	}
	fired := h.advance(`{"by":"1s"}`)["fired"].([]any)
	if len(fired) != 1 {
		t.Fatalf("at 4m: fired %v", fired)
	}
	h.advance(`{"to":"next"}`)
	list := h.notifications("out_trade_no=R1&state=delivered")
	if len(list) != 1 {
		t.Fatalf("want delivered: %+v", h.notifications("out_trade_no=R1"))
	}
	calls := m.calls()
	if len(calls) != 3 {
		t.Fatalf("want exactly 3 calls, got %d", len(calls))
	}
	want := []time.Duration{0, 4 * time.Minute, 14 * time.Minute}
	for i, a := range list[0].Attempts {
		if got := a.At.Sub(epoch); got != want[i] {
			t.Errorf("attempt %d at +%v, want +%v", i+1, got, want[i])
		}
	}
	// Each attempt carries the time it is sent and its own signature; the
	// notify_id and every other field stay (seed 001: notify_time is
	// "通知的发送时间").
	pub := h.srv.AlipayPublicKey()
	for i, c := range calls {
		wantTime := epoch.Add(want[i]).In(timestamp.Zone).Format(timestamp.Layout)
		if got := c.form.Get("notify_time"); got != wantTime {
			t.Errorf("attempt %d: notify_time %s, want %s", i+1, got, wantTime)
		}
		if c.form.Get("notify_id") != calls[0].form.Get("notify_id") || c.form.Get("notify_id") == "" {
			t.Errorf("attempt %d: notify_id %q, first %q", i+1, c.form.Get("notify_id"), calls[0].form.Get("notify_id"))
		}
		if i > 0 && c.form.Get("sign") == calls[0].form.Get("sign") {
			t.Errorf("attempt %d reuses the first attempt's signature", i+1)
		}
		p := map[string]string{}
		for k := range c.form {
			p[k] = c.form.Get(k)
		}
		if err := sign.VerifyString(pub, sign.RSA2, sign.UTF8, sign.NotifyContent(p), p["sign"]); err != nil {
			t.Errorf("attempt %d does not verify: %v", i+1, err)
		}
		for k := range calls[0].form {
			if k != "notify_time" && k != "sign" && c.form.Get(k) != calls[0].form.Get(k) {
				t.Errorf("attempt %d changed %s", i+1, k)
			}
		}
		// The outbox shows each attempt's exact bytes.
		if a := list[0].Attempts[i]; a.Body != c.body || a.NotifyTime != wantTime || a.Sign != c.form.Get("sign") {
			t.Errorf("attempt %d in the outbox: %+v\nsent %s", i+1, a, c.body)
		}
	}
	if list[0].Body != calls[2].body {
		t.Error("the notification's body is the last attempt's")
	}
	// Nothing more is scheduled for it.
	h.advance(`{"by":"30h"}`)
	if len(m.calls()) != 3 {
		t.Error("a delivered notification is not sent again")
	}
}

// waitAttempts waits until the outbox records attempt n of out's first
// notification.
func waitAttempts(t *testing.T, h *harness, out string, n int) notify.Notification {
	t.Helper()
	return h.forT(t).m().WaitAttempts(out, n)
}

func TestNotificationGivesUpAfterTheLastAttempt(t *testing.T) {
	h := newHarness(t, mock.Options{})
	m := newMerchant(t, "fail")
	h.payWithNotify("G1", "1.00", m.URL)
	waitAttempts(t, h, "G1", 1)
	start := time.Now()
	h.advance(`{"by":"25h"}`)
	wall := time.Since(start)
	n := h.notifications("out_trade_no=G1&state=given_up")
	if len(n) != 1 || len(n[0].Attempts) != 8 || len(m.calls()) != 8 {
		t.Fatalf("want 8 attempts then given_up: %+v, %d calls", n, len(m.calls()))
	}
	var offsets []string
	for _, a := range n[0].Attempts {
		offsets = append(offsets, a.At.Sub(epoch).String())
	}
	if got := strings.Join(offsets, " "); got != "0s 4m0s 14m0s 24m0s 1h24m0s 3h24m0s 9h24m0s 24h24m0s" {
		t.Errorf("attempt times %s", got)
	}
	t.Logf("25 h schedule ran in %v of wall time", wall)
}

func TestHangingEndpointIsTimedOutAndRetried(t *testing.T) {
	h := newHarness(t, mock.Options{Notify: notify.Options{Timeout: 100 * time.Millisecond}})
	m := newMerchant(t, "success")
	m.SetDelay(2 * time.Second)
	h.payWithNotify("T1", "1.00", m.URL)
	n := waitAttempts(t, h, "T1", 1)
	if a := n.Attempts[0]; a.OK || a.Error == "" || n.State != notify.Pending {
		t.Fatalf("a hanging endpoint is a failed attempt: %+v", n)
	}
	m.SetDelay(0)
	h.advance(`{"by":"4m"}`)
	if d := h.notifications("out_trade_no=T1&state=delivered"); len(d) != 1 || len(d[0].Attempts) != 2 {
		t.Fatalf("want delivered on the retry: %+v", d)
	}
}

// ?wait=…&count=N answers once N notifications match, not at the first;
// when the wait runs out it answers with what there is.
func TestNotificationsLongPollWaitsForCount(t *testing.T) {
	h := newHarness(t, mock.Options{})
	m := newMerchant(t, "success")
	h.payWithNotify("W1", "10.00", m.URL)
	if got := h.notifications("out_trade_no=W1&state=delivered"); len(got) != 1 {
		t.Fatalf("want the payment's notification: %+v", got)
	}
	polled := make(chan []notify.Notification)
	go func() {
		resp, err := http.Get(h.http.URL + "/_mock/notifications?wait=10s&count=2&state=delivered&out_trade_no=W1")
		var list []notify.Notification
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			_ = control.UnmarshalText(b, &list)
			resp.Body.Close()
		}
		polled <- list
	}()
	h.call("alipay.trade.refund", `{"out_trade_no":"W1","refund_amount":"1.00","out_request_no":"WR1"}`)
	if got := <-polled; len(got) != 2 {
		t.Fatalf("count=2 answered with %d notifications: %+v", len(got), got)
	}
	var got []notify.Notification
	h.m().ControlJSON("GET", "/notifications?out_trade_no=W1&count=3&wait=1ms", nil, http.StatusOK, &got)
	if len(got) != 2 {
		t.Fatalf("a wait that runs out answers with what there is: %+v", got)
	}
	for _, q := range []string{"count=2", "wait=1s&count=0", "wait=1s&count=x", "wait=1s&count=11&limit=10"} {
		h.control("GET", "/notifications?"+q, "", http.StatusBadRequest)
	}
}

// A longer ?wait= than 60 s waits 60 s (docs/clock-and-notifications.md),
// however it is spelt. Whole seconds past what a duration holds
// (99999999999999999) wrapped below zero when multiplied, so the long poll
// answered an empty list at once; a duration past what a time.Duration
// holds (3000000h) and whole seconds past an int were 400. Each poll is
// started, and seen to reach the mock, before the trade it waits for is
// paid, and answers when its notification comes.
func TestLongPollAnyLongerWaitIsCapped(t *testing.T) {
	srv, err := mock.New(mock.Options{Clock: clock.NewManual(mocktest.Epoch), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	arrived := make(chan struct{}, 1)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/_mock/notifications" {
			arrived <- struct{}{}
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { hs.Close(); srv.Close() })
	m := &mocktest.Mock{T: t, Srv: srv, URL: hs.URL, HTTP: hs, Clock: srv.Clock, Key: keys.DevAppPrivateKey()}
	merchant := mocktest.NewMerchant(t, "success")
	for i, wait := range []string{"99999999999999999", "3000000h", "99999999999999999999"} {
		out := "LONG-WAIT-" + strconv.Itoa(i)
		type answer struct {
			status int
			list   []notify.Notification
		}
		polled := make(chan answer, 1)
		go func() {
			var a answer
			resp, err := http.Get(hs.URL + "/_mock/notifications?out_trade_no=" + out + "&wait=" + wait)
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				a.status = resp.StatusCode
				_ = control.UnmarshalText(b, &a.list)
				resp.Body.Close()
			}
			polled <- a
		}()
		<-arrived
		m.Post(m.Params("alipay.trade.precreate", `{"out_trade_no":"`+out+`","total_amount":"1.00","subject":"s"}`,
			func(p map[string]string) { p["notify_url"] = merchant.URL }))
		m.Control(http.MethodPost, "/trades/"+out+"/pay", nil, http.StatusOK)
		if got := <-polled; got.status != http.StatusOK || len(got.list) != 1 {
			t.Errorf("wait=%s answered HTTP %d with %d notifications; want 200 with the payment's, once it was made", wait, got.status, len(got.list))
		}
	}
}

// A negative ?wait= is a 400 naming wait, however it is spelt: -5s
// answered at once and -3000000h (past what a Duration holds) was a 400.
func TestLongPollNegativeWaitIsRefused(t *testing.T) {
	h := newHarness(t, mock.Options{})
	for _, wait := range []string{"-5s", "-1ns", "-.5s", "-5", "-3000000h", "-99999999999999999", "-99999999999999999999"} {
		e := h.control("GET", "/notifications?wait="+url.QueryEscape(wait), "", http.StatusBadRequest)
		if msg, _ := e["error"].(string); !strings.HasPrefix(msg, "wait ") || !strings.Contains(msg, "negative") {
			t.Errorf("wait=%s: %v; want the control API's error naming wait", wait, e)
		}
	}
	for _, wait := range []string{"0", "-0", "-0s", "0s"} { // not negative: answers at once
		h.control("GET", "/notifications?wait="+wait, "", http.StatusOK)
	}
}

// A HEAD is a GET without its body, same status (RFC 9110 9.3.2): HEAD of
// the long poll with a negative or unreadable wait answered 200 where the
// GET is 400 (it does not wait, so the wait went unread).
func TestLongPollHeadChecksWaitAsGetDoes(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	for _, w := range []string{"-5s", "-5", "banana", "10s", "0"} {
		status := map[string]int{}
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			if method == http.MethodGet && w == "10s" {
				status[method] = http.StatusOK // the GET would wait for a notification
				continue
			}
			req, _ := http.NewRequest(method, m.URL+"/_mock/notifications?wait="+w, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			status[method] = resp.StatusCode
		}
		if status[http.MethodGet] != status[http.MethodHead] {
			t.Errorf("wait=%s: GET %d, HEAD %d; want the same status", w, status[http.MethodGet], status[http.MethodHead])
		}
	}
}

func TestRefundAndCloseNotifications(t *testing.T) {
	// Shown unscanned trades, so that the expired QR trade below notifies
	// (a hidden one never does: unscanned_test.go).
	h := newHarness(t, mock.Options{Notify: notify.Options{Closed: notify.Always}, Trades: trade.Options{ShowUnscanned: true}})
	m := newMerchant(t, "success")
	h.payWithNotify("F1", "10.00", m.URL)
	h.call("alipay.trade.refund", `{"out_trade_no":"F1","refund_amount":"4.00","out_request_no":"RQ1"}`)
	h.call("alipay.trade.refund", `{"out_trade_no":"F1","refund_amount":"6.00","out_request_no":"RQ2"}`)
	h.notifications("out_trade_no=F1&state=delivered&count=3")
	calls := m.calls()
	if len(calls) != 3 {
		t.Fatalf("want 3 notifications (paid, two refunds), got %d", len(calls))
	}
	paid, part, full := calls[0].form, calls[1].form, calls[2].form
	if paid.Get("trade_status") != "TRADE_SUCCESS" || paid.Get("refund_fee") != "" {
		t.Errorf("paid: %v", paid)
	}
	if part.Get("trade_status") != "TRADE_SUCCESS" || part.Get("refund_fee") != "4.00" || part.Get("out_biz_no") != "RQ1" ||
		part.Get("gmt_refund") != "2026-11-23 10:00:00.000" {
		t.Errorf("partial refund: %v", part)
	}
	if full.Get("trade_status") != "TRADE_CLOSED" || full.Get("refund_fee") != "10.00" || full.Get("gmt_close") == "" {
		t.Errorf("full refund: %v", full)
	}
	for _, c := range calls {
		params := map[string]string{}
		for k := range c.form {
			params[k] = c.form.Get(k)
		}
		if err := sign.VerifyString(h.srv.AlipayPublicKey(), sign.RSA2, sign.UTF8, sign.NotifyContent(params), params["sign"]); err != nil {
			t.Errorf("notification %s does not verify", params["out_biz_no"])
		}
	}
	// An unpaid trade that closes notifies only with the option (on here).
	p := h.params("alipay.trade.precreate", `{"out_trade_no":"F2","total_amount":"1.00","subject":"s","timeout_express":"1m"}`,
		func(p map[string]string) { p["notify_url"] = m.URL })
	h.post(p)
	fired := h.advance(`{"by":"1m"}`)["fired"].([]any)
	if len(fired) != 2 { // the expiry, then the TRADE_CLOSED notice's first attempt
		t.Errorf("fired on expiry: %v", fired)
	}
	if n := h.notifications("out_trade_no=F2"); len(n) != 1 || n[0].TradeStatus != "TRADE_CLOSED" {
		t.Errorf("closed notice: %+v", n)
	}
}

func TestClosedTradesAreNotNotifiedByDefault(t *testing.T) {
	h := newHarness(t, mock.Options{})
	m := newMerchant(t, "success")
	p := h.params("alipay.trade.precreate", `{"out_trade_no":"Q1","total_amount":"1.00","subject":"s"}`,
		func(p map[string]string) { p["notify_url"] = m.URL })
	h.post(p)
	h.call("alipay.trade.close", `{"out_trade_no":"Q1"}`)
	h.advance(`{"by":"1h"}`)
	if got := h.srv.Notifier.Outbox().List(notify.Filter{}); len(got) != 0 {
		t.Errorf("no notice for a closed unpaid trade: %+v", got)
	}
}

func TestResendAndClear(t *testing.T) {
	h := newHarness(t, mock.Options{})
	m := newMerchant(t, "success")
	h.payWithNotify("S1", "1.00", m.URL)
	id := h.notifications("out_trade_no=S1&state=delivered")[0].ID
	n := h.control("POST", "/notifications/"+id+"/resend", "", http.StatusOK)
	if n["state"] != "delivered" || len(n["attempts"].([]any)) != 2 || len(m.calls()) != 2 {
		t.Errorf("resend: %v", n)
	}
	h.control("POST", "/notifications/ntf_nope/resend", "", http.StatusNotFound)
	h.control("DELETE", "/notifications", "", http.StatusOK)
	if got := h.srv.Notifier.Outbox().List(notify.Filter{}); len(got) != 0 {
		t.Error("clear")
	}
	// A long poll with nothing to find returns an empty list when it times out.
	resp, err := http.Get(h.http.URL + "/_mock/notifications?out_trade_no=none&wait=50ms")
	if err != nil {
		t.Fatal(err)
	}
	if b := strings.TrimSpace(string(h.read(resp))); b != "[]" {
		t.Errorf("empty long poll: %s", b)
	}
}

func TestClockControl(t *testing.T) {
	h := newHarness(t, mock.Options{})
	c := h.control("GET", "/clock", "", http.StatusOK)
	if c["frozen"] != true || c["now_text"] != "2026-11-23 10:00:00" {
		t.Fatalf("clock: %v", c)
	}
	h.control("POST", "/clock", `{"set":"2026-12-01 08:00:00"}`, http.StatusOK)
	c = h.advance(`{"by":"90m"}`)["clock"].(map[string]any)
	if c["now_text"] != "2026-12-01 09:30:00" {
		t.Errorf("after advance: %v", c)
	}
	h.control("POST", "/clock/advance", `{"by":"-5m"}`, http.StatusBadRequest)
	h.control("POST", "/clock", `{"set":"yesterday"}`, http.StatusBadRequest)
	// A fast clock fires on its own: 60000x makes the 4 min retry 4 ms.
	m := newMerchant(t, "fail", "success")
	h.control("POST", "/clock", `{"speed":60000}`, http.StatusOK)
	h.payWithNotify("FAST", "1.00", m.URL)
	if len(h.notifications("out_trade_no=FAST&state=delivered")) == 0 {
		t.Fatal("the running clock did not retry by itself")
	}
}

// A trade's notifications keep their order even when due together.
func TestNotificationsOfATradeStayInOrder(t *testing.T) {
	h := newHarness(t, mock.Options{})
	m := newMerchant(t, "fail")
	h.payWithNotify("O1", "10.00", m.URL)
	for i := 1; i <= 5; i++ {
		h.call("alipay.trade.refund", `{"out_trade_no":"O1","refund_amount":"1.00","out_request_no":"r`+string(rune('0'+i))+`"}`)
	}
	h.advance(`{"by":"25h"}`)
	calls := m.calls()
	if len(calls) != 6*8 {
		t.Fatalf("want 48 attempts, got %d", len(calls))
	}
	for round := 0; round < 8; round++ {
		var order []string
		for _, c := range calls[round*6 : round*6+6] {
			order = append(order, c.form.Get("refund_fee"))
		}
		if got := strings.Join(order, ","); got != ",1.00,2.00,3.00,4.00,5.00" {
			t.Errorf("round %d order %s", round, got)
		}
	}
}

// An order placed in GBK is notified in GBK, spelt "GBK" as production
// spells it, and the client verifies it.
func TestGBKNotification(t *testing.T) {
	h := newHarness(t, mock.Options{})
	c, err := client.New(client.Config{GatewayURL: h.http.URL + "/gateway.do", AppID: "9021000100000001", Charset: "GBK",
		PrivateKeyRSA: h.key, AlipayPublicKeyRSA: h.srv.AlipayPublicKey(), Now: h.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *client.Notification, 1)
	var ct string
	handler := c.NotifyHandler(func(_ context.Context, n *client.Notification) error { got <- n; return nil })
	m := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ct = r.Header.Get("Content-Type")
		handler.ServeHTTP(w, r)
	}))
	defer m.Close()
	_, err = c.Pay(context.Background(), client.PayRequest{Order: client.Order{OutTradeNo: "GBKN", Subject: "测试商品乗",
		TotalAmount: mustAmount("3.00")}, Scene: "bar_code", AuthCode: "283912345678901234"}, client.WithNotifyURL(m.URL))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-got:
		if n.Subject != "测试商品乗" || n.Values.Get("charset") != "GBK" {
			t.Errorf("notification: %+v", n.Values)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no verified notification; outbox: %+v", h.notifications("out_trade_no=GBKN"))
	}
	if ct != "application/x-www-form-urlencoded; charset=GBK" {
		t.Errorf("Content-Type %q", ct)
	}
	if d := h.notifications("out_trade_no=GBKN&state=delivered"); len(d) != 1 {
		t.Errorf("the client's handler must answer success: %+v", d)
	}
}

func mustAmount(s string) amount.Amount { return amount.MustParse(s) }

// A scenario's bad_signature holds for every attempt: each is signed
// afresh with its own notify_time, and none verifies. Each notification of
// a trade has its own notify_id.
func TestNotificationBadSignatureEveryAttempt(t *testing.T) {
	h := newHarness(t, mock.Options{})
	h.control("POST", "/scenarios", `{"name":"bad-notify","rules":[{"when":{"method":"alipay.trade.pay"},"then":{"notify":{"bad_signature":true}}}]}`, http.StatusCreated)
	m := newMerchant(t, "fail")
	h.payWithNotify("B1", "1.00", m.URL)
	waitAttempts(t, h, "B1", 1)
	h.advance(`{"by":"4m"}`)
	n := waitAttempts(t, h, "B1", 2)
	pub := h.srv.AlipayPublicKey()
	calls := m.calls()
	if len(calls) != 2 {
		t.Fatalf("%d calls", len(calls))
	}
	for i, c := range calls {
		p := map[string]string{}
		for k := range c.form {
			p[k] = c.form.Get(k)
		}
		if err := sign.VerifyString(pub, sign.RSA2, sign.UTF8, sign.NotifyContent(p), p["sign"]); err == nil {
			t.Errorf("attempt %d verifies despite bad_signature", i+1)
		}
		if n.Attempts[i].Body != c.body {
			t.Errorf("attempt %d: outbox body differs from what was sent", i+1)
		}
	}
	if calls[0].form.Get("notify_time") == calls[1].form.Get("notify_time") {
		t.Error("both attempts carry the same notify_time")
	}
}

func TestNotifyIDUniqueAcrossNotifications(t *testing.T) {
	h := newHarness(t, mock.Options{})
	m := newMerchant(t, "success")
	h.payWithNotify("U1", "2.00", m.URL)
	h.notifications("out_trade_no=U1&state=delivered")
	p := h.params("alipay.trade.refund", `{"out_trade_no":"U1","refund_amount":"1.00","out_request_no":"r1"}`, nil)
	expect(t, h.verify("alipay.trade.refund", h.post(p), true), "code", "10000")
	list := h.notifications("out_trade_no=U1&state=delivered&count=2")
	if len(list) != 2 || list[0].NotifyID == "" || list[0].NotifyID == list[1].NotifyID {
		t.Errorf("notify_ids of the payment and the refund: %+v", list)
	}
}

// The strings the final notifications' records share (subjects, URLs,
// …) go with them: a reset through the control API leaves none, as
// GET /_mock/memory shows; before, the table kept them, up to 262,144
// strings of up to 512 B, until the process ended.
func TestResetEmptiesTheNotificationsSharedStrings(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	shop := mocktest.NewMerchant(t, "success")
	const n = 20
	for i := 0; i < n; i++ {
		out := "SS" + strconv.Itoa(i)
		p := m.Params("alipay.trade.precreate", `{"out_trade_no":"`+out+`","total_amount":"1.00","subject":"a subject of its own `+strconv.Itoa(i)+`"}`,
			func(p map[string]string) { p["notify_url"] = shop.URL })
		if r := m.Verify("alipay.trade.precreate", m.Post(p), true); r["code"] != "10000" {
			t.Fatalf("precreate: %v", r)
		}
		m.Control(http.MethodPost, "/trades/"+out+"/pay", nil, http.StatusOK)
	}
	if got := m.Notifications("state=delivered&limit=100&count=" + strconv.Itoa(n)); len(got) != n {
		t.Fatalf("%d notifications delivered, want %d", len(got), n)
	}
	var mem control.Memory
	m.ControlJSON(http.MethodGet, "/memory", nil, http.StatusOK, &mem)
	if mem.Notifications.SharedStrings < n || mem.Notifications.SharedBytes < int64(n*len("a subject of its own 0")) {
		t.Fatalf("%d shared strings of %d bytes for %d notifications with subjects of their own", mem.Notifications.SharedStrings, mem.Notifications.SharedBytes, n)
	}
	m.Control(http.MethodPost, "/reset", nil, http.StatusOK)
	m.ControlJSON(http.MethodGet, "/memory", nil, http.StatusOK, &mem)
	if mem.Notifications.Count != 0 || mem.Notifications.SharedStrings != 0 || mem.Notifications.SharedBytes != 0 {
		t.Fatalf("after a reset: %d notifications, %d shared strings of %d bytes", mem.Notifications.Count, mem.Notifications.SharedStrings, mem.Notifications.SharedBytes)
	}
	// What is notified after the reset shares strings again, and reads back.
	p := m.Params("alipay.trade.precreate", `{"out_trade_no":"SS-after","total_amount":"1.00","subject":"after the reset"}`,
		func(p map[string]string) { p["notify_url"] = shop.URL })
	m.Verify("alipay.trade.precreate", m.Post(p), true)
	m.Control(http.MethodPost, "/trades/SS-after/pay", nil, http.StatusOK)
	got := m.Notifications("state=delivered&out_trade_no=SS-after")
	if len(got) != 1 || got[0].Params["subject"] != "after the reset" || got[0].URL != shop.URL {
		t.Fatalf("after the reset: %+v", got)
	}
}
