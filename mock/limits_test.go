package mock_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/control"
	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/mock/journal"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/trade"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// lockedBuffer is a log sink the mock's goroutines may write at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startKept starts a mock on a free loopback port with a frozen clock at
// epoch, and a client for the dev app.
func startKept(t *testing.T, opts mock.Options) (*mock.Server, *client.Client) {
	t.Helper()
	opts.Addr = "127.0.0.1:0"
	if opts.Clock == nil {
		opts.Clock = clock.NewManual(epoch)
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	s, err := mock.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	c, err := client.New(s.DevClientConfig())
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

// fetch GETs a URL and returns status, headers and body.
func fetch(t *testing.T, u string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

func memory(t *testing.T, s *mock.Server) control.Memory {
	t.Helper()
	var m control.Memory
	getJSON(t, s.URL()+"/_mock/memory", &m)
	return m
}

// walk reads a list endpoint page by page through its Link headers and
// returns every item's field key, in order, and the number of pages.
func walk(t *testing.T, base, path, key string) ([]string, int) {
	t.Helper()
	var out []string
	pages := 0
	next := path
	for next != "" {
		status, h, body := fetch(t, base+next)
		if status != http.StatusOK {
			t.Fatalf("GET %s: HTTP %d: %s", next, status, body)
		}
		pages++
		var items []map[string]any
		if err := json.Unmarshal(body, &items); err != nil {
			t.Fatalf("GET %s: body is not a JSON array: %v", next, err)
		}
		for _, it := range items {
			out = append(out, fmt.Sprint(it[key]))
		}
		cur, link := h.Get("X-Next-Cursor"), h.Get("Link")
		if (cur == "") != (link == "") {
			t.Fatalf("GET %s: X-Next-Cursor %q but Link %q", next, cur, link)
		}
		next = ""
		if link != "" {
			if !strings.HasSuffix(link, `>; rel="next"`) || !strings.HasPrefix(link, "<") {
				t.Fatalf("Link header %q", link)
			}
			next = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
			u, err := url.Parse(next)
			if err != nil || u.Query().Get("cursor") != cur {
				t.Fatalf("Link %q does not carry the cursor %q", link, cur)
			}
		}
		if pages > 1000 {
			t.Fatal("the pages never end")
		}
	}
	return out, pages
}

// refusedURL is a loopback address nothing listens on.
func refusedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/notify"
}

// TestHugeRequestsKeepOnlyBoundedCopies is the journal half of the memory
// ceiling (docs/limits.md): requests with a 1 MiB biz_content and a bad
// signature, or an unknown app_id, must leave the journal within its byte
// budget, its list answer bounded, and every log line short.
func TestHugeRequestsKeepOnlyBoundedCopies(t *testing.T) {
	logs := &lockedBuffer{}
	const budget = 2 << 20
	h := newHarness(t, mock.Options{Journal: journal.Options{MaxBytes: budget},
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	// As large as a form body may be (1 MiB) with the other parameters.
	huge := `{"out_trade_no":"` + strings.Repeat("A", (1<<20)-2048) + `"}`
	const requests = 24
	for i := 0; i < requests; i++ {
		p := h.params("alipay.trade.precreate", huge, func(p map[string]string) {
			if i%4 == 3 {
				p["app_id"] = "2021999999999999" // unknown: refused before the signature
			} else {
				p["sign"] = "c2lnbmF0dXJl" + strings.Repeat("x", 300) // never verifies
			}
		})
		m := h.verify("alipay.trade.precreate", h.post(p), false)
		if m["code"] == "10000" {
			t.Fatalf("request %d was accepted: %v", i, m)
		}
	}

	var mem control.Memory
	getJSON(t, h.http.URL+"/_mock/memory", &mem)
	if mem.Journal.Bytes > budget || mem.Journal.MaxBytes != budget || mem.Journal.Entries >= requests || mem.Journal.Entries < 2 {
		t.Fatalf("journal holds %d entries in %d bytes (budget %d): the byte budget does not hold", mem.Journal.Entries, mem.Journal.Bytes, mem.Journal.MaxBytes)
	}

	status, _, body := fetch(t, h.http.URL+"/_mock/journal?limit=1000")
	if status != http.StatusOK {
		t.Fatalf("journal: HTTP %d", status)
	}
	if len(body) > 2*budget {
		t.Fatalf("journal answer is %d bytes for a %d byte budget", len(body), budget)
	}
	var entries []journal.Entry
	if err := control.UnmarshalText(body, &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) != mem.Journal.Entries {
		t.Errorf("listed %d entries, memory says %d", len(entries), mem.Journal.Entries)
	}
	var sawUnknown, sawBadSig bool
	for _, e := range entries {
		biz := e.Params["biz_content"]
		if !e.Truncated || e.OriginalSizes["params.biz_content"] != len(huge) || len(biz) > journal.MaxValue+64 {
			t.Fatalf("entry %d keeps %d bytes of biz_content (truncated %v, sizes %v)", e.ID, len(biz), e.Truncated, e.OriginalSizes)
		}
		if !strings.Contains(biz, fmt.Sprintf("truncated: %d bytes", len(huge))) {
			t.Errorf("entry %d: the cut value does not say its size: …%s", e.ID, biz[len(biz)-40:])
		}
		switch e.SubCode {
		case "isv.invalid-app-id":
			sawUnknown = true
		case "isv.invalid-signature":
			sawBadSig = true
			if len(e.StringToSign) > journal.MaxValue+64 || len(e.Response) > journal.MaxValue+64 || e.OriginalSizes["string_to_sign"] < 1<<19 {
				t.Errorf("entry %d: string_to_sign %d, response %d bytes, sizes %v", e.ID, len(e.StringToSign), len(e.Response), e.OriginalSizes)
			}
		}
	}
	if !sawUnknown || !sawBadSig {
		t.Errorf("kept entries: unknown app %v, bad signature %v", sawUnknown, sawBadSig)
	}

	longest, cut := 0, false
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	sc.Buffer(make([]byte, 4<<20), 4<<20)
	for sc.Scan() {
		longest = max(longest, len(sc.Text()))
		cut = cut || strings.Contains(sc.Text(), "truncated: ")
	}
	if longest > 32<<10 || !cut {
		t.Errorf("longest log line %d bytes, a cut value noted: %v", longest, cut)
	}
}

// precreate opens a trade through the gateway.
func precreate(t *testing.T, c *client.Client, out string) {
	t.Helper()
	if _, err := c.Precreate(context.Background(), client.PrecreateRequest{Order: client.Order{OutTradeNo: out,
		TotalAmount: amount.MustParse("1.00"), Subject: "limits"}}); err != nil {
		t.Fatal(err)
	}
}

func tradeNos(t *testing.T, s *mock.Server) []string {
	t.Helper()
	outs, _ := walk(t, s.URL(), "/_mock/trades?limit=1000", "out_trade_no")
	return outs
}

func TestTradesPastTheLimitAreEvicted(t *testing.T) {
	ctx := context.Background()
	s, c := startKept(t, mock.Options{Trades: trade.Options{Keep: 3}})
	// Scanned trades: one no buyer acted on is counted apart and never
	// evicts them (TestUnscannedTradesAreCountedApart).
	scanned := func(out string) {
		t.Helper()
		precreate(t, c, out)
		if _, err := s.Trades.Act(keys.DevAppID, out, trade.ActScan, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, out := range []string{"T1", "T2", "T3"} {
		scanned(out)
	}
	if _, err := c.Close(ctx, client.CloseRequest{OutTradeNo: "T2"}); err != nil {
		t.Fatal(err)
	}
	scanned("T4") // the closed T2 goes first
	scanned("T5") // then the oldest, T1
	if got := strings.Join(tradeNos(t, s), ","); got != "T3,T4,T5" {
		t.Fatalf("kept %s, want T3,T4,T5", got)
	}
	for _, out := range []string{"T1", "T2"} {
		if _, err := c.Query(ctx, client.QueryRequest{OutTradeNo: out}); !errors.Is(err, &apierr.Error{Code: apierr.CodeBusiness, SubCode: "ACQ.TRADE_NOT_EXIST"}) {
			t.Errorf("query evicted %s: %v", out, err)
		}
	}
	if m := memory(t, s); m.Trades.Count != 3 || m.Trades.Keep != 3 {
		t.Errorf("memory: %+v", m.Trades)
	}
	// The evicted trades' expiry jobs are gone: one per kept trade is left.
	var clk struct {
		Pending int `json:"pending_jobs"`
	}
	getJSON(t, s.URL()+"/_mock/clock", &clk)
	if clk.Pending != 3 {
		t.Errorf("%d jobs pending, want the 3 kept trades' expiries", clk.Pending)
	}
}

func TestNotificationsPastTheLimitAreEvicted(t *testing.T) {
	ctx := context.Background()
	ok := newMerchant(t, "success")
	refused := refusedURL(t)
	s, c := startKept(t, mock.Options{Notify: notify.Options{Keep: 2}})
	pay := func(out, url string) {
		t.Helper()
		if _, err := c.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: out, TotalAmount: amount.MustParse("1.00"), Subject: "n"},
			AuthCode: "283912345678901234"}, client.WithNotifyURL(url)); err != nil {
			t.Fatal(err)
		}
		advance(t, s, "1s") // the first attempt has run when this answers
	}
	for i := 1; i <= 3; i++ {
		pay(fmt.Sprintf("R%d", i), refused) // pending: retried for 25 h
	}
	for i := 1; i <= 4; i++ {
		pay(fmt.Sprintf("D%d", i), ok.URL) // delivered at once
	}
	outs, _ := walk(t, s.URL(), "/_mock/notifications?limit=1000", "out_trade_no")
	if got := strings.Join(outs, ","); got != "R1,R2,R3,D3,D4" {
		t.Fatalf("kept %s: want the 3 pending and the 2 newest delivered", got)
	}
	advance(t, s, "26h") // the pending ones give up, and are final too
	outs, _ = walk(t, s.URL(), "/_mock/notifications?limit=1000", "out_trade_no")
	if got := strings.Join(outs, ","); got != "R2,R3" {
		t.Fatalf("after 26h kept %s, want the 2 that gave up last", got)
	}
	if m := memory(t, s); m.Notifications.Count != 2 || m.Notifications.Keep != 2 || m.Notifications.Pending != 0 {
		t.Errorf("memory: %+v", m.Notifications)
	}
}

// advance moves the mock's clock through the control API.
func advance(t *testing.T, s *mock.Server, by string) (fired []clock.Fired, omitted int) {
	t.Helper()
	resp, err := http.Post(s.URL()+"/_mock/clock/advance", "application/json", strings.NewReader(`{"by":"`+by+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Fired   []clock.Fired `json:"fired"`
		Omitted int           `json:"fired_omitted"`
	}
	b, err := io.ReadAll(resp.Body)
	if err == nil {
		err = control.UnmarshalText(b, &out)
	}
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("advance: HTTP %d, %v", resp.StatusCode, err)
	}
	return out.Fired, out.Omitted
}

// With --data, what eviction drops is deleted from the file too, and a
// lower limit at the next start trims the file.
func TestEvictionWithDataDirTrimsTheFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	ok := newMerchant(t, "success")
	open := func(keepTrades, keepNotes int) (*mock.Server, *client.Client) {
		return startKept(t, mock.Options{DataDir: dir, TimestampTolerance: -1,
			Trades: trade.Options{Keep: keepTrades}, Notify: notify.Options{Keep: keepNotes}})
	}
	s1, c1 := open(3, 2)
	for _, out := range []string{"T1", "T2", "T3", "T4", "T5"} {
		if _, err := c1.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: out, TotalAmount: amount.MustParse("1.00"), Subject: "d"},
			AuthCode: "283912345678901234"}, client.WithNotifyURL(ok.URL)); err != nil {
			t.Fatal(err)
		}
		advance(t, s1, "1s") // delivered in this order
	}
	notes := func(s *mock.Server) string {
		outs, _ := walk(t, s.URL(), "/_mock/notifications", "out_trade_no")
		return strings.Join(outs, ",")
	}
	if got, n := strings.Join(tradeNos(t, s1), ","), notes(s1); got != "T3,T4,T5" || n != "T4,T5" {
		t.Fatalf("first run kept trades %s, notifications %s", got, n)
	}
	s1.Close()

	s2, _ := open(2, 1) // lower limits: the file is trimmed at start
	if got, n := strings.Join(tradeNos(t, s2), ","), notes(s2); got != "T4,T5" || n != "T5" {
		t.Fatalf("second run kept trades %s, notifications %s", got, n)
	}
	s2.Close()

	s3, c3 := open(10, 10) // what was trimmed is gone from the file
	if got, n := strings.Join(tradeNos(t, s3), ","), notes(s3); got != "T4,T5" || n != "T5" {
		t.Fatalf("third run kept trades %s, notifications %s", got, n)
	}
	precreate(t, c3, "T6") // numbering carries on after the stored trades
	if got := strings.Join(tradeNos(t, s3), ","); got != "T4,T5,T6" {
		t.Fatalf("after a new trade: %s", got)
	}
}

