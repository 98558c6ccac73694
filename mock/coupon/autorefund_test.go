package coupon

import (
	"strings"
	"testing"
	"time"
)

func TestAutomaticRefund(t *testing.T) {
	claimed3 := func(t *testing.T, e *env) Order {
		p := e.packet(t, "ar", "10")
		e.claim(t, p.AuthNo, "ar-c", "3", false)
		return e.get(t, "ar")
	}
	get := func(t *testing.T, e *env, p Order) Order { return e.get(t, p.AuthNo) }
	settle := func(t *testing.T, e *env, p Order) Order {
		ev := e.book.Settle(p.AuthNo)
		o := e.get(t, p.AuthNo)
		if o.Status == OrderFinish && len(opsOfType(o, Refund)) > 0 && opsOfType(o, Refund)[0].Auto {
			if len(ev) != 1 || ev[0].Type != EventRefunded || ev[0].Status != OrderFinish {
				t.Fatalf("Settle fired %+v, want one refunded event", ev)
			}
		}
		return o
	}
	cases := []struct {
		name         string
		opts         Options
		setup        func(t *testing.T, e *env) Order
		at           time.Duration // clock when the packet is looked at, after t0
		look         func(t *testing.T, e *env, p Order) Order
		wantAuto     string // amount returned automatically, "" for none
		wantRefundAt time.Duration
		wantStatus   OrderStatus
	}{
		{name: "Settle at RefundAt returns the rest", setup: claimed3, at: 48 * time.Hour, look: settle,
			wantAuto: "7", wantRefundAt: 48 * time.Hour, wantStatus: OrderFinish},
		{name: "one second early nothing happens", setup: claimed3, at: 48*time.Hour - time.Second, look: settle,
			wantRefundAt: 48 * time.Hour, wantStatus: OrderAuthorized},
		{name: "lazily on Get", setup: claimed3, at: 50 * time.Hour, look: get,
			wantAuto: "7", wantRefundAt: 48 * time.Hour, wantStatus: OrderFinish},
		{name: "lazily on Query", setup: claimed3, at: 72 * time.Hour, look: func(t *testing.T, e *env, p Order) Order {
			return must(e.book.Query(app1, QueryRequest{AuthNo: p.AuthNo, OperationID: p.Operations[0].OperationID}))(t).Order
		}, wantAuto: "7", wantRefundAt: 48 * time.Hour, wantStatus: OrderFinish},
		{name: "lazily on List", setup: claimed3, at: 50 * time.Hour, look: func(t *testing.T, e *env, p Order) Order {
			for _, o := range must(e.book.List(app1))(t) {
				if o.AuthNo == p.AuthNo {
					return o
				}
			}
			t.Fatal("packet not listed")
			return Order{}
		}, wantAuto: "7", wantRefundAt: 48 * time.Hour, wantStatus: OrderFinish},
		{name: "lazily on Disburse, which then fails", setup: claimed3, at: 49 * time.Hour, look: func(t *testing.T, e *env, p Order) Order {
			_, err := e.book.Disburse(merchant1, claimReq(p.AuthNo, "late", "1"), ctx, false)
			wantErr(t, err, ErrOrderStatus)
			return e.get(t, p.AuthNo)
		}, wantAuto: "7", wantRefundAt: 48 * time.Hour, wantStatus: OrderFinish},
		{name: "lazily on Refund, which then fails", setup: claimed3, at: 49 * time.Hour, look: func(t *testing.T, e *env, p Order) Order {
			_, err := e.book.Refund(merchant1, RefundRequest{AuthNo: p.AuthNo, OutRequestNo: "late", Amount: amt("1")}, ctx, false)
			wantErr(t, err, ErrOrderStatus)
			return e.get(t, p.AuthNo)
		}, wantAuto: "7", wantRefundAt: 48 * time.Hour, wantStatus: OrderFinish},
		{name: "the whole amount when nothing was claimed", setup: func(t *testing.T, e *env) Order { return e.packet(t, "ar", "10") },
			at: 48 * time.Hour, look: settle, wantAuto: "10", wantRefundAt: 48 * time.Hour, wantStatus: OrderFinish},
		{name: "not when all was claimed", setup: func(t *testing.T, e *env) Order {
			p := e.packet(t, "ar", "10")
			e.claim(t, p.AuthNo, "ar-c", "10", false)
			return e.get(t, "ar")
		}, at: 49 * time.Hour, look: settle, wantStatus: OrderFinish},
		{name: "not when all was refunded", setup: func(t *testing.T, e *env) Order {
			p := e.packet(t, "ar", "10")
			must(e.book.Refund(merchant1, RefundRequest{AuthNo: p.AuthNo, OutRequestNo: "all", Amount: amt("10")}, ctx, false))(t)
			return e.get(t, "ar")
		}, at: 49 * time.Hour, look: get, wantStatus: OrderFinish},
		{name: "not for an unpaid packet", setup: func(t *testing.T, e *env) Order {
			return packetIn(t, e, "ar", OrderClosed)
		}, at: 49 * time.Hour, look: get, wantStatus: OrderClosed},
		{name: "only what is left after a partial refund", setup: func(t *testing.T, e *env) Order {
			p := claimed3(t, e)
			must(e.book.Refund(merchant1, RefundRequest{AuthNo: p.AuthNo, OutRequestNo: "part", Amount: amt("2")}, ctx, false))(t)
			return e.get(t, "ar")
		}, at: 48 * time.Hour, look: settle, wantAuto: "5", wantRefundAt: 48 * time.Hour, wantStatus: OrderFinish},
		{name: "Options.AutoRefund 2h", opts: Options{AutoRefund: 2 * time.Hour}, setup: claimed3, at: 2 * time.Hour, look: settle,
			wantAuto: "7", wantRefundAt: 2 * time.Hour, wantStatus: OrderFinish},
		{name: "Options.AutoRefund 2h, a second early", opts: Options{AutoRefund: 2 * time.Hour}, setup: claimed3, at: 2*time.Hour - time.Second, look: get,
			wantRefundAt: 2 * time.Hour, wantStatus: OrderAuthorized},
		{name: "counted from the sender's payment", setup: func(t *testing.T, e *env) Order {
			e.appPay(t, "ar", "10")
			e.clk.Set(t0.Add(30 * time.Minute))
			return must(e.book.SenderPay(app1, "ar", nil))(t)
		}, at: 48 * time.Hour, look: get, wantRefundAt: 48*time.Hour + 30*time.Minute, wantStatus: OrderAuthorized},
		{name: "counted from the sender's payment, due", setup: func(t *testing.T, e *env) Order {
			e.appPay(t, "ar", "10")
			e.clk.Set(t0.Add(30 * time.Minute))
			return must(e.book.SenderPay(app1, "ar", nil))(t)
		}, at: 48*time.Hour + 30*time.Minute, look: settle, wantAuto: "10", wantRefundAt: 48*time.Hour + 30*time.Minute, wantStatus: OrderFinish},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, c.opts)
			p := c.setup(t, e)
			refundsBefore := len(opsOfType(p, Refund))
			if p.Status == OrderAuthorized {
				want := t0.Add(c.wantRefundAt)
				if !timeEq(p.RefundAt, want) {
					t.Fatalf("refund_at %v, want %s", p.RefundAt, want)
				}
				if at, ok := e.book.Deadline(p); !ok || !at.Equal(want) {
					t.Fatalf("Deadline = %s, %v; want %s", at, ok, want)
				}
			}
			e.clk.Set(t0.Add(c.at))
			o := c.look(t, e, p)
			if o.Status != c.wantStatus {
				t.Fatalf("status %s, want %s", o.Status, c.wantStatus)
			}
			refunds := opsOfType(o, Refund)
			var auto []Operation
			for _, op := range refunds {
				if op.Auto {
					auto = append(auto, op)
				}
			}
			if c.wantAuto == "" {
				if len(auto) != 0 || len(refunds) != refundsBefore {
					t.Fatalf("unexpected refunds: %+v", refunds)
				}
				if o.Status == OrderAuthorized && o.Rest != p.Rest {
					t.Fatalf("rest %s, want %s", o.Rest, p.Rest)
				}
				return
			}
			if len(auto) != 1 || len(refunds) != refundsBefore+1 {
				t.Fatalf("%d automatic of %d refunds, want one more, automatic", len(auto), len(refunds))
			}
			op, at := auto[0], t0.Add(c.wantRefundAt)
			if op.Amount != amt(c.wantAuto) || op.Status != OpSuccess || op.Type != Refund || !timeEq(op.Trans, at) || !op.Created.Equal(at) ||
				op.OutRequestNo != "AUTO"+p.AuthNo || op.Remark == "" || op.NotifyURL != ctx.NotifyURL || !opIDPattern.MatchString(op.OperationID) {
				t.Fatalf("automatic refund %+v, want %s at %s", op, c.wantAuto, at)
			}
			if o.Rest != 0 || o.RefundAt != nil || o.TotalRefunded() != p.TotalRefunded()+amt(c.wantAuto) {
				t.Fatalf("after: rest %s refund_at %v refunded %s", o.Rest, o.RefundAt, o.TotalRefunded())
			}
			last := o.History[len(o.History)-1]
			if last.Type != EventRefunded || !last.At.Equal(at) || last.Status != OrderFinish || last.OperationID != op.OperationID || !strings.Contains(last.Detail, c.wantAuto) {
				t.Fatalf("refunded event %+v", last)
			}
			if _, ok := e.book.Deadline(o); ok {
				t.Fatal("finished packet still has a deadline")
			}
			// Never twice.
			e.clk.Advance(48 * time.Hour)
			if ev := e.book.Settle(p.AuthNo); len(ev) != 0 {
				t.Fatalf("second Settle fired %v", eventTypes(ev))
			}
			if again := e.get(t, p.AuthNo); len(again.Operations) != len(o.Operations) {
				t.Fatalf("operations grew to %d", len(again.Operations))
			}
		})
	}
}

func TestAutomaticRefundQueryable(t *testing.T) {
	e := newEnv(t, Options{})
	p := e.packet(t, "aq", "10")
	e.clk.Set(t0.Add(48 * time.Hour))
	o := e.get(t, "aq")
	auto := opsOfType(o, Refund)
	if len(auto) != 1 {
		t.Fatalf("setup: %d refunds", len(auto))
	}
	for _, q := range []QueryRequest{
		{AuthNo: p.AuthNo, OperationID: auto[0].OperationID},
		{OutOrderNo: "aq", OutRequestNo: "AUTO" + p.AuthNo},
	} {
		res := must(e.book.Query(app1, q))(t)
		if res.Op.OperationID != auto[0].OperationID || !res.Op.Auto || res.Op.Type != Refund || res.Op.Amount != amt("10") {
			t.Fatalf("Query(%+v) = %+v", q, res.Op)
		}
	}
	// Its request number cannot be reused by the merchant.
	_, err := e.book.Refund(merchant1, RefundRequest{AuthNo: p.AuthNo, OutRequestNo: "AUTO" + p.AuthNo, Amount: amt("10")}, ctx, false)
	wantErr(t, err, ErrDiscordant)
}
