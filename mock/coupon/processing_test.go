package coupon

import (
	"testing"
	"time"
)

// procKind is one kind of operation that can be answered with 10003.
type procKind struct {
	name string
	// start makes the processing operation at t0 and returns its result.
	start func(t *testing.T, e *env) Result
	// retry repeats the identical request.
	retry func(e *env) (Result, error)
	// doneEvent is the event a completion records: paid for the sender's
	// payment, completed for claims and refunds.
	doneEvent string
	// check asserts the money reserved at once (before completion) and
	// after completion: the packet's rest.
	check func(t *testing.T, e *env, when string)
}

func procKinds() []procKind {
	return []procKind{
		{
			name: "disburse",
			start: func(t *testing.T, e *env) Result {
				p := e.packet(t, "pp", "10")
				return e.claim(t, p.AuthNo, "pp-c", "4", true)
			},
			retry: func(e *env) (Result, error) {
				return e.book.Disburse(merchant1, DisburseRequest{OutOrderNo: "pp-c", OutRequestNo: "pp-c-req", DeductOutOrderNo: "pp", Amount: amt("4"), PayeeUserID: payeeID}, ctx, false)
			},
			doneEvent: EventCompleted,
			check: func(t *testing.T, e *env, when string) {
				t.Helper()
				p := e.get(t, "pp")
				if p.Rest != amt("6") || p.Status != OrderAuthorized {
					t.Fatalf("%s: packet rest %s status %s, want 6.00 AUTHORIZED (reserved once)", when, p.Rest, p.Status)
				}
			},
		},
		{
			name: "refund",
			start: func(t *testing.T, e *env) Result {
				p := e.packet(t, "pp", "10")
				return must(e.book.Refund(merchant1, RefundRequest{AuthNo: p.AuthNo, OutRequestNo: "pp-r", Amount: amt("3"), Remark: "退回"}, ctx, true))(t)
			},
			retry: func(e *env) (Result, error) {
				o, _ := e.book.Get(app1, "pp")
				return e.book.Refund(merchant1, RefundRequest{AuthNo: o.AuthNo, OutRequestNo: "pp-r", Amount: amt("3"), Remark: "退回"}, ctx, false)
			},
			doneEvent: EventCompleted,
			check: func(t *testing.T, e *env, when string) {
				t.Helper()
				p := e.get(t, "pp")
				if p.Rest != amt("7") || p.TotalRefunded() != amt("3") || len(opsOfType(p, Refund)) != 1 {
					t.Fatalf("%s: packet rest %s refunded %s, want 7.00 and 3.00 in one REFUND (reserved once)", when, p.Rest, p.TotalRefunded())
				}
			},
		},
		{
			name: "agreement pay",
			start: func(t *testing.T, e *env) Result {
				return must(e.book.Pay(merchant1, agreementReq("pp", "10"), ctx, methodAgreement, true))(t)
			},
			retry: func(e *env) (Result, error) {
				return e.book.Pay(merchant1, agreementReq("pp", "10"), ctx, methodAgreement, false)
			},
			doneEvent: EventPaid,
		},
	}
}

// holder is the out_order_no of the order that holds a kind's operation.
func holder(k procKind) string {
	if k.name == "disburse" {
		return "pp-c"
	}
	return "pp"
}

