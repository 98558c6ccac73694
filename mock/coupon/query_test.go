package coupon

import (
	"testing"
	"time"
)

func TestQuery(t *testing.T) {
	e := newEnv(t, Options{})
	e.appPay(t, "qp", "10")
	e.clk.Advance(time.Minute)
	p := must(e.book.SenderPay(app1, "qp", nil))(t)
	e.clk.Advance(time.Minute)
	c := e.claim(t, p.AuthNo, "qp-c", "3", false)
	e.clk.Advance(time.Minute)
	r := must(e.book.Refund(merchant1, RefundRequest{AuthNo: p.AuthNo, OutRequestNo: "qp-r", Amount: amt("2"), Remark: "部分退回"}, ctx, false))(t)
	init := e.appPay(t, "qi", "5")
	other := must(e.book.Pay(merchant2, payReq("qo", "5"), ctx, methodApp, false))(t)
	payOp := p.Operations[0]

	cases := []struct {
		name      string
		app       string
		q         QueryRequest
		wantErr   error
		wantAuth  string
		wantOpID  string
		wantType  OpType
		wantOpSt  OpStatus
		wantAmt   string
		wantClaim bool
	}{
		{name: "packet pay by auth_no+operation_id", q: QueryRequest{AuthNo: p.AuthNo, OperationID: payOp.OperationID},
			wantAuth: p.AuthNo, wantOpID: payOp.OperationID, wantType: Pay, wantOpSt: OpSuccess, wantAmt: "10"},
		{name: "packet pay by out_order_no+out_request_no", q: QueryRequest{OutOrderNo: "qp", OutRequestNo: "qp-pay"},
			wantAuth: p.AuthNo, wantOpID: payOp.OperationID, wantType: Pay, wantOpSt: OpSuccess, wantAmt: "10"},
		{name: "refund by auth_no+operation_id", q: QueryRequest{AuthNo: p.AuthNo, OperationID: r.Op.OperationID},
			wantAuth: p.AuthNo, wantOpID: r.Op.OperationID, wantType: Refund, wantOpSt: OpSuccess, wantAmt: "2"},
		{name: "refund by out_order_no+out_request_no", q: QueryRequest{OutOrderNo: "qp", OutRequestNo: "qp-r"},
			wantAuth: p.AuthNo, wantOpID: r.Op.OperationID, wantType: Refund, wantOpSt: OpSuccess, wantAmt: "2"},
		{name: "claim by auth_no+operation_id", q: QueryRequest{AuthNo: c.Order.AuthNo, OperationID: c.Op.OperationID},
			wantAuth: c.Order.AuthNo, wantOpID: c.Op.OperationID, wantType: Pay, wantOpSt: OpSuccess, wantAmt: "3", wantClaim: true},
		{name: "claim by out_order_no+out_request_no", q: QueryRequest{OutOrderNo: "qp-c", OutRequestNo: "qp-c-req"},
			wantAuth: c.Order.AuthNo, wantOpID: c.Op.OperationID, wantType: Pay, wantOpSt: OpSuccess, wantAmt: "3", wantClaim: true},
		{name: "unpaid order's INIT pay", q: QueryRequest{AuthNo: init.Order.AuthNo, OperationID: init.Op.OperationID},
			wantAuth: init.Order.AuthNo, wantOpID: init.Op.OperationID, wantType: Pay, wantOpSt: OpInit, wantAmt: "5"},
		{name: "auth_no with out_request_no uses the out pair only if complete", q: QueryRequest{AuthNo: p.AuthNo, OutRequestNo: "qp-pay"}, wantErr: errInvalidParameter},
		{name: "auth_no alone", q: QueryRequest{AuthNo: p.AuthNo}, wantErr: errInvalidParameter},
		{name: "operation_id alone", q: QueryRequest{OperationID: payOp.OperationID}, wantErr: errInvalidParameter},
		{name: "out_order_no alone", q: QueryRequest{OutOrderNo: "qp"}, wantErr: errInvalidParameter},
		{name: "out_request_no alone", q: QueryRequest{OutRequestNo: "qp-pay"}, wantErr: errInvalidParameter},
		{name: "nothing", q: QueryRequest{}, wantErr: errInvalidParameter},
		{name: "auth_no with out_order_no, no request ids", q: QueryRequest{AuthNo: p.AuthNo, OutOrderNo: "qp"}, wantErr: errInvalidParameter},
		{name: "auth_no pair wins over a bad out pair", q: QueryRequest{AuthNo: p.AuthNo, OperationID: payOp.OperationID, OutOrderNo: "nope", OutRequestNo: "nope"},
			wantAuth: p.AuthNo, wantOpID: payOp.OperationID, wantType: Pay, wantOpSt: OpSuccess, wantAmt: "10"},
		{name: "unknown operation_id", q: QueryRequest{AuthNo: p.AuthNo, OperationID: "2024030120000000000000000000"}, wantErr: ErrOperationNotExist},
		{name: "the claim's operation_id on the packet", q: QueryRequest{AuthNo: p.AuthNo, OperationID: c.Op.OperationID}, wantErr: ErrOperationNotExist},
		{name: "unknown out_request_no", q: QueryRequest{OutOrderNo: "qp", OutRequestNo: "nope"}, wantErr: ErrOperationNotExist},
		{name: "the claim's out_request_no on the packet", q: QueryRequest{OutOrderNo: "qp", OutRequestNo: "qp-c-req"}, wantErr: ErrOperationNotExist},
		{name: "unknown auth_no", q: QueryRequest{AuthNo: "2024030111000000000000000000", OperationID: payOp.OperationID}, wantErr: ErrOrderNotExist},
		{name: "unknown out_order_no", q: QueryRequest{OutOrderNo: "nope", OutRequestNo: "qp-pay"}, wantErr: ErrOrderNotExist},
		{name: "another app's order by auth_no", app: app2, q: QueryRequest{AuthNo: p.AuthNo, OperationID: payOp.OperationID}, wantErr: ErrOrderNotExist},
		{name: "another app's order by out_order_no", app: app2, q: QueryRequest{OutOrderNo: "qp", OutRequestNo: "qp-pay"}, wantErr: ErrOrderNotExist},
		{name: "app2's own order", app: app2, q: QueryRequest{AuthNo: other.Order.AuthNo, OperationID: other.Op.OperationID},
			wantAuth: other.Order.AuthNo, wantOpID: other.Op.OperationID, wantType: Pay, wantOpSt: OpInit, wantAmt: "5"},
		{name: "app2's order seen from app1", q: QueryRequest{OutOrderNo: "qo", OutRequestNo: "qo-pay"}, wantErr: ErrOrderNotExist},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			app := tc.app
			if app == "" {
				app = app1
			}
			res, err := e.book.Query(app, tc.q)
			wantErr(t, err, tc.wantErr)
			if tc.wantErr != nil {
				return
			}
			if res.Order.AuthNo != tc.wantAuth || res.Op.OperationID != tc.wantOpID || res.Op.Type != tc.wantType || res.Op.Status != tc.wantOpSt ||
				res.Op.Amount != amt(tc.wantAmt) || res.Order.Claim != tc.wantClaim || res.Repeat {
				t.Fatalf("Query = order %s claim=%v op %s %s %s %s", res.Order.AuthNo, res.Order.Claim, res.Op.OperationID, res.Op.Type, res.Op.Status, res.Op.Amount)
			}
		})
	}

	// The fields a query answer is built from.
	res := must(e.book.Query(app1, QueryRequest{AuthNo: p.AuthNo, OperationID: r.Op.OperationID}))(t)
	if res.Order.Title != title || res.Order.ExtraParam != `{"memo":"qp"}` || res.Op.Remark != "部分退回" || res.Order.TotalRefunded() != amt("2") ||
		res.Order.Rest != amt("5") || res.Order.Payer.UserID == "" || !res.Op.Created.Equal(t0.Add(3*time.Minute)) {
		t.Fatalf("query answer: %+v / %+v", res.Order, res.Op)
	}
	res = must(e.book.Query(app1, QueryRequest{AuthNo: c.Order.AuthNo, OperationID: c.Op.OperationID}))(t)
	if res.Order.Payee == nil || res.Order.Payee.UserID != payeeID || res.Order.Payer.UserID != p.Payer.UserID || res.Order.DeductAuthNo != p.AuthNo {
		t.Fatalf("claim query answer: payer %+v payee %+v", res.Order.Payer, res.Order.Payee)
	}
	// Queries of settled operations record nothing.
	if o := e.get(t, p.AuthNo); !sameStrings(eventTypes(o.History), []string{EventCreated, EventPaid, EventClaimed, EventRefunded}) {
		t.Fatalf("packet history after queries %v", eventTypes(o.History))
	}
}
