package web_test

import (
	"crypto/rsa"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/mock/journal"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/royalty"
	"github.com/alipay-mock/alipay-mock/mock/shared"
	"github.com/alipay-mock/alipay-mock/mock/trade"
	"github.com/alipay-mock/alipay-mock/mock/web"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// epoch is the manual clock's start: 2026-11-23 10:00:00 GMT+8.
var epoch = time.Date(2026, 11, 23, 10, 0, 0, 0, timestamp.Zone)

// env is a mock assembled from its parts, with the dashboard, the gateway
// and the buyer pages on one echo, and a merchant that answers
// notifications with whatever answer holds.
type env struct {
	t        *testing.T
	url      string
	clk      *clock.Sim
	sched    *clock.Scheduler
	apps     *apps.Registry
	trades   *trade.Book
	coupons  *coupon.Book
	notifier *notify.Notifier
	journal  *journal.Journal
	engine   *scenarios.Engine
	faults   *gateway.Queue
	answer   atomic.Value // the merchant's answer to notifications
	merchant string       // its notify_url
	client   *http.Client // does not follow redirects
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ids := fixtures.New(1)
	clk := clock.NewManual(epoch)
	x := &env{t: t, clk: clk, sched: clock.NewScheduler(clk, 4), apps: apps.NewRegistry(ids),
		trades: trade.NewBook(clk, ids, trade.Options{}), coupons: coupon.NewBook(clk, ids, coupon.Options{}),
		journal: &journal.Journal{}, engine: scenarios.NewEngine(), faults: &gateway.Queue{},
		client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if _, err := x.apps.Add(apps.DevSpec()); err != nil {
		t.Fatal(err)
	}
	key := keys.DevAlipayPrivateKey()
	x.notifier = notify.New(key, x.sched, ids, notify.NewOutbox(), notify.Options{})
	x.trades.ObserveStored(x.notifier.TradeEvent, nil)
	x.coupons.ObserveStored(x.notifier.CouponEvent, nil)

	x.answer.Store("fail")
	merchant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, x.answer.Load().(string))
	}))
	t.Cleanup(merchant.Close)
	x.merchant = merchant.URL + "/alipay/notify"

	deps := shared.Deps{Apps: x.apps, Trades: x.trades, Coupons: x.coupons, Royalty: new(royalty.Relations), Fund: fund.NewBook(clk, ids, fund.Options{}), Notifier: x.notifier, Sched: x.sched,
		Journal: x.journal, Scenarios: x.engine, Key: key, Clock: clk, IDs: ids, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	e := echo.New()
	gw := &gateway.Gateway{Deps: deps, Queue: x.faults, FundPublicKey: true} // the dev app pays red packets for the pages
	e.POST("/gateway.do", gw.Handle)
	(&web.Pages{Deps: deps}).Register(e.Group(web.CashierPrefix), e.Group(web.QRPrefix))
	deps.ForgetAnswers = func(string) error { return x.faults.Clear() } // the dashboard resets every app
	(&web.Dashboard{Deps: deps, Faults: x.faults, Version: "9.9.9-test"}).Register(e.Group(web.DashboardPrefix))
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	x.url = srv.URL
	return x
}

