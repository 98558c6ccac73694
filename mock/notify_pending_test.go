package mock_test

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// payNotifying pays out with a notify_url and waits for the first attempt.
func payNotifying(t *testing.T, m *mocktest.Mock, out, url string) {
	t.Helper()
	expect(t, m.Verify("alipay.trade.pay", m.Post(m.Params("alipay.trade.pay",
		`{"out_trade_no":"`+out+`","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`,
		func(p map[string]string) { p["notify_url"] = url })), true), "code", "10000")
	m.WaitAttempts(out, 1)
}

// onlyNotification is out's one notification, read through the control API.
func onlyNotification(t *testing.T, m *mocktest.Mock, out string) notify.Notification {
	t.Helper()
	list := m.Notifications("out_trade_no=" + out)
	if len(list) != 1 {
		t.Fatalf("%s has %d notifications, want 1: %+v", out, len(list), list)
	}
	return list[0]
}

// pendingMemory is notifications.pending and max_pending of /_mock/memory.
func pendingMemory(t *testing.T, m *mocktest.Mock) (pending, max int) {
	t.Helper()
	var mem struct {
		Notifications struct {
			Pending    int  `json:"pending"`
			MaxPending *int `json:"max_pending"`
		} `json:"notifications"`
	}
	if err := json.Unmarshal(m.Control(http.MethodGet, "/memory", nil, http.StatusOK), &mem); err != nil {
		t.Fatal(err)
	}
	if mem.Notifications.MaxPending == nil {
		t.Fatal("/_mock/memory does not show notifications.max_pending")
	}
	return mem.Notifications.Pending, *mem.Notifications.MaxPending
}

// pendingJobs is the clock's pending_jobs.
func pendingJobs(t *testing.T, m *mocktest.Mock) int {
	t.Helper()
	var c struct {
		PendingJobs int `json:"pending_jobs"`
	}
	if err := json.Unmarshal(m.Control(http.MethodGet, "/clock", nil, http.StatusOK), &c); err != nil {
		t.Fatal(err)
	}
	return c.PendingJobs
}

// attemptsTo counts the merchant's calls for out_trade_no out.
func attemptsTo(shop *mocktest.Merchant, out string) int {
	n := 0
	for _, c := range shop.Calls() {
		if c.Form.Get("out_trade_no") == out {
			n++
		}
	}
	return n
}