func TestProcessingOperations(t *testing.T) {
	const processing = 5 * time.Second
	completions := []struct {
		name     string
		at       time.Duration // when the completion happens, after t0
		complete func(t *testing.T, e *env, k procKind, r Result) Operation
	}{
		{"identical retry", 2 * time.Second, func(t *testing.T, e *env, k procKind, r Result) Operation {
			res := must(k.retry(e))(t)
			if !res.Repeat || res.Op.OperationID != r.Op.OperationID || res.Order.AuthNo != r.Order.AuthNo {
				t.Fatalf("retry: repeat=%v op %s order %s; want the first call's %s %s", res.Repeat, res.Op.OperationID, res.Order.AuthNo, r.Op.OperationID, r.Order.AuthNo)
			}
			return res.Op
		}},
		{"Query by auth_no and operation_id", 2 * time.Second, func(t *testing.T, e *env, k procKind, r Result) Operation {
			return must(e.book.Query(app1, QueryRequest{AuthNo: r.Order.AuthNo, OperationID: r.Op.OperationID}))(t).Op
		}},
		{"Query by out_order_no and out_request_no", 2 * time.Second, func(t *testing.T, e *env, k procKind, r Result) Operation {
			return must(e.book.Query(app1, QueryRequest{OutOrderNo: holder(k), OutRequestNo: r.Op.OutRequestNo}))(t).Op
		}},
		{"Settle at DoneAt", processing, func(t *testing.T, e *env, k procKind, r Result) Operation {
			ev := e.book.Settle(r.Order.AuthNo)
			if len(ev) != 1 || ev[0].Type != k.doneEvent || ev[0].OperationID != r.Op.OperationID || !ev[0].At.Equal(t0.Add(processing)) {
				t.Fatalf("Settle at DoneAt fired %+v, want one %s", ev, k.doneEvent)
			}
			o := e.get(t, r.Order.AuthNo)
			return *o.Op(r.Op.OperationID)
		}},
	}
	for _, k := range procKinds() {
		for _, c := range completions {
			t.Run(k.name+"/"+c.name, func(t *testing.T) {
				e := newEnv(t, Options{})
				r := k.start(t, e)
				doneAt := t0.Add(processing)
				if r.Repeat || r.Op.Status != OpInit || r.Op.Trans != nil || !timeEq(r.Op.DoneAt, doneAt) {
					t.Fatalf("processing op %+v, want INIT, no gmt_trans, done at %s", r.Op, doneAt)
				}
				if at, ok := e.book.Deadline(r.Order); !ok || !at.Equal(doneAt) {
					t.Fatalf("Deadline = %s, %v; want DoneAt %s", at, ok, doneAt)
				}
				if k.check != nil {
					k.check(t, e, "reserved")
				}
				if k.name == "agreement pay" {
					o := r.Order
					if o.Status != OrderInit || o.Rest != 0 || o.Paid != nil || o.RefundAt != nil {
						t.Fatalf("processing agreement pay: status %s rest %s paid %v", o.Status, o.Rest, o.Paid)
					}
				}

				// Before DoneAt, neither Get nor Settle completes it.
				e.clk.Set(t0.Add(time.Second))
				if ev := e.book.Settle(r.Order.AuthNo); len(ev) != 0 {
					t.Fatalf("Settle before DoneAt fired %v", eventTypes(ev))
				}
				if o := e.get(t, r.Order.AuthNo); o.Op(r.Op.OperationID).Status != OpInit {
					t.Fatalf("Get completed the operation: %s", o.Op(r.Op.OperationID).Status)
				}

				e.clk.Set(t0.Add(c.at))
				at := e.clk.Now()
				op := c.complete(t, e, k, r)
				if op.Status != OpSuccess || !timeEq(op.Trans, at) || op.DoneAt != nil || op.OperationID != r.Op.OperationID {
					t.Fatalf("completed op %+v, want SUCCESS at %s", op, at)
				}
				o := e.get(t, r.Order.AuthNo)
				if n := countEvents(o.History, k.doneEvent); n != 1 {
					t.Fatalf("%d %s events after completion (history %v)", n, k.doneEvent, eventTypes(o.History))
				}
				if k.check != nil {
					k.check(t, e, "completed")
				}
				if k.name == "agreement pay" {
					if o.Status != OrderAuthorized || o.Rest != amt("10") || !timeEq(o.Paid, at) || !timeEq(o.RefundAt, at.Add(48*time.Hour)) {
						t.Fatalf("completed agreement pay: status %s rest %s paid %v refund_at %v", o.Status, o.Rest, o.Paid, o.RefundAt)
					}
				}

				// Never twice: every other way of completing is now a no-op.
				hist := len(o.History)
				e.clk.Advance(time.Minute)
				if ev := e.book.Settle(r.Order.AuthNo); len(ev) != 0 {
					t.Fatalf("Settle after completion fired %v", eventTypes(ev))
				}
				q := must(e.book.Query(app1, QueryRequest{AuthNo: r.Order.AuthNo, OperationID: r.Op.OperationID}))(t)
				rr := must(k.retry(e))(t)
				for _, got := range []Operation{q.Op, rr.Op} {
					if got.Status != OpSuccess || !timeEq(got.Trans, at) {
						t.Fatalf("after completion: op %s at %v, want SUCCESS at %s", got.Status, got.Trans, at)
					}
				}
				o = e.get(t, r.Order.AuthNo)
				if len(o.History) != hist {
					t.Fatalf("a second completion recorded events: %v", eventTypes(o.History))
				}
				if k.check != nil {
					k.check(t, e, "after repeats")
				}
			})
		}
	}
}

