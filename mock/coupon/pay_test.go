package coupon

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/domain"
)

func TestPayAppAndPageOpenInitOrder(t *testing.T) {
	for _, method := range []string{methodApp, methodPage} {
		t.Run(method, func(t *testing.T) {
			e := newEnv(t, Options{})
			res := must(e.book.Pay(merchant1, payReq("hb1", "88.88"), ctx, method, false))(t)
			o, op := res.Order, res.Op
			if res.Repeat {
				t.Fatal("first call reported Repeat")
			}
			if o.AppID != app1 || !authNoPattern.MatchString(o.AuthNo) || o.OutOrderNo != "hb1" || o.Title != title || o.Method != method {
				t.Fatalf("order ids: %+v", o)
			}
			if o.Claim || o.Status != OrderInit || o.Amount != amt("88.88") || o.Rest != 0 {
				t.Fatalf("order state: claim=%v status=%s amount=%s rest=%s", o.Claim, o.Status, o.Amount, o.Rest)
			}
			if !o.Created.Equal(t0) || !o.Expires.Equal(t0.Add(time.Hour)) || o.Paid != nil || o.RefundAt != nil {
				t.Fatalf("order times: created %s expires %s paid %v refund_at %v", o.Created, o.Expires, o.Paid, o.RefundAt)
			}
			if o.Payer != (fixtures.Buyer{}) || o.Payee != nil || o.DeductAuthNo != "" {
				t.Fatalf("unpaid order has a payer/payee: %+v %+v %q", o.Payer, o.Payee, o.DeductAuthNo)
			}
			if o.ExtraParam != `{"memo":"hb1"}` || o.NotifyURL != ctx.NotifyURL || o.ReturnURL != ctx.ReturnURL || o.Charset != "utf-8" || o.SignType != "RSA2" {
				t.Fatalf("order request context: %+v", o)
			}
			if len(o.Operations) != 1 {
				t.Fatalf("%d operations, want 1", len(o.Operations))
			}
			if !opIDPattern.MatchString(op.OperationID) || op.OutRequestNo != "hb1-pay" || op.Type != Pay || op.Amount != amt("88.88") ||
				op.Status != OpInit || !op.Created.Equal(t0) || op.Trans != nil || op.DoneAt != nil || op.Auto || op.NotifyURL != ctx.NotifyURL {
				t.Fatalf("pay operation: %+v", op)
			}
			if o.Operations[0].OperationID != op.OperationID {
				t.Fatalf("Result.Op %s is not the order's operation %s", op.OperationID, o.Operations[0].OperationID)
			}
			if got := eventTypes(o.History); !sameStrings(got, []string{EventCreated}) {
				t.Fatalf("history %v, want [created]", got)
			}
			if h := o.History[0]; !h.At.Equal(t0) || h.Status != OrderInit || h.OperationID != op.OperationID || h.Detail != method {
				t.Fatalf("created event %+v", h)
			}
			if at, ok := e.book.Deadline(o); !ok || !at.Equal(o.Expires) {
				t.Fatalf("Deadline = %s, %v; want the pay timeout %s", at, ok, o.Expires)
			}
			// The book hands out copies: changing the result changes nothing.
			o.Operations[0].Status = OpSuccess
			o.History = nil
			if got := e.get(t, "hb1"); got.Operations[0].Status != OpInit || len(got.History) != 1 {
				t.Fatalf("result aliases the book's order: %+v", got)
			}
		})
	}
}

