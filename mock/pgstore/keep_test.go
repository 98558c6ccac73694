package pgstore_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// waitList waits (on the database's trimming, which runs a moment after a
// new row) until the control API lists want, or fails after 20 s.
func waitList(t *testing.T, m *mocktest.Mock, path, field, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got := fmt.Sprint(listAll(t, m, path, field, 100))
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s lists %s, want %s", path, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReplicasKeepTradesBoundsTheDatabase: --keep-trades bounds what the
// database holds across replicas, as it bounds --data's file: past it the
// trades that became final longest ago go, then the oldest.
func TestReplicasKeepTradesBoundsTheDatabase(t *testing.T) {
	rs := replicas(t, 2, mock.Options{Trades: trade.Options{Keep: 5}})
	pre := func(i int) {
		out := fmt.Sprintf("K%d", i)
		if r := rs[i%2].Call("alipay.trade.precreate", `{"out_trade_no":"`+out+`","total_amount":"1.00","subject":"s"}`); !ok(r) {
			t.Fatalf("precreate %s: %v", out, r)
		}
	}
	for i := 0; i < 5; i++ {
		pre(i)
	}
	for _, out := range []string{"K3", "K1"} { // final: K3 first
		rs[0].Control(http.MethodPost, "/trades/"+out+"/close", nil, http.StatusOK)
	}
	pre(5)
	waitList(t, rs[1], "/trades", "out_trade_no", "[K0 K1 K2 K4 K5]")
	pre(6)
	waitList(t, rs[1], "/trades", "out_trade_no", "[K0 K2 K4 K5 K6]")
	pre(7) // none final: the oldest goes
	waitList(t, rs[0], "/trades", "out_trade_no", "[K2 K4 K5 K6 K7]")
	if c := must(rs[0].Srv.Trades.Counts())(t); c[trade.WaitBuyerPay] != 5 || len(c) != 1 {
		t.Fatalf("counts after trimming: %v", c)
	}
	// Gone for every replica, the ones that made them included.
	if q := rs[0].Call("alipay.trade.query", `{"out_trade_no":"K0"}`); q["sub_code"] != "ACQ.TRADE_NOT_EXIST" {
		t.Fatalf("a trimmed trade queried on the replica that made it: %v", q)
	}
}

// TestReplicasKeepTradesKeepsTheirIncome: a trade --keep-trades trims from
// the database leaves what it brought in in the balance, and in the base
// the account bill starts from, as an evicted trade does in memory.
func TestReplicasKeepTradesKeepsTheirIncome(t *testing.T) {
	rs := replicas(t, 2, mock.Options{Trades: trade.Options{Keep: 2}})
	one := mocktest.New(t, mock.Options{Trades: trade.Options{Keep: 2}})
	for i := 0; i < 5; i++ {
		out, total := fmt.Sprintf("I%d", i), fmt.Sprintf("%d.00", 10+i)
		pay(t, rs[i%2], out, total)
		pay(t, one, out, total)
	}
	waitList(t, rs[1], "/trades", "out_trade_no", "[I3 I4]")
	want := balanceOn(t, one)
	if want.Available <= fund.DefaultOpening {
		t.Fatalf("in memory the payments brought in nothing: %+v", want)
	}
	sameEverywhere(t, rs, want)
	// The account bill starts from a base that holds it, so that it ends
	// at the balance, as in memory.
	one.Advance("24h")
	rs[0].Advance("24h")
	clocksRead(t, rs, mocktest.Epoch.Add(24*time.Hour))
	for i, m := range []*mocktest.Mock{one, rs[0], rs[1]} {
		if got, detail := ledgerEnd(t, m.Client(nil), "2026-11-23"); got != want.Available {
			t.Errorf("mock %d (0: one mock): the account bill ends at %v, the balance is %v:\n%s", i, got, want.Available, detail)
		}
	}
	// A reset takes the trimmed trades' income too, as in memory.
	rs[0].Control(http.MethodPost, "/reset?app_id="+keys.DevAppID, nil, http.StatusOK)
	one.Control(http.MethodPost, "/reset?app_id="+keys.DevAppID, nil, http.StatusOK)
	if b := balanceOn(t, one); b.Available != fund.DefaultOpening {
		t.Fatalf("in memory after a reset: %+v", b)
	}
	sameEverywhere(t, rs, balanceOn(t, one))
}

// must(f(...))(t) returns f's value, failing the test on f's error.
func must[T any](v T, err error) func(t testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

// TestReplicasKeepCountsUnpaidOrdersApart: the database's trims count the
// trades no buyer acted on, and the red packets no sender paid, apart
// (another site's page pay forms can open them), and take the oldest of
// the app holding the most, as memory does: neither a flood of precreates
// nor one app's paid trades evict another app's paid trade, and unpaid
// red packets never evict a paid one.
func TestReplicasKeepCountsUnpaidOrdersApart(t *testing.T) {
	rs := replicas(t, 2, mock.Options{Trades: trade.Options{Keep: 3}, Coupons: coupon.Options{Keep: 2}})
	if r := rs[0].CertApp().Call("alipay.trade.pay", `{"out_trade_no":"CERT-PAID","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`); !ok(r) {
		t.Fatalf("pay: %v", r)
	}
	for i := range 5 { // the dev app's paid trades: its own oldest go
		pay(t, rs[i%2], fmt.Sprintf("D%d", i), "1.00")
	}
	waitList(t, rs[1], "/trades", "out_trade_no", "[CERT-PAID D3 D4]")
	for i := range 5 { // trades no buyer acted on: counted apart
		out := fmt.Sprintf("U%d", i)
		if r := rs[i%2].Call("alipay.trade.precreate", `{"out_trade_no":"`+out+`","total_amount":"1.00","subject":"s"}`); !ok(r) {
			t.Fatalf("precreate %s: %v", out, r)
		}
	}
	waitList(t, rs[0], "/trades", "out_trade_no", "[CERT-PAID D3 D4 U2 U3 U4]")

	cert := rs[0].CertApp()
	p := cert.Params("alipay.fund.coupon.order.page.pay", `{"out_order_no":"RP-PAID","out_request_no":"RP-PAID","order_title":"红包","amount":"3.00"}`, nil)
	if r, err := http.PostForm(cert.URL+"/gateway.do", formOf(p)); err != nil || r.Body.Close() != nil {
		t.Fatalf("red packet page pay: %v", err)
	}
	rs[1].Control(http.MethodPost, "/red-packets/RP-PAID/pay", nil, http.StatusOK)
	for i := range 4 {
		p := cert.Params("alipay.fund.coupon.order.page.pay", fmt.Sprintf(`{"out_order_no":"RP-%d","out_request_no":"RP-%d","order_title":"x","amount":"1.00"}`, i, i), nil)
		if r, err := http.PostForm(cert.URL+"/gateway.do", formOf(p)); err != nil || r.Body.Close() != nil {
			t.Fatalf("red packet page pay %d: %v", i, err)
		}
	}
	waitList(t, rs[1], "/red-packets", "out_order_no", "[RP-PAID RP-2 RP-3]")
}

// formOf is p as a form.
func formOf(p map[string]string) url.Values {
	v := url.Values{}
	for k, s := range p {
		v.Set(k, s)
	}
	return v
}