// Past --max-pending-notifications the oldest pending notification is
// given up at once, its attempts kept and a reason shown, and never
// attempted again; the newest stay pending and keep their schedule.
func TestPendingBoundGivesUpTheOldest(t *testing.T) {
	logs := &syncBuffer{}
	m := mocktest.New(t, mock.Options{Notify: notify.Options{MaxPending: 3}, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	shop := mocktest.NewMerchant(t, "fail")
	outs := []string{"PB-1", "PB-2", "PB-3", "PB-4"}
	jobs := []int{pendingJobs(t, m)}
	for _, out := range outs {
		payNotifying(t, m, out, shop.URL)
		jobs = append(jobs, pendingJobs(t, m))
		if out == "PB-3" {
			if n := onlyNotification(t, m, "PB-1"); n.State != notify.Pending {
				t.Fatalf("at the bound, PB-1 is %s", n.State)
			}
		}
	}
	// A payment plans its trade's jobs and its notification's next
	// attempt; past the bound the given-up one's planned attempt goes.
	if d3, d4 := jobs[3]-jobs[2], jobs[4]-jobs[3]; d4 != d3-1 {
		t.Errorf("pending jobs %v: the 4th payment added %d, the 3rd %d; want one less (the given-up attempt cancelled)", jobs, d4, d3)
	}

	first := onlyNotification(t, m, "PB-1")
	if first.State != notify.GivenUp || first.Reason != notify.ReasonPendingBound || len(first.Attempts) != 1 || first.NextAttempt != nil {
		t.Fatalf("the oldest past the bound: state %s, reason %q, %d attempts, next %v; want given_up by the bound, its attempt kept",
			first.State, first.Reason, len(first.Attempts), first.NextAttempt)
	}
	for _, out := range outs[1:] {
		if n := onlyNotification(t, m, out); n.State != notify.Pending || n.Reason != "" {
			t.Errorf("%s is %s (%q), want pending", out, n.State, n.Reason)
		}
	}
	if pending, max := pendingMemory(t, m); pending != 3 || max != 3 {
		t.Errorf("/_mock/memory: pending %d, max_pending %d; want 3 and 3", pending, max)
	}
	if got := strings.Count(logs.String(), "pending bound reached"); got != 1 || !strings.Contains(logs.String(), "id="+first.ID) {
		t.Errorf("want one log line for %s's give-up, got %d:\n%s", first.ID, got, logs)
	}

	m.Advance("4m") // the second attempt of each still pending
	for _, out := range outs[1:] {
		if got := attemptsTo(shop, out); got != 2 {
			t.Errorf("%s: %d attempts at 4m, want 2", out, got)
		}
	}
	m.Advance("25h")
	if got := attemptsTo(shop, "PB-1"); got != 1 {
		t.Errorf("PB-1 was attempted %d times after it was given up, want its first only", got)
	}
	for _, out := range outs[1:] {
		if n := onlyNotification(t, m, out); n.State != notify.GivenUp || n.Reason != "" || len(n.Attempts) != 8 {
			t.Errorf("%s: %s (%q) after %d attempts; want given up by its schedule", out, n.State, n.Reason, len(n.Attempts))
		}
	}
}

// A resend makes a notification pending again: past the bound it gives
// up the oldest other pending one, never itself.
func TestPendingBoundResendGivesUpAnother(t *testing.T) {
	m := mocktest.New(t, mock.Options{Notify: notify.Options{MaxPending: 2}})
	shop := mocktest.NewMerchant(t, "fail")
	for _, out := range []string{"PR-1", "PR-2", "PR-3"} {
		payNotifying(t, m, out, shop.URL)
	}
	first := onlyNotification(t, m, "PR-1")
	if first.State != notify.GivenUp {
		t.Fatalf("PR-1 is %s, want given up by the bound", first.State)
	}
	m.Control(http.MethodPost, "/notifications/"+first.ID+"/resend", nil, http.StatusOK)
	m.WaitAttempts("PR-1", 2)
	if n := onlyNotification(t, m, "PR-1"); n.State != notify.Pending || n.Reason != "" {
		t.Errorf("PR-1 sent again: %s (%q), want pending, no reason", n.State, n.Reason)
	}
	if n := onlyNotification(t, m, "PR-2"); n.State != notify.GivenUp || n.Reason != notify.ReasonPendingBound {
		t.Errorf("PR-2: %s (%q), want given up by the bound", n.State, n.Reason)
	}
	if n := onlyNotification(t, m, "PR-3"); n.State != notify.Pending {
		t.Errorf("PR-3: %s, want pending", n.State)
	}
}

// No bound (--max-pending-notifications 0; a negative Notify.MaxPending)
// keeps every pending notification.
func TestPendingBoundZeroKeepsAll(t *testing.T) {
	m := mocktest.New(t, mock.Options{Notify: notify.Options{MaxPending: -1}})
	shop := mocktest.NewMerchant(t, "fail")
	outs := []string{"PZ-1", "PZ-2", "PZ-3", "PZ-4", "PZ-5"}
	for _, out := range outs {
		payNotifying(t, m, out, shop.URL)
	}
	for _, out := range outs {
		if n := onlyNotification(t, m, out); n.State != notify.Pending {
			t.Errorf("%s is %s with no bound", out, n.State)
		}
	}
	if pending, max := pendingMemory(t, m); pending != 5 || max != 0 {
		t.Errorf("/_mock/memory: pending %d, max_pending %d; want 5 and 0", pending, max)
	}
	def := mocktest.New(t, mock.Options{})
	if _, max := pendingMemory(t, def); max != notify.DefaultMaxPending {
		t.Errorf("default max_pending %d, want %d", max, notify.DefaultMaxPending)
	}
}

// With --data a give-up is stored like any change: a restart keeps it
// final (not planned again, its event not told again), and a start with
// a lower bound gives up the oldest past it.
func TestPendingBoundGiveUpKeptAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	shop := mocktest.NewMerchant(t, "fail")
	m1 := mocktest.New(t, mock.Options{DataDir: dir, Notify: notify.Options{MaxPending: 3}})
	for _, out := range []string{"PD-1", "PD-2", "PD-3", "PD-4"} {
		payNotifying(t, m1, out, shop.URL)
	}
	if n := onlyNotification(t, m1, "PD-1"); n.State != notify.GivenUp {
		t.Fatalf("PD-1 is %s before the restart", n.State)
	}
	if err := m1.Srv.Close(); err != nil {
		t.Fatal(err)
	}

	// No bound now: the give-up was stored.
	m2 := mocktest.New(t, mock.Options{DataDir: dir, Notify: notify.Options{MaxPending: -1}})
	if n := onlyNotification(t, m2, "PD-1"); n.State != notify.GivenUp || n.Reason != notify.ReasonPendingBound || len(n.Attempts) != 1 {
		t.Errorf("PD-1 after the restart: %s (%q), %d attempts; want given up by the bound, its attempt kept",
			n.State, n.Reason, len(n.Attempts))
	}
	for _, out := range []string{"PD-2", "PD-3", "PD-4"} {
		if n := onlyNotification(t, m2, out); n.State != notify.Pending {
			t.Errorf("%s after the restart: %s, want pending", out, n.State)
		}
	}
	m2.Advance("4m")
	for out, want := range map[string]int{"PD-1": 1, "PD-2": 2, "PD-3": 2, "PD-4": 2} {
		if got := attemptsTo(shop, out); got != want {
			t.Errorf("%s: %d attempts at 4m after the restart, want %d", out, got, want)
		}
	}
	if err := m2.Srv.Close(); err != nil {
		t.Fatal(err)
	}

	// A lower bound: the oldest pending past it is given up at the start.
	m3 := mocktest.New(t, mock.Options{DataDir: dir, Notify: notify.Options{MaxPending: 2}})
	if n := onlyNotification(t, m3, "PD-2"); n.State != notify.GivenUp || n.Reason != notify.ReasonPendingBound || len(n.Attempts) != 2 {
		t.Errorf("PD-2 at a start with bound 2: %s (%q), %d attempts", n.State, n.Reason, len(n.Attempts))
	}
	m3.Advance("10m")
	for out, want := range map[string]int{"PD-1": 1, "PD-2": 2, "PD-3": 3, "PD-4": 3} {
		if got := attemptsTo(shop, out); got != want {
			t.Errorf("%s: %d attempts at 14m, want %d", out, got, want)
		}
	}
	if err := m3.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	m4 := mocktest.New(t, mock.Options{DataDir: dir, Notify: notify.Options{MaxPending: -1}})
	if n := onlyNotification(t, m4, "PD-2"); n.State != notify.GivenUp || n.Reason != notify.ReasonPendingBound {
		t.Errorf("PD-2, given up at the last start, after another with no bound: %s (%q)", n.State, n.Reason)
	}
}

// The pending bound passes over a notification whose attempt is in
// flight, as with --store (docs/limits.md): the merchant's answer to it
// stands (success: delivered), and when that answer is a failure, its
// write-back applies the bound again, giving it up then. It used to be
// given up at once, a success then ignored (given_up with an OK attempt).
func TestPendingBoundSparesAnAttemptInFlight(t *testing.T) {
	for _, answer := range []string{"success", "fail"} {
		t.Run(answer, func(t *testing.T) { boundInFlight(t, answer) })
	}
}

func boundInFlight(t *testing.T, answer string) {
	m := mocktest.New(t, mock.Options{Notify: notify.Options{MaxPending: 1}})
	arrived := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(b))
		if form.Get("out_trade_no") == "IF-1" {
			once.Do(func() { close(arrived) })
			<-release
			io.WriteString(w, answer)
			return
		}
		io.WriteString(w, "fail")
	}))
	t.Cleanup(shop.Close)
	pay := func(out string) {
		m.Post(m.Params("alipay.trade.pay", `{"out_trade_no":"`+out+`","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`,
			func(p map[string]string) { p["notify_url"] = shop.URL }))
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); pay("IF-1") }()
	<-arrived // IF-1's first attempt is at the merchant
	paid := make(chan struct{})
	go func() { defer close(paid); pay("IF-2") }()
	// The second notification is made (past the bound) while the first
	// attempt is still in flight.
	waitFor(t, func() bool {
		return len(m.Srv.Notifier.Outbox().List(notify.Filter{OutTradeNo: "IF-2"})) == 1
	})
	if n := onlyNotification(t, m, "IF-1"); n.State != notify.Pending {
		t.Errorf("IF-1, in flight, is %s (%q), want pending", n.State, n.Reason)
	}
	close(release)
	wg.Wait()
	<-paid
	m.WaitAttempts("IF-1", 1)
	n := onlyNotification(t, m, "IF-1")
	switch answer {
	case "success":
		if n.State != notify.Delivered {
			t.Errorf("IF-1 answered success in flight is %s (%q), want delivered", n.State, n.Reason)
		}
	default:
		if n.State != notify.GivenUp || n.Reason != notify.ReasonPendingBound {
			t.Errorf("IF-1 answered fail is %s (%q), want given up by the bound at its write-back", n.State, n.Reason)
		}
	}
	if p, _ := pendingMemory(t, m); p > 1 {
		t.Errorf("%d pending past the bound of 1", p)
	}
}