func TestAgreementPayIsPaidAtOnce(t *testing.T) {
	e := newEnv(t, Options{})
	req := agreementReq("ag1", "20")
	res := must(e.book.Pay(merchant1, req, ctx, methodAgreement, false))(t)
	o, op := res.Order, res.Op
	if o.Status != OrderAuthorized || o.Rest != amt("20") || o.Amount != amt("20") || o.Method != methodAgreement || o.Claim {
		t.Fatalf("agreement order: status %s rest %s amount %s method %s", o.Status, o.Rest, o.Amount, o.Method)
	}
	if !timeEq(o.Paid, t0) || !timeEq(o.RefundAt, t0.Add(48*time.Hour)) {
		t.Fatalf("paid %v refund_at %v, want %s and +48h", o.Paid, o.RefundAt, t0)
	}
	if o.Payer.UserID != payerID || o.Payer.LogonID == "" || o.Payer.Account == "" {
		t.Fatalf("payer %+v, want user %s with a logon", o.Payer, payerID)
	}
	if op.Type != Pay || op.Status != OpSuccess || !timeEq(op.Trans, t0) || op.DoneAt != nil || op.Amount != amt("20") || op.OutRequestNo != "ag1-pay" {
		t.Fatalf("pay operation %+v", op)
	}
	if got := eventTypes(o.History); !sameStrings(got, []string{EventCreated, EventPaid}) {
		t.Fatalf("history %v, want [created paid]", got)
	}
	if last := o.History[1]; last.Status != OrderAuthorized || last.OperationID != op.OperationID || !last.At.Equal(t0) {
		t.Fatalf("paid event %+v", last)
	}
	if at, ok := e.book.Deadline(o); !ok || !at.Equal(t0.Add(48*time.Hour)) {
		t.Fatalf("Deadline = %s, %v; want the automatic refund at +48h", at, ok)
	}

	// Without payer_user_id, agreement pay is refused and nothing is made.
	req = payReq("ag2", "20")
	_, err := e.book.Pay(merchant1, req, ctx, methodAgreement, false)
	wantErr(t, err, errInvalidParameter)
	if _, err := e.book.Get(app1, "ag2"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("refused agreement pay left an order: %v", err)
	}
}

func TestPayValidation(t *testing.T) {
	long := strings.Repeat("x", 65)
	cases := []struct {
		name    string
		method  string
		edit    func(r *PayRequest)
		wantErr error
		wantExp time.Duration // pay timeout of an accepted order
	}{
		{name: "defaults", edit: func(r *PayRequest) {}, wantExp: time.Hour},
		{name: "missing out_order_no", edit: func(r *PayRequest) { r.OutOrderNo = "" }, wantErr: errInvalidParameter},
		{name: "missing out_request_no", edit: func(r *PayRequest) { r.OutRequestNo = "" }, wantErr: errInvalidParameter},
		{name: "missing order_title", edit: func(r *PayRequest) { r.OrderTitle = "" }, wantErr: errInvalidParameter},
		{name: "out_order_no 65 chars", edit: func(r *PayRequest) { r.OutOrderNo = long }, wantErr: errInvalidParameter},
		{name: "out_request_no 65 chars", edit: func(r *PayRequest) { r.OutRequestNo = long }, wantErr: errInvalidParameter},
		{name: "out_order_no 64 chars", edit: func(r *PayRequest) { r.OutOrderNo = long[:64] }, wantExp: time.Hour},
		{name: "amount 0", edit: func(r *PayRequest) { r.Amount = 0 }, wantErr: errInvalidParameter},
		{name: "amount above 100000000", edit: func(r *PayRequest) { r.Amount = amt("100000000.01") }, wantErr: errInvalidParameter},
		{name: "amount negative", edit: func(r *PayRequest) { r.Amount = -1 }, wantErr: errInvalidParameter},
		{name: "amount 100000000", edit: func(r *PayRequest) { r.Amount = amt("100000000") }, wantExp: time.Hour},
		{name: "amount 0.01", edit: func(r *PayRequest) { r.Amount = amt("0.01") }, wantExp: time.Hour},
		{name: "pay_timeout 1m", edit: func(r *PayRequest) { r.PayTimeout = "1m" }, wantExp: time.Minute},
		{name: "pay_timeout 90m", edit: func(r *PayRequest) { r.PayTimeout = "90m" }, wantExp: 90 * time.Minute},
		{name: "pay_timeout 24h", edit: func(r *PayRequest) { r.PayTimeout = "24h" }, wantExp: 24 * time.Hour},
		{name: "pay_timeout 7d", edit: func(r *PayRequest) { r.PayTimeout = "7d" }, wantExp: 7 * 24 * time.Hour},
		{name: "pay_timeout 168h", edit: func(r *PayRequest) { r.PayTimeout = "168h" }, wantExp: 7 * 24 * time.Hour},
		{name: "pay_timeout 8d", edit: func(r *PayRequest) { r.PayTimeout = "8d" }, wantErr: errInvalidParameter},
		{name: "pay_timeout 10081m", edit: func(r *PayRequest) { r.PayTimeout = "10081m" }, wantErr: errInvalidParameter},
		{name: "pay_timeout 1.5h", edit: func(r *PayRequest) { r.PayTimeout = "1.5h" }, wantErr: errInvalidParameter},
		{name: "pay_timeout 1c", edit: func(r *PayRequest) { r.PayTimeout = "1c" }, wantErr: errInvalidParameter},
		{name: "pay_timeout 0m", edit: func(r *PayRequest) { r.PayTimeout = "0m" }, wantErr: errInvalidParameter},
		{name: "pay_timeout 30s", edit: func(r *PayRequest) { r.PayTimeout = "30s" }, wantErr: errInvalidParameter},
		{name: "pay_timeout garbage", edit: func(r *PayRequest) { r.PayTimeout = "garbage" }, wantErr: errInvalidParameter},
		{name: "agreement without payer_user_id", method: methodAgreement, edit: func(r *PayRequest) {}, wantErr: errInvalidParameter},
		{name: "agreement pay_timeout 8d", method: methodAgreement, edit: func(r *PayRequest) { r.PayerUserID = payerID; r.PayTimeout = "8d" }, wantErr: errInvalidParameter},
		{name: "agreement pay_timeout 7d", method: methodAgreement, edit: func(r *PayRequest) { r.PayerUserID = payerID; r.PayTimeout = "7d" }, wantExp: 7 * 24 * time.Hour},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			req := payReq("v1", "10")
			c.edit(&req)
			method := c.method
			if method == "" {
				method = methodApp
			}
			res, err := e.book.Pay(merchant1, req, ctx, method, false)
			wantErr(t, err, c.wantErr)
			if c.wantErr != nil {
				if n := len(must(e.book.List(""))(t)); n != 0 {
					t.Fatalf("rejected request left %d orders", n)
				}
				return
			}
			if !res.Order.Expires.Equal(t0.Add(c.wantExp)) {
				t.Fatalf("expires %s, want %s", res.Order.Expires, t0.Add(c.wantExp))
			}
			if res.Order.Amount != req.Amount || res.Op.Amount != req.Amount {
				t.Fatalf("amount %s / op %s, want %s", res.Order.Amount, res.Op.Amount, req.Amount)
			}
		})
	}
}

