package audit_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/audit"
	"github.com/alipay-mock/alipay-mock/mock/audit/audittest"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

const order = "AUDIT-1"

// paidTrade makes the dev app's trade order on the mock for 88.88 (no
// notify_url: only the audit writes to the shop) and pays it; it returns
// the seller the trade was paid to.
func paidTrade(t *testing.T, m *mocktest.Mock) string {
	t.Helper()
	m.Post(m.Params("alipay.trade.precreate", `{"out_trade_no":"`+order+`","total_amount":"88.88","subject":"Coffee"}`, nil))
	m.Control("POST", "/trades/"+order+"/scan", "", http.StatusOK)
	var tr struct {
		Seller struct {
			ID string `json:"seller_id"`
		} `json:"seller"`
	}
	m.ControlJSON("POST", "/trades/"+order+"/pay", "", http.StatusOK, &tr)
	if tr.Seller.ID == "" {
		t.Fatal("the paid trade has no seller_id")
	}
	return tr.Seller.ID
}

// auditEach runs every probe through the control API, one call each, and
// checks after each that the order is credited exactly once, as the CLI's
// --check-each does; the check then puts the count back to one so each
// probe is judged alone.
func auditEach(t *testing.T, m *mocktest.Mock, shop *audittest.Shop) *audit.Report {
	t.Helper()
	var rep *audit.Report
	for _, name := range audit.Names() {
		var one audit.Report
		m.ControlJSON("POST", "/audit", audit.Request{NotifyURL: shop.URL, AppID: keys.DevAppID, OutTradeNo: order, Probes: []string{name}}, http.StatusOK, &one)
		if len(one.Results) != 1 || one.Results[0].Probe != name {
			t.Fatalf("probe %s: results %+v", name, one.Results)
		}
		res := one.Results[0]
		if rep == nil {
			rep = &one
			rep.Results = nil
		}
		n := shop.Order(order).Credits
		res.Check = &audit.Check{Command: "credited exactly once", Passed: n == 1, ExitCode: min(n, 1) ^ 1}
		if n != 1 {
			res.Check.ExitCode, res.Check.Output = 1, fmt.Sprintf("credited %d times", n)
		}
		shop.SetCredits(order, min(n, 1))
		rep.Results = append(rep.Results, res)
	}
	rep.Tally()
	return rep
}

// findings are the probes with a finding, and what it was.
func findings(rep *audit.Report) map[string]audit.Finding {
	out := map[string]audit.Finding{}
	for _, r := range rep.Results {
		if r.Finding != audit.None {
			out[r.Probe] = r.Finding
		}
	}
	return out
}

func TestAuditFindsExactlyTheSampleHandlersDefects(t *testing.T) {
	sec, cor := audit.Security, audit.Correctness
	for _, tc := range []struct {
		defect audittest.Defect
		want   map[string]audit.Finding
	}{
		{audittest.Correct, map[string]audit.Finding{}},
		{audittest.LineBreaks, map[string]audit.Finding{}},
		{audittest.SkipsSignature, map[string]audit.Finding{"forged-signature": sec, "other-key": sec, "sign-type-swapped": sec}},
		// Every genuine paid notification after the first credits the
		// order again: the check fails after each probe that sends one.
		{audittest.NotIdempotent, map[string]audit.Finding{"replay": cor, "duplicates": cor, "closed-before-success": cor,
			"success-then-finished": cor, "gbk": cor, "refund": cor, "slow-response": cor}},
	} {
		t.Run(string(tc.defect)+"handler", func(t *testing.T) {
			m := mocktest.New(t, mock.Options{})
			seller := paidTrade(t, m)
			shop := audittest.NewShop(t, tc.defect, keys.DevAppID, seller, m.Srv.AlipayPublicKey(), order, 8888)
			rep := auditEach(t, m, shop)
			got := findings(rep)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("findings %v, want %v\n%s", got, tc.want, text(t, rep))
			}
			if rep.Findings != len(tc.want) {
				t.Errorf("report counts %d findings, want %d", rep.Findings, len(tc.want))
			}
			if len(rep.Results) != len(audit.Names()) {
				t.Errorf("%d results, want one per probe (%d)", len(rep.Results), len(audit.Names()))
			}
		})
	}
}