// The dashboard's notification page says why the pending bound gave one
// up, as the control API's "reason" does: it showed given_up after one
// attempt with no reason.
func TestDashboardSaysWhyTheBoundGaveUp(t *testing.T) {
	m := mocktest.New(t, mock.Options{Notify: notify.Options{MaxPending: 1}})
	shop := mocktest.NewMerchant(t, "fail")
	payNotifying(t, m, "DB-1", shop.URL)
	payNotifying(t, m, "DB-2", shop.URL)
	n := onlyNotification(t, m, "DB-1")
	if n.Reason != notify.ReasonPendingBound {
		t.Fatalf("DB-1: %s (%q), want given up by the bound", n.State, n.Reason)
	}
	resp, err := http.Get(m.URL + "/_mock/ui/notifications/" + n.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("dashboard: HTTP %d", resp.StatusCode)
	}
	if !strings.Contains(string(b), "pending bound") {
		t.Errorf("the dashboard's page of %s (given up by the bound) does not say why", n.ID)
	}
}

// docs/limits.md and docs/security.md size the pending bound by the heap a
// pending notification costs. Every attempt kept the merchant's answer up
// to 1 KiB, so a notify_url answering 1 KiB of anything but "success" made
// a pending notification keep 1 KiB more per retry (6.7 KB more than one
// answered "fail" after its seventh attempt). Only the latest attempt keeps
// its answer whole; the earlier ones keep notify.EarlierResponse bytes.
func TestPendingNotificationHeapWithLongAnswers(t *testing.T) {
	const attempts = 7
	long := strings.Repeat("f", 1024)
	measure := func(answer string, n int) float64 {
		m := mocktest.New(t, mock.Options{})
		merchant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Connection", "close") // no idle connection's buffers in the heap measured
			io.WriteString(w, answer)
		}))
		defer merchant.Close()
		before := liveHeap()
		mocktest.FillTrades(t, m.Srv, "PENDING-MEM-", n, merchant.URL)
		m.WaitNotifications(notify.Filter{State: notify.Pending}, n)
		m.Advance("9h30m") // attempts 2 to 7 (4m, 10m, 10m, 1h, 2h, 6h), but only once the first ones are made
		after := liveHeap()
		list := m.Srv.Notifier.Outbox().List(notify.Filter{State: notify.Pending})
		if len(list) != n {
			t.Fatalf("pending %d, want %d", len(list), n)
		}
		for _, nf := range list {
			if len(nf.Attempts) != attempts {
				t.Fatalf("%s made %d attempts, want %d", nf.ID, len(nf.Attempts), attempts)
			}
			for i, a := range nf.Attempts {
				want := answer[:min(len(answer), notify.EarlierResponse)]
				if i == attempts-1 {
					want = answer // the latest keeps it whole
				}
				if a.Response != want {
					t.Fatalf("%s attempt %d keeps a %d-byte answer, want %d", nf.ID, a.N, len(a.Response), len(want))
				}
			}
		}
		return (after - before) / float64(n)
	}
	measure("fail", 5) // the first use of what a mock starts lazily is not the notifications'
	short := measure("fail", 100)
	withLong := measure(long, 100)
	// What the long answers may add: the latest whole, the six before cut.
	bound := float64(len(long) + (attempts-1)*notify.EarlierResponse)
	t.Logf("live heap per paid trade with its pending notification after %d attempts: %.0f B answered \"fail\", %.0f B answered 1 KiB (%.0f more; bound %.0f)",
		attempts, short, withLong, withLong-short, bound)
	if withLong-short > 2*bound { // before: about 5 times the bound (7 answers whole)
		t.Errorf("answers of 1 KiB add %.0f B to a pending notification after %d attempts, more than twice the %.0f B of its latest answer and six cut ones",
			withLong-short, attempts, bound)
	}
}