func TestProcessingReservesTheRest(t *testing.T) {
	e := newEnv(t, Options{})
	p := e.packet(t, "rv", "10")
	c := e.claim(t, p.AuthNo, "rv-c", "4", true)
	if c.Op.Status != OpInit {
		t.Fatalf("setup: claim op %s", c.Op.Status)
	}
	// Only 6.00 is left to claim or refund while the claim is processing.
	_, err := e.book.Disburse(merchant1, claimReq(p.AuthNo, "rv-d", "6.01"), ctx, false)
	wantErr(t, err, ErrRestNotEnough)
	_, err = e.book.Refund(merchant1, RefundRequest{AuthNo: p.AuthNo, OutRequestNo: "rv-r", Amount: amt("6.01")}, ctx, false)
	wantErr(t, err, ErrRestNotEnough)
	// A processing refund of the whole rest finishes the packet at once.
	r := must(e.book.Refund(merchant1, RefundRequest{AuthNo: p.AuthNo, OutRequestNo: "rv-r", Amount: amt("6")}, ctx, true))(t)
	if r.Order.Status != OrderFinish || r.Order.Rest != 0 || r.Order.RefundAt != nil || r.Op.Status != OpInit {
		t.Fatalf("processing refund of the rest: status %s rest %s op %s", r.Order.Status, r.Order.Rest, r.Op.Status)
	}
	_, err = e.book.Disburse(merchant1, claimReq(p.AuthNo, "rv-e", "0.01"), ctx, false)
	wantErr(t, err, ErrOrderStatus)
	// The FINISH packet still completes its processing refund at DoneAt.
	if at, ok := e.book.Deadline(r.Order); !ok || !at.Equal(t0.Add(5*time.Second)) {
		t.Fatalf("Deadline of the finished packet = %s, %v; want its refund's DoneAt", at, ok)
	}
	e.clk.Set(t0.Add(5 * time.Second))
	ev := e.book.Settle(p.AuthNo)
	if len(ev) != 1 || ev[0].Type != EventCompleted || ev[0].Status != OrderFinish {
		t.Fatalf("Settle fired %+v", ev)
	}
	ev = e.book.Settle(c.Order.AuthNo)
	if len(ev) != 1 || ev[0].Type != EventCompleted {
		t.Fatalf("Settle(claim) fired %+v", ev)
	}
	got := e.get(t, p.AuthNo)
	if got.Rest != 0 || got.TotalRefunded() != amt("6") || got.Status != OrderFinish {
		t.Fatalf("final packet rest %s refunded %s status %s", got.Rest, got.TotalRefunded(), got.Status)
	}
}

func TestProcessingOption(t *testing.T) {
	for _, c := range []struct {
		opt  time.Duration
		want time.Duration
	}{{0, 5 * time.Second}, {-time.Second, 5 * time.Second}, {30 * time.Second, 30 * time.Second}} {
		e := newEnv(t, Options{Processing: c.opt})
		p := e.packet(t, "po", "10")
		r := e.claim(t, p.AuthNo, "po-c", "1", true)
		if !timeEq(r.Op.DoneAt, t0.Add(c.want)) {
			t.Fatalf("Processing %s: DoneAt %v, want t0+%s", c.opt, r.Op.DoneAt, c.want)
		}
	}
}

