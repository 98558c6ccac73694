package mock

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/store"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// crashImages runs f and returns a copy of the data directory dir as a
// crash after each batch written meanwhile would leave it: every point a
// crash can stop the mock at, as a batch is one frame of the log, applied
// whole or not at all.
func crashImages(t *testing.T, s *Server, dir string, f func()) []string {
	t.Helper()
	var mu sync.Mutex
	var images []string
	s.db.AfterEachBatch(func() {
		out, err := os.MkdirTemp(t.TempDir(), "crash")
		if err != nil {
			t.Error(err)
			return
		}
		for _, name := range []string{store.FileName, store.LogName} {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err == nil {
				err = os.WriteFile(filepath.Join(out, name), b, 0o600)
			}
			if err != nil {
				t.Error(err)
				return
			}
		}
		mu.Lock()
		images = append(images, out)
		mu.Unlock()
	})
	f()
	s.db.AfterEachBatch(nil)
	mu.Lock()
	defer mu.Unlock()
	return images
}

// startOn starts a mock with o on the data directory dir, and its dev
// app's client.
func startOn(t *testing.T, o Options, dir string) (*Server, *client.Client) {
	t.Helper()
	o.DataDir, o.FundPublicKey = dir, true
	s, err := New(o)
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
	return s, c
}

// accountQuery is alipay.fund.account.query's available_amount for the dev
// merchant.
func accountQuery(t *testing.T, s *Server, c *client.Client) amount.Amount {
	t.Helper()
	a, _ := s.Apps.Get(keys.DevAppID)
	q, err := c.AccountQuery(context.Background(), client.AccountQueryRequest{AlipayUserID: a.Seller.UserID})
	if err != nil {
		t.Fatalf("account query: %v", err)
	}
	return q.AvailableAmount
}

// accountAmounts is alipay.fund.account.query's available_amount and
// freeze_amount for the dev merchant.
func accountAmounts(t *testing.T, s *Server, c *client.Client) [2]amount.Amount {
	t.Helper()
	a, _ := s.Apps.Get(keys.DevAppID)
	q, err := c.AccountQuery(context.Background(), client.AccountQueryRequest{AlipayUserID: a.Seller.UserID})
	if err != nil {
		t.Fatalf("account query: %v", err)
	}
	return [2]amount.Amount{q.AvailableAmount, q.FreezeAmount}
}

