package coupon

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock/domain"
)

func TestRefundSequence(t *testing.T) {
	e := newEnv(t, Options{})
	p := e.packet(t, "rs", "10")
	e.claim(t, p.AuthNo, "rs-c", "3", false) // rest 7

	steps := []struct {
		name          string
		reqNo         string
		amount        string
		wantErr       error
		wantRepeat    bool
		wantRest      string
		wantStatus    OrderStatus
		wantRefunded  string
		wantRefundOps int
	}{
		{name: "partial", reqNo: "r1", amount: "2", wantRest: "5", wantStatus: OrderAuthorized, wantRefunded: "2", wantRefundOps: 1},
		{name: "more than remains", reqNo: "r2", amount: "5.01", wantErr: ErrRestNotEnough},
		{name: "more than remains, within the amount", reqNo: "r2", amount: "8", wantErr: ErrRestNotEnough},
		{name: "identical repeat of r1", reqNo: "r1", amount: "2", wantRepeat: true, wantRest: "5", wantStatus: OrderAuthorized, wantRefunded: "2", wantRefundOps: 1},
		{name: "r1 with another amount", reqNo: "r1", amount: "3", wantErr: ErrDiscordant},
		{name: "the pay operation's out_request_no", reqNo: "rs-pay", amount: "1", wantErr: ErrDiscordant},
		{name: "all that remains", reqNo: "r2", amount: "5", wantRest: "0", wantStatus: OrderFinish, wantRefunded: "7", wantRefundOps: 2},
		{name: "new refund on the empty packet", reqNo: "r3", amount: "0.01", wantErr: ErrOrderStatus},
		{name: "identical repeat of r2 after FINISH", reqNo: "r2", amount: "5", wantRepeat: true, wantRest: "0", wantStatus: OrderFinish, wantRefunded: "7", wantRefundOps: 2},
		{name: "r2 with another amount after FINISH", reqNo: "r2", amount: "4", wantErr: ErrDiscordant},
	}
	first := map[string]Operation{}
	for i, s := range steps {
		e.clk.Advance(time.Minute)
		now := e.clk.Now()
		before := e.get(t, p.AuthNo)
		res, err := e.book.Refund(merchant1, RefundRequest{AuthNo: p.AuthNo, OutRequestNo: s.reqNo, Amount: amt(s.amount), Remark: "退回 " + s.reqNo}, ctx, false)
		if s.wantErr != nil {
			if err == nil || !errors.Is(err, s.wantErr) {
				t.Fatalf("step %d %s: err %v, want %v", i, s.name, err, s.wantErr)
			}
			after := e.get(t, p.AuthNo)
			if after.Rest != before.Rest || len(after.Operations) != len(before.Operations) || len(after.History) != len(before.History) {
				t.Fatalf("step %d %s: refused refund changed the packet", i, s.name)
			}
			continue
		}
		if err != nil {
			t.Fatalf("step %d %s: %v", i, s.name, err)
		}
		o, op := res.Order, res.Op
		if res.Repeat != s.wantRepeat || o.Rest != amt(s.wantRest) || o.Status != s.wantStatus || o.TotalRefunded() != amt(s.wantRefunded) {
			t.Fatalf("step %d %s: repeat=%v rest=%s status=%s refunded=%s; want %v %s %s %s", i, s.name,
				res.Repeat, o.Rest, o.Status, o.TotalRefunded(), s.wantRepeat, s.wantRest, s.wantStatus, s.wantRefunded)
		}
		if n := len(opsOfType(o, Refund)); n != s.wantRefundOps {
			t.Fatalf("step %d %s: %d REFUND operations, want %d", i, s.name, n, s.wantRefundOps)
		}
		if op.Type != Refund || op.Status != OpSuccess || op.Amount != amt(s.amount) || op.OutRequestNo != s.reqNo || op.Remark != "退回 "+s.reqNo ||
			op.Auto || op.DoneAt != nil || op.NotifyURL != ctx.NotifyURL || !opIDPattern.MatchString(op.OperationID) {
			t.Fatalf("step %d %s: refund op %+v", i, s.name, op)
		}
		if o.Op(op.OperationID) == nil {
			t.Fatalf("step %d %s: result op %s not on the order", i, s.name, op.OperationID)
		}
		if s.wantStatus == OrderFinish && o.RefundAt != nil {
			t.Fatalf("step %d %s: empty packet keeps refund_at %v", i, s.name, o.RefundAt)
		}
		if s.wantRepeat {
			if f := first[s.reqNo]; op.OperationID != f.OperationID || !op.Trans.Equal(*f.Trans) || len(o.History) != len(before.History) {
				t.Fatalf("step %d %s: repeat gave op %s at %v, want %s at %v, no new event", i, s.name, op.OperationID, op.Trans, f.OperationID, f.Trans)
			}
			continue
		}
		first[s.reqNo] = op
		if !timeEq(op.Trans, now) || !op.Created.Equal(now) {
			t.Fatalf("step %d %s: refund times %v %s, want %s", i, s.name, op.Trans, op.Created, now)
		}
		last := o.History[len(o.History)-1]
		if last.Type != EventRefunded || last.OperationID != op.OperationID || last.Status != s.wantStatus || !last.At.Equal(now) {
			t.Fatalf("step %d %s: refunded event %+v", i, s.name, last)
		}
	}
}