func TestPayRepeat(t *testing.T) {
	e := newEnv(t, Options{})
	first := e.appPay(t, "rp1", "10")
	agreed := e.packet(t, "rp2", "10")

	cases := []struct {
		name       string
		app        domain.Merchant
		method     string
		req        PayRequest
		wantErr    error
		wantRepeat bool
		wantAuthNo string
		wantOpID   string
		wantStatus OrderStatus
	}{
		{name: "app pay identical", method: methodApp, req: payReq("rp1", "10"), wantRepeat: true,
			wantAuthNo: first.Order.AuthNo, wantOpID: first.Op.OperationID, wantStatus: OrderInit},
		{name: "app pay identical but other title and timeout", method: methodApp,
			req:        PayRequest{OutOrderNo: "rp1", OutRequestNo: "rp1-pay", OrderTitle: "other", Amount: amt("10"), PayTimeout: "5m"},
			wantRepeat: true, wantAuthNo: first.Order.AuthNo, wantOpID: first.Op.OperationID, wantStatus: OrderInit},
		{name: "app pay other amount", method: methodApp, req: payReq("rp1", "10.01"), wantErr: ErrDiscordant},
		{name: "app pay other out_request_no", method: methodApp,
			req: PayRequest{OutOrderNo: "rp1", OutRequestNo: "rp1-other", OrderTitle: title, Amount: amt("10")}, wantErr: ErrOutOrderNoUsed},
		{name: "agreement on an app pay order", method: methodAgreement,
			req: PayRequest{OutOrderNo: "rp1", OutRequestNo: "rp1-pay", OrderTitle: title, Amount: amt("10"), PayerUserID: payerID}, wantErr: ErrDiscordant},
		{name: "agreement identical", method: methodAgreement, req: agreementReq("rp2", "10"), wantRepeat: true,
			wantAuthNo: agreed.AuthNo, wantOpID: agreed.Operations[0].OperationID, wantStatus: OrderAuthorized},
		{name: "agreement other payer", method: methodAgreement,
			req: PayRequest{OutOrderNo: "rp2", OutRequestNo: "rp2-pay", OrderTitle: title, Amount: amt("10"), PayerUserID: payeeID}, wantErr: ErrDiscordant},
		{name: "agreement other amount", method: methodAgreement, req: agreementReq("rp2", "9"), wantErr: ErrDiscordant},
		{name: "same out_order_no in another app is a new order", app: merchant2, method: methodApp, req: payReq("rp1", "10"),
			wantRepeat: false, wantStatus: OrderInit},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := c.app
			if m.AppID == "" {
				m = merchant1
			}
			e.clk.Advance(time.Second)
			res, err := e.book.Pay(m, c.req, ctx, c.method, false)
			wantErr(t, err, c.wantErr)
			if c.wantErr != nil {
				return
			}
			if res.Repeat != c.wantRepeat || res.Order.Status != c.wantStatus {
				t.Fatalf("repeat=%v status=%s, want %v %s", res.Repeat, res.Order.Status, c.wantRepeat, c.wantStatus)
			}
			if c.wantAuthNo != "" && (res.Order.AuthNo != c.wantAuthNo || res.Op.OperationID != c.wantOpID) {
				t.Fatalf("auth_no %s op %s, want the first call's %s %s", res.Order.AuthNo, res.Op.OperationID, c.wantAuthNo, c.wantOpID)
			}
			if c.wantAuthNo == "" && (res.Order.AuthNo == first.Order.AuthNo || res.Order.AppID != m.AppID) {
				t.Fatalf("another app's order shares auth_no %s", res.Order.AuthNo)
			}
		})
	}

	// Repeats changed nothing: one operation each, no extra events.
	if o := e.get(t, "rp1"); len(o.Operations) != 1 || len(o.History) != 1 || o.Title != title || !o.Expires.Equal(t0.Add(time.Hour)) {
		t.Fatalf("rp1 after repeats: %d ops, history %v, title %q, expires %s", len(o.Operations), eventTypes(o.History), o.Title, o.Expires)
	}
	if o := e.get(t, "rp2"); len(o.Operations) != 1 || !sameStrings(eventTypes(o.History), []string{EventCreated, EventPaid}) || o.Rest != amt("10") {
		t.Fatalf("rp2 after repeats: %d ops, history %v, rest %s", len(o.Operations), eventTypes(o.History), o.Rest)
	}
	if n := len(must(e.book.List(app1))(t)); n != 2 {
		t.Fatalf("app1 has %d orders, want 2", n)
	}
}