// The money of a trade evicted past --keep-trades, and of a
// merchant-funded red packet evicted past --keep-red-packets, is in the
// merchant's balance after a crash at any point of the call that evicts
// it: the record's delete and the account's base (which takes the money
// in) are one commit. They were two, the delete first: a crash between
// left neither the record nor its money in the base, and the balance that
// started again had lost the trade's income (given back the packet's
// outlay). A restart after the red packet's eviction lost its rest too:
// the base took its whole outlay, the balance only what stays out.
func TestEvictedMoneySurvivesACrashAtEveryPointBetweenItsWrites(t *testing.T) {
	ctx := context.Background()
	check := func(t *testing.T, o Options, dir string, images []string, want amount.Amount, gone func(*Server) bool) {
		t.Helper()
		if len(images) == 0 {
			t.Fatal("no batch written while evicting: the test needs at least one")
		}
		for i, img := range images {
			s, c := startOn(t, o, img)
			if got := accountQuery(t, s, c); got != want {
				t.Errorf("a crash after batch %d of %d: the balance starts again at %s, want %s", i+1, len(images), got, want)
			}
			if i == len(images)-1 && !gone(s) {
				t.Error("after the last batch the evicted record is still on disk: the test shows nothing")
			}
			_ = s.Close()
		}
	}

	t.Run("a paid trade, --keep-trades", func(t *testing.T) {
		var o Options
		o.Trades.Keep = 1
		dir := t.TempDir()
		s, c := startOn(t, o, dir)
		if _, err := c.Pay(ctx, client.PayRequest{Scene: "bar_code", AuthCode: "283912345678901234",
			Order: client.Order{OutTradeNo: "CRT0", TotalAmount: amount.MustParse("10.00"), Subject: "s"}}); err != nil {
			t.Fatal(err)
		}
		want := accountQuery(t, s, c)
		images := crashImages(t, s, dir, func() {
			if _, err := c.Precreate(ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "CRT1",
				TotalAmount: amount.MustParse("1.00"), Subject: "s"}}); err != nil {
				t.Fatal(err)
			}
			// Scanned, it evicts CRT0 (one no buyer acted on is counted apart).
			if _, err := s.Trades.Act(keys.DevAppID, "CRT1", trade.ActScan, nil); err != nil {
				t.Fatal(err)
			}
		})
		if got := accountQuery(t, s, c); got != want {
			t.Fatalf("balance after the eviction %s, before %s", got, want)
		}
		_ = s.Close()
		check(t, o, dir, images, want, func(s *Server) bool {
			_, err := s.Trades.Get(keys.DevAppID, "CRT0")
			return err != nil
		})
	})

	t.Run("a paid royalty_freeze trade, --keep-trades", func(t *testing.T) {
		// Its income stays frozen when it goes (nothing can end its
		// settlement then): in freeze_amount, not available_amount, at
		// every crash point, so the frozen part is in the delete's commit
		// too.
		var o Options
		o.Trades.Keep = 1
		dir := t.TempDir()
		s, c := startOn(t, o, dir)
		if _, err := c.Pay(ctx, client.PayRequest{Scene: "bar_code", AuthCode: "283912345678901234",
			Order: client.Order{OutTradeNo: "CRF0", TotalAmount: amount.MustParse("10.00"), Subject: "s",
				ExtendParams: &client.ExtendParams{RoyaltyFreeze: "true"}}}); err != nil {
			t.Fatal(err)
		}
		want := accountAmounts(t, s, c)
		if want[1] == 0 {
			t.Fatalf("a paid royalty_freeze trade froze nothing: %v", want)
		}
		images := crashImages(t, s, dir, func() {
			if _, err := c.Precreate(ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "CRF1",
				TotalAmount: amount.MustParse("1.00"), Subject: "s"}}); err != nil {
				t.Fatal(err)
			}
			// Scanned, it evicts CRF0 (one no buyer acted on is counted apart).
			if _, err := s.Trades.Act(keys.DevAppID, "CRF1", trade.ActScan, nil); err != nil {
				t.Fatal(err)
			}
		})
		if got := accountAmounts(t, s, c); got != want {
			t.Fatalf("available and frozen after the eviction %v, before %v", got, want)
		}
		_ = s.Close()
		if len(images) == 0 {
			t.Fatal("no batch written while evicting: the test needs at least one")
		}
		for i, img := range images {
			s, c := startOn(t, o, img)
			if got := accountAmounts(t, s, c); got != want {
				t.Errorf("a crash after batch %d of %d: available and frozen start again at %v, want %v", i+1, len(images), got, want)
			}
			if _, err := s.Trades.Get(keys.DevAppID, "CRF0"); i == len(images)-1 && err == nil {
				t.Error("after the last batch the evicted trade is still on disk: the test shows nothing")
			}
			_ = s.Close()
		}
	})

	t.Run("a merchant-funded red packet, --keep-red-packets", func(t *testing.T) {
		var o Options
		o.Coupons.Keep = 1
		dir := t.TempDir()
		s, c := startOn(t, o, dir)
		a, _ := s.Apps.Get(keys.DevAppID)
		if _, err := s.Fund.SetBalance(keys.DevAppID, amount.MustParse("20.00")); err != nil {
			t.Fatal(err)
		}
		pay := func(no string) string {
			var out map[string]any
			if err := c.Do(ctx, "alipay.fund.coupon.order.agreement.pay", map[string]string{"out_order_no": no,
				"out_request_no": no + "P", "order_title": "红包", "amount": "10.00", "payer_user_id": a.Seller.UserID}, &out); err != nil {
				t.Fatalf("pay %s: %v", no, err)
			}
			no, _ = out["auth_no"].(string)
			return no
		}
		auth := pay("CRP0")
		var claim map[string]any
		if err := c.Do(ctx, "alipay.fund.coupon.order.disburse", map[string]string{"out_order_no": "CRC0",
			"out_request_no": "CRC0", "deduct_auth_no": auth, "amount": "4.00", "payee_user_id": "2088102000000101"}, &claim); err != nil {
			t.Fatalf("claim: %v", err)
		}
		// 4.00 claimed stays out when the packet goes (its rest comes back
		// as its automatic refund would bring it); the next packet holds 10.00.
		want := amount.MustParse("6.00")
		images := crashImages(t, s, dir, func() { pay("CRP1") }) // evicts CRP0
		if got := accountQuery(t, s, c); got != want {
			t.Fatalf("balance after the eviction %s, want %s", got, want)
		}
		_ = s.Close()
		check(t, o, dir, images, want, func(s *Server) bool {
			_, err := s.Coupons.Get(keys.DevAppID, auth)
			return err != nil
		})
	})
}
