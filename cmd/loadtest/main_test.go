package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

func startMock(t *testing.T) *mock.Server {
	t.Helper()
	srv, err := mock.Start(mock.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// loadtest runs the command with args against srv and returns its output.
func loadtest(t *testing.T, srv *mock.Server, args ...string) string {
	t.Helper()
	var out, errs bytes.Buffer
	if err := run(append([]string{"-url", srv.URL()}, args...), &out, &errs); err != nil {
		t.Fatalf("%v: %v\n%s%s", args, err, out.String(), errs.String())
	}
	return out.String()
}

// Closed loop, precreates signed in the background (the default) and
// beforehand (-presign): exactly -n requests, each with its own
// out_trade_no, all answered 10000.
func TestLoadtestSendsEveryRequest(t *testing.T) {
	srv := startMock(t)
	okLine := regexp.MustCompile(`requests:\s+(\d+) sent, (\d+) answered \((\d+) ok\), (\d+) failed`)
	trades := 0
	for _, tc := range []struct {
		args    []string
		n       int
		signing bool
	}{
		{[]string{"-method", "precreate", "-c", "4", "-d", "60s", "-n", "40"}, 40, true},
		{[]string{"-mix", "precreate=1", "-c", "4", "-d", "60s", "-n", "30", "-presign"}, 30, false},
	} {
		out := loadtest(t, srv, tc.args...)
		m := okLine.FindStringSubmatch(out)
		n := strconv.Itoa(tc.n)
		if m == nil || m[1] != n || m[2] != n || m[3] != n || m[4] != "0" {
			t.Errorf("%v: want %d sent, answered and ok, 0 failed:\n%s", tc.args, tc.n, out)
		}
		if got := strings.Contains(out, "signing:     in the background"); got != tc.signing {
			t.Errorf("%v: background signing reported %v:\n%s", tc.args, got, out)
		}
		if !strings.Contains(out, "closed loop") || !strings.Contains(out, "errors by sub_code: none") {
			t.Errorf("%v: report:\n%s", tc.args, out)
		}
		trades += tc.n + 4 // and a warm-up pay on each connection
	}
	if got := srv.Trades.Len(); got != trades {
		t.Errorf("%d trades in the mock, want %d: each request has its own out_trade_no", got, trades)
	}
}

// The JSON report of an open-model run with a mix: every request is
// counted once, errors are counted by sub_code (driven by magic amounts:
// 40004.01 is ACQ.BUYER_BALANCE_NOT_ENOUGH for a pay, a refund of 502.00 a
// 502), the percentiles are ordered, and the notifications the local
// notify_url acknowledged are the ones the mock marks delivered.
func TestLoadtestJSONReportMixAndNotifications(t *testing.T) {
	srv := startMock(t)
	out := loadtest(t, srv, "-json", "-rate", "400", "-arrival", "fixed", "-d", "60s", "-n", "60", "-c", "4",
		"-mix", "pay=30,pay@40004.01=15,query=25,refund=20,refund@502.00=10", "-trades", "3",
		"-notify", "-ack-rate", "0.5", "-notify-wait", "30s")
	var rep Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if rep.Model != "open" || rep.Arrival != "fixed" || rep.Rate != 400 || len(rep.Methods) != 5 {
		t.Fatalf("header: %+v", rep)
	}
	q := rep.Requests
	if q.Sent != 60 || q.Late != 0 || q.Skipped != 0 || q.Sent != q.Answered+q.Failed {
		t.Errorf("requests: %+v, want 60 sent, each answered or failed", q)
	}
	sum := Counts{}
	for label, m := range rep.Methods {
		sum.Sent += m.Requests.Sent
		sum.Success += m.Requests.Success
		if m.Requests.Sent == 0 {
			t.Errorf("%s: none sent in 60 requests", label)
		}
		if l := m.Latency; m.Requests.Answered > 0 && !(0 < l.P50 && l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.P999 && l.P999 <= l.Max) {
			t.Errorf("%s: percentiles out of order: %+v", label, l)
		}
	}
	if sum.Sent != q.Sent || sum.Success != q.Success {
		t.Errorf("the kinds add up to %+v, the total is %+v", sum, q)
	}
	bad, gw := rep.Methods["pay@40004.01"], rep.Methods["refund@502.00"]
	if n := rep.Errors["40004 ACQ.BUYER_BALANCE_NOT_ENOUGH"]; n != bad.Requests.Sent || bad.Errors["40004 ACQ.BUYER_BALANCE_NOT_ENOUGH"] != n || bad.Requests.Success != 0 {
		t.Errorf("ACQ.BUYER_BALANCE_NOT_ENOUGH counted %d, want every pay@40004.01 (%+v)", n, bad)
	}
	if n := rep.Errors["HTTP 502"]; n != gw.Requests.Sent || gw.Requests.Failed != n {
		t.Errorf("HTTP 502 counted %d, want every refund@502.00 (%+v)", n, gw)
	}
	for _, k := range []string{"pay", "query", "refund"} {
		if m := rep.Methods[k]; m.Requests.Success != m.Requests.Sent {
			t.Errorf("%s: %+v, want all 10000", k, m)
		}
	}
	if len(rep.Errors) != 2 {
		t.Errorf("errors: %v, want only the two driven", rep.Errors)
	}
	if rep.Signatures.Bad != 0 || rep.Signatures.Signed != q.Answered {
		t.Errorf("signatures: %+v, want every answer signed and verified", rep.Signatures)
	}
	n := rep.Notifications
	if n == nil || n.PaidTrades != rep.Methods["pay"].Requests.Success || n.Notified != n.PaidTrades || n.BadSignature != 0 ||
		n.Acknowledged+n.Refused != n.Attempts || n.Held != 0 || n.ByTradeStatus["TRADE_SUCCESS"] != n.Attempts {
		t.Fatalf("notifications: %+v", n)
	}
	// The mock marks delivered every attempt the receiver answered success.
	// The report is taken once every paid trade was notified; a refund's
	// notification may still come after it, so the mock may have up to one
	// more delivered per successful refund, never fewer than acknowledged.
	deadline := time.Now().Add(10 * time.Second)
	for srv.Notifier.Outbox().Counts()[notify.Delivered] < n.Acknowledged && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	refunds := rep.Methods["refund"].Requests.Success
	if got := srv.Notifier.Outbox().Counts()[notify.Delivered]; got < n.Acknowledged || got > n.Acknowledged+refunds {
		t.Errorf("the mock has %d notifications delivered, the receiver acknowledged %d (with %d refunds after)", got, n.Acknowledged, refunds)
	}
}

// The text report: throughput, p50/p99/p999, each kind's line and the
// errors by sub_code with their counts.
func TestLoadtestTextReport(t *testing.T) {
	srv := startMock(t)
	out := loadtest(t, srv, "-rate", "500", "-d", "60s", "-n", "30", "-c", "4", "-mix", "precreate=2,precreate@40004.03=1")
	for _, want := range []string{"open model, poisson arrivals at 500 req/s", "throughput:", "p50 ", "p99 ", "p999 ", "signatures:  30 answers signed, 0 did not verify"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	row := regexp.MustCompile(`precreate@40004\.03\s+(\d+) sent`).FindStringSubmatch(out)
	errs := regexp.MustCompile(`40004 ACQ\.SYSTEM_ERROR\s+(\d+)`).FindStringSubmatch(out)
	if row == nil || errs == nil || row[1] != errs[1] || row[1] == "0" {
		t.Errorf("ACQ.SYSTEM_ERROR not counted once per precreate@40004.03:\n%s", out)
	}
}

// Bad flags are refused before any request.
func TestLoadtestRefusesBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-url", "http://192.0.2.1:8080"}, "only loopback hosts"},
		{[]string{"-mix", "precreate=1,bogus=2"}, `unknown kind "bogus"`},
		{[]string{"-mix", "query@1.00=1"}, "query takes no amount"},
		{[]string{"-mix", "pay@abc=1"}, "pay@abc"},
		{[]string{"-mix", "pay@-1.00=1"}, "pay@-1.00"},
		{[]string{"-mix", "pay=x"}, "want kind[@amount]=weight"},
		{[]string{"-mix", "pay=0"}, "no kind with a weight above 0"},
		{[]string{"-ack-rate", "2"}, "-ack-rate"},
		{[]string{"-arrival", "burst"}, "-arrival"},
		{[]string{"-nack", "maybe"}, "-nack"},
		{[]string{"-mix", "pay=1", "-method", "pay"}, "give one"},
		{[]string{"-bogus"}, "-bogus"},
	} {
		var out, errs bytes.Buffer
		err := run(tc.args, &out, &errs)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error with %q", tc.args, err, tc.want)
		}
		if code := exitCode(err, &errs); code != 2 {
			t.Errorf("%v: exit status %d, want 2", tc.args, code)
		}
	}
}