func TestPayRepeatOfClaimOutOrderNo(t *testing.T) {
	e := newEnv(t, Options{})
	p := e.packet(t, "pc1", "10")
	e.claim(t, p.AuthNo, "pc1-claim", "1", false)
	req := PayRequest{OutOrderNo: "pc1-claim", OutRequestNo: "pc1-claim-req", OrderTitle: title, Amount: amt("1")}
	_, err := e.book.Pay(merchant1, req, ctx, methodApp, false)
	wantErr(t, err, ErrOutOrderNoUsed)
}

// packetIn makes an app1 packet of 10.00 in the given state.
func packetIn(t *testing.T, e *env, out string, status OrderStatus) Order {
	t.Helper()
	res := e.appPay(t, out, "10")
	switch status {
	case OrderInit:
		return res.Order
	case OrderClosed:
		return must(e.book.SenderClose(app1, out))(t)
	}
	o := must(e.book.SenderPay(app1, out, nil))(t)
	if status == OrderFinish {
		must(e.book.Refund(merchant1, RefundRequest{AuthNo: o.AuthNo, OutRequestNo: out + "-all", Amount: amt("10")}, ctx, false))(t)
		o = e.get(t, out)
	}
	if o.Status != status {
		t.Fatalf("setup: %s is %s, want %s", out, o.Status, status)
	}
	return o
}

