package mock_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// POST /_mock/clock/advance {"to":"next"} when the next job lies past the
// clock's range (a paid trade's refund-window deadline, the clock set an
// hour before MaxReading) is refused with a 400 naming the range, as
// {"by":…} past it is, and the clock stays; an advance by a duration that
// reaches the range's end stops there and answers.
func TestAdvanceToNextPastTheClockRangeIsRefused(t *testing.T) {
	start := clock.MaxReading.Add(-time.Hour)
	srv, err := mock.New(mock.Options{Clock: clock.NewManual(start), Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	m := &mocktest.Mock{T: t, Srv: srv, URL: hs.URL, HTTP: hs, Clock: srv.Clock, Key: keys.DevAppPrivateKey()}
	expect(t, m.Call("alipay.trade.pay", `{"out_trade_no":"END-OF-RANGE","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`), "code", "10000")

	// A client with a timeout: without the fix the advance never answers
	// (and the mock could not be closed, so it is closed only on success).
	hc := &http.Client{Timeout: mocktest.Timeout}
	advance := func(body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, hs.URL+"/_mock/clock/advance", bytes.NewReader([]byte(body)))
		req.Header.Set("Content-Type", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("advance %s did not answer: %v", body, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := advance(`{"to":"next"}`)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	if code != http.StatusBadRequest || !strings.Contains(body, "2199-12-31 23:59:59") {
		t.Errorf("advance to a job past the range: %d %s, want 400 naming the latest reading", code, body)
	}
	if now := m.Clock.Now(); !now.Equal(start) {
		t.Errorf("a refused advance moved the clock to %v", now)
	}
	code, body = advance(`{"by":"2h"}`)
	if code != http.StatusBadRequest {
		t.Errorf("advance by 2h an hour before the range's end: %d %s, want 400", code, body)
	}
	code, body = advance(`{"by":"1h"}`)
	var out struct {
		Clock struct {
			Now string `json:"now"`
		} `json:"clock"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || code != http.StatusOK || out.Clock.Now != "2199-12-31 23:59:59" {
		t.Errorf("advance by 1h to the range's end: %d %s", code, body)
	}
}

// POST /_mock/clock takes {"speed":…} and/or {"set":…}; a body with neither
// (the advance's {"by":"25h"} sent to /clock by mistake, a typo such as
// {"sped":0}, an empty object) answered 200 with the clock as it was, so a
// test believed it moved (or froze) the clock. It is 400 naming what the
// endpoint takes, and the clock stays.
func TestClockRefusesABodyThatChangesNothing(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	for _, body := range []string{`{"by":"25h"}`, `{"sped":0}`, `{}`, `{"speed":0,"sped":0}`} {
		b := m.Control(http.MethodPost, "/clock", body, http.StatusBadRequest)
		if !strings.Contains(string(b), "speed") || !strings.Contains(string(b), "/_mock/clock/advance") {
			t.Errorf("POST /_mock/clock %s: %s; want 400 saying it takes speed or set (and where by goes)", body, b)
		}
	}
	if now := m.Clock.Now(); !now.Equal(mocktest.Epoch) {
		t.Fatalf("the clock moved: %v", now)
	}
	if st := m.Clock.State(); st.Speed != 0 {
		t.Errorf("the clock's speed changed: %v", st.Speed)
	}
}

// POST /_mock/clock/advance {"by":"25h","to":"next"} gives both ways to move
// the clock; the handler took "to" and dropped "by" (with nothing pending
// the clock stayed where it was, answered 200). An ambiguous body is 400,
// like the other misuses of this endpoint, and the clock stays.
func TestAdvanceRefusesByAndToTogether(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	for _, body := range []string{`{"by":"25h","to":"next"}`, `{"by":"25h","speed":0}`} {
		m.Control(http.MethodPost, "/clock/advance", body, http.StatusBadRequest) // give "by" or "to", nothing else
	}
	if now := m.Clock.Now(); !now.Equal(mocktest.Epoch) {
		t.Errorf("the clock moved: %v", now)
	}
}