// Every probe can fail: each sample defect, audited without a check, is
// flagged by exactly the probes whose answers it gets wrong, and together
// they flag every probe.
func TestAuditEachProbeCanFail(t *testing.T) {
	sec, cor := audit.Security, audit.Correctness
	genuine := func(extra map[string]audit.Finding) map[string]audit.Finding {
		out := map[string]audit.Finding{"baseline": cor, "replay": cor, "duplicates": cor, "closed-before-success": cor,
			"success-then-finished": cor, "gbk": cor, "refund": cor, "slow-response": cor}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	flagged := map[string]bool{}
	for _, tc := range []struct {
		defect audittest.Defect
		want   map[string]audit.Finding
	}{
		{audittest.SkipsSignature, map[string]audit.Finding{"forged-signature": sec, "other-key": sec, "sign-type-swapped": sec}},
		{audittest.SkipsAmount, map[string]audit.Finding{"tampered-amount": sec}},
		{audittest.SkipsAppID, map[string]audit.Finding{"foreign-app-id": sec}},
		{audittest.SkipsSeller, map[string]audit.Finding{"foreign-seller-id": sec}},
		{audittest.AnyAlgorithm, map[string]audit.Finding{"sign-type-swapped": sec}},
		// The app's own key: Alipay's genuine notifications fail, and one
		// signed by the app key passes.
		{audittest.AppKey, genuine(map[string]audit.Finding{"other-key": sec})},
		{audittest.IgnoresCharset, map[string]audit.Finding{"gbk": cor}},
		{audittest.LooseAnswer, genuine(nil)},
		// Once closed, every later TRADE_SUCCESS is refused.
		{audittest.RefusesAfterClose, map[string]audit.Finding{"closed-before-success": cor, "success-then-finished": cor,
			"gbk": cor, "refund": cor, "slow-response": cor}},
	} {
		t.Run(string(tc.defect), func(t *testing.T) {
			m := mocktest.New(t, mock.Options{})
			seller := paidTrade(t, m)
			shop := audittest.NewShop(t, tc.defect, keys.DevAppID, seller, m.Srv.AlipayPublicKey(), order, 8888)
			var rep audit.Report
			m.ControlJSON("POST", "/audit", audit.Request{NotifyURL: shop.URL, AppID: keys.DevAppID, OutTradeNo: order}, http.StatusOK, &rep)
			if got := findings(&rep); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("findings %v, want %v\n%s", got, tc.want, text(t, &rep))
			}
			if tc.defect == audittest.LooseAnswer && !strings.Contains(text(t, &rep), "byte order mark") {
				t.Errorf("the report does not name the byte order mark:\n%s", text(t, &rep))
			}
			for k := range tc.want {
				flagged[k] = true
			}
		})
	}
	for _, name := range audit.Names() {
		if !flagged[name] {
			t.Errorf("no sample defect is flagged by %s", name)
		}
	}
}