// A -rate that is not 0 or a finite number from 0.001 to 1e6 (far smaller,
// its gaps overflow time.Duration), or that makes more
// than 1e8 arrivals, is a bad flag: refused with a message (exit status 2)
// before any request, never a panic (int(1e300 * d) overflowed to a
// negative -n and make(chan, negative) panicked once the warm-up against
// a live mock was done), never a silent closed loop (NaN failed "rate < 0"
// and "rate > 0" alike, so an open-model run asked for ran closed). An
// -ack-rate of NaN passed "from 0 to 1" the same way and acknowledged
// nothing.
func TestLoadtestRefusesNonFiniteAndAbsurdNumbers(t *testing.T) {
	srv := startMock(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-rate", "1e300", "-d", "1s", "-c", "1"}, "-rate 1e+300: want 0 (closed loop) or arrivals per second from 0.001 to 1e+06"},
		{[]string{"-rate", "1e-300", "-d", "1s", "-c", "1", "-n", "2"}, "-rate 1e-300"},
		{[]string{"-rate", "-1"}, "-rate -1"},
		{[]string{"-rate", "+Inf", "-d", "1s", "-c", "1"}, "-rate +Inf"},
		{[]string{"-rate", "NaN", "-d", "1s", "-c", "1", "-n", "2"}, "-rate NaN"},
		{[]string{"-rate", "1e6", "-d", "1000s", "-c", "1"}, "more than 100000000"},
		// 1e6 x 100 s is 100,000,001 arrivals with the one at 0.
		{[]string{"-rate", "1e6", "-d", "100s", "-c", "1"}, "is 100000001 arrivals: more than 100000000"},
		// -presign would hold them all signed before the load (~4 GB of slots alone).
		{[]string{"-presign", "-n", "100000000", "-c", "1"}, "-presign holds every request signed before the load: 100000000 requests, more than 1000000"},
		{[]string{"-presign", "-rate", "1000", "-d", "1001s", "-c", "1"}, "1001001 requests, more than 1000000"},
		{[]string{"-ack-rate", "NaN", "-notify", "-d", "1s", "-c", "1", "-n", "2"}, "-ack-rate NaN: want a share from 0 to 1"},
		{[]string{"-n", "1000000000"}, "-n 1000000000"},
		{[]string{"-c", "1000000"}, "-c 1000000"},
		{[]string{"-trades", "1000000000"}, "-trades 1000000000"},
	} {
		var out, errs bytes.Buffer
		err := func() (err error) {
			defer func() {
				if v := recover(); v != nil {
					err = fmt.Errorf("panic: %v", v)
				}
			}()
			return run(append([]string{"-url", srv.URL()}, tc.args...), &out, &errs)
		}()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want a flag error with %q", tc.args, err, tc.want)
			continue
		}
		if code := exitCode(err, &errs); code != 2 {
			t.Errorf("%v: exit status %d, want 2", tc.args, code)
		}
	}
	if n := srv.Trades.Len(); n != 0 {
		t.Errorf("%d trades made: a bad flag must be refused before any request", n)
	}
}

