package coupon

import (
	"errors"
	"sync"
	"testing"
	"time"
)

type seen struct {
	typ    string
	authNo string
	status OrderStatus
	claim  bool
}

func TestObserveEventOrder(t *testing.T) {
	e := newEnv(t, Options{})
	rec := &recorder{}
	e.book.Observe(rec.observe)

	var p Order
	var claim, pendingRefund Result
	var closedOrder Order
	steps := []struct {
		name string
		do   func(t *testing.T)
		want func() []seen
	}{
		{"app pay", func(t *testing.T) { p = e.appPay(t, "ob", "10").Order },
			func() []seen { return []seen{{EventCreated, p.AuthNo, OrderInit, false}} }},
		{"sender pays", func(t *testing.T) { must(e.book.SenderPay(app1, "ob", nil))(t) },
			func() []seen { return []seen{{EventPaid, p.AuthNo, OrderAuthorized, false}} }},
		{"claim", func(t *testing.T) { claim = e.claim(t, p.AuthNo, "ob-c", "4", false) },
			func() []seen {
				return []seen{{EventClaimed, p.AuthNo, OrderAuthorized, false}, {EventClaimed, claim.Order.AuthNo, OrderFinish, true}}
			}},
		{"claim retried", func(t *testing.T) { e.claim(t, p.AuthNo, "ob-c", "4", false) }, func() []seen { return nil }},
		{"refund", func(t *testing.T) {
			must(e.book.Refund(merchant1, RefundRequest{AuthNo: p.AuthNo, OutRequestNo: "ob-r1", Amount: amt("1")}, ctx, false))(t)
		}, func() []seen { return []seen{{EventRefunded, p.AuthNo, OrderAuthorized, false}} }},
		{"processing refund", func(t *testing.T) {
			pendingRefund = must(e.book.Refund(merchant1, RefundRequest{AuthNo: p.AuthNo, OutRequestNo: "ob-r2", Amount: amt("2")}, ctx, true))(t)
		}, func() []seen { return []seen{{EventRefunded, p.AuthNo, OrderAuthorized, false}} }},
		{"query completes it", func(t *testing.T) {
			must(e.book.Query(app1, QueryRequest{AuthNo: p.AuthNo, OperationID: pendingRefund.Op.OperationID}))(t)
		}, func() []seen { return []seen{{EventCompleted, p.AuthNo, OrderAuthorized, false}} }},
		{"query again", func(t *testing.T) {
			must(e.book.Query(app1, QueryRequest{AuthNo: p.AuthNo, OperationID: pendingRefund.Op.OperationID}))(t)
		}, func() []seen { return nil }},
		{"failed claim", func(t *testing.T) {
			_, err := e.book.Disburse(merchant1, claimReq(p.AuthNo, "ob-x", "99"), ctx, false)
			wantErr(t, err, ErrRestNotEnough)
		}, func() []seen { return nil }},
		{"sender closes another", func(t *testing.T) {
			e.appPay(t, "ob2", "1")
			closedOrder = must(e.book.SenderClose(app1, "ob2"))(t)
		}, func() []seen {
			return []seen{{EventCreated, closedOrder.AuthNo, OrderInit, false}, {EventClosed, closedOrder.AuthNo, OrderClosed, false}}
		}},
		{"automatic refund of the rest", func(t *testing.T) {
			e.clk.Advance(48 * time.Hour)
			e.book.Settle(p.AuthNo)
		}, func() []seen { return []seen{{EventRefunded, p.AuthNo, OrderFinish, false}} }},
	}
	for _, s := range steps {
		rec.reset()
		s.do(t)
		rec.mu.Lock()
		events, orders := append([]Event(nil), rec.events...), append([]Order(nil), rec.orders...)
		rec.mu.Unlock()
		want := s.want()
		if len(events) != len(want) {
			t.Fatalf("%s: heard %v, want %d events", s.name, eventTypes(events), len(want))
		}
		for i, w := range want {
			ev, o := events[i], orders[i]
			if ev.Type != w.typ || o.AuthNo != w.authNo || ev.Status != w.status || o.Status != w.status || o.Claim != w.claim {
				t.Fatalf("%s: event %d = %s on %s (status %s/%s claim=%v), want %s on %s (%s claim=%v)", s.name, i,
					ev.Type, o.AuthNo, ev.Status, o.Status, o.Claim, w.typ, w.authNo, w.status, w.claim)
			}
			if ev.Type == EventClaimed && !o.Claim {
				// The packet's entry names the claim's operation, which
				// lives on the claim order.
				if ev.OperationID != claim.Op.OperationID || o.Op(ev.OperationID) != nil {
					t.Fatalf("%s: packet's claimed event names %s, want the claim's operation %s", s.name, ev.OperationID, claim.Op.OperationID)
				}
			} else if ev.OperationID == "" || o.Op(ev.OperationID) == nil {
				t.Fatalf("%s: event %d names operation %s, not on the order snapshot", s.name, i, ev.OperationID)
			}
			// The snapshot holds the state after the change: the operation a
			// completion names is SUCCESS; the one a processing refund made is INIT.
			if ev.Type == EventCompleted || ev.Type == EventPaid {
				if op := o.Op(ev.OperationID); op.Status != OpSuccess {
					t.Fatalf("%s: %s snapshot has op %s", s.name, ev.Type, op.Status)
				}
			}
			// The book's own history has the event.
			stored := e.get(t, o.AuthNo)
			found := false
			for _, h := range stored.History {
				if h == ev {
					found = true
				}
			}
			if !found {
				t.Fatalf("%s: event %+v not in the order's history %v", s.name, ev, eventTypes(stored.History))
			}
		}
	}
	// The claim's notification names the packet it came from.
	if claim.Order.DeductAuthNo != p.AuthNo {
		t.Fatalf("claim deduct_auth_no %s", claim.Order.DeductAuthNo)
	}
}

