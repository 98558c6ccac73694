package coupon

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/domain"
)

func TestDisburseSequence(t *testing.T) {
	e := newEnv(t, Options{})
	p := e.packet(t, "ds", "20")

	byAuth := func(out, amount, payee string) DisburseRequest {
		r := claimReq(p.AuthNo, out, amount)
		r.PayeeUserID = payee
		return r
	}
	byOut := func(out, amount, logon string) DisburseRequest {
		return DisburseRequest{OutOrderNo: out, OutRequestNo: out + "-req", DeductOutOrderNo: "ds", Amount: amt(amount), PayeeLogonID: logon, OrderTitle: "领取 " + out}
	}
	steps := []struct {
		name         string
		req          DisburseRequest
		wantErr      error
		wantRepeat   bool
		wantRest     string
		wantStatus   OrderStatus
		wantClaims   int
		wantSameAs   string // out_order_no of an earlier claim a repeat returns
		wantPayee    string // payee user id ("" = generated)
		wantLogon    string // masked payee logon
		wantTitle    string
		wantClaimAmt string
	}{
		{name: "by deduct_auth_no", req: byAuth("c1", "5", payeeID), wantRest: "15", wantStatus: OrderAuthorized, wantClaims: 1,
			wantPayee: payeeID, wantTitle: title, wantClaimAmt: "5"},
		{name: "by deduct_out_order_no to a logon", req: byOut("c2", "3.5", "13912345678"), wantRest: "11.5", wantStatus: OrderAuthorized, wantClaims: 2,
			wantLogon: "139****5678", wantTitle: "领取 c2", wantClaimAmt: "3.5"},
		{name: "more than the rest", req: byAuth("c3", "11.51", payeeID2), wantErr: ErrRestNotEnough},
		{name: "identical retry of c1", req: byAuth("c1", "5", payeeID), wantRepeat: true, wantRest: "11.5", wantStatus: OrderAuthorized,
			wantClaims: 2, wantSameAs: "c1", wantPayee: payeeID, wantTitle: title, wantClaimAmt: "5"},
		{name: "identical retry of c2 by deduct_auth_no", req: func() DisburseRequest {
			r := byOut("c2", "3.5", "13912345678")
			r.DeductOutOrderNo, r.DeductAuthNo = "", p.AuthNo
			return r
		}(), wantRepeat: true, wantRest: "11.5", wantStatus: OrderAuthorized, wantClaims: 2, wantSameAs: "c2", wantLogon: "139****5678", wantTitle: "领取 c2", wantClaimAmt: "3.5"},
		{name: "c1's out_order_no, other amount", req: byAuth("c1", "1", payeeID), wantErr: ErrDiscordant},
		{name: "c1's out_order_no, other payee", req: byAuth("c1", "5", payeeID2), wantErr: ErrDiscordant},
		{name: "c1's out_order_no, other out_request_no", req: func() DisburseRequest {
			r := byAuth("c1", "5", payeeID)
			r.OutRequestNo = "c1-other"
			return r
		}(), wantErr: ErrOutOrderNoUsed},
		{name: "the packet's own out_order_no", req: byAuth("ds", "1", payeeID), wantErr: ErrOutOrderNoUsed},
		{name: "exactly the rest", req: byAuth("c3", "11.5", payeeID2), wantRest: "0", wantStatus: OrderFinish, wantClaims: 3,
			wantPayee: payeeID2, wantTitle: title, wantClaimAmt: "11.5"},
		{name: "new claim on the empty packet", req: byAuth("c4", "0.01", payeeID), wantErr: ErrOrderStatus},
		{name: "identical retry of c3 after FINISH", req: byAuth("c3", "11.5", payeeID2), wantRepeat: true, wantRest: "0", wantStatus: OrderFinish,
			wantClaims: 3, wantSameAs: "c3", wantPayee: payeeID2, wantTitle: title, wantClaimAmt: "11.5"},
	}
	claims := map[string]Result{}
	for i, s := range steps {
		e.clk.Advance(time.Minute)
		now := e.clk.Now()
		before := e.get(t, p.AuthNo)
		res, err := e.book.Disburse(merchant1, s.req, ctx, false)
		after := e.get(t, p.AuthNo)
		if s.wantErr != nil {
			if err == nil || !errors.Is(err, s.wantErr) {
				t.Fatalf("step %d %s: err %v, want %v", i, s.name, err, s.wantErr)
			}
			if after.Rest != before.Rest || after.Status != before.Status || len(after.History) != len(before.History) {
				t.Fatalf("step %d %s: refused claim changed the packet: rest %s->%s", i, s.name, before.Rest, after.Rest)
			}
			if _, err := e.book.Get(app1, s.req.OutOrderNo); s.req.OutOrderNo != "ds" && !strings.HasPrefix(s.req.OutOrderNo, "c1") && !errors.Is(err, ErrNotFound) {
				t.Fatalf("step %d %s: refused claim left an order (%v)", i, s.name, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("step %d %s: %v", i, s.name, err)
		}
		c := res.Order
		if res.Repeat != s.wantRepeat || after.Rest != amt(s.wantRest) || after.Status != s.wantStatus {
			t.Fatalf("step %d %s: repeat=%v rest=%s status=%s; want %v %s %s", i, s.name, res.Repeat, after.Rest, after.Status, s.wantRepeat, s.wantRest, s.wantStatus)
		}
		if s.wantStatus == OrderFinish && after.RefundAt != nil {
			t.Fatalf("step %d %s: empty packet still has an automatic refund at %v", i, s.name, after.RefundAt)
		}
		if !c.Claim || c.DeductAuthNo != p.AuthNo || c.Method != methodDisburse || c.Status != OrderFinish || c.OutOrderNo != s.req.OutOrderNo ||
			c.Amount != amt(s.wantClaimAmt) || c.Title != s.wantTitle || !authNoPattern.MatchString(c.AuthNo) || c.AuthNo == p.AuthNo {
			t.Fatalf("step %d %s: claim order %+v", i, s.name, c)
		}
		if c.Payer.UserID != payerID || c.Payee == nil {
			t.Fatalf("step %d %s: payer %+v payee %+v", i, s.name, c.Payer, c.Payee)
		}
		if s.wantPayee != "" && c.Payee.UserID != s.wantPayee {
			t.Fatalf("step %d %s: payee %s, want %s", i, s.name, c.Payee.UserID, s.wantPayee)
		}
		if s.wantPayee == "" && (!userIDPattern.MatchString(c.Payee.UserID) || c.Payee.UserID == payerID) {
			t.Fatalf("step %d %s: generated payee id %q", i, s.name, c.Payee.UserID)
		}
		if c.Payee.LogonID != s.wantLogon {
			t.Fatalf("step %d %s: payee logon %q, want %q", i, s.name, c.Payee.LogonID, s.wantLogon)
		}
		if len(c.Operations) != 1 || res.Op.OperationID != c.Operations[0].OperationID {
			t.Fatalf("step %d %s: claim operations %+v, result op %+v", i, s.name, c.Operations, res.Op)
		}
		op := res.Op
		if op.Type != Pay || op.Status != OpSuccess || op.Amount != c.Amount || op.OutRequestNo != s.req.OutRequestNo || op.Trans == nil || op.DoneAt != nil {
			t.Fatalf("step %d %s: claim op %+v", i, s.name, op)
		}
		if got := eventTypes(c.History); !sameStrings(got, []string{EventClaimed}) {
			t.Fatalf("step %d %s: claim history %v", i, s.name, got)
		}
		if n := len(opsOfType(after, Pay)); n != 1 {
			t.Fatalf("step %d %s: packet has %d PAY operations; claims must not add operations to it", i, s.name, n)
		}
		if claimed := countEvents(after.History, EventClaimed); claimed != s.wantClaims {
			t.Fatalf("step %d %s: packet history has %d claimed events, want %d", i, s.name, claimed, s.wantClaims)
		}
		if s.wantRepeat {
			first := claims[s.wantSameAs]
			if c.AuthNo != first.Order.AuthNo || op.OperationID != first.Op.OperationID || !op.Trans.Equal(*first.Op.Trans) || !c.Created.Equal(first.Order.Created) {
				t.Fatalf("step %d %s: repeat returned claim %s/%s, want %s/%s", i, s.name, c.AuthNo, op.OperationID, first.Order.AuthNo, first.Op.OperationID)
			}
			continue
		}
		if !timeEq(op.Trans, now) || !c.Created.Equal(now) || !timeEq(c.Paid, now) {
			t.Fatalf("step %d %s: claim times created %s paid %v trans %v, want %s", i, s.name, c.Created, c.Paid, op.Trans, now)
		}
		last := after.History[len(after.History)-1]
		if last.Type != EventClaimed || last.OperationID != op.OperationID || last.Status != s.wantStatus {
			t.Fatalf("step %d %s: packet's claimed event %+v", i, s.name, last)
		}
		claims[s.req.OutOrderNo] = res
		// The claim is its own order: Get finds it by auth_no and out_order_no.
		if g := e.get(t, c.AuthNo); g.OutOrderNo != s.req.OutOrderNo || !g.Claim {
			t.Fatalf("step %d %s: Get(claim auth_no) = %+v", i, s.name, g)
		}
		if g := e.get(t, s.req.OutOrderNo); g.AuthNo != c.AuthNo {
			t.Fatalf("step %d %s: Get(claim out_order_no) = %s", i, s.name, g.AuthNo)
		}
	}
	if n := len(must(e.book.List(app1))(t)); n != 4 {
		t.Fatalf("app1 has %d orders, want the packet and 3 claims", n)
	}
}

func countEvents(h []Event, typ string) int {
	n := 0
	for _, e := range h {
		if e.Type == typ {
			n++
		}
	}
	return n
}

func TestDisburseDeductAuthNoWins(t *testing.T) {
	e := newEnv(t, Options{})
	a := e.packet(t, "wa", "10")
	b := e.packet(t, "wb", "10")

	r := claimReq(a.AuthNo, "w1", "4")
	r.DeductOutOrderNo = "wb"
	res := must(e.book.Disburse(merchant1, r, ctx, false))(t)
	if res.Order.DeductAuthNo != a.AuthNo {
		t.Fatalf("claim paid from %s, want deduct_auth_no's packet %s", res.Order.DeductAuthNo, a.AuthNo)
	}
	if ga, gb := e.get(t, "wa"), e.get(t, "wb"); ga.Rest != amt("6") || gb.Rest != amt("10") {
		t.Fatalf("rests after the claim: wa %s wb %s; want 6.00 10.00", ga.Rest, gb.Rest)
	}

	// An unknown deduct_auth_no is not rescued by a valid deduct_out_order_no.
	r = claimReq("2024030111999999999999999999", "w2", "1")
	r.DeductOutOrderNo = "wb"
	_, err := e.book.Disburse(merchant1, r, ctx, false)
	wantErr(t, err, ErrOrderNotExist)
	if gb := e.get(t, "wb"); gb.Rest != amt("10") || gb.AuthNo != b.AuthNo {
		t.Fatalf("wb rest %s after a refused claim", gb.Rest)
	}
}

func TestDisburseErrors(t *testing.T) {
	long := strings.Repeat("9", 65)
	cases := []struct {
		name    string
		app     domain.Merchant
		packet  OrderStatus // state of the packet "de" (app pay, paid by SenderPay(payer) unless INIT/CLOSED)
		edit    func(r *DisburseRequest, p Order, claim Order)
		wantErr error
	}{
		{name: "unknown deduct_auth_no", edit: func(r *DisburseRequest, p, c Order) { r.DeductAuthNo = "2024030111000000000000000000" }, wantErr: ErrOrderNotExist},
		{name: "unknown deduct_out_order_no", edit: func(r *DisburseRequest, p, c Order) { r.DeductAuthNo, r.DeductOutOrderNo = "", "nope" }, wantErr: ErrOrderNotExist},
		{name: "another app's packet by auth_no", app: merchant2, wantErr: ErrOrderNotExist},
		{name: "another app's packet by out_order_no", app: merchant2, edit: func(r *DisburseRequest, p, c Order) { r.DeductAuthNo, r.DeductOutOrderNo = "", "de" }, wantErr: ErrOrderNotExist},
		{name: "a claim is not a packet (auth_no)", edit: func(r *DisburseRequest, p, c Order) { r.DeductAuthNo = c.AuthNo }, wantErr: ErrOrderNotExist},
		{name: "a claim is not a packet (out_order_no)", edit: func(r *DisburseRequest, p, c Order) { r.DeductAuthNo, r.DeductOutOrderNo = "", c.OutOrderNo }, wantErr: ErrOrderNotExist},
		{name: "INIT packet", packet: OrderInit, wantErr: ErrOrderStatus},
		{name: "CLOSED packet", packet: OrderClosed, wantErr: ErrOrderStatus},
		{name: "FINISH packet", packet: OrderFinish, wantErr: ErrOrderStatus},
		{name: "payee is the payer", edit: func(r *DisburseRequest, p, c Order) { r.PayeeUserID = payerID }, wantErr: ErrPayerPayeeSame},
		{name: "payee is the payer, logon given too", edit: func(r *DisburseRequest, p, c Order) { r.PayeeUserID, r.PayeeLogonID = payerID, "13700000000" }, wantErr: ErrPayerPayeeSame},
		{name: "no payee", edit: func(r *DisburseRequest, p, c Order) { r.PayeeUserID = "" }, wantErr: errInvalidParameter},
		{name: "no deduct reference", edit: func(r *DisburseRequest, p, c Order) { r.DeductAuthNo = "" }, wantErr: errInvalidParameter},
		{name: "no out_order_no", edit: func(r *DisburseRequest, p, c Order) { r.OutOrderNo = "" }, wantErr: errInvalidParameter},
		{name: "no out_request_no", edit: func(r *DisburseRequest, p, c Order) { r.OutRequestNo = "" }, wantErr: errInvalidParameter},
		{name: "out_order_no 65 chars", edit: func(r *DisburseRequest, p, c Order) { r.OutOrderNo = long }, wantErr: errInvalidParameter},
		{name: "amount 0", edit: func(r *DisburseRequest, p, c Order) { r.Amount = 0 }, wantErr: errInvalidParameter},
		{name: "amount above 100000000", edit: func(r *DisburseRequest, p, c Order) { r.Amount = amt("100000000.01") }, wantErr: errInvalidParameter},
		{name: "pay_timeout 8d", edit: func(r *DisburseRequest, p, c Order) { r.PayTimeout = "8d" }, wantErr: errInvalidParameter},
		{name: "pay_timeout 1c", edit: func(r *DisburseRequest, p, c Order) { r.PayTimeout = "1c" }, wantErr: errInvalidParameter},
		{name: "more than the rest", edit: func(r *DisburseRequest, p, c Order) { r.Amount = amt("9.01") }, wantErr: ErrRestNotEnough},
		{name: "more than the amount", edit: func(r *DisburseRequest, p, c Order) { r.Amount = amt("10.01") }, wantErr: ErrRestNotEnough},
		{name: "pay_timeout 7d is fine", edit: func(r *DisburseRequest, p, c Order) { r.PayTimeout = "7d" }},
		{name: "all the rest is fine", edit: func(r *DisburseRequest, p, c Order) { r.Amount = amt("9") }},
		{name: "logon only is fine", edit: func(r *DisburseRequest, p, c Order) { r.PayeeUserID, r.PayeeLogonID = "", "bob@example.com" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			status := c.packet
			if status == "" {
				status = OrderAuthorized
			}
			e.appPay(t, "de", "10")
			var p, claim Order
			switch status {
			case OrderInit:
				p = e.get(t, "de")
			case OrderClosed:
				p = must(e.book.SenderClose(app1, "de"))(t)
			default:
				p = must(e.book.SenderPay(app1, "de", &fixtures.Buyer{UserID: payerID}))(t)
				claim = e.claim(t, p.AuthNo, "de-first", "1", false).Order
				if status == OrderFinish {
					e.claim(t, p.AuthNo, "de-last", "9", false)
				}
				p = e.get(t, "de")
			}
			if p.Status != status {
				t.Fatalf("setup: packet %s, want %s", p.Status, status)
			}
			r := claimReq(p.AuthNo, "dx", "1")
			if c.edit != nil {
				c.edit(&r, p, claim)
			}
			m := c.app
			if m.AppID == "" {
				m = merchant1
			}
			res, err := e.book.Disburse(m, r, ctx, false)
			wantErr(t, err, c.wantErr)
			after := e.get(t, "de")
			if c.wantErr == nil {
				if !res.Order.Claim || after.Rest != p.Rest-r.Amount {
					t.Fatalf("accepted claim: %+v, packet rest %s", res.Order, after.Rest)
				}
				return
			}
			if after.Rest != p.Rest || after.Status != p.Status || len(after.History) != len(p.History) {
				t.Fatalf("refused claim changed the packet: rest %s->%s status %s->%s", p.Rest, after.Rest, p.Status, after.Status)
			}
			if _, err := e.book.Get("", "dx"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("refused claim left an order: %v", err)
			}
		})
	}
}

func TestDisbursePayeeLogon(t *testing.T) {
	cases := []struct {
		name      string
		userID    string
		logon     string
		wantLogon string
	}{
		{"phone", "", "13812345678", "138****5678"},
		{"e-mail", "", "alice@example.com", "ali***@example.com"},
		{"short e-mail", "", "al@example.com", "al***@example.com"},
		{"phone with user id", payeeID, "15900001111", "159****1111"},
		{"user id only", payeeID, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			p := e.packet(t, "ml", "10")
			r := claimReq(p.AuthNo, "ml-c", "1")
			r.PayeeUserID, r.PayeeLogonID = c.userID, c.logon
			res := must(e.book.Disburse(merchant1, r, ctx, false))(t)
			pe := res.Order.Payee
			if pe == nil || pe.LogonID != c.wantLogon || pe.Account != c.logon {
				t.Fatalf("payee %+v, want logon %q account %q", pe, c.wantLogon, c.logon)
			}
			if c.userID != "" && pe.UserID != c.userID {
				t.Fatalf("payee user %s, want %s", pe.UserID, c.userID)
			}
			if c.userID == "" && !userIDPattern.MatchString(pe.UserID) {
				t.Fatalf("generated payee user %q", pe.UserID)
			}
			if q := must(e.book.Query(app1, QueryRequest{AuthNo: res.Order.AuthNo, OperationID: res.Op.OperationID}))(t); q.Order.Payee == nil || q.Order.Payee.LogonID != c.wantLogon {
				t.Fatalf("queried payee %+v", q.Order.Payee)
			}
		})
	}
}

// A sender claiming their own packet by logon id is the same person as by
// user id: the book knows the payer's account (SenderPay with a LogonID sets
// Payer.Account), yet Disburse only compares user ids, and a logon-only
// payee gets a fresh random user id, so the self-claim goes through.
func TestDisbursePayeeLogonIsPayer(t *testing.T) {
	e := newEnv(t, Options{})
	e.appPay(t, "self", "10")
	p := must(e.book.SenderPay(app1, "self", &fixtures.Buyer{UserID: payerID, LogonID: "13800138000"}))(t)
	if p.Payer.Account != "13800138000" {
		t.Fatalf("setup: payer account %q", p.Payer.Account)
	}
	r := claimReq(p.AuthNo, "self-c", "1")
	r.PayeeUserID, r.PayeeLogonID = "", "13800138000"
	res, err := e.book.Disburse(merchant1, r, ctx, false)
	if err == nil {
		t.Fatalf("payer claimed own packet by payee_logon_id: payee %+v (payer %+v), want PAYER_PAYEE_CANNOT_SAME", res.Order.Payee, p.Payer)
	}
	wantErr(t, err, ErrPayerPayeeSame)
}

func TestDisburseFromSenderPaidPacket(t *testing.T) {
	e := newEnv(t, Options{})
	e.appPay(t, "sp", "10")
	e.clk.Advance(5 * time.Minute)
	p := must(e.book.SenderPay(app1, "sp", nil))(t)
	// The generated payer cannot claim either.
	r := claimReq(p.AuthNo, "sp-c", "1")
	r.PayeeUserID = p.Payer.UserID
	_, err := e.book.Disburse(merchant1, r, ctx, false)
	wantErr(t, err, ErrPayerPayeeSame)
	res := e.claim(t, p.AuthNo, "sp-c", "10", false)
	if res.Order.Payer != p.Payer {
		t.Fatalf("claim payer %+v, want the packet's %+v", res.Order.Payer, p.Payer)
	}
	if got := e.get(t, "sp"); got.Status != OrderFinish || got.Rest != 0 {
		t.Fatalf("packet %s rest %s", got.Status, got.Rest)
	}
}