// Every list pages in a stable order: walking the Link headers visits each
// item exactly once, whatever the page size.
func TestListsPageThroughEveryItemOnce(t *testing.T) {
	ctx := context.Background()
	ok := newMerchant(t, "success")
	s, c := startKept(t, mock.Options{FundPublicKey: true})
	const n = 23
	for i := 0; i < n; i++ {
		if _, err := c.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: fmt.Sprintf("PG%02d", i), TotalAmount: amount.MustParse("1.00"), Subject: "p"},
			AuthCode: "283912345678901234"}, client.WithNotifyURL(ok.URL)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.CouponAgreementPay(ctx, client.CouponAgreementPayRequest{CouponOrder: client.CouponOrder{OutOrderNo: fmt.Sprintf("RP%02d", i),
			OutRequestNo: fmt.Sprintf("RP%02d-pay", i), OrderTitle: "红包", Amount: amount.MustParse("1.00")}, PayerUserID: "2088102000000001"},
			client.WithNotifyURL(ok.URL)); err != nil {
			t.Fatal(err)
		}
	}
	advance(t, s, "1s")
	for _, tc := range []struct {
		path, key string
		want      int
	}{
		{"/_mock/trades", "out_trade_no", n},
		{"/_mock/red-packets", "out_order_no", n},
		{"/_mock/notifications", "out_trade_no", 2 * n}, // the payment's and the red packet's (out_order_no)
		{"/_mock/journal", "id", 2 * n},
	} {
		for _, limit := range []int{1, 5, 23, 1000} {
			t.Run(fmt.Sprintf("%s limit %d", tc.path, limit), func(t *testing.T) {
				items, pages := walk(t, s.URL(), fmt.Sprintf("%s?limit=%d", tc.path, limit), tc.key)
				seen := map[string]bool{}
				for _, it := range items {
					if seen[it] {
						t.Fatalf("%s seen twice", it)
					}
					seen[it] = true
				}
				if len(items) != tc.want {
					t.Fatalf("walked %d items in %d pages, want %d", len(items), pages, tc.want)
				}
				if want := (tc.want + limit - 1) / limit; pages != want {
					t.Errorf("%d pages, want %d", pages, want)
				}
			})
		}
	}
	// Trades come oldest first, the journal newest first.
	if items, _ := walk(t, s.URL(), "/_mock/trades?limit=7", "out_trade_no"); items[0] != "PG00" || items[n-1] != fmt.Sprintf("PG%02d", n-1) {
		t.Errorf("trade order: %v", items)
	}
	// Filters hold across pages.
	if items, _ := walk(t, s.URL(), "/_mock/notifications?limit=2&out_trade_no=PG07", "out_trade_no"); len(items) != 1 {
		t.Errorf("filtered walk: %v", items)
	}
	for _, tc := range []struct{ path, want string }{
		{"/_mock/trades?limit=0", "from 1 to 1000"},
		{"/_mock/red-packets?limit=1001", "from 1 to 1000"},
		{"/_mock/notifications?limit=ten", "from 1 to 1000"},
		{"/_mock/journal?limit=-1", "from 1 to 1000"},
		{"/_mock/journal?limit=2000", "from 1 to 1000"},
		{"/_mock/trades?cursor=garbage", "cursor"},
		{"/_mock/trades?cursor=" + journalCursor(t, s), "cursor"}, // another list's cursor
	} {
		status, _, body := fetch(t, s.URL()+tc.path)
		if status != http.StatusBadRequest || !strings.Contains(string(body), tc.want) {
			t.Errorf("GET %s: HTTP %d %s, want 400 saying %q", tc.path, status, body, tc.want)
		}
	}
}

