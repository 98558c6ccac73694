package mock_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// syncBuffer is a log sink safe for the mock's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// controlJSON calls the control API of a started mock and decodes the answer.
func controlJSON(t *testing.T, srv *mock.Server, method, path, body string, want int) map[string]any {
	t.Helper()
	var m map[string]any
	_ = json.Unmarshal(mocktest.On(t, srv).Control(method, path, body, want), &m)
	return m
}

// stampedAt is a dev-app client that stamps every request with at().
func stampedAt(t *testing.T, srv *mock.Server, at func() time.Time) *client.Client {
	t.Helper()
	cfg := srv.DevClientConfig()
	cfg.Now = at
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func apiCode(err error) string {
	var ae *client.Error
	if errors.As(err, &ae) {
		return ae.Code + " " + ae.SubCode
	}
	if err != nil {
		return err.Error()
	}
	return "10000"
}

// Moving the mock's clock never locks out a client that stamps wall time,
// as every real SDK does; a timestamp far from both clocks is still
// refused, and the journal and the log say by how much it missed.
func TestWallStampedClientsSurviveClockMoves(t *testing.T) {
	var logs syncBuffer
	srv := mock.NewTestServer(t, mock.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil)), Trades: trade.Options{ShowUnscanned: true}}) // queries unscanned QR trades
	ctx := context.Background()
	wallClient := stampedAt(t, srv, time.Now)
	// 30 h from the wall clock, on the side away from the mock's clock.
	farClient := stampedAt(t, srv, func() time.Time {
		wall, m := time.Now(), srv.Clock.Now()
		if c := wall.Add(30 * time.Hour); c.Sub(m) > 25*time.Hour || m.Sub(c) > 25*time.Hour {
			return c
		}
		return wall.Add(-30 * time.Hour)
	})
	moves := []struct{ path, body string }{
		{"/clock/advance", `{"by":"25h"}`},
		{"/clock/advance", `{"by":"48h"}`},
		{"/clock", `{"set":"2020-01-01 00:00:00"}`},
		{"/clock", `{"speed":60}`},
	}
	for i, mv := range moves {
		controlJSON(t, srv, "POST", mv.path, mv.body, http.StatusOK)
		no := "WALL-" + string(rune('A'+i))
		_, err := wallClient.Precreate(ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: no, TotalAmount: amount.MustParse("1.00"), Subject: "s"}})
		if got := apiCode(err); got != "10000" {
			t.Errorf("after %s %s, wall-stamped precreate: %s", mv.path, mv.body, got)
		}
		_, err = farClient.Query(ctx, client.QueryRequest{OutTradeNo: no})
		if got := apiCode(err); got != "40002 isv.invalid-timestamp" {
			t.Errorf("after %s %s, a timestamp 30h from both clocks: %s", mv.path, mv.body, got)
		}
	}
	// The journal says which clocks it missed and by how much.
	var entries []struct {
		ID          int    `json:"id"`
		SubCode     string `json:"sub_code"`
		Explanation string `json:"explanation"`
	}
	raw := getBody(t, srv.URL()+"/_mock/journal?limit=1")
	if err := json.Unmarshal(raw, &entries); err != nil || len(entries) != 1 {
		t.Fatalf("journal: %s", raw)
	}
	// 30 h, give or take the second the request took to arrive.
	missed := `(29h59m5\ds|30h0m[0-5]s) (ahead of|behind) the wall clock`
	expl := regexp.MustCompile(`^timestamp .* is ` + missed + ` \(.*\) and .* the mock's clock \(.*\); allowed: 24h0m0s behind to 24h0m0s ahead`)
	if entries[0].SubCode != "isv.invalid-timestamp" || !expl.MatchString(entries[0].Explanation) {
		t.Errorf("journal entry: %+v", entries[0])
	}
	page := string(getBody(t, srv.URL()+"/_mock/ui/journal/"+strconv.Itoa(entries[0].ID)))
	if !strings.Contains(page, `id="timestamp-explainer"`) || !regexp.MustCompile(`id="timestamp-explanation">[^<]* is `+missed).MatchString(page) {
		t.Errorf("the dashboard's journal page does not explain the timestamp:\n%s", page)
	}
	if l := logs.String(); !strings.Contains(l, "far from both the wall clock and the mock's clock") || !regexp.MustCompile(missed).MatchString(l) {
		t.Errorf("log does not say why:\n%s", l)
	}

	// {"set":"now"} puts the clock back on wall time; the offset says so.
	m := controlJSON(t, srv, "GET", "/clock", "", http.StatusOK)
	if off, _ := m["wall_offset_seconds"].(float64); off > -5*365*86400 {
		t.Errorf("after setting 2020 the offset is %v s", m["wall_offset_seconds"])
	}
	m = controlJSON(t, srv, "POST", "/clock", `{"set":"now","speed":1}`, http.StatusOK)
	if off, _ := m["wall_offset_seconds"].(float64); off < -2 || off > 2 {
		t.Errorf("after set now: %v", m)
	}
	// The v3 API judges its timestamp the same way.
	controlJSON(t, srv, "POST", "/clock/advance", `{"by":"25h"}`, http.StatusOK)
	if err := wallClient.V3(ctx, "alipay.trade.query", client.QueryRequest{OutTradeNo: "WALL-A"}, nil); err != nil {
		t.Errorf("v3 query stamped with wall time after +25h: %v", err)
	}
	if err := farClient.V3(ctx, "alipay.trade.query", client.QueryRequest{OutTradeNo: "WALL-A"}, nil); apiCode(err) != "40002 isv.invalid-timestamp" {
		t.Errorf("v3 query 30h from both clocks: %v", err)
	}
}

