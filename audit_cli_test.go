package main

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/audit"
	"github.com/alipay-mock/alipay-mock/mock/audit/audittest"
)

// auditedTrade creates and pays the dev app's trade A-1 (88.88) on srv
// and returns its seller_id.
func auditedTrade(t *testing.T, srv *mock.Server) string {
	t.Helper()
	code, out, errs := runCLI(t, "", "call", "--gateway="+srv.URL(), "alipay.trade.precreate", "out_trade_no=A-1", "total_amount=88.88", "subject=Coffee")
	if code != 0 {
		t.Fatalf("precreate: exit %d %s %s", code, out, errs)
	}
	for _, act := range []string{"scan", "pay"} {
		if status, body := httpDo(t, http.MethodPost, srv.URL()+"/_mock/trades/A-1/"+act); status != http.StatusOK {
			t.Fatalf("%s: HTTP %d %s", act, status, body)
		}
	}
	_, body := httpDo(t, http.MethodGet, srv.URL()+"/_mock/trades/A-1")
	var tr struct {
		Seller struct {
			ID string `json:"seller_id"`
		} `json:"seller"`
	}
	if err := json.Unmarshal([]byte(body), &tr); err != nil || tr.Seller.ID == "" {
		t.Fatalf("trade: %v %s", err, body)
	}
	return tr.Seller.ID
}

// The check command sees the merchant's state after each probe: a handler
// that credits duplicates fails it from the first repeat on, and nothing
// else is found.
func TestAuditCommandCheckEach(t *testing.T) {
	srv := startMock(t, mock.Options{})
	seller := auditedTrade(t, srv)
	dir := t.TempDir()
	shop := audittest.NewShop(t, audittest.NotIdempotent, keys.DevAppID, seller, srv.AlipayPublicKey(), "A-1", 8888)
	shop.Ledger = filepath.Join(dir, "ledger")
	probes := filepath.Join(dir, "probes")
	check := `echo "$ALIPAY_AUDIT_PROBE $ALIPAY_AUDIT_OUT_TRADE_NO $ALIPAY_AUDIT_AMOUNT" >> ` + probes + `; grep -qx 'A-1 1' ` + shop.Ledger
	code, out, errs := runCLI(t, "", "audit", "--mock", srv.URL(), "--notify-url", shop.URL, "--out-trade-no", "A-1",
		"--check", check, "--check-each", "--format", "json")
	if code != 3 || !strings.Contains(errs, "finding(s): 0 security") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	var rep audit.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not the JSON report: %v\n%s", err, out)
	}
	for i, r := range rep.Results {
		// The ledger counts every credit: from replay on, the order has
		// been credited more than once, and the check fails.
		wantFinding := i >= 7
		if r.Check == nil || r.Check.Passed == wantFinding || (r.Finding != audit.None) != wantFinding {
			t.Errorf("%s: finding %s, check %+v", r.Probe, r.Finding, r.Check)
		}
	}
	if rep.Results[7].Probe != "replay" || rep.Security != 0 {
		t.Errorf("probe 7 is %s; %d security findings", rep.Results[7].Probe, rep.Security)
	}
	b, _ := os.ReadFile(probes)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != len(audit.Names()) || lines[0] != "baseline A-1 88.88" || !strings.HasPrefix(lines[13], "slow-response ") {
		t.Errorf("the check ran for %q", lines)
	}
}

