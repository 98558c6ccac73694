package notify

import (
	"fmt"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// With a shared store, a notification sent again is pending since its
// resend in the bound's order, as one made then: past the bound, the
// resend gives up the oldest other pending one, not itself.
func TestSharedBoundOrdersAResendAsNew(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	clk := clock.NewManual(t0)
	db := &leaseDB{rows: map[string]*leaseRow{}}
	r := replica{db: db, owner: "A"}
	o := NewOutbox()
	o.Persist(r)
	n := New(keys.DevAlipayPrivateKey(), clock.NewScheduler(clk, 1), fixtures.New(1), o, Options{MaxPending: 2})
	n.Share(r, 0) // nothing claims: no attempt is in flight
	var ids []string
	for i := 1; i <= 3; i++ {
		now := clk.Now()
		tr := trade.Trade{AppID: "2021000000000001", TradeNo: fmt.Sprintf("202611232200000000000000000%d", i),
			OutTradeNo: fmt.Sprintf("BS-%d", i), Status: trade.Success, Subject: "s", Total: amount.MustParse("1.00"),
			NotifyURL: "http://127.0.0.1:1/notify", Created: now, Paid: &now}
		if err := n.TradeEvent(tr, trade.Event{At: now, Type: trade.EventPaid, Status: trade.Success}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, o.List(Filter{OutTradeNo: tr.OutTradeNo})[0].ID)
		clk.Advance(time.Second)
	}
	state := func(id string) (State, string) {
		db.mu.Lock()
		defer db.mu.Unlock()
		return db.rows[id].n.State, db.rows[id].n.Reason
	}
	n.BoundShared(nil)
	if s, why := state(ids[0]); s != GivenUp || why != ReasonPendingBound {
		t.Fatalf("the oldest past the bound is stored %s (%q), want given up by it", s, why)
	}
	if err := n.Resend(ids[0]); err != nil {
		t.Fatal(err)
	}
	n.BoundShared(nil)
	for i, want := range []State{Pending, GivenUp, Pending} {
		if s, _ := state(ids[i]); s != want {
			t.Errorf("BS-%d stored %s, want %s (the first sent again, the next oldest given up)", i+1, s, want)
		}
	}
	if c := o.Counts(); c[Pending] != 2 || c[GivenUp] != 1 {
		t.Errorf("the outbox counts %v, want 2 pending and 1 given up", c)
	}
}
