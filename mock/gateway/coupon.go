package gateway

import (
	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
)

// operationFields are what pay, disburse and refund answer.
type operationFields struct {
	AuthNo       string        `json:"auth_no"`
	OperationID  string        `json:"operation_id"`
	OutOrderNo   string        `json:"out_order_no,omitempty"`
	OutRequestNo string        `json:"out_request_no"`
	Amount       amount.Amount `json:"amount"`
	Status       string        `json:"status"`
	GmtTrans     string        `json:"gmt_trans,omitempty"`
}

func opFields(r coupon.Result) operationFields {
	f := operationFields{AuthNo: r.Order.AuthNo, OperationID: r.Op.OperationID, OutOrderNo: r.Order.OutOrderNo,
		OutRequestNo: r.Op.OutRequestNo, Amount: r.Op.Amount, Status: string(r.Op.Status)}
	if r.Op.Trans != nil {
		f.GmtTrans = timestamp.Format(*r.Op.Trans)
	}
	return f
}

// processing is the family's 10003: red-packet methods say "请求处理中", the
// seed guide's words for the code (inferred as the msg: docs/differences.md);
// trade methods keep trade.pay's " order success pay inprocess".
func (f family) processing(e *apierr.Error) *apierr.Error {
	if f != familyCoupon || e == nil || e.Code != apierr.CodeProcessing {
		return e
	}
	c := *e
	c.Msg = CouponProcessingMsg
	return &c
}

// CouponProcessingMsg is the msg of a red-packet 10003.
const CouponProcessingMsg = "请求处理中"

// errorFields are the fields an error answer of the family carries:
// red-packet 40004s add display_message, which the merchant shows the
// user (docs/red-packets.md).
func (f family) errorFields(e *apierr.Error) any {
	if f != familyCoupon || e == nil || e.Code != apierr.CodeBusiness {
		return nil
	}
	return struct {
		DisplayMessage string `json:"display_message"`
	}{coupon.DisplayMessage(e)}
}

func (g *Gateway) couponAgreementPay(cl *call, r coupon.PayRequest) (any, *apierr.Error) {
	res, err := g.Coupons.Pay(cl.merchant(), r, cl.context(), cl.method, cl.processing())
	if err != nil {
		return nil, g.asAPI(err)
	}
	return opFields(res), nil
}

func (g *Gateway) couponDisburse(cl *call, r coupon.DisburseRequest) (any, *apierr.Error) {
	res, err := g.Coupons.Disburse(cl.merchant(), r, cl.context(), cl.processing())
	if err != nil {
		return nil, g.asAPI(err)
	}
	return opFields(res), nil
}

func (g *Gateway) couponRefund(cl *call, r coupon.RefundRequest) (any, *apierr.Error) {
	res, err := g.Coupons.Refund(cl.merchant(), r, cl.context(), cl.processing())
	if err != nil {
		return nil, g.asAPI(err)
	}
	return opFields(res), nil
}

func (g *Gateway) couponQuery(cl *call, q coupon.QueryRequest) (any, *apierr.Error) {
	res, err := g.Coupons.Query(cl.owner(), q)
	if err != nil {
		return nil, g.asAPI(err)
	}
	o, op := res.Order, res.Op
	out := struct {
		operationFields
		OperationType        string        `json:"operation_type"`
		OrderTitle           string        `json:"order_title,omitempty"`
		GmtCreate            string        `json:"gmt_create"`
		PayerUserID          string        `json:"payer_user_id,omitempty"`
		PayerLogonID         string        `json:"payer_logon_id,omitempty"`
		PayeeUserID          string        `json:"payee_user_id,omitempty"`
		PayeeLogonID         string        `json:"payee_logon_id,omitempty"`
		ExtraParam           string        `json:"extra_param,omitempty"`
		Remark               string        `json:"remark,omitempty"`
		TotalPayRefundAmount amount.Amount `json:"total_pay_refund_amount"`
	}{operationFields: opFields(res), OperationType: string(op.Type), OrderTitle: o.Title,
		GmtCreate: timestamp.Format(op.Created), PayerUserID: o.Payer.UserID, PayerLogonID: o.Payer.LogonID,
		ExtraParam: o.ExtraParam, Remark: op.Remark, TotalPayRefundAmount: o.TotalRefunded()}
	if o.Payee != nil {
		out.PayeeUserID, out.PayeeLogonID = o.Payee.UserID, o.Payee.LogonID
	}
	return out, nil
}