func TestObserveProcessingEvents(t *testing.T) {
	e := newEnv(t, Options{})
	rec := &recorder{}
	e.book.Observe(rec.observe)
	r := must(e.book.Pay(merchant1, agreementReq("op", "10"), ctx, methodAgreement, true))(t)
	if got := rec.types(); !sameStrings(got, []string{EventCreated}) {
		t.Fatalf("processing agreement pay: heard %v, want [created]", got)
	}
	e.clk.Set(t0.Add(5 * time.Second))
	e.book.Settle(r.Order.AuthNo)
	if got := rec.types(); !sameStrings(got, []string{EventCreated, EventPaid}) {
		t.Fatalf("after DoneAt: heard %v, want [created paid]", got)
	}
	c := e.claim(t, r.Order.AuthNo, "op-c", "1", true)
	must(e.book.Disburse(merchant1, claimReq(r.Order.AuthNo, "op-c", "1"), ctx, false))(t) // retry completes
	must(e.book.Disburse(merchant1, claimReq(r.Order.AuthNo, "op-c", "1"), ctx, false))(t) // and no more
	if got := rec.types(); !sameStrings(got, []string{EventCreated, EventPaid, EventClaimed, EventClaimed, EventCompleted}) {
		t.Fatalf("processing claim: heard %v", got)
	}
	rec.mu.Lock()
	last := rec.orders[len(rec.orders)-1]
	rec.mu.Unlock()
	if last.AuthNo != c.Order.AuthNo || last.Operations[0].Status != OpSuccess {
		t.Fatalf("completed snapshot %s op %s", last.AuthNo, last.Operations[0].Status)
	}
}

// The observer runs outside the lock: it may call back into the book.
func TestObserveOutsideTheLock(t *testing.T) {
	e := newEnv(t, Options{})
	var mu sync.Mutex
	var got []OrderStatus
	var errs []error
	e.book.Observe(func(o Order, ev Event) {
		g, err := e.book.Get(o.AppID, o.AuthNo)
		l := must(e.book.List(o.AppID))(t)
		_, _ = e.book.Deadline(g)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, err)
		}
		if len(l) == 0 {
			errs = append(errs, errors.New("List empty inside the observer"))
		}
		got = append(got, g.Status)
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		p := e.packet(t, "lo", "10")
		e.claim(t, p.AuthNo, "lo-c", "10", false)
		e.appPay(t, "lo2", "1")
		e.clk.Advance(2 * time.Hour)
		e.book.Settle(e.get(t, "lo2").AuthNo)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("deadlock: the observer called back into the book and never returned")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(errs) != 0 {
		t.Fatalf("errors inside the observer: %v", errs)
	}
	// created, paid, claimed (packet), claimed (claim), created, closed.
	want := []OrderStatus{OrderAuthorized, OrderAuthorized, OrderFinish, OrderFinish, OrderInit, OrderClosed}
	if len(got) != len(want) {
		t.Fatalf("observer saw %v, want %v", got, want)
	}
	// The Get inside the observer runs after the whole call committed, so it
	// sees the final state of that call.
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("observer's Get %d saw %s, want %s (all: %v)", i, got[i], want[i], got)
		}
	}
}