func text(t *testing.T, rep *audit.Report) string {
	var b bytes.Buffer
	if err := rep.Write(&b, "text"); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// The bundled client's NotifyHandler, with a handle that checks the order
// as Alipay asks, passes the whole audit in one call.
func TestAuditPassesTheClientNotifyHandler(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	seller := paidTrade(t, m)
	c := m.Client(nil)
	want := amount.Amount(8888)
	credits := 0
	done := make(chan struct{}, 1)
	done <- struct{}{}
	h := c.NotifyHandler(func(_ context.Context, n *client.Notification) error {
		<-done // one at a time: duplicates come at once
		defer func() { done <- struct{}{} }()
		switch {
		case n.OutTradeNo != order:
			return errors.New("no such order")
		case n.TotalAmount != want:
			return fmt.Errorf("total_amount %s is not the order's %s", n.TotalAmount, want)
		case n.SellerID != seller:
			return errors.New("another seller")
		}
		if n.Paid() && n.RefundFee == 0 && credits == 0 {
			credits++
		}
		return nil
	})
	shop := httptest.NewServer(h)
	t.Cleanup(shop.Close)
	var rep audit.Report
	m.ControlJSON("POST", "/audit", audit.Request{NotifyURL: shop.URL, AppID: keys.DevAppID, OutTradeNo: order}, http.StatusOK, &rep)
	if rep.Findings != 0 || len(rep.Results) != len(audit.Names()) {
		t.Errorf("findings %v in %d results\n%s", findings(&rep), len(rep.Results), text(t, &rep))
	}
	<-done
	if credits != 1 {
		t.Errorf("the order was credited %d times, want once", credits)
	}
}

// Each notification goes as the notifier sends one: POST, the marker
// header, production's User-Agent, the charset in Content-Type, and a form
// the client verifies; a redirect is not followed.
func TestAuditSendsAsTheNotifier(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	paidTrade(t, m)
	shop := mocktest.NewMerchant(t, "success")
	var rep audit.Report
	m.ControlJSON("POST", "/audit", audit.Request{NotifyURL: shop.URL, AppID: keys.DevAppID, OutTradeNo: order, Probes: []string{"baseline", "gbk"}}, http.StatusOK, &rep)
	calls := shop.Calls()
	if len(calls) != 2 {
		t.Fatalf("%d requests, want 2", len(calls))
	}
	c := m.Client(nil)
	for i, call := range calls {
		h := call.Header
		if h.Get(notify.MarkerHeader) != "1" || h.Get("User-Agent") != notify.UserAgent {
			t.Errorf("request %d headers %v", i, h)
		}
		cs := []string{"utf-8", "GBK"}[i]
		if h.Get("Content-Type") != "application/x-www-form-urlencoded; charset="+cs {
			t.Errorf("request %d Content-Type %q", i, h.Get("Content-Type"))
		}
		if call.Body != rep.Results[i].Sent[0].Body {
			t.Errorf("request %d body is not the one reported", i)
		}
		req := httptest.NewRequest(http.MethodPost, "/notify", strings.NewReader(call.Body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		n, err := c.VerifyNotification(req)
		if err != nil {
			t.Fatalf("request %d does not verify: %v", i, err)
		}
		if n.OutTradeNo != order || n.TotalAmount != 8888 || n.TradeStatus != client.TradeSuccess {
			t.Errorf("request %d: %+v", i, n)
		}
		if i == 1 && !strings.Contains(n.Subject, "测试") {
			t.Errorf("the GBK probe's subject %q has no characters outside ASCII", n.Subject)
		}
	}

	// A redirect to a handler that would say success is a failure.
	target := mocktest.NewMerchant(t, "success")
	redirect := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusFound))
	t.Cleanup(redirect.Close)
	m.ControlJSON("POST", "/audit", audit.Request{NotifyURL: redirect.URL, AppID: keys.DevAppID, OutTradeNo: order, Probes: []string{"baseline"}}, http.StatusOK, &rep)
	if r := rep.Results[0]; r.Finding != audit.Correctness || r.Sent[0].Status != http.StatusFound || !strings.Contains(r.Detail, "HTTP 302") {
		t.Errorf("redirect: %+v", r)
	}
	if len(target.Calls()) != 0 {
		t.Error("the redirect was followed")
	}
	// The answer is read up to 1 KiB, as the notifier reads it.
	big := mocktest.NewMerchant(t, "success"+strings.Repeat(" ", 64<<10))
	m.ControlJSON("POST", "/audit", audit.Request{NotifyURL: big.URL, AppID: keys.DevAppID, OutTradeNo: order, Probes: []string{"baseline"}}, http.StatusOK, &rep)
	if r := rep.Results[0]; r.Finding != audit.Correctness || len(r.Sent[0].Answer) != 1<<10 || !strings.Contains(r.Detail, "more than 1 KiB") {
		t.Errorf("a long answer: %d bytes kept, %s", len(r.Sent[0].Answer), r.Detail)
	}
}

// A handler answering a malformed status line of 60 KiB, which Go's error
// quotes, leaves the report the error text an attempt keeps: cut to
// notify.EarlierError, without Go's `Post "<url>": `. It was kept whole,
// in each exchange and in the finding's detail.
func TestAuditErrorTextIsCutAsAnAttempts(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	paidTrade(t, m)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if _, err := http.ReadRequest(bufio.NewReader(c)); err == nil {
					io.WriteString(c, strings.Repeat("A", 60<<10)+"\r\n\r\n")
				}
			}()
		}
	}()
	var rep audit.Report
	m.ControlJSON("POST", "/audit", audit.Request{NotifyURL: "http://" + l.Addr().String() + "/notify", AppID: keys.DevAppID,
		OutTradeNo: order, Probes: []string{"baseline", "forged-signature"}}, http.StatusOK, &rep)
	for _, r := range rep.Results {
		for _, x := range r.Sent {
			if x.Error == "" || len(x.Error) > notify.EarlierError || strings.HasPrefix(x.Error, "Post ") {
				t.Errorf("%s: %s: an error of %d bytes (%.60q…), want 1 to %d without Go's Post prefix", r.Probe, x.What, len(x.Error), x.Error, notify.EarlierError)
			}
		}
		if len(r.Detail) > 1<<10 {
			t.Errorf("%s: a detail of %d bytes", r.Probe, len(r.Detail))
		}
	}
	if n := len(text(t, &rep)); n > 8<<10 {
		t.Errorf("the text report is %d bytes", n)
	}
}

