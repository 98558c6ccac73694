package mock

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// The dashboard's audit form answers a store failure (the trade could
// not be read) 400 Bad Request, a verdict on the form, where every other
// dashboard page, the buyer pages and POST /_mock/audit answer 503
// (RULES: store failures are 503 on the control API and pages). The
// owner is told to fix a form that was right.
func TestRvakDashboardAuditStoreFailureIs503(t *testing.T) {
	s, c, base := sharedReplica(t, pgtest.URL(t), time.Hour, "")
	on := &atomic.Bool{}
	s.Trades.Use(lookupFails{s.pg.Trades(s.Trades.Deadline), on}) // before any trade
	if _, err := c.Precreate(context.Background(), client.PrecreateRequest{Order: client.Order{OutTradeNo: "AS-1",
		TotalAmount: amount.MustParse("8.00"), Subject: "s"}}); err != nil {
		t.Fatal(err)
	}
	merchant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "success") }))
	t.Cleanup(merchant.Close)
	shop := merchant.URL
	on.Store(true) // reads by any number (what the audit's lookup does) now fail
	form := url.Values{"notify_url": {shop}, "app_id": {keys.DevAppID}, "out_trade_no": {"AS-1"}, "probe": {"baseline"}}
	resp, err := http.PostForm(base+"/_mock/ui/audit", form)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("dashboard audit with the store failing: HTTP %d, want 503: %s", resp.StatusCode, strings.TrimSpace(string(b))[:min(200, len(b))])
	}
	resp, err = http.Post(base+"/_mock/audit", "application/json", strings.NewReader(`{"notify_url":"`+shop+`","app_id":"`+keys.DevAppID+`","out_trade_no":"AS-1","probes":["baseline"]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("POST /_mock/audit with the store failing: HTTP %d, want 503", resp.StatusCode)
	}
}