// -nack timeout: attempts not acknowledged get no answer at all; the mock
// keeps them pending.
func TestLoadtestNotificationsHeld(t *testing.T) {
	srv := startMock(t)
	out := loadtest(t, srv, "-json", "-rate", "200", "-d", "60s", "-n", "5", "-c", "2", "-mix", "pay=1",
		"-notify", "-ack-rate", "0", "-nack", "timeout", "-notify-wait", "30s")
	var rep Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	n := rep.Notifications
	if n == nil || n.PaidTrades != 5 || n.Notified != 5 || n.Held != n.Attempts || n.Acknowledged != 0 || n.Refused != 0 {
		t.Fatalf("notifications: %+v", n)
	}
	if got := srv.Notifier.Outbox().Counts()[notify.Delivered]; got != 0 {
		t.Errorf("%d delivered, want none", got)
	}
}

// scenario uploads a scenario file to srv.
func scenario(t *testing.T, srv *mock.Server, yaml string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/_mock/scenarios", strings.NewReader(yaml))
	req.Header.Set("Content-Type", "application/yaml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("scenario: HTTP %d", resp.StatusCode)
	}
}

// deleteScenarios removes every scenario file in force on srv, counts and all.
func deleteScenarios(t *testing.T, srv *mock.Server) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodDelete, srv.URL()+"/_mock/scenarios", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("DELETE /_mock/scenarios: HTTP %d", resp.StatusCode)
	}
}