// A handler that answers too late is a finding: the notifier gives up
// and sends the notification again.
func TestAuditFlagsASlowHandler(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	paidTrade(t, m)
	stop := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // so the server notices the audit hanging up
		select {                    // answers only once the audit has given up
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(stop) }) // runs first
	var rep audit.Report
	m.ControlJSON("POST", "/audit", audit.Request{NotifyURL: hang.URL, AppID: keys.DevAppID, OutTradeNo: order, Probes: []string{"slow-response"}, Timeout: "50ms"}, http.StatusOK, &rep)
	r := rep.Results[0]
	if r.Finding != audit.Correctness || r.Sent[0].Error == "" || !strings.Contains(r.Detail, "no answer within 100ms") {
		t.Errorf("%+v", r)
	}
	if rep.Timeout != "50ms" || rep.Findings != 1 {
		t.Errorf("timeout %s, findings %d", rep.Timeout, rep.Findings)
	}
}

// The control API checks what it is asked, and runs no command.
func TestAuditRefusals(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	paidTrade(t, m)
	shop := mocktest.NewMerchant(t, "success")
	for _, tc := range []struct {
		body string
		want int
		says string
	}{
		{`{"notify_url":"` + shop.URL + `","app_id":"` + keys.DevAppID + `","check":"touch /tmp/pwned"}`, 400, "no check command"},
		{`{"notify_url":"file:///etc/passwd","app_id":"` + keys.DevAppID + `"}`, 400, "notify_url"},
		{`{"notify_url":"gopher://127.0.0.1:25/x","app_id":"` + keys.DevAppID + `"}`, 400, "notify_url"},
		{`{"notify_url":"http://x/` + strings.Repeat("a", 300) + `","app_id":"` + keys.DevAppID + `"}`, 400, "256"},
		{`{"notify_url":"` + shop.URL + `"}`, 400, "app_id"},
		{`{"notify_url":"` + shop.URL + `","app_id":"` + keys.DevAppID + `","probes":["nope"]}`, 400, "no probe"},
		{`{"notify_url":"` + shop.URL + `","app_id":"` + keys.DevAppID + `","timeout":"1h"}`, 400, "timeout"},
		{`{"notify_url":"` + shop.URL + `","app_id":"` + keys.DevAppID + `","amount":"-1"}`, 400, "amount"},
		{`{"notify_url":"` + shop.URL + `","app_id":"` + keys.DevAppID + `","out_trade_no":"NOPE"}`, 404, ""},
		{`{"notify_url":"` + shop.URL + `","app_id":"2021000000000009"}`, 404, "no trade"},
		{`not json`, 400, ""},
	} {
		b := m.Control("POST", "/audit", tc.body, tc.want)
		if !strings.Contains(string(b), tc.says) {
			t.Errorf("%s: %s, want it to say %q", tc.body, b, tc.says)
		}
	}
	if n := len(shop.Calls()); n != 0 {
		t.Errorf("refused audits sent %d requests", n)
	}
	req, _ := http.NewRequest(http.MethodPost, m.URL+"/_mock/audit", strings.NewReader(`{"notify_url":"`+shop.URL+`","app_id":"`+keys.DevAppID+`"}`))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("form body: HTTP %d", resp.StatusCode)
	}
}