// The in-process recipe works whatever the clock's start date: the client
// from DevClientConfig stamps with the mock's clock.
func TestInProcessRecipeAtAnyDate(t *testing.T) {
	for _, years := range []int{-5, 5} {
		start := time.Now().AddDate(years, 0, 0)
		srv := mock.NewTestServer(t, mock.Options{Seed: 1, Clock: clock.NewManual(start)})
		c, err := client.New(srv.DevClientConfig())
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		order := client.Order{OutTradeNo: "order-1", TotalAmount: amount.MustParse("9.90"), Subject: "Coffee"}
		if _, err := c.Precreate(ctx, client.PrecreateRequest{Order: order}); err != nil {
			t.Fatalf("%+d years: precreate: %v", years, err)
		}
		// It stamped with the mock's clock, not the wall's.
		var entries []struct {
			Params map[string]string `json:"params"`
		}
		if err := json.Unmarshal(getBody(t, srv.URL()+"/_mock/journal?limit=1"), &entries); err != nil || len(entries) != 1 ||
			entries[0].Params["timestamp"] != timestamp.Format(srv.Clock.Now()) {
			t.Errorf("%+d years: the client stamped %v, the mock reads %s", years, entries, timestamp.Format(srv.Clock.Now()))
		}
		controlJSON(t, srv, "POST", "/trades/order-1/pay", "", http.StatusOK)
		srv.Sched.Advance(25 * time.Hour)
		q, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "order-1"})
		if err != nil || q.TradeStatus != "TRADE_SUCCESS" {
			t.Fatalf("%+d years: query after 25h: %v %v", years, q, err)
		}
		if err := c.V3(ctx, "alipay.trade.query", client.QueryRequest{OutTradeNo: "order-1"}, nil); err != nil {
			t.Errorf("%+d years: v3 query: %v", years, err)
		}
		// A client 30 h off the mock's clock, and years off the wall, is refused.
		off := stampedAt(t, srv, func() time.Time { return srv.Clock.Now().Add(30 * time.Hour) })
		if _, err := off.Query(ctx, client.QueryRequest{OutTradeNo: "order-1"}); apiCode(err) != "40002 isv.invalid-timestamp" {
			t.Errorf("%+d years: 30h off: %v", years, err)
		}
	}
}

// Clock input is range-checked with a 400 that says the range.
func TestClockInputIsRangeChecked(t *testing.T) {
	srv := mock.NewTestServer(t, mock.Options{})
	for _, tc := range []struct{ path, body, want string }{
		{"/clock", `{"speed":1e300}`, "speed is a number from 0 (frozen) to 1000000"},
		{"/clock", `{"speed":-1}`, "speed is a number from 0 (frozen) to 1000000"},
		{"/clock", `{"set":"9999-12-31 23:59:59"}`, "the clock can be set from 1970-01-01 00:00:00 to 2199-12-31 23:59:59"},
		{"/clock", `{"set":"1969-12-31 23:59:59"}`, "the clock can be set from 1970-01-01 00:00:00"},
		{"/clock", `{"set":"tomorrow"}`, `set is "now" or a GMT+8 time`},
		{"/clock/advance", `{"by":"2000000h"}`, "the latest the clock can read"},
		{"/clock/advance", `{"by":"-1h"}`, "advance by a positive duration"},
	} {
		m := controlJSON(t, srv, "POST", tc.path, tc.body, http.StatusBadRequest)
		if msg, _ := m["error"].(string); !strings.Contains(msg, tc.want) {
			t.Errorf("%s %s: %q, want %q", tc.path, tc.body, msg, tc.want)
		}
	}
	// A refused change changes nothing: speed, both at once.
	controlJSON(t, srv, "POST", "/clock", `{"set":"2030-01-01 00:00:00","speed":-5}`, http.StatusBadRequest)
	if m := controlJSON(t, srv, "GET", "/clock", "", http.StatusOK); m["speed"] != 1.0 || m["frozen"] != false {
		t.Errorf("clock changed by a refused request: %v", m)
	}
	if y := srv.Clock.Now().Year(); y == 2030 {
		t.Error("a refused request set the clock")
	}
}

// Every clock example in docs/clock-and-notifications.md works as written, against a mock on
// a free port instead of localhost:8080.
func TestREADMEClockExamples(t *testing.T) {
	srv := mock.NewTestServer(t, mock.Options{})
	f, err := os.Open("../docs/clock-and-notifications.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	curl := regexp.MustCompile(`^curl (?:-X (\w+) )?'?localhost:8080(/_mock/clock[^ ']*)'?(?: -d '([^']*)')?`)
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := curl.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		method := m[1]
		if method == "" {
			method = "GET"
		}
		controlJSON(t, srv, method, strings.TrimPrefix(m[2], "/_mock"), m[3], http.StatusOK)
		n++
	}
	if n < 6 {
		t.Errorf("found %d clock examples in docs/clock-and-notifications.md, want at least 6", n)
	}
}

func getBody(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b
}
