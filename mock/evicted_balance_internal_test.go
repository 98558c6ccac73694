package mock

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// evictServer is a mock with --data, its client, and its dev app.
func evictServer(t *testing.T, o Options) (*Server, *client.Client) {
	t.Helper()
	o.DataDir, o.FundPublicKey = t.TempDir(), true
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

// A funded red packet evicted past --keep-coupons left the outlays under
// the coupon book's lock and reached the base only in ordersEvicted,
// after it: in between (where this test looks, before ordersEvicted) the
// balance showed the packet's money again, for a transfer to spend twice.
func TestEvictedRedPacketsOutlayStaysOutBeforeItsCredit(t *testing.T) {
	var o Options
	o.Coupons.Keep = 1
	s, c := evictServer(t, o)
	app := keys.DevAppID
	a, _ := s.Apps.Get(app)
	if _, err := s.Fund.SetBalance(app, amount.MustParse("20.00")); err != nil {
		t.Fatal(err)
	}
	var seen []amount.Amount
	s.Coupons.OnEvict(func(os []coupon.Order) {
		b, err := s.Fund.Balance(app)
		if err != nil {
			t.Error(err)
		}
		seen = append(seen, b.Available)
		s.ordersEvicted(os)
	})
	pay := func(no string) string {
		var out map[string]any
		if err := c.Do(context.Background(), "alipay.fund.coupon.order.agreement.pay", map[string]string{"out_order_no": no,
			"out_request_no": no + "P", "order_title": "红包", "amount": "10.00", "payer_user_id": a.Seller.UserID}, &out); err != nil {
			t.Fatalf("pay %s: %v", no, err)
		}
		no, _ = out["auth_no"].(string)
		return no
	}
	auth := pay("EVP0")
	// 4.00 of it claimed: what stays out when it goes (its rest, 6.00,
	// comes back as its automatic refund would have brought it).
	var claim map[string]any
	if err := c.Do(context.Background(), "alipay.fund.coupon.order.disburse", map[string]string{"out_order_no": "EVC0",
		"out_request_no": "EVC0", "deduct_auth_no": auth, "amount": "4.00", "payee_user_id": "2088102000000101"}, &claim); err != nil {
		t.Fatalf("claim: %v", err)
	}
	seen = nil
	pay("EVP1") // evicts EVP0
	if len(seen) == 0 || seen[len(seen)-1] != amount.MustParse("6.00") {
		t.Fatalf("balance while the evicted packet was in flight: %v, want 6.00", seen)
	}
	if b, _ := s.Fund.Balance(app); b.Available != amount.MustParse("6.00") {
		t.Fatalf("balance after: %v, want 6.00", b.Available)
	}
}

// A paid trade evicted past --keep-trades left the trade book's income
// under its lock and reached the base only in tradesEvicted, after it: a
// refund checked in between was refused though the balance covered it.
func TestEvictedTradesIncomeStaysInBeforeItsCredit(t *testing.T) {
	var o Options
	o.Trades.Keep = 1
	s, c := evictServer(t, o)
	app := keys.DevAppID
	ctx := context.Background()
	pay := func(no string) {
		if _, err := c.Pay(ctx, client.PayRequest{Scene: "bar_code", AuthCode: "283912345678901234",
			Order: client.Order{OutTradeNo: no, TotalAmount: amount.MustParse("10.00"), Subject: "s"}}); err != nil {
			t.Fatalf("pay %s: %v", no, err)
		}
	}
	pay("EVT0")
	before, err := s.Fund.Balance(app)
	if err != nil {
		t.Fatal(err)
	}
	var seen []amount.Amount
	s.Trades.OnEvict(func(ts []trade.Trade) {
		b, err := s.Fund.Balance(app)
		if err != nil {
			t.Error(err)
		}
		seen = append(seen, b.Available)
		s.tradesEvicted(ts)
	})
	if _, err := c.Precreate(ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "EVT1",
		TotalAmount: amount.MustParse("1.00"), Subject: "s"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Trades.Act(app, "EVT1", trade.ActScan, nil); err != nil { // scanned, it evicts EVT0
		t.Fatal(err)
	}
	if len(seen) != 1 || seen[0] != before.Available {
		t.Fatalf("balance while the evicted trade was in flight: %v, want %v", seen, before.Available)
	}
	if b, _ := s.Fund.Balance(app); b.Available != before.Available {
		t.Fatalf("balance after: %v, want %v", b.Available, before.Available)
	}
}