// Probes carry the notifier's marker: an audit pointed at the mock's own
// control API is refused there and changes nothing.
func TestAuditCannotDriveTheMock(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	paidTrade(t, m)
	var rep audit.Report
	m.ControlJSON("POST", "/audit", audit.Request{NotifyURL: m.URL + "/_mock/reset", AppID: keys.DevAppID, OutTradeNo: order,
		Probes: []string{"baseline", "replay"}}, http.StatusOK, &rep)
	for _, r := range rep.Results {
		for _, x := range r.Sent {
			if x.Status != http.StatusForbidden {
				t.Errorf("%s: HTTP %d %s", r.Probe, x.Status, x.Answer)
			}
		}
	}
	m.Control("GET", "/trades/"+order, "", http.StatusOK) // not reset
}

// One audit runs at a time; a second one meanwhile gets 409.
func TestAuditOneAtATime(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	paidTrade(t, m)
	arrived, release := make(chan struct{}), make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
		io.WriteString(w, "success")
	}))
	t.Cleanup(slow.Close)
	first := make(chan []byte)
	go func() {
		first <- m.Control("POST", "/audit", audit.Request{NotifyURL: slow.URL, AppID: keys.DevAppID, Probes: []string{"baseline"}}, http.StatusOK)
	}()
	<-arrived
	m.Control("POST", "/audit", audit.Request{NotifyURL: slow.URL, AppID: keys.DevAppID, Probes: []string{"baseline"}}, http.StatusConflict)
	close(release)
	var rep audit.Report
	if err := json.Unmarshal(<-first, &rep); err != nil || rep.Findings != 0 || rep.OutTradeNo != order {
		t.Errorf("first audit: %v %+v", err, rep)
	}
}

