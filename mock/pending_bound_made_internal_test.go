package mock

import (
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// The pending bound's oldest is the one made, or sent again, earliest on
// the mock's clock (docs/limits.md), with --store too: a notification made
// now for an event of the past (an untold mark retold by the sweep, a
// replica that stalled between its trade's commit and its notification's
// insert) is not the oldest. The shared order took Created, the event's
// time, and gave it up the moment it was made.
func TestPendingBoundOrdersByWhenMadeNotTheEventsTime(t *testing.T) {
	t.Run("one process", func(t *testing.T) { boundPastEvent(t, "") })
	t.Run("store", func(t *testing.T) { boundPastEvent(t, pgtest.URL(t)) })
}

func boundPastEvent(t *testing.T, url string) {
	quiet := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError + 4}))
	s, err := New(Options{Store: url, Clock: clock.NewManual(time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)), Logger: quiet,
		Notify: notify.Options{MaxPending: 1}})
	if err != nil {
		t.Fatal(err)
	}
	h := httptest.NewServer(s)
	t.Cleanup(func() { h.Close(); _ = s.Close() })
	cfg := s.DevClientConfig()
	cfg.GatewayURL = h.URL + GatewayPath
	c, err := client.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var stalled []func() error
	s.Trades.ObserveStored(func(tr trade.Trade, e trade.Event) error {
		if tr.OutTradeNo == "BP-PAST" && e.Type == trade.EventPaid {
			stalled = append(stalled, func() error { return s.tradeEvent(tr, e) }) // the replica stalls here
			return nil
		}
		return s.tradeEvent(tr, e)
	}, s.tellsTrade)
	refused := "http://127.0.0.1:1/notify" // attempts fail at once: both stay pending

	payShared(t, c, "BP-PAST", refused) // its event at 10:00, its notification not made yet
	s.Sched.Advance(time.Hour)
	payShared(t, c, "BP-NEW", refused) // made at 11:00
	waitAMinute(t, func() bool {
		n := s.Notifier.Outbox().List(notify.Filter{OutTradeNo: "BP-NEW"})
		return len(n) == 1 && len(n[0].Attempts) == 1
	}, func() string { return "BP-NEW's first attempt" })
	s.Sched.Advance(time.Second)
	if len(stalled) != 1 {
		t.Fatalf("%d stalled events", len(stalled))
	}
	if err := stalled[0](); err != nil { // BP-PAST's notification is made now, at 11:00:01
		t.Fatal(err)
	}
	var past, fresh notify.Notification
	waitAMinute(t, func() bool {
		p := s.Notifier.Outbox().List(notify.Filter{OutTradeNo: "BP-PAST"})
		n := s.Notifier.Outbox().List(notify.Filter{OutTradeNo: "BP-NEW"})
		if len(p) != 1 || len(n) != 1 {
			return false
		}
		past, fresh = p[0], n[0]
		return past.State == notify.GivenUp || fresh.State == notify.GivenUp
	}, func() string {
		return fmt.Sprintf("BP-PAST %s, BP-NEW %s: nothing given up", past.State, fresh.State)
	})
	if past.State == notify.GivenUp {
		t.Errorf("the notification made last (BP-PAST, made at 11:00:01 for a 10:00 event) was given up (%q, %d attempts); "+
			"BP-NEW, made at 11:00, is %s: the shared order is the event's time, not when it was made",
			past.Reason, len(past.Attempts), fresh.State)
	}
}