func TestSenderPayAndClose(t *testing.T) {
	cases := []struct {
		name       string
		from       OrderStatus
		close      bool
		byOut      bool
		wantErr    error
		wantStatus OrderStatus
	}{
		{name: "pay INIT by auth_no", from: OrderInit, wantStatus: OrderAuthorized},
		{name: "pay INIT by out_order_no", from: OrderInit, byOut: true, wantStatus: OrderAuthorized},
		{name: "pay AUTHORIZED", from: OrderAuthorized, wantErr: ErrOrderStatus, wantStatus: OrderAuthorized},
		{name: "pay CLOSED", from: OrderClosed, wantErr: ErrOrderStatus, wantStatus: OrderClosed},
		{name: "pay FINISH", from: OrderFinish, wantErr: ErrOrderStatus, wantStatus: OrderFinish},
		{name: "close INIT by auth_no", from: OrderInit, close: true, wantStatus: OrderClosed},
		{name: "close INIT by out_order_no", from: OrderInit, close: true, byOut: true, wantStatus: OrderClosed},
		{name: "close AUTHORIZED", from: OrderAuthorized, close: true, wantErr: ErrOrderStatus, wantStatus: OrderAuthorized},
		{name: "close CLOSED", from: OrderClosed, close: true, wantErr: ErrOrderStatus, wantStatus: OrderClosed},
		{name: "close FINISH", from: OrderFinish, close: true, wantErr: ErrOrderStatus, wantStatus: OrderFinish},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			before := packetIn(t, e, "sp1", c.from)
			e.clk.Advance(10 * time.Minute)
			now := e.clk.Now()
			ref := before.AuthNo
			if c.byOut {
				ref = "sp1"
			}
			var got Order
			var err error
			if c.close {
				got, err = e.book.SenderClose(app1, ref)
			} else {
				got, err = e.book.SenderPay(app1, ref, nil)
			}
			wantErr(t, err, c.wantErr)
			if got.Status != c.wantStatus || got.AuthNo != before.AuthNo {
				t.Fatalf("returned order %s status %s, want %s %s", got.AuthNo, got.Status, before.AuthNo, c.wantStatus)
			}
			stored := e.get(t, before.AuthNo)
			if stored.Status != c.wantStatus {
				t.Fatalf("stored status %s, want %s", stored.Status, c.wantStatus)
			}
			if c.wantErr != nil {
				if len(stored.History) != len(before.History) {
					t.Fatalf("refused call recorded events: %v -> %v", eventTypes(before.History), eventTypes(stored.History))
				}
				return
			}
			op := stored.Operations[0]
			switch c.wantStatus {
			case OrderAuthorized:
				if stored.Rest != amt("10") || !timeEq(stored.Paid, now) || !timeEq(stored.RefundAt, now.Add(48*time.Hour)) {
					t.Fatalf("paid order: rest %s paid %v refund_at %v", stored.Rest, stored.Paid, stored.RefundAt)
				}
				if op.Status != OpSuccess || !timeEq(op.Trans, now) {
					t.Fatalf("pay op %+v", op)
				}
				if !userIDPattern.MatchString(stored.Payer.UserID) || stored.Payer.LogonID == "" {
					t.Fatalf("generated payer %+v", stored.Payer)
				}
				if got := eventTypes(stored.History); !sameStrings(got, []string{EventCreated, EventPaid}) {
					t.Fatalf("history %v", got)
				}
			case OrderClosed:
				if stored.Rest != 0 || stored.Paid != nil || stored.RefundAt != nil || op.Status != OpClosed || op.Trans != nil {
					t.Fatalf("closed order: %+v op %+v", stored, op)
				}
				if got := eventTypes(stored.History); !sameStrings(got, []string{EventCreated, EventClosed}) {
					t.Fatalf("history %v", got)
				}
				if last := stored.History[1]; !last.At.Equal(now) || last.Status != OrderClosed {
					t.Fatalf("closed event %+v", last)
				}
				if _, ok := e.book.Deadline(stored); ok {
					t.Fatal("closed order still has a deadline")
				}
			}
		})
	}
}

func TestSenderPayWithPayer(t *testing.T) {
	e := newEnv(t, Options{})
	e.appPay(t, "spp", "10")
	payer := &fixtures.Buyer{UserID: payerID, LogonID: "13800138000", Name: "张三"}
	o := must(e.book.SenderPay(app1, "spp", payer))(t)
	if o.Payer.UserID != payerID || o.Payer.Account != "13800138000" || o.Payer.LogonID != "138****8000" || o.Payer.Name != "张三" {
		t.Fatalf("payer %+v", o.Payer)
	}
}