// The three formats carry the same findings: JSON round-trips, JUnit
// parses as XML with a failure per finding, the text marks them.
func TestAuditReportFormats(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	seller := paidTrade(t, m)
	shop := audittest.NewShop(t, audittest.SkipsSignature, keys.DevAppID, seller, m.Srv.AlipayPublicKey(), order, 8888)
	var rep audit.Report
	m.ControlJSON("POST", "/audit", audit.Request{NotifyURL: shop.URL, AppID: keys.DevAppID, OutTradeNo: order}, http.StatusOK, &rep)
	if rep.Findings != 3 || rep.Security != 3 {
		t.Fatalf("findings %v", findings(&rep))
	}

	var js bytes.Buffer
	if err := rep.Write(&js, "json"); err != nil {
		t.Fatal(err)
	}
	var back audit.Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Findings != 3 || len(back.Results) != len(rep.Results) || back.Results[1].Sent[0].Body == "" {
		t.Errorf("JSON: %v %+v", err, back)
	}

	var jx bytes.Buffer
	if err := rep.Write(&jx, "junit"); err != nil {
		t.Fatal(err)
	}
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suite    []struct {
			Failures int `xml:"failures,attr"`
			Cases    []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Type    string `xml:"type,attr"`
					Message string `xml:"message,attr"`
				} `xml:"failure"`
				Out string `xml:"system-out"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(jx.Bytes(), &suites); err != nil {
		t.Fatalf("JUnit is not XML: %v\n%s", err, jx.String())
	}
	if suites.Tests != len(audit.Names()) || suites.Failures != 3 || len(suites.Suite) != 1 || suites.Suite[0].Failures != 3 {
		t.Errorf("JUnit counts: %+v", suites)
	}
	var failed []string
	for _, c := range suites.Suite[0].Cases {
		if c.Failure != nil {
			failed = append(failed, strings.SplitN(c.Name, ":", 2)[0])
			if c.Failure.Type != "security" || !strings.Contains(c.Failure.Message, "security finding") {
				t.Errorf("%s: failure %+v", c.Name, c.Failure)
			}
		}
		if !strings.Contains(c.Out, "body: ") || !strings.Contains(c.Out, "answered: HTTP 200") {
			t.Errorf("%s: system-out %q", c.Name, c.Out)
		}
	}
	if !slices.Equal(failed, []string{"forged-signature", "other-key", "sign-type-swapped"}) {
		t.Errorf("JUnit failures %v", failed)
	}

	txt := text(t, &rep)
	for _, want := range []string{"FAIL forged-signature", "ok   baseline", "finding  SECURITY: ", `answered HTTP 200 "success"`,
		"should   answers anything but success", "14 probe(s): 3 finding(s): 3 security, 0 correctness"} {
		if !strings.Contains(txt, want) {
			t.Errorf("text lacks %q:\n%s", want, txt)
		}
	}
	if err := rep.Write(io.Discard, "yaml"); err == nil {
		t.Error("an unknown format was written")
	}
}

// A subject GBK cannot spell (an emoji) does not stop the audit: the GBK
// probe sends a subject of its own and every probe reports.
func TestAuditGBKProbeSurvivesASubjectGBKCannotSpell(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	const out = "AUDIT-EMOJI"
	m.Post(m.Params("alipay.trade.precreate", `{"out_trade_no":"`+out+`","total_amount":"1.00","subject":"Coffee ☕🙂"}`, nil))
	m.Control("POST", "/trades/"+out+"/scan", "", http.StatusOK)
	m.Control("POST", "/trades/"+out+"/pay", "", http.StatusOK)
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "fail") }))
	t.Cleanup(shop.Close)
	var rep audit.Report
	m.ControlJSON("POST", "/audit", audit.Request{NotifyURL: shop.URL, AppID: keys.DevAppID, OutTradeNo: out, Probes: []string{"gbk"}}, http.StatusOK, &rep)
	if len(rep.Results) != 1 || rep.Results[0].Probe != "gbk" || len(rep.Results[0].Sent) != 1 || rep.Results[0].Sent[0].Answer != "fail" {
		t.Fatalf("the gbk probe did not report: %+v", rep.Results)
	}
}

// An audit changes nothing on the mock, its seeded numbering included:
// the auditor draws notify_ids, refund numbers and an unpaid trade's
// buyer from a generator of its own, so a --seed run numbers its next
// trade the same with or without an audit.
func TestAuditLeavesTheSeededNumbering(t *testing.T) {
	next := func(audit bool) string {
		m := mocktest.New(t, mock.Options{})
		shop := mocktest.NewMerchant(t, "success")
		m.Post(m.Params("alipay.trade.precreate", `{"out_trade_no":"A-1","total_amount":"8.00","subject":"s"}`, nil))
		if audit {
			m.Control("POST", "/audit", map[string]any{"notify_url": shop.URL, "app_id": keys.DevAppID,
				"out_trade_no": "A-1", "probes": []string{"baseline", "duplicates", "refund"}}, http.StatusOK)
		}
		m.Post(m.Params("alipay.trade.precreate", `{"out_trade_no":"A-2","total_amount":"8.00","subject":"s"}`, nil))
		m.Control("POST", "/trades/A-2/scan", "", http.StatusOK)
		var tr struct {
			TradeNo string `json:"trade_no"`
		}
		m.ControlJSON("GET", "/trades/A-2", "", http.StatusOK, &tr)
		return tr.TradeNo
	}
	if without, with := next(false), next(true); without != with {
		t.Errorf("the next trade after an audit is %q, without it %q: the audit moved the seeded generator", with, without)
	}
}
