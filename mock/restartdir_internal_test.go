package mock

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/store"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// restartDir is a data directory (--data) that a test starts mocks on one
// after another, each on a manual clock at one reading with a quiet log,
// served over HTTP with a client of the dev app, and a merchant that
// answers every notification with one answer.
type restartDir struct {
	t        *testing.T
	dir      string
	at       time.Time
	opts     func(*Options)
	merchant *httptest.Server
	url      string // the running mock's, for control calls
}

// newRestartDir makes the directory; opts, if not nil, sets more options
// on every start.
func newRestartDir(t *testing.T, answer string, opts func(*Options)) *restartDir {
	merchant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(answer)) }))
	t.Cleanup(merchant.Close)
	return &restartDir{t: t, dir: t.TempDir(), at: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC), opts: opts, merchant: merchant}
}

// newMessageRestartDir is newRestartDir with the dev app's gateway
// (where its messages go) at the merchant's /gateway.
func newMessageRestartDir(t *testing.T, answer string) *restartDir {
	var d *restartDir
	d = newRestartDir(t, answer, func(o *Options) {
		dev := apps.DevSpec()
		dev.AppGatewayURL = d.merchant.URL + "/gateway"
		o.Apps = []apps.Spec{dev}
	})
	return d
}

// start starts a mock on the directory; stop (run at the test's end too,
// once) stops it.
func (d *restartDir) start() (s *Server, c *client.Client, stop func()) {
	t := d.t
	t.Helper()
	// FundPublicKey: these tests are about crashes, the dev app's transfers
	// and red packets only their material.
	o := Options{DataDir: d.dir, Seed: 1, Clock: clock.NewManual(d.at), FundPublicKey: true,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError + 4}))}
	if d.opts != nil {
		d.opts(&o)
	}
	s, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	h := httptest.NewServer(s)
	d.url = h.URL
	var once sync.Once
	stop = func() { once.Do(func() { h.Close(); _ = s.Close() }) }
	t.Cleanup(stop)
	cfg := s.DevClientConfig()
	cfg.GatewayURL = h.URL + GatewayPath
	if c, err = client.New(cfg); err != nil {
		t.Fatal(err)
	}
	return s, c, stop
}

// notifyURL is the merchant's notify_url as a call option.
func (d *restartDir) notifyURL() client.CallOption {
	return client.WithNotifyURL(d.merchant.URL + "/notify")
}

// downUntil writes the clock a stopped mock reads on from: frozen at at,
// as if the mock had been down until then (clock.Sim.Restore).
func (d *restartDir) downUntil(at time.Time) {
	d.t.Helper()
	db, err := store.Open(d.dir)
	if err != nil {
		d.t.Fatal(err)
	}
	defer db.Close()
	if err := db.PutClock(clock.Snapshot{Base: at, Anchor: time.Now(), Speed: 1, Frozen: true}); err != nil {
		d.t.Fatal(err)
	}
}

// crashAtTrade closes s's data file once a trade event of type typ is
// stored, before its observer (the notifier) runs: the crash between a
// change's commit and its notification's (mock/trade/book.go commitAck:
// wait(), then obs).
func crashAtTrade(s *Server, typ trade.EventType) {
	var once sync.Once
	s.Trades.ObserveStored(func(tr trade.Trade, e trade.Event) error {
		if e.Type == typ {
			once.Do(func() { _ = s.db.Close() })
		}
		return s.tradeEvent(tr, e)
	}, s.tellsTrade)
}

// crashAtCoupon is crashAtTrade for a red packet's event.
func crashAtCoupon(s *Server, typ string) {
	var once sync.Once
	s.Coupons.ObserveStored(func(o coupon.Order, e coupon.Event) error {
		if e.Type == typ {
			once.Do(func() { _ = s.db.Close() })
		}
		return s.couponEvent(o, e)
	}, s.Notifier.NotifiesCoupon)
}

// wantResultUnknown fails the test unless err is Alipay's 20000 (the
// change's notification was not stored).
func wantResultUnknown(t *testing.T, err error, what string) {
	t.Helper()
	var aerr *client.Error
	if !errors.As(err, &aerr) || aerr.Code != "20000" {
		t.Fatalf("%s was answered %v, want 20000 (its notification was not stored)", what, err)
	}
}
