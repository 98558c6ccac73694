package mock

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// A trade evicted past --keep-trades deletes its scenario buyer's job
// records when it goes, not only at the next start: the data directory
// holds the steps of the trades kept only.
func TestEvictedTradesBuyerStepRecordsAreDeleted(t *testing.T) {
	fs, err := scenarios.LoadPath("../scenarios/examples/qr-pay-on-clock.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError + 4}))
	o := Options{DataDir: t.TempDir(), Seed: 1, Clock: clock.NewManual(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)),
		Logger: quiet, Scenarios: fs}
	o.Trades.Keep = 2
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := httptest.NewServer(s)
	defer h.Close()
	cfg := s.DevClientConfig()
	cfg.GatewayURL = h.URL + GatewayPath
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	steps := func() int {
		js, err := s.db.Jobs()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, j := range js {
			if j.Kind == jobBuyer {
				n++
			}
		}
		return n
	}
	var perTrade int
	for i := 0; i < 6; i++ {
		if _, err := c.Precreate(context.Background(), client.PrecreateRequest{Order: client.Order{
			OutTradeNo: "CLOCK-REC" + strconv.Itoa(i), TotalAmount: amount.MustParse("9.99"), Subject: "s"}}); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			perTrade = steps()
		}
	}
	if err := s.db.Sync(); err != nil {
		t.Fatal(err)
	}
	if perTrade == 0 {
		t.Fatal("the scenario planned no kept step")
	}
	if got := steps(); got != 2*perTrade {
		t.Fatalf("%d buyer step records for 2 trades kept of 6, want %d", got, 2*perTrade)
	}
}