func TestRefundErrors(t *testing.T) {
	long := strings.Repeat("r", 65)
	cases := []struct {
		name    string
		app     domain.Merchant
		from    OrderStatus
		edit    func(r *RefundRequest, claimAuthNo string)
		wantErr error
	}{
		{name: "no auth_no", edit: func(r *RefundRequest, _ string) { r.AuthNo = "" }, wantErr: errInvalidParameter},
		{name: "no out_request_no", edit: func(r *RefundRequest, _ string) { r.OutRequestNo = "" }, wantErr: errInvalidParameter},
		{name: "out_request_no 65 chars", edit: func(r *RefundRequest, _ string) { r.OutRequestNo = long }, wantErr: errInvalidParameter},
		{name: "amount 0", edit: func(r *RefundRequest, _ string) { r.Amount = 0 }, wantErr: errInvalidParameter},
		{name: "amount above 100000000", edit: func(r *RefundRequest, _ string) { r.Amount = amt("100000000.01") }, wantErr: errInvalidParameter},
		{name: "unknown auth_no", edit: func(r *RefundRequest, _ string) { r.AuthNo = "2024030111000000000000000000" }, wantErr: ErrOrderNotExist},
		{name: "out_order_no is not an auth_no", edit: func(r *RefundRequest, _ string) { r.AuthNo = "rf" }, wantErr: ErrOrderNotExist},
		{name: "another app's packet", app: merchant2, wantErr: ErrOrderNotExist},
		{name: "a claim", edit: func(r *RefundRequest, c string) { r.AuthNo = c }, wantErr: ErrOrderNotExist},
		{name: "INIT packet", from: OrderInit, wantErr: ErrOrderStatus},
		{name: "CLOSED packet", from: OrderClosed, wantErr: ErrOrderStatus},
		{name: "FINISH packet", from: OrderFinish, wantErr: ErrOrderStatus},
		{name: "more than remains", edit: func(r *RefundRequest, _ string) { r.Amount = amt("9.01") }, wantErr: ErrRestNotEnough},
		{name: "all that remains is fine", edit: func(r *RefundRequest, _ string) { r.Amount = amt("9") }},
		{name: "out_request_no 64 chars is fine", edit: func(r *RefundRequest, _ string) { r.OutRequestNo = long[:64] }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			from := c.from
			if from == "" {
				from = OrderAuthorized
			}
			var p Order
			var claimAuthNo string
			if from == OrderAuthorized {
				p = packetIn(t, e, "rf", OrderAuthorized)
				claimAuthNo = e.claim(t, p.AuthNo, "rf-c", "1", false).Order.AuthNo
				p = e.get(t, "rf")
			} else {
				p = packetIn(t, e, "rf", from)
			}
			r := RefundRequest{AuthNo: p.AuthNo, OutRequestNo: "rx", Amount: amt("1")}
			if c.edit != nil {
				c.edit(&r, claimAuthNo)
			}
			m := c.app
			if m.AppID == "" {
				m = merchant1
			}
			res, err := e.book.Refund(m, r, ctx, false)
			wantErr(t, err, c.wantErr)
			after := e.get(t, "rf")
			if c.wantErr == nil {
				if res.Op.Type != Refund || after.Rest != p.Rest-r.Amount || after.TotalRefunded() != r.Amount {
					t.Fatalf("accepted refund: op %+v rest %s", res.Op, after.Rest)
				}
				return
			}
			if after.Rest != p.Rest || len(after.Operations) != len(p.Operations) || after.Status != p.Status {
				t.Fatalf("refused refund changed the packet: rest %s->%s ops %d->%d", p.Rest, after.Rest, len(p.Operations), len(after.Operations))
			}
		})
	}
}

func TestTotalRefunded(t *testing.T) {
	o := Order{Operations: []Operation{
		{Type: Pay, Amount: amt("10"), Status: OpSuccess},
		{Type: Refund, Amount: amt("1"), Status: OpSuccess},
		{Type: Refund, Amount: amt("2"), Status: OpInit},
		{Type: Refund, Amount: amt("4"), Status: OpClosed},
		{Type: Refund, Amount: amt("0.5"), Status: OpSuccess, Auto: true},
	}}
	if got := o.TotalRefunded(); got != amt("3.5") {
		t.Fatalf("TotalRefunded = %s, want 3.50 (success, processing and automatic; not closed)", got)
	}
	if got := (&Order{}).TotalRefunded(); got != 0 {
		t.Fatalf("TotalRefunded of nothing = %s", got)
	}
}

func TestDisplayMessage(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{ErrRestNotEnough, "红包已被领完"},
		{ErrOrderStatus, "红包状态异常，请稍后再试"},
		{ErrOrderNotExist, "红包不存在"},
		{ErrDiscordant, "操作失败，请稍后再试"},
		{ErrPayerPayeeSame, "操作失败，请稍后再试"},
		{InvalidParameter("x"), "操作失败，请稍后再试"},
	}
	for _, c := range cases {
		ae := asAPIErr(t, c.err)
		if got := DisplayMessage(ae); got != c.want {
			t.Errorf("DisplayMessage(%s) = %q, want %q", ae.SubCode, got, c.want)
		}
	}
	if ae := InvalidParameter("amount不能为空"); ae.SubCode != "INVALID_PARAMETER" || ae.SubMsg != "参数有误：amount不能为空" || ae.Code != "40004" {
		t.Fatalf("InvalidParameter = %+v", ae)
	}
}