// A correct handler passes; the check runs once, after all probes, and
// is a test case of the JUnit report.
func TestAuditCommandJUnit(t *testing.T) {
	srv := startMock(t, mock.Options{})
	seller := auditedTrade(t, srv)
	shop := audittest.NewShop(t, audittest.Correct, keys.DevAppID, seller, srv.AlipayPublicKey(), "A-1", 8888)
	shop.Ledger = filepath.Join(t.TempDir(), "ledger")
	code, out, errs := runCLI(t, "", "audit", "--mock", srv.URL(), "--notify-url", shop.URL,
		"--check", "grep -qx 'A-1 1' "+shop.Ledger, "--format", "junit")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, %s", code, errs)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Cases    []struct {
			Name    string    `xml:"name,attr"`
			Failure *struct{} `xml:"failure"`
		} `xml:"testsuite>testcase"`
	}
	if err := xml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, out)
	}
	last := doc.Cases[len(doc.Cases)-1]
	if doc.Tests != len(audit.Names())+1 || doc.Failures != 0 || last.Name != "check after all probes" || last.Failure != nil {
		t.Errorf("%+v", doc)
	}

	// The same handler and a check that fails: one correctness finding.
	code, out, _ = runCLI(t, "", "audit", "--mock", srv.URL(), "--notify-url", shop.URL, "--probe", "baseline", "--check", "exit 7")
	if code != 3 || !strings.Contains(out, "check after all probes: exit 7: exit status 7 (FAILED)") || !strings.Contains(out, "1 finding(s): 0 security, 1 correctness") {
		t.Errorf("failing check: exit %d\n%s", code, out)
	}
}

func TestAuditCommandErrors(t *testing.T) {
	srv := startMock(t, mock.Options{})
	auditedTrade(t, srv)
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"audit"}, 2, "--notify-url is required"},
		{[]string{"audit", "--notify-url", "http://x", "--format", "yaml"}, 2, "--format"},
		{[]string{"audit", "--notify-url", "http://x", "--check-each"}, 2, "--check-each needs --check"},
		{[]string{"audit", "--notify-url", "http://x", "--probe", "nope"}, 2, `no probe "nope"`},
		{[]string{"audit", "--mock", srv.URL(), "--notify-url", "file:///etc/passwd"}, 1, "HTTP 400): audit: invalid request: notify_url"},
		{[]string{"audit", "--mock", srv.URL(), "--notify-url", "http://127.0.0.1:1/n", "--out-trade-no", "NOPE"}, 1, "HTTP 404"},
	} {
		code, _, errs := runCLI(t, "", tc.args...)
		if code != tc.code || !strings.Contains(errs, tc.says) {
			t.Errorf("%q: exit %d, %q; want %d saying %q", tc.args, code, errs, tc.code, tc.says)
		}
	}
}

// audit sends the control token in a custom header, which net/http copies
// to any host a redirect names (it drops only Authorization, Cookie and
// WWW-Authenticate across hosts): like healthcheck, it follows no redirect
// and says where it pointed. It reads ALIPAY_MOCK_CONTROL_TOKEN as
// healthcheck does.
func TestAuditCommandDoesNotFollowRedirects(t *testing.T) {
	got := make(chan string, 4)
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("X-Alipay-Mock-Token")
		http.Error(w, `{"error":"nope"}`, http.StatusTeapot)
	}))
	defer other.Close()
	otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1) // another host name
	first := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- "first:" + r.Header.Get("X-Alipay-Mock-Token")
		http.Redirect(w, r, otherURL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer first.Close()
	t.Setenv("ALIPAY_MOCK_CONTROL_TOKEN", "s3cret")
	err := auditCmd([]string{"--mock", first.URL, "--notify-url", "http://127.0.0.1:1/notify"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "redirect") || !strings.Contains(err.Error(), otherURL) {
		t.Errorf("audit against a redirect: %v, want an error naming the redirect and its Location %s", err, otherURL)
	}
	if tok := <-got; tok != "first:s3cret" {
		t.Errorf("the mock got the token %q, want ALIPAY_MOCK_CONTROL_TOKEN's", tok)
	}
	select {
	case tok := <-got:
		t.Errorf("audit followed the redirect to %s (token %q)", otherURL, tok)
	default:
	}
}

// A mock that never answers does not hold audit for ever: --mock-timeout
// (by default what the probes may take) ends the wait.
func TestAuditCommandGivesUpOnASilentMock(t *testing.T) {
	release := make(chan struct{})
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer silent.Close()
	defer close(release)
	err := auditCmd([]string{"--mock", silent.URL, "--notify-url", "http://127.0.0.1:1/notify", "--mock-timeout", "50ms"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "Timeout") {
		t.Errorf("audit against a mock that never answers: %v, want a timeout", err)
	}
}