func TestReset(t *testing.T) {
	e := newEnv(t, Options{})
	p1 := e.packet(t, "rs1", "10")
	c1 := e.claim(t, p1.AuthNo, "rs1-c", "1", false)
	e.appPay(t, "rs2", "10")
	p3 := must(e.book.Pay(merchant2, agreementReq("rs1", "10"), ctx, methodAgreement, false))(t).Order

	e.book.Reset(app1)
	for _, ref := range []string{p1.AuthNo, "rs1", c1.Order.AuthNo, "rs1-c", "rs2"} {
		if _, err := e.book.Get(app1, ref); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Get(app1, %s) after Reset(app1) = %v, want ErrNotFound", ref, err)
		}
		if _, err := e.book.Get("", ref); ref != "rs1" && !errors.Is(err, ErrNotFound) {
			t.Fatalf("Get(any, %s) after Reset(app1) = %v", ref, err)
		}
	}
	_, err := e.book.Query(app1, QueryRequest{AuthNo: p1.AuthNo, OperationID: p1.Operations[0].OperationID})
	wantErr(t, err, ErrOrderNotExist)
	if n := len(must(e.book.List(app1))(t)); n != 0 {
		t.Fatalf("app1 lists %d orders after its reset", n)
	}
	// app2 keeps its packet, with the same out_order_no app1 had.
	if l := must(e.book.List(app2))(t); len(l) != 1 || l[0].AuthNo != p3.AuthNo {
		t.Fatalf("app2 lists %v after Reset(app1)", l)
	}
	if g := must(e.book.Get(app2, "rs1"))(t); g.AuthNo != p3.AuthNo || g.Rest != amt("10") {
		t.Fatalf("app2's packet %+v", g)
	}
	must(e.book.Disburse(merchant2, claimReq(p3.AuthNo, "rs3-c", "1"), ctx, false))(t)
	// app1 can reuse its numbers: a new order, not a repeat.
	res := must(e.book.Pay(merchant1, agreementReq("rs1", "10"), ctx, methodAgreement, false))(t)
	if res.Repeat || res.Order.AuthNo == p1.AuthNo {
		t.Fatalf("Pay after reset: repeat=%v auth %s", res.Repeat, res.Order.AuthNo)
	}

	e.book.Reset("")
	if n := len(must(e.book.List(""))(t)); n != 0 {
		t.Fatalf("%d orders after Reset(\"\")", n)
	}
	if _, err := e.book.Get(app2, p3.AuthNo); !errors.Is(err, ErrNotFound) {
		t.Fatalf("app2's packet survived Reset(\"\"): %v", err)
	}
}

func TestListOrder(t *testing.T) {
	e := newEnv(t, Options{})
	e.appPay(t, "l1", "1")
	e.clk.Advance(time.Second)
	must(e.book.Pay(merchant2, payReq("l2", "1"), ctx, methodApp, false))(t)
	e.clk.Advance(time.Second)
	e.appPay(t, "l3", "1")
	all := must(e.book.List(""))(t)
	if len(all) != 3 || all[0].OutOrderNo != "l1" || all[1].OutOrderNo != "l2" || all[2].OutOrderNo != "l3" {
		t.Fatalf("List(all) = %v", all)
	}
	if l := must(e.book.List(app1))(t); len(l) != 2 || l[0].OutOrderNo != "l1" || l[1].OutOrderNo != "l3" {
		t.Fatalf("List(app1) = %v", l)
	}
}