func TestProcessingAgreementPayDoesNotTimeOut(t *testing.T) {
	// A 1m pay timeout shorter than the processing time: the payment in
	// flight completes, the order is not closed under it.
	e := newEnv(t, Options{Processing: 2 * time.Minute})
	req := agreementReq("pt", "10")
	req.PayTimeout = "1m"
	r := must(e.book.Pay(merchant1, req, ctx, methodAgreement, true))(t)
	if at, ok := e.book.Deadline(r.Order); !ok || !at.Equal(t0.Add(time.Minute)) {
		t.Fatalf("Deadline = %s, %v", at, ok)
	}
	e.clk.Set(t0.Add(time.Minute))
	if o := e.get(t, "pt"); o.Status != OrderInit || o.Operations[0].Status != OpInit {
		t.Fatalf("processing payment closed at the pay timeout: %s / %s", o.Status, o.Operations[0].Status)
	}
	// Disbursing from it is refused until it is paid.
	_, err := e.book.Disburse(merchant1, claimReq(r.Order.AuthNo, "pt-c", "1"), ctx, false)
	wantErr(t, err, ErrOrderStatus)
	e.clk.Set(t0.Add(2 * time.Minute))
	e.book.Settle(r.Order.AuthNo)
	if o := e.get(t, "pt"); o.Status != OrderAuthorized || o.Rest != amt("10") {
		t.Fatalf("after DoneAt: %s rest %s", o.Status, o.Rest)
	}
}

// DoneAt is documented as "when a processing (10003) operation completes by
// itself". When nobody looks at the order until well after DoneAt (the clock
// jumped, the scheduler ran late), the operation still completed by itself
// at DoneAt, so gmt_trans should be DoneAt — the way a pay timeout is
// recorded at Expires and the automatic refund at RefundAt, however late
// they are settled. The book stamps such completions with the time of the
// look instead.
func TestProcessingCompletedLateIsStampedAtDoneAt(t *testing.T) {
	t.Run("claim", func(t *testing.T) {
		e := newEnv(t, Options{})
		p := e.packet(t, "lt", "10")
		r := e.claim(t, p.AuthNo, "lt-c", "1", true)
		doneAt := *r.Op.DoneAt
		e.clk.Set(doneAt.Add(time.Hour))
		o := e.get(t, r.Order.AuthNo)
		op := o.Op(r.Op.OperationID)
		if op.Status != OpSuccess {
			t.Fatalf("op %s an hour after DoneAt", op.Status)
		}
		if !timeEq(op.Trans, doneAt) {
			t.Errorf("gmt_trans %v, want DoneAt %s (the op completed by itself then)", op.Trans, doneAt)
		}
		if last := o.History[len(o.History)-1]; !last.At.Equal(doneAt) {
			t.Errorf("completed event at %s, want DoneAt %s", last.At, doneAt)
		}
	})
	t.Run("agreement pay", func(t *testing.T) {
		e := newEnv(t, Options{})
		r := must(e.book.Pay(merchant1, agreementReq("lt", "10"), ctx, methodAgreement, true))(t)
		doneAt := *r.Op.DoneAt
		// Looked at only three days later: paid at DoneAt, so the 48h
		// automatic refund is already due as well.
		e.clk.Set(doneAt.Add(72 * time.Hour))
		o := e.get(t, "lt")
		if !timeEq(o.Paid, doneAt) || !timeEq(o.Operations[0].Trans, doneAt) {
			t.Errorf("paid %v gmt_trans %v, want DoneAt %s", o.Paid, o.Operations[0].Trans, doneAt)
		}
		if o.Status != OrderFinish || len(opsOfType(o, Refund)) != 1 {
			t.Errorf("status %s with %d refunds 72h after payment, want FINISH after the automatic refund at DoneAt+48h", o.Status, len(opsOfType(o, Refund)))
		}
	})
}
