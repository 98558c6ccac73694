package mock

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// tradesDown is a trades' database that answers nothing.
type tradesDown struct{}

var errTradesDown = errors.New("review: the trades' database is down")

func (tradesDown) Begin() (trade.Tx, error)              { return nil, errTradesDown }
func (tradesDown) Reset(string) error                    { return errTradesDown }
func (tradesDown) Counts() (map[trade.Status]int, error) { return nil, errTradesDown }
func (tradesDown) Due(time.Time, int) ([][2]string, error) {
	return nil, errTradesDown
}
func (tradesDown) Page(trade.Filter, uint64, int, bool) ([]trade.Trade, []uint64, error) {
	return nil, nil, errTradesDown
}

// An audit whose trade the store could not read (no out_trade_no: the
// app's newest trade) answers 503 on the dashboard as on the control API,
// not 400 as if the form were wrong.
func TestAuditStoreFailedIs503(t *testing.T) {
	s, err := New(Options{Clock: clock.NewManual(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))})
	if err != nil {
		t.Fatal(err)
	}
	s.Trades.Use(tradesDown{})
	hs := httptest.NewServer(s)
	t.Cleanup(func() { hs.Close(); _ = s.Close() })

	post := func(path, contentType, body string) (int, string) {
		t.Helper()
		resp, err := http.Post(hs.URL+path, contentType, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	form := url.Values{"notify_url": {"http://127.0.0.1:9/n"}, "app_id": {keys.DevAppID}, "probe": {"baseline"}}
	if code, page := post("/_mock/ui/audit", "application/x-www-form-urlencoded", form.Encode()); code != http.StatusServiceUnavailable || !strings.Contains(page, "database is down") {
		t.Errorf("the dashboard's audit with the store failing: HTTP %d, want 503 and the store's error:\n%.400s", code, page)
	}
	if code, body := post("/_mock/audit", "application/json", `{"notify_url":"http://127.0.0.1:9/n","app_id":"`+keys.DevAppID+`","probes":["baseline"]}`); code != http.StatusServiceUnavailable {
		t.Errorf("the control API's audit with the store failing: HTTP %d %s, want 503", code, body)
	}
}