// With --data the attempts are written as kept: an earlier attempt's
// answer cut to notify.EarlierResponse bytes, the latest whole, and a
// restart reads them so. Answers in UTF-8 are cut at a character.
func TestLongAnswersAreCutInTheDataFileToo(t *testing.T) {
	dir := t.TempDir()
	long := strings.Repeat("失败", 200) // 3 bytes a character: byte 64 is inside one
	m1 := mocktest.New(t, mock.Options{DataDir: dir})
	merchant := mocktest.NewMerchant(t, long)
	payNotifying(t, m1, "CUT-DATA-1", merchant.URL)
	m1.Advance("4m")
	m1.WaitAttempts("CUT-DATA-1", 2)
	if err := m1.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	m2 := mocktest.New(t, mock.Options{DataDir: dir})
	n := onlyNotification(t, m2, "CUT-DATA-1")
	if len(n.Attempts) != 2 {
		t.Fatalf("%d attempts after the restart, want 2", len(n.Attempts))
	}
	if got, want := n.Attempts[0].Response, long[:63]; got != want {
		t.Errorf("the first attempt keeps a %d-byte answer after the restart, want its first %d bytes", len(got), len(want))
	}
	if got := n.Attempts[1].Response; !strings.HasPrefix(got, long[:1023]) { // byte 1024 is inside a character
		t.Errorf("the latest attempt keeps a %d-byte answer, want it whole (to 1 KiB)", len(got))
	}
}