// Open model: a stall's victims count in the percentiles (no coordinated
// omission). Ten precreates arrive 100 ms apart on one connection; the
// 5th is held 2.5 s. The five behind it are still queued a second after
// the end, so they are dropped as late: they count with their wait so far
// (at least 2 s each), so p50 is over a second, not the four fast
// answers' few milliseconds.
func TestLoadtestLateArrivalsCountInLatency(t *testing.T) {
	srv := startMock(t)
	// The run's 5th precreate (the warm-up sends pays); uploaded afresh
	// before each run, so each sees its own stall whatever the other sent.
	const stall = "name: stall\nrules:\n  - when: {method: alipay.trade.precreate, nth: 5}\n    then: {delay: 2500ms}\n"
	scenario(t, srv, stall)
	out := loadtest(t, srv, "-json", "-rate", "10", "-arrival", "fixed", "-d", "1s", "-c", "1", "-method", "precreate")
	var rep Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	q, l := rep.Requests, rep.Latency
	t.Logf("requests %+v, latency %+v", q, l)
	if q.Late == 0 || q.Sent+q.Late != 10 || l.Count != 10 {
		t.Fatalf("requests %+v, latency of %d: want some of the 10 arrivals late, and every one in the latency", q, l.Count)
	}
	if l.P50 < 1000 || l.Max < 2000 {
		t.Errorf("%d of 10 arrivals late (each waited at least 2 s), yet p50 %.1f ms, max %.1f ms", q.Late, l.P50, l.Max)
	}
	if m := rep.Methods["precreate"]; m.Requests.Late != q.Late || m.Latency != l {
		t.Errorf("precreate: %+v, want the run's late arrivals and latency", m)
	}
	deleteScenarios(t, srv)
	scenario(t, srv, stall)
	text := loadtest(t, srv, "-rate", "10", "-arrival", "fixed", "-d", "1s", "-c", "1", "-method", "precreate")
	if !strings.Contains(text, "late at their wait until dropped (a lower bound)") {
		t.Errorf("the text report does not say the late arrivals are in the latency:\n%s", text)
	}
}

// A failed request counts in the percentiles with its time to fail: a
// 502 after 1.5 s is the run's max, not left out.
func TestLoadtestFailuresCountInLatency(t *testing.T) {
	srv := startMock(t)
	scenario(t, srv, "name: slow-502\nrules:\n  - when: {method: alipay.trade.precreate, nth: 2}\n    then: {delay: 1500ms, fault: bad_gateway}\n")
	out := loadtest(t, srv, "-json", "-d", "60s", "-n", "3", "-c", "1", "-method", "precreate")
	var rep Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if q, l := rep.Requests, rep.Latency; q.Failed != 1 || q.Answered != 2 || l.Count != 3 || l.Max < 1500 {
		t.Errorf("requests %+v, latency %+v: want the failure in the latency with its 1.5 s", q, l)
	}
}