// journalCursor is a cursor the journal gave out.
func journalCursor(t *testing.T, s *mock.Server) string {
	t.Helper()
	_, h, _ := fetch(t, s.URL()+"/_mock/journal?limit=1")
	if h.Get("X-Next-Cursor") == "" {
		t.Fatal("the journal gave no cursor")
	}
	return h.Get("X-Next-Cursor")
}

// A long advance answers the first 1,000 things that fired and counts the
// rest; a scenario's duplicate count is bounded.
func TestAdvanceCapsItsFiredList(t *testing.T) {
	ctx := context.Background()
	rule, err := scenarios.Parse("dup.yaml", []byte("rules:\n  - when: {method: alipay.trade.pay}\n    then: {notify: {delay: 1h, duplicate: 10}}\n"), gateway.Catalogue())
	if err != nil {
		t.Fatal(err)
	}
	refused := refusedURL(t)
	s, c := startKept(t, mock.Options{Scenarios: []*scenarios.File{rule}})
	const trades = 12 // × 11 copies × 8 attempts = 1,056 attempts
	for i := 0; i < trades; i++ {
		if _, err := c.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: fmt.Sprintf("F%02d", i), TotalAmount: amount.MustParse("1.00"), Subject: "f"},
			AuthCode: "283912345678901234"}, client.WithNotifyURL(refused)); err != nil {
			t.Fatal(err)
		}
	}
	fired, omitted := advance(t, s, "26h")
	if len(fired) != control.MaxFired || omitted != trades*11*8-control.MaxFired {
		t.Fatalf("fired %d, omitted %d; want %d and %d", len(fired), omitted, control.MaxFired, trades*11*8-control.MaxFired)
	}

	for _, dup := range []string{"11", "1000000"} {
		req, _ := http.NewRequest(http.MethodPost, s.URL()+"/_mock/scenarios",
			strings.NewReader("rules:\n  - when: {method: alipay.trade.pay}\n    then: {notify: {duplicate: "+dup+"}}\n"))
		req.Header.Set("Content-Type", "application/yaml")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "notify.duplicate must be from 0 to 10") {
			t.Errorf("duplicate %s: HTTP %d %s", dup, resp.StatusCode, b)
		}
	}
}