// Go's error for a malformed answer quotes the merchant's status line,
// which net/http reads up to the notifier's 64 KiB of headers: an attempt's
// error text is cut like its answer (1 KiB, an earlier attempt's
// notify.EarlierError bytes), in memory, in what the control API shows
// and in what --data writes, or a notify_url answering a 60 KB status line
// adds 60 KB a kept attempt, past the pending bound docs/limits.md sizes.
func TestAttemptErrorTextIsCutLikeItsAnswer(t *testing.T) {
	dir := t.TempDir()
	m1 := mocktest.New(t, mock.Options{DataDir: dir})
	url := rawMerchant(t, strings.Repeat("A", 60<<10))
	payNotifying(t, m1, "CUT-ERR-1", url)
	m1.Advance("4m")
	m1.WaitAttempts("CUT-ERR-1", 2)
	check := func(when string, n notify.Notification) {
		t.Helper()
		if len(n.Attempts) != 2 {
			t.Fatalf("%s: %d attempts, want 2", when, len(n.Attempts))
		}
		if e := n.Attempts[0].Error; e == "" || len(e) > notify.EarlierError {
			t.Errorf("%s: the earlier attempt keeps an error of %d bytes (%.60q…), want 1 to %d", when, len(e), e, notify.EarlierError)
		}
		if e := n.Attempts[1].Error; len(e) <= notify.EarlierError || len(e) > 1<<10 {
			t.Errorf("%s: the latest attempt keeps an error of %d bytes (%.60q…), want it up to 1 KiB", when, len(e), e)
		}
	}
	check("in memory", m1.Srv.Notifier.Outbox().List(notify.Filter{OutTradeNo: "CUT-ERR-1"})[0])
	check("GET /_mock/notifications", onlyNotification(t, m1, "CUT-ERR-1"))
	if err := m1.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	m2 := mocktest.New(t, mock.Options{DataDir: dir})
	check("after a restart from --data", onlyNotification(t, m2, "CUT-ERR-1"))
}