func TestSenderLookup(t *testing.T) {
	e := newEnv(t, Options{})
	p1 := e.appPay(t, "lk1", "10").Order
	p2 := must(e.book.Pay(merchant2, payReq("lk1", "10"), ctx, methodApp, false))(t).Order
	e.appPay(t, "lk2", "10")

	cases := []struct {
		name    string
		app     string
		ref     string
		wantErr error
		want    string // auth_no
	}{
		{name: "auth_no, own app", app: app1, ref: p1.AuthNo, want: p1.AuthNo},
		{name: "auth_no, any app", app: "", ref: p2.AuthNo, want: p2.AuthNo},
		{name: "out_order_no, own app", app: app2, ref: "lk1", want: p2.AuthNo},
		{name: "auth_no of another app", app: app2, ref: p1.AuthNo, wantErr: ErrNotFound},
		{name: "unknown auth_no", app: app1, ref: "2024030111000000000000000000", wantErr: ErrNotFound},
		{name: "unknown out_order_no", app: app1, ref: "nope", wantErr: ErrNotFound},
		{name: "out_order_no of another app only", app: app2, ref: "lk2", wantErr: ErrNotFound},
		{name: "out_order_no in two apps without app", app: "", ref: "lk1", wantErr: errAmbiguous},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, call := range []struct {
				name string
				f    func() (Order, error)
			}{
				{"Get", func() (Order, error) { return e.book.Get(c.app, c.ref) }},
				{"SenderPay", func() (Order, error) {
					o, err := e.book.SenderPay(c.app, c.ref, nil)
					if errors.Is(err, ErrOrderStatus) {
						err = nil // found, already paid by an earlier case
					}
					return o, err
				}},
			} {
				o, err := call.f()
				if c.wantErr != nil {
					if !errors.Is(err, c.wantErr) {
						t.Fatalf("%s: err %v, want %v", call.name, err, c.wantErr)
					}
					continue
				}
				if err != nil || o.AuthNo != c.want {
					t.Fatalf("%s: %s, %v; want %s", call.name, o.AuthNo, err, c.want)
				}
			}
		})
	}
	// SenderClose looks up the same way.
	_, err := e.book.SenderClose(app1, "nope")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("SenderClose(unknown) = %v, want ErrNotFound", err)
	}
}