func TestMemoryReportsTheCeilings(t *testing.T) {
	s, c := startKept(t, mock.Options{})
	precreate(t, c, "M1")
	m := memory(t, s)
	if m.Trades.Count != 1 || m.Trades.Keep != trade.DefaultKeep || m.RedPackets.Keep != 100_000 ||
		m.Notifications.Keep != notify.DefaultKeep || m.Journal.MaxEntries != journal.DefaultMaxEntries ||
		m.Journal.MaxBytes != journal.DefaultMaxBytes || m.Journal.Entries != 1 || m.Journal.Bytes <= 0 ||
		m.Heap.ObjectsBytes == 0 || m.Heap.TotalBytes < m.Heap.ObjectsBytes || m.PendingJobs != 1 {
		t.Errorf("memory: %+v", m)
	}
}

// A trade or red packet keeps only fields of bounded length: one longer
// than its documented maximum is refused, so a kept record stays small.
func TestLongFieldsAreRefused(t *testing.T) {
	ctx := context.Background()
	_, c := startKept(t, mock.Options{FundPublicKey: true})
	long := strings.Repeat("长", 129)
	_, err := c.Precreate(ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "L1", TotalAmount: amount.MustParse("1.00"),
		Subject: "s", Body: long}})
	if !errors.Is(err, &apierr.Error{Code: apierr.CodeBusiness, SubCode: "ACQ.INVALID_PARAMETER"}) || !strings.Contains(err.Error(), "body长度不能超过128") {
		t.Errorf("body of 129 characters: %v", err)
	}
	if _, err := c.Precreate(ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "L2", TotalAmount: amount.MustParse("1.00"),
		Subject: "s", Body: long[:128*3]}}); err != nil {
		t.Errorf("body of 128 characters: %v", err)
	}
	_, err = c.CouponAgreementPay(ctx, client.CouponAgreementPayRequest{CouponOrder: client.CouponOrder{OutOrderNo: "L3", OutRequestNo: "L3-pay",
		OrderTitle: "红包", Amount: amount.MustParse("1.00"), ExtraParam: strings.Repeat("x", 1025)}, PayerUserID: "2088102000000001"})
	if err == nil || !strings.Contains(err.Error(), "extra_param长度不能超过1024") {
		t.Errorf("extra_param of 1025 characters: %v", err)
	}
}