// call sends a dev-app gateway request signed with the app key; edit may
// change the parameters before signing, and signWith the way it is signed.
func (x *env) call(method, biz string, edit func(map[string]string), signWith func(string) string) string {
	x.t.Helper()
	p := map[string]string{"app_id": keys.DevAppID, "method": method, "format": "JSON", "charset": "utf-8",
		"sign_type": "RSA2", "timestamp": timestamp.Format(x.clk.Now()), "version": "1.0", "biz_content": biz}
	if edit != nil {
		edit(p)
	}
	content := sign.RequestContent(p)
	if signWith != nil {
		p["sign"] = signWith(content)
	} else {
		p["sign"] = mustSign(x.t, keys.DevAppPrivateKey(), sign.RSA2, content)
	}
	v := url.Values{}
	for k, s := range p {
		v.Set(k, s)
	}
	resp, err := http.PostForm(x.url+"/gateway.do", v)
	if err != nil {
		x.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func mustSign(t *testing.T, k *rsa.PrivateKey, st sign.Type, content string) string {
	t.Helper()
	s, err := sign.SignString(k, st, sign.UTF8, content)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// get fetches a dashboard page and checks its status and type.
func (x *env) get(path string, status int) string {
	x.t.Helper()
	resp, err := x.client.Get(x.url + path)
	if err != nil {
		x.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		x.t.Fatalf("GET %s: HTTP %d, want %d: %.800s", path, resp.StatusCode, status, b)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		x.t.Errorf("GET %s: Content-Type %q, want HTML", path, ct)
	}
	return string(b)
}

// post submits a dashboard form; it answers the status and Location.
func (x *env) post(path string, form url.Values, header map[string]string) (int, string, string) {
	x.t.Helper()
	req, err := http.NewRequest(http.MethodPost, x.url+path, strings.NewReader(form.Encode()))
	if err != nil {
		x.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := x.client.Do(req)
	if err != nil {
		x.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// postRedirect submits a form and follows its 303 (Post/Redirect/Get).
func (x *env) postRedirect(path string, form url.Values) string {
	x.t.Helper()
	status, loc, body := x.post(path, form, nil)
	if status != http.StatusSeeOther || loc == "" {
		x.t.Fatalf("POST %s: HTTP %d Location %q, want 303: %.800s", path, status, loc, body)
	}
	return x.get(loc, http.StatusOK)
}

// row is the first <tr> of a page whose attr is value, or "".
func row(body, attr, value string) string {
	at := regexp.MustCompile(`<tr [^>]*\b` + regexp.QuoteMeta(attr+`="`+value+`"`)).FindStringIndex(body)
	if at == nil {
		return ""
	}
	i := at[0]
	j := strings.Index(body[i:], "</tr>")
	if j < 0 {
		return body[i:]
	}
	return body[i : i+j]
}

// byID is the element with the id, up to the end of its first line, or "".
func byID(body, id string) string {
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "\n")
	if j < 0 {
		return body[i:]
	}
	return body[i : i+j]
}

var authNoRE = regexp.MustCompile(`"auth_no":"(\d+)"`)

// state puts a realistic set of things in the mock: a paid and partly
// refunded QR trade whose notification failed once, an unpaid trade, a red
// packet with a claim, a request with a bad signature and a scenario.
type state struct {
	paidNo, waitNo, qrToken, authNo, claimNo string
	paidPage, waitPage, packetPage           string // cashier tokens
	noteID                                   string
	badEntry, goodEntry                      int
}

func (x *env) fill() state {
	x.t.Helper()
	var s state
	f, err := scenarios.Parse("retry.yaml", []byte(`name: retry-demo
rules:
  - name: query answers unknown twice
    when:
      method: alipay.trade.query
      biz:
        out_trade_no: {prefix: "SCN-"}
    times: 2
    then:
      respond: {code: "20000"}
`), gateway.Catalogue())
	if err != nil {
		x.t.Fatal(err)
	}
	x.engine.Add(f)

	out := x.call("alipay.trade.precreate", `{"out_trade_no":"order-paid-1","total_amount":"88.88","subject":"Iphone6 16G","buyer_logon_id":"13800138000","goods_detail":[{"goods_id":"iphone6-16g","goods_name":"Iphone6 16G","quantity":1,"price":"88.88"}]}`,
		func(p map[string]string) { p["notify_url"] = x.merchant }, nil)
	t, err := x.trades.Get(keys.DevAppID, "order-paid-1")
	if err != nil {
		x.t.Fatalf("precreate: %s", out)
	}
	s.paidNo, s.qrToken, s.paidPage = t.TradeNo, t.QRToken, t.CashierToken
	if _, err := x.trades.Act("", s.paidNo, trade.ActPay, &fixtures.Buyer{UserID: "2088000000000001", LogonID: "13800138000"}); err != nil {
		x.t.Fatal(err)
	}
	x.sched.RunDue() // the first attempt: the merchant answers "fail"
	notes := x.notifier.Outbox().List(notify.Filter{TradeNo: s.paidNo})
	if len(notes) != 1 {
		x.t.Fatalf("notifications: %+v", notes)
	}
	s.noteID = notes[0].ID
	if out := x.call("alipay.trade.refund", `{"out_trade_no":"order-paid-1","refund_amount":"8.88","out_request_no":"rf-1"}`, nil, nil); !strings.Contains(out, `"fund_change":"Y"`) {
		x.t.Fatalf("refund: %s", out)
	}
	x.sched.RunDue() // the refund's notification fails too

	out = x.call("alipay.trade.precreate", `{"out_trade_no":"order-wait-2","total_amount":"1.00","subject":"<b>bold<b> \"quoted\""}`, nil, nil)
	if t, err = x.trades.Get(keys.DevAppID, "order-wait-2"); err != nil {
		x.t.Fatalf("precreate: %s", out)
	}
	s.waitNo, s.waitPage = t.TradeNo, t.CashierToken

	out = x.call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"rp-1","out_request_no":"rp-1-pay","order_title":"新年红包","amount":"10.00","payer_user_id":"2088000000000002"}`, nil, nil)
	m := authNoRE.FindStringSubmatch(out)
	if m == nil {
		x.t.Fatalf("agreement pay: %s", out)
	}
	s.authNo = m[1]
	if p, err := x.coupons.Get("", s.authNo); err != nil || p.CashierToken == "" {
		x.t.Fatalf("red packet %s: %+v %v", s.authNo, p, err)
	} else {
		s.packetPage = p.CashierToken
	}
	out = x.call("alipay.fund.coupon.order.disburse", `{"out_order_no":"claim-1","out_request_no":"claim-1","deduct_auth_no":"`+s.authNo+`","order_title":"领红包","amount":"3.00","payee_user_id":"2088000000000003"}`, nil, nil)
	if m = authNoRE.FindStringSubmatch(out); m == nil {
		x.t.Fatalf("disburse: %s", out)
	}
	s.claimNo = m[1]

	// Signed with SHA1 while sign_type says RSA2.
	x.call("alipay.trade.query", `{"out_trade_no":"order-paid-1"}`, nil, func(content string) string {
		return mustSign(x.t, keys.DevAppPrivateKey(), sign.RSA, content)
	})
	x.call("alipay.trade.query", `{"out_trade_no":"SCN-1"}`, nil, nil)
	x.call("alipay.trade.query", `{"out_trade_no":"order-paid-1"}`, nil, nil)
	for _, e := range x.journal.List(journal.Filter{}) {
		switch {
		case !e.Verified && e.StringToSign != "" && s.badEntry == 0:
			s.badEntry = e.ID
		case e.Verified && strings.Contains(e.Params["biz_content"], "order-paid-1") && s.goodEntry == 0:
			s.goodEntry = e.ID
		}
	}
	if s.badEntry == 0 || s.goodEntry == 0 {
		x.t.Fatalf("journal: %+v", x.journal.List(journal.Filter{}))
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestDashboardPages(t *testing.T) {
	x := newEnv(t)
	s := x.fill()
	tests := []struct {
		name string
		path string
		want []string // substrings of the whole page
		// rows: attribute, value, and what the row must contain
		rows [][3]string
		not  []string
	}{
		{name: "overview", path: "/_mock/ui", want: []string{
			`<span class="version" id="version">9.9.9-test</span>`,
			`id="clock-now">2026-11-23 10:00:00 <span id="clock-offset">`,
			`<span class="frozen">frozen (0)</span>`,
			`id="clock-pending">`,
			`id="alipay-key-fingerprint">` + keys.Fingerprint(&keys.DevAlipayPrivateKey().PublicKey) + `</code>`,
			"-----BEGIN PUBLIC KEY-----",
			`id="journal-total">8</td>`, `id="journal-failed">1</td>`, `id="claim-count">1</span>`,
			`<form method="post" action="/_mock/ui/reset" id="reset-form">`,
			`<td class="unscanned">hidden until a buyer scans or logs in: ACQ.TRADE_NOT_EXIST (production)</td>`,
		}, rows: [][3]string{
			{"data-status", "TRADE_SUCCESS", `<td class="num count">1</td>`},
			{"data-status", "WAIT_BUYER_PAY", `<td class="num count">1</td>`},
			{"data-status", "AUTHORIZED", `<td class="num count">1</td>`},
			{"data-state", "pending", `<td class="num count">2</td>`}, // the payment's and the refund's
			{"data-app-id", keys.DevAppID, `<td class="sign-type">RSA2</td>`},
			{"data-app-id", keys.DevAppID, keys.Fingerprint(&keys.DevAppPrivateKey().PublicKey)},
			{"data-app-id", keys.DevAppID, `<td class="mode">public key</td>`},
		}},
		{name: "trades", path: "/_mock/ui/trades", rows: [][3]string{
			{"data-trade-no", s.paidNo, `<td class="status status-trade_success">TRADE_SUCCESS</td>`},
			{"data-trade-no", s.paidNo, `<td class="num">88.88</td><td class="num">8.88</td>`},
			{"data-trade-no", s.paidNo, `<td class="time">2026-11-23 10:00:00</td>`},
			{"data-trade-no", s.waitNo, `<td class="status status-wait_buyer_pay">WAIT_BUYER_PAY</td>`},
			{"data-trade-no", s.waitNo, `&lt;b&gt;bold&lt;b&gt; &#34;quoted&#34;`},
		}, not: []string{"<b>bold"}},
		{name: "trades by status", path: "/_mock/ui/trades?status=WAIT_BUYER_PAY", want: []string{`<option value="WAIT_BUYER_PAY" selected>`},
			rows: [][3]string{{"data-trade-no", s.waitNo, "order-wait-2"}}, not: []string{`data-trade-no="` + s.paidNo + `"`}},
		{name: "trades by app", path: "/_mock/ui/trades?app_id=2021000000000000", want: []string{"No trades match the filter."}},
		{name: "trade", path: "/_mock/ui/trades/" + s.paidNo, want: []string{
			`<span class="status status-trade_success" id="trade-status">TRADE_SUCCESS</span>`,
			`<a href="/cashier/` + s.paidPage + `" id="cashier-link">`,
			`<a href="/qr/` + s.qrToken + `" id="qr-link">`,
			`<a href="/_mock/ui/notifications?trade_no=` + s.paidNo + `" id="notifications-link">`,
		}, rows: [][3]string{
			{"data-field", "notify_url", x.merchant},
			{"data-field", "buyer_id", "2088000000000001"},
			{"data-field", "buyer_logon_id", "138****8000"},
			{"data-field", "seller_id", "2088"},
			{"data-field", "buyer_logon_required", "13800138000"},
			{"data-field", "goods_detail", "iphone6-16g Iphone6 16G ×1 @ 88.88"},
			{"data-field", "refund_fee", "8.88"},
			{"data-field", "gmt_payment", "2026-11-23 10:00:00"},
			{"data-event", "created", "precreate: QR code issued"},
			{"data-event", "paid", `<td class="status status-trade_success">TRADE_SUCCESS</td>`},
			{"data-event", "refunded", "8.88"},
			{"data-out-request-no", "rf-1", `<td class="num">8.88</td>`},
			{"data-notification-id", s.noteID, `<td class="status status-pending">pending</td>`},
		}},
		{name: "trade by out_trade_no", path: "/_mock/ui/trades/order-wait-2", want: []string{`data-trade-no="` + s.waitNo + `"`,
			// unscanned: the page says the merchant cannot see it yet
			"no: to the merchant this trade does not exist yet, as in production"}},
		{name: "red packets", path: "/_mock/ui/red-packets", rows: [][3]string{
			{"data-auth-no", s.authNo, `<td class="status status-authorized">AUTHORIZED</td>`},
			{"data-auth-no", s.authNo, `<td class="num">10.00</td><td class="num">7.00</td>`},
			{"data-auth-no", s.claimNo, `claim of <a href="/_mock/ui/red-packets/` + s.authNo + `">`},
		}},
		{name: "red packet", path: "/_mock/ui/red-packets/" + s.authNo, want: []string{`id="packet-status">AUTHORIZED</span>`, "新年红包", `<a href="/cashier/coupon/` + s.packetPage + `" id="cashier-link">`}, rows: [][3]string{
			{"data-field", "rest_amount", "7.00"},
			{"data-field", "payer", "2088000000000002"},
			{"data-type", "PAY", "rp-1-pay"},
			{"data-event", "created", "alipay.fund.coupon.order.agreement.pay"},
			{"data-event", "paid", "AUTHORIZED"},
			{"data-event", "claimed", "3.00"},
			{"data-auth-no", s.claimNo, "claim-1"},
		}},
		{name: "claim", path: "/_mock/ui/red-packets/" + s.claimNo, want: []string{`id="packet-link"`}, rows: [][3]string{
			{"data-field", "payee", "2088000000000003"},
			{"data-field", "deduct_auth_no", s.authNo},
		}},
		{name: "notifications", path: "/_mock/ui/notifications?out_trade_no=order-paid-1", rows: [][3]string{
			{"data-notification-id", s.noteID, `<a href="/_mock/ui/trades/` + s.paidNo + `">order-paid-1</a>`},
			{"data-notification-id", s.noteID, "TRADE_SUCCESS"},
			{"data-notification-id", s.noteID, `<td class="num">1</td><td class="bad">HTTP 200</td><td class="time">2026-11-23 10:04:00</td>`},
		}},
		{name: "notifications by state", path: "/_mock/ui/notifications?state=delivered", want: []string{"No notifications."}},
		{name: "notification", path: "/_mock/ui/notifications/" + s.noteID, want: []string{
			`id="notification-state">pending</span>`, `id="next-attempt">2026-11-23 10:04:00</span>`,
			`<form method="post" action="/_mock/ui/notifications/` + s.noteID + `/resend" id="resend-form"`,
			`id="notify-body">`, "notify_type=trade_status_sync",
		}, rows: [][3]string{
			{"data-attempt", "1", `<td class="time">2026-11-23 10:00:00</td><td class="time attempt-notify-time">2026-11-23 10:00:00</td><td class="status status-failed">failed</td><td class="num">200</td><td><pre class="response">fail</pre></td>`},
			{"data-attempt-body", "1", "notify_time=2026-11-23&#43;10%3A00%3A00"},
			{"data-param", "trade_status", "TRADE_SUCCESS"},
			{"data-param", "out_trade_no", "order-paid-1"},
			{"data-field", "url", x.merchant},
		}},
		{name: "journal", path: "/_mock/ui/journal", rows: [][3]string{
			{"data-journal-id", itoa(s.badEntry), `<td class="verified verified-no">no</td>`},
			{"data-journal-id", itoa(s.badEntry), "isv.invalid-signature"},
			{"data-journal-id", itoa(s.goodEntry), `<td class="verified verified-yes">yes</td>`},
		}},
		{name: "journal failed only", path: "/_mock/ui/journal?failed=true", want: []string{`<input type="checkbox" name="failed" value="true" checked>`},
			rows: [][3]string{{"data-journal-id", itoa(s.badEntry), "alipay.trade.query"}}, not: []string{`data-journal-id="` + itoa(s.goodEntry) + `"`}},
		{name: "journal by method", path: "/_mock/ui/journal?method=alipay.trade.refund", want: []string{`<span class="n">1</span>`}},
		{name: "journal entry with a bad signature", path: "/_mock/ui/journal/" + itoa(s.badEntry), want: []string{
			`id="signature-explainer"`,
			`id="explanation">signed with RSA but sign_type says RSA2</strong>`,
			`id="key-used">` + keys.Fingerprint(&keys.DevAppPrivateKey().PublicKey) + `</code> — the public key registered for app ` + keys.DevAppID,
			`id="explainer-sign-type">RSA2</dd>`, `id="explainer-charset">utf-8</dd>`,
			`id="string-to-sign">app_id=` + keys.DevAppID + `&amp;biz_content={&#34;out_trade_no&#34;:&#34;order-paid-1&#34;}&amp;charset=utf-8&amp;format=JSON&amp;method=alipay.trade.query&amp;sign_type=RSA2`,
			`<ul id="checklist">`, "not the Alipay public key",
			`id="verified">no</span>`, "isv.invalid-signature",
		}, rows: [][3]string{{"data-param", "method", "alipay.trade.query"}}},
		{name: "journal entry that verified", path: "/_mock/ui/journal/" + itoa(s.goodEntry), want: []string{
			`id="verified">yes</span>`, `data-link="trade">` + s.paidNo, `<span id="rule" class="none">none</span>`,
			`retry-demo/query answers unknown twice: biz.out_trade_no &#34;order-paid-1&#34; does not start with &#34;SCN-&#34;`,
			`id="response">{&#34;code&#34;:&#34;10000&#34;,&#34;msg&#34;:&#34;Success&#34;`,
		}, not: []string{`id="signature-explainer"`}},
		{name: "clock", path: "/_mock/ui/clock", want: []string{
			`id="clock-now">2026-11-23 10:00:00</dd>`, `id="advance-form"`, `id="next-form"`, `id="speed-form"`, `data-by="25h"`,
		}, rows: [][3]string{{"data-notification-id", s.noteID, "2026-11-23 10:04:00"}}},
		{name: "scenarios", path: "/_mock/ui/scenarios", want: []string{
			`<section class="card scope" data-scope="global">`, `<article class="scenario" data-scenario="retry-demo">`, `data-state="Started"`,
		}, rows: [][3]string{{"data-rule", "query answers unknown twice",
			`<td>alipay.trade.query</td><td><ul class="plain"><li>biz.out_trade_no starts with &#34;SCN-&#34;</li></ul></td><td><ul class="plain"><li>respond code 20000</li></ul></td><td class="num times">2</td><td class="num acted">1</td>`}}},
		{name: "trailing slash", path: "/_mock/ui/", want: []string{`id="clock-now"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x.t = t
			body := x.get(tc.path, http.StatusOK)
			if !strings.Contains(body, "<main") || !strings.Contains(body, `<nav id="nav"`) {
				t.Errorf("no <main> or nav")
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("missing %q", w)
				}
			}
			for _, r := range tc.rows {
				got := row(body, r[0], r[1])
				if got == "" {
					t.Errorf("no row %s=%q", r[0], r[1])
				} else if !strings.Contains(got, r[2]) {
					t.Errorf("row %s=%q lacks %q:\n%s", r[0], r[1], r[2], got)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(body, n) {
					t.Errorf("has %q", n)
				}
			}
			if t.Failed() {
				t.Logf("page:\n%s", body)
			}
		})
	}
}

func TestDashboardErrors(t *testing.T) {
	x := newEnv(t)
	s := x.fill()
	gets := []struct {
		path   string
		status int
		want   string
	}{
		{"/_mock/ui/trades/2026112322000000000000000000", http.StatusNotFound, "no trade 2026112322000000000000000000"},
		{"/_mock/ui/trades/nope", http.StatusNotFound, "no trade nope"},
		{"/_mock/ui/red-packets/nope", http.StatusNotFound, "no red packet nope"},
		{"/_mock/ui/notifications/ntf_999999", http.StatusNotFound, "no notification ntf_999999"},
		{"/_mock/ui/journal/99999", http.StatusNotFound, "no journal entry 99999"},
		{"/_mock/ui/journal/abc", http.StatusNotFound, "no journal entry abc"},
		{"/_mock/ui/nothing/here", http.StatusNotFound, "nothing at /_mock/ui/nothing/here"},
		{"/_mock/ui/static/nope.css", http.StatusNotFound, "nothing at"},
		{"/_mock/ui/trades?status=PAID", http.StatusBadRequest, "status &#34;PAID&#34; is not one of WAIT_BUYER_PAY"},
		{"/_mock/ui/red-packets?status=PAID", http.StatusBadRequest, "is not one of INIT"},
		{"/_mock/ui/notifications?state=lost", http.StatusBadRequest, "state &#34;lost&#34; is not one of pending"},
		{"/_mock/ui/journal?failed=maybe", http.StatusBadRequest, "failed is true or false"},
		{"/_mock/ui/journal?limit=0", http.StatusBadRequest, "limit is a whole number from 1 to 1000"},
		{"/_mock/ui/trades?limit=1001", http.StatusBadRequest, "limit is a whole number from 1 to 1000"},
		{"/_mock/ui/notifications?cursor=bogus", http.StatusBadRequest, "cursor is not one this list gave out"},
		{"/_mock/ui/trades/<script>", http.StatusNotFound, "no trade &lt;script&gt;"},
	}
	for _, tc := range gets {
		t.Run("GET "+tc.path, func(t *testing.T) {
			x.t = t
			body := x.get(tc.path, tc.status)
			if !strings.Contains(body, `id="error" data-status="`+itoa(tc.status)+`"`) || !strings.Contains(body, tc.want) {
				t.Errorf("want an error page with %q:\n%s", tc.want, body)
			}
		})
	}
	posts := []struct {
		path   string
		form   url.Values
		status int
		want   string
	}{
		{"/_mock/ui/notifications/ntf_999999/resend", nil, http.StatusNotFound, "no notification ntf_999999"},
		{"/_mock/ui/clock/advance", url.Values{"by": {"banana"}}, http.StatusBadRequest, "by must be a positive duration"},
		{"/_mock/ui/clock/advance", url.Values{"by": {"-1h"}}, http.StatusBadRequest, "advance by a positive duration"},
		{"/_mock/ui/clock/advance", url.Values{"by": {"2000000h"}}, http.StatusBadRequest, "the latest the clock can read"},
		{"/_mock/ui/clock/speed", url.Values{"speed": {"1e300"}}, http.StatusBadRequest, "speed is a number from 0 (frozen) to 1000000"},
		{"/_mock/ui/clock/set", url.Values{"at": {"9999-12-31 23:59:59"}}, http.StatusBadRequest, "the clock can be set from 1970-01-01 00:00:00 to 2199-12-31 23:59:59"},
		{"/_mock/ui/clock/advance", nil, http.StatusBadRequest, "by must be a positive duration"},
		{"/_mock/ui/clock/speed", url.Values{"speed": {"-1"}}, http.StatusBadRequest, "speed is a number from 0"},
		{"/_mock/ui/clock/speed", url.Values{"speed": {"fast"}}, http.StatusBadRequest, "speed is a number from 0"},
		{"/_mock/ui/clock/speed", url.Values{"speed": {"NaN"}}, http.StatusBadRequest, "speed is a number from 0"},
		{"/_mock/ui/clock/set", url.Values{"at": {"tomorrow"}}, http.StatusBadRequest, "yyyy-MM-dd HH:mm:ss"},
	}
	for _, tc := range posts {
		t.Run("POST "+tc.path+"?"+tc.form.Encode(), func(t *testing.T) {
			x.t = t
			status, _, body := x.post(tc.path, tc.form, nil)
			if status != tc.status || !strings.Contains(body, tc.want) || !strings.Contains(body, "<main") {
				t.Errorf("HTTP %d, want %d with %q:\n%s", status, tc.status, tc.want, body)
			}
		})
	}
	x.t = t
	// Nothing moved.
	if now := x.clk.Now(); !now.Equal(epoch) {
		t.Errorf("clock moved to %s", timestamp.Format(now))
	}
	if st := x.clk.State(); !st.Frozen {
		t.Errorf("clock no longer frozen: %+v", st)
	}
	if n, _ := x.notifier.Outbox().Get(s.noteID); len(n.Attempts) != 1 {
		t.Errorf("attempts = %d", len(n.Attempts))
	}
}

func TestDashboardResend(t *testing.T) {
	x := newEnv(t)
	s := x.fill()
	x.answer.Store("success")
	body := x.postRedirect("/_mock/ui/notifications/"+s.noteID+"/resend", nil)
	if f := byID(body, "flash"); !strings.Contains(f, "Resent: attempt 2 at 2026-11-23 10:00:00: delivered") {
		t.Errorf("flash: %q", f)
	}
	if !strings.Contains(body, `id="notification-state">delivered</span>`) || strings.Contains(body, `id="next-attempt"`) {
		t.Errorf("not delivered:\n%s", body)
	}
	if r := row(body, "data-attempt", "2"); !strings.Contains(r, `<td class="status status-delivered">delivered</td><td class="num">200</td><td><pre class="response">success</pre></td>`) {
		t.Errorf("attempt 2: %s", r)
	}
	if r := row(body, "data-attempt", "1"); !strings.Contains(r, "failed") {
		t.Errorf("attempt 1: %s", r)
	}
	list := x.get("/_mock/ui/notifications?out_trade_no=order-paid-1&state=delivered", http.StatusOK)
	if r := row(list, "data-notification-id", s.noteID); !strings.Contains(r, `<td class="status status-delivered">delivered</td><td class="num">2</td><td class="ok">HTTP 200 success</td>`) {
		t.Errorf("list row: %s", r)
	}
	// A delivered notification has nothing left on the clock.
	clk := x.postRedirect("/_mock/ui/clock/advance", url.Values{"by": {"4m"}})
	if n, _ := x.notifier.Outbox().Get(s.noteID); len(n.Attempts) != 2 {
		t.Errorf("attempts after 4m = %d", len(n.Attempts))
	}
	if strings.Contains(clk, `data-ref="`+s.noteID+`"`) {
		t.Errorf("the delivered notification fired again")
	}
}

func TestDashboardClock(t *testing.T) {
	x := newEnv(t)
	s := x.fill()

	// The retry of the failed notification is 4 minutes away.
	body := x.postRedirect("/_mock/ui/clock/advance", url.Values{"by": {"4m"}})
	if got := byID(body, "clock-now"); !strings.Contains(got, ">2026-11-23 10:04:00<") {
		t.Errorf("clock-now: %q", got)
	}
	if got := byID(body, "hdr-clock"); !strings.Contains(got, "2026-11-23 10:04:00") {
		t.Errorf("header clock: %q", got)
	}
	if got := byID(body, "report-action"); !strings.Contains(got, "advanced by 4m0s from 2026-11-23 10:00:00 to 2026-11-23 10:04:00") {
		t.Errorf("report: %q", got)
	}
	r := row(body, "data-kind", "notify")
	for _, w := range []string{`data-ref="` + s.noteID + `"`, "2026-11-23 10:04:00", `<a href="/_mock/ui/notifications/` + s.noteID + `">`, "attempt 2 to " + x.merchant, "HTTP 200 &#34;fail&#34;"} {
		if !strings.Contains(r, w) {
			t.Errorf("fired row lacks %q: %s", w, r)
		}
	}
	n, _ := x.notifier.Outbox().Get(s.noteID)
	if len(n.Attempts) != 2 || n.NextAttempt == nil || timestamp.Format(*n.NextAttempt) != "2026-11-23 10:14:00" {
		t.Fatalf("after 4m: %+v", n)
	}

	// To the next due job: the third attempt, 10 minutes on.
	body = x.postRedirect("/_mock/ui/clock/next", nil)
	if got := byID(body, "clock-now"); !strings.Contains(got, ">2026-11-23 10:14:00<") {
		t.Errorf("after next: %q", got)
	}
	if got := byID(body, "fired-count"); !strings.Contains(got, ">2<") { // the payment's and the refund's notifications
		t.Errorf("fired-count: %q", got)
	}

	// 25h: the rest of the schedule, until the notification is given up,
	// and the unpaid trade's expiry is not on this scheduler (no observer)
	// but the book settles it when read.
	body = x.postRedirect("/_mock/ui/clock/advance", url.Values{"by": {"25h"}})
	if got := byID(body, "clock-now"); !strings.Contains(got, ">2026-11-24 11:14:00<") {
		t.Errorf("after 25h: %q", got)
	}
	if got := byID(body, "fired-count"); !strings.Contains(got, ">10<") { // attempts 4 to 8 of both
		t.Errorf("fired-count after 25h: %q", got)
	}
	if !strings.Contains(body, "attempt 8 to "+x.merchant+": HTTP 200 &#34;fail&#34;; given up") {
		t.Errorf("no given-up attempt in:\n%s", body)
	}
	note := x.get("/_mock/ui/notifications/"+s.noteID, http.StatusOK)
	if !strings.Contains(note, `id="notification-state">given_up</span>`) || row(note, "data-attempt", "8") == "" {
		t.Errorf("notification page after 25h:\n%s", note)
	}
	trades := x.get("/_mock/ui/trades", http.StatusOK)
	if r := row(trades, "data-trade-no", s.waitNo); !strings.Contains(r, "TRADE_CLOSED") {
		t.Errorf("expired trade row: %s", r)
	}

	// Speed: 60, then frozen again.
	body = x.postRedirect("/_mock/ui/clock/speed", url.Values{"speed": {"60"}})
	if got := byID(body, "clock-speed"); !strings.Contains(got, "×60") {
		t.Errorf("speed: %q", got)
	}
	if st := x.clk.State(); st.Frozen || st.Speed != 60 {
		t.Errorf("clock state %+v", st)
	}
	body = x.postRedirect("/_mock/ui/clock/speed", url.Values{"speed": {"0"}})
	if got := byID(body, "clock-speed"); !strings.Contains(got, "frozen") {
		t.Errorf("speed 0: %q", got)
	}
	if !x.clk.State().Frozen {
		t.Errorf("not frozen")
	}

	body = x.postRedirect("/_mock/ui/clock/set", url.Values{"at": {"2027-01-01 08:00:00"}})
	if got := byID(body, "clock-now"); !strings.Contains(got, ">2027-01-01 08:00:00<") {
		t.Errorf("set: %q", got)
	}
	if got := byID(body, "clock-offset"); !strings.Contains(got, "wall time") || strings.Contains(got, "on wall time") {
		t.Errorf("offset after set: %q", got)
	}
	// Back to wall time: the reading and the speed are the wall clock's.
	body = x.postRedirect("/_mock/ui/clock/set", url.Values{"wall": {"1"}})
	if st := x.clk.State(); st.Frozen || st.Speed != 1 || st.WallOffset > time.Second || st.WallOffset < -time.Second {
		t.Errorf("after back to wall time: %+v", st)
	}
	if got := byID(body, "report-action"); !strings.Contains(got, "clock back on wall time") {
		t.Errorf("report: %q", got)
	}
	x.clk.SetSpeed(0)
	x.clk.Set(time.Date(2027, 1, 1, 0, 0, 0, 0, timestamp.Zone))

	// Nothing pending: next does not move the clock.
	if x.sched.Pending() == 0 {
		body = x.postRedirect("/_mock/ui/clock/next", nil)
		if got := byID(body, "report-action"); !strings.Contains(got, "nothing pending") {
			t.Errorf("next with nothing pending: %q", got)
		}
	}

	// Reports are short-lived: an old id shows the clock without it.
	for i := 0; i < 20; i++ {
		x.post("/_mock/ui/clock/advance", url.Values{"by": {"1s"}}, nil)
	}
	body = x.get("/_mock/ui/clock?report=1", http.StatusOK)
	if !strings.Contains(body, `id="report-expired"`) {
		t.Errorf("report 1 still shown")
	}
}

func TestDashboardReset(t *testing.T) {
	x := newEnv(t)
	s := x.fill()
	if _, err := x.faults.Add(gateway.Answer{Code: "20000"}); err != nil {
		t.Fatal(err)
	}
	overview := x.get("/_mock/ui", http.StatusOK)
	if r := row(overview, "data-fault-id", "1"); !strings.Contains(r, "20000") {
		t.Errorf("fault row: %s", r)
	}

	// A cross-site form cannot reset the mock.
	status, _, body := x.post("/_mock/ui/reset", nil, map[string]string{"Sec-Fetch-Site": "cross-site"})
	if status != http.StatusForbidden || !strings.Contains(body, "cross-origin") {
		t.Errorf("cross-site reset: HTTP %d %.300s", status, body)
	}
	if n := len(must(x.trades.List(trade.Filter{}))(t)); n != 2 {
		t.Fatalf("cross-site reset went through: %d trades", n)
	}

	status, loc, _ := x.post("/_mock/ui/reset", nil, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": x.url})
	if status != http.StatusSeeOther || loc != "/_mock/ui?reset=done" {
		t.Fatalf("reset: HTTP %d Location %q", status, loc)
	}
	body = x.get(loc, http.StatusOK)
	for _, w := range []string{`id="flash"`, "Everything was reset", `id="journal-total">0</td>`, `id="claim-count">0</span>`, "No faults queued"} {
		if !strings.Contains(body, w) {
			t.Errorf("overview after reset lacks %q", w)
		}
	}
	for _, st := range []string{"TRADE_SUCCESS", "WAIT_BUYER_PAY", "AUTHORIZED"} {
		if r := row(body, "data-status", st); !strings.Contains(r, `<td class="num count">0</td>`) {
			t.Errorf("count %s after reset: %s", st, r)
		}
	}
	for _, p := range []struct{ path, empty, gone string }{
		{"/_mock/ui/trades", "No trades.", `data-trade-no="` + s.paidNo + `"`},
		{"/_mock/ui/red-packets", "No red packets.", `data-auth-no="` + s.authNo + `"`},
		{"/_mock/ui/notifications", "No notifications.", `data-notification-id="` + s.noteID + `"`},
		{"/_mock/ui/journal", "No requests.", `data-journal-id="`},
	} {
		page := x.get(p.path, http.StatusOK)
		if !strings.Contains(page, p.empty) || strings.Contains(page, p.gone) {
			t.Errorf("%s after reset:\n%s", p.path, page)
		}
	}
	x.get("/_mock/ui/trades/"+s.paidNo, http.StatusNotFound)
	sc := x.get("/_mock/ui/scenarios", http.StatusOK)
	if r := row(sc, "data-rule", "query answers unknown twice"); !strings.Contains(r, `<td class="num acted">0</td>`) {
		t.Errorf("scenario counters after reset: %s", r)
	}
	if len(x.faults.List()) != 0 {
		t.Errorf("faults after reset: %+v", x.faults.List())
	}
}

func TestDashboardStaticAndCashier(t *testing.T) {
	x := newEnv(t)
	s := x.fill()
	for _, tc := range []struct{ path, ctype, want string }{
		{"/_mock/ui/static/dash.css", "text/css", "--bg"},
		{"/_mock/ui/static/dash.js", "text/javascript", "DOMParser"},
	} {
		resp, err := http.Get(x.url + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.ctype) || !strings.Contains(string(b), tc.want) {
			t.Errorf("%s: HTTP %d %s", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	// Every page links them, and nothing from elsewhere: the mock runs offline.
	page := x.get("/_mock/ui/trades/"+s.paidNo, http.StatusOK)
	for _, w := range []string{`<link rel="stylesheet" href="/_mock/ui/static/dash.css">`, `<script src="/_mock/ui/static/dash.js" defer></script>`, `<label id="live-toggle" class="live" hidden`} {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	if strings.Contains(page, "http://") && !strings.Contains(page, x.merchant) || strings.Contains(page, "https://") {
		t.Errorf("page refers to another host")
	}
	// The buyer pages the dashboard links to still render with the
	// dashboard's templates embedded in the same package.
	for _, p := range []string{"/cashier/" + s.waitPage, "/qr/" + s.qrToken, "/cashier/coupon/" + s.packetPage} {
		body := x.get(p, http.StatusOK)
		if !strings.Contains(body, `id="amount"`) {
			t.Errorf("%s:\n%.500s", p, body)
		}
	}
	// The pages open by token only, never by trade_no or auth_no.
	for _, p := range []string{"/cashier/nope", "/cashier/" + s.waitNo, "/qr/" + s.waitNo, "/cashier/coupon/" + s.authNo} {
		if body := x.get(p, http.StatusNotFound); !strings.Contains(body, "订单不存在或已失效") {
			t.Errorf("%s: %.300s", p, body)
		}
	}
}

// The lists show one page, newest first, with a link to the next.
func TestDashboardListsPage(t *testing.T) {
	x := newEnv(t)
	for i := 1; i <= 5; i++ {
		x.call("alipay.trade.precreate", `{"out_trade_no":"PAGE-`+itoa(i)+`","total_amount":"1.00","subject":"p"}`, nil, nil)
	}
	var seen []string
	path := "/_mock/ui/trades?limit=2"
	for pages := 0; path != ""; pages++ {
		if pages > 5 {
			t.Fatal("the pages never end")
		}
		body := x.get(path, http.StatusOK)
		for _, m := range regexp.MustCompile(`data-out-trade-no="(PAGE-\d)"`).FindAllStringSubmatch(body, -1) {
			seen = append(seen, m[1])
		}
		path = ""
		if m := regexp.MustCompile(`id="next-page" rel="next" href="([^"]+)"`).FindStringSubmatch(body); m != nil {
			path = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	if got := strings.Join(seen, ","); got != "PAGE-5,PAGE-4,PAGE-3,PAGE-2,PAGE-1" {
		t.Errorf("walked %s", got)
	}
	body := x.get("/_mock/ui/journal?limit=3", http.StatusOK)
	if !strings.Contains(body, `id="next-page"`) || strings.Count(body, "data-journal-id=") != 3 {
		t.Errorf("journal page of 3 with a next link: %.400s", byID(body, "journal"))
	}
}

// must(f(...))(t) returns f's value, failing the test on f's error.
func must[T any](v T, err error) func(t testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}