func TestPayTimeout(t *testing.T) {
	t.Run("Settle at Expires", func(t *testing.T) {
		e := newEnv(t, Options{})
		req := payReq("to1", "10")
		req.PayTimeout = "30m"
		res := must(e.book.Pay(merchant1, req, ctx, methodApp, false))(t)
		exp := t0.Add(30 * time.Minute)
		if at, ok := e.book.Deadline(res.Order); !ok || !at.Equal(exp) {
			t.Fatalf("Deadline = %s, %v; want %s", at, ok, exp)
		}
		e.clk.Set(exp.Add(-time.Second))
		if ev := e.book.Settle(res.Order.AuthNo); len(ev) != 0 {
			t.Fatalf("Settle before the timeout fired %v", eventTypes(ev))
		}
		if o := e.get(t, "to1"); o.Status != OrderInit {
			t.Fatalf("status %s a second before the timeout", o.Status)
		}
		e.clk.Set(exp)
		ev := e.book.Settle(res.Order.AuthNo)
		if len(ev) != 1 || ev[0].Type != EventClosed || !ev[0].At.Equal(exp) || ev[0].Status != OrderClosed || ev[0].OperationID != res.Op.OperationID {
			t.Fatalf("Settle at the timeout fired %+v", ev)
		}
		o := e.get(t, "to1")
		if o.Status != OrderClosed || o.Operations[0].Status != OpClosed || o.Paid != nil {
			t.Fatalf("after timeout: status %s op %s", o.Status, o.Operations[0].Status)
		}
		if _, ok := e.book.Deadline(o); ok {
			t.Fatal("closed order still has a deadline")
		}
		if ev := e.book.Settle(res.Order.AuthNo); len(ev) != 0 {
			t.Fatalf("second Settle fired %v", eventTypes(ev))
		}
		if ev := e.book.Settle("2024030111000000000000000000"); ev != nil {
			t.Fatalf("Settle(unknown) fired %v", ev)
		}
		_, err := e.book.SenderPay(app1, "to1", nil)
		wantErr(t, err, ErrOrderStatus)
	})

	lazy := []struct {
		name string
		look func(e *env, r Result) (Order, Operation, error)
	}{
		{"Get by auth_no", func(e *env, r Result) (Order, Operation, error) {
			o, err := e.book.Get(app1, r.Order.AuthNo)
			return o, o.Operations[0], err
		}},
		{"Get by out_order_no", func(e *env, r Result) (Order, Operation, error) {
			o, err := e.book.Get(app1, r.Order.OutOrderNo)
			return o, o.Operations[0], err
		}},
		{"Query by auth_no", func(e *env, r Result) (Order, Operation, error) {
			res, err := e.book.Query(app1, QueryRequest{AuthNo: r.Order.AuthNo, OperationID: r.Op.OperationID})
			return res.Order, res.Op, err
		}},
		{"Query by out_order_no", func(e *env, r Result) (Order, Operation, error) {
			res, err := e.book.Query(app1, QueryRequest{OutOrderNo: r.Order.OutOrderNo, OutRequestNo: r.Op.OutRequestNo})
			return res.Order, res.Op, err
		}},
		{"List", func(e *env, r Result) (Order, Operation, error) {
			l := must(e.book.List(app1))(t)
			return l[0], l[0].Operations[0], nil
		}},
		{"SenderPay", func(e *env, r Result) (Order, Operation, error) {
			o, err := e.book.SenderPay(app1, r.Order.AuthNo, nil)
			if !errors.Is(err, ErrOrderStatus) {
				return o, Operation{}, errors.New("SenderPay after the timeout did not fail with ORDER_STATUS_INVALID")
			}
			return o, o.Operations[0], nil
		}},
	}
	for _, l := range lazy {
		t.Run("lazily on "+l.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			r := e.appPay(t, "to2", "10")
			e.clk.Advance(3 * time.Hour) // well past the 1h default
			o, op, err := l.look(e, r)
			if err != nil {
				t.Fatal(err)
			}
			if o.Status != OrderClosed || op.Status != OpClosed || op.Type != Pay {
				t.Fatalf("status %s op %s %s", o.Status, op.Type, op.Status)
			}
			last := o.History[len(o.History)-1]
			if last.Type != EventClosed || !last.At.Equal(t0.Add(time.Hour)) {
				t.Fatalf("closed event %+v, want at the timeout %s", last, t0.Add(time.Hour))
			}
			if n := len(o.History); n != 2 {
				t.Fatalf("history %v", eventTypes(o.History))
			}
		})
	}
}

func TestDeadline(t *testing.T) {
	e := newEnv(t, Options{Processing: 10 * time.Second, AutoRefund: 2 * time.Hour})
	init := e.appPay(t, "dl1", "10").Order
	p := e.packet(t, "dl2", "10")
	closed := packetIn(t, e, "dl3", OrderClosed)
	finished := packetIn(t, e, "dl4", OrderFinish)
	pending := must(e.book.Refund(merchant1, RefundRequest{AuthNo: p.AuthNo, OutRequestNo: "dl2-r", Amount: amt("1")}, ctx, true))(t).Order
	claim := e.claim(t, p.AuthNo, "dl2-c", "1", true).Order
	done := e.claim(t, p.AuthNo, "dl2-d", "1", false).Order
	procPay := must(e.book.Pay(merchant1, agreementReq("dl5", "10"), ctx, methodAgreement, true))(t).Order

	cases := []struct {
		name   string
		o      Order
		want   time.Time
		wantOK bool
	}{
		{"INIT: pay timeout", init, t0.Add(time.Hour), true},
		{"AUTHORIZED: automatic refund", p, t0.Add(2 * time.Hour), true},
		{"CLOSED: none", closed, time.Time{}, false},
		{"FINISH: none", finished, time.Time{}, false},
		{"processing refund before the automatic refund", pending, t0.Add(10 * time.Second), true},
		{"processing claim", claim, t0.Add(10 * time.Second), true},
		{"finished claim: none", done, time.Time{}, false},
		{"processing agreement pay: its completion, not the timeout", procPay, t0.Add(10 * time.Second), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			at, ok := e.book.Deadline(c.o)
			if ok != c.wantOK || !at.Equal(c.want) {
				t.Fatalf("Deadline = %s, %v; want %s, %v", at, ok, c.want, c.wantOK)
			}
		})
	}
}