// rawMerchant is a notify_url whose server answers every request with
// line, a status line of its own making, and closes the connection.
func rawMerchant(t *testing.T, line string) string {
	t.Helper()
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
				if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
					return
				}
				io.WriteString(c, line+"\r\n\r\n")
			}()
		}
	}()
	return "http://" + l.Addr().String() + "/notify"
}

// The heap a notification costs with its trade, for docs/limits.md: run
// with NOTIFY_HEAP=1 (about 2 minutes; -v prints it). 500 trades paid to a
// notify_url answering "fail" or 1 KiB: pending after the first attempt,
// after the seventh, and with 17 kept (ten resends); given up after 8
// attempts, and after ten resends more (17 kept).
func TestNotificationHeapMeasured(t *testing.T) {
	if os.Getenv("NOTIFY_HEAP") != "1" {
		t.Skip("a measurement: NOTIFY_HEAP=1")
	}
	const n = 500
	resend := func(m *mocktest.Mock, rounds int) {
		var ids []string
		for _, x := range m.Srv.Notifier.Outbox().List(notify.Filter{}) {
			ids = append(ids, strings.Clone(x.ID))
		}
		for range rounds {
			for _, id := range ids {
				if err := m.Srv.Notifier.Resend(id); err != nil {
					t.Fatal(err)
				}
			}
			m.Srv.Sched.RunDueLimit(0)
		}
	}
	m := mocktest.New(t, mock.Options{})
	before := liveHeap()
	mocktest.FillTrades(t, m.Srv, "HEAP-TRADE-", n, "")
	t.Logf("a paid trade alone: %.0f B", (liveHeap()-before)/n)
	for _, answer := range []string{"fail", strings.Repeat("f", 1024)} {
		for _, final := range []bool{false, true} {
			m := mocktest.New(t, mock.Options{})
			merchant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				w.Header().Set("Connection", "close")
				io.WriteString(w, answer)
			}))
			before := liveHeap()
			mocktest.FillTrades(t, m.Srv, "HEAP-", n, merchant.URL)
			m.Srv.Notifier.Outbox().WaitFunc(t.Context(), func() bool {
				for _, x := range m.Srv.Notifier.Outbox().List(notify.Filter{State: notify.Pending}) {
					if len(x.Attempts) < 1 {
						return false
					}
				}
				return true
			})
			if !final {
				first := liveHeap()
				m.Advance("9h30m")
				seventh := liveHeap()
				resend(m, 10)
				kept := liveHeap()
				t.Logf("answered %d B, pending, with its trade: %.0f B after the first attempt, %.0f B after the seventh, %.0f B with 17 kept",
					len(answer), (first-before)/n, (seventh-before)/n, (kept-before)/n)
			} else {
				m.Advance("26h")
				given := liveHeap()
				resend(m, 10)
				m.Advance("26h")
				kept := liveHeap()
				t.Logf("answered %d B, given up, with its trade: %.0f B after 8 attempts, %.0f B with 17 kept", len(answer), (given-before)/n, (kept-before)/n)
			}
			merchant.Close()
		}
	}
}

// An earlier attempt's error text is cut (notify.EarlierError), but Go's
// error for a failed POST starts with `Post "<notify_url>": `, which once
// filled the cut and left out the cause (connection refused) on every
// attempt but the latest. The prefix is dropped: the URL is the
// notification's own.
func TestEarlierAttemptErrorKeepsItsCause(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String() + "/alipay/notify"
	l.Close() // nothing listens: every attempt is refused
	payNotifying(t, m, "ERR-CAUSE-1", url)
	m.Advance("4m")
	m.WaitAttempts("ERR-CAUSE-1", 2)
	n := onlyNotification(t, m, "ERR-CAUSE-1")
	if len(n.Attempts) != 2 {
		t.Fatalf("%d attempts, want 2", len(n.Attempts))
	}
	last, first := n.Attempts[1].Error, n.Attempts[0].Error
	if !strings.Contains(last, "refused") {
		t.Fatalf("the latest attempt's error %q names no refusal", last)
	}
	if !strings.Contains(first, "refused") {
		t.Errorf("the first attempt's error is %q: its cause (%q in the latest) is cut off", first, last)
	}
}
