package gateway

import (
	"strings"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
)

func init() {
	methods["alipay.fund.coupon.order.app.pay"] = method{page: true}
	methods["alipay.fund.coupon.order.page.pay"] = method{page: true}
	methods["alipay.fund.coupon.order.agreement.pay"] = method{handle: (*Gateway).couponAgreementPay}
	methods["alipay.fund.coupon.order.disburse"] = method{handle: (*Gateway).couponDisburse}
	methods["alipay.fund.coupon.order.refund"] = method{handle: (*Gateway).couponRefund}
	methods["alipay.fund.coupon.operation.query"] = method{handle: (*Gateway).couponQuery}
}

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

// couponError adds display_message, which the merchant shows the user on
// a 40004 (seed 002, 结果码).
func (g *Gateway) couponError(err error) (any, *apierr.Error) {
	e := g.asAPI(err)
	if e.Code != apierr.CodeBusiness {
		return nil, e
	}
	switch e.SubCode {
	case "ACQ.INVALID_PARAMETER": // from the shared biz_content decoder
		e.SubCode, e.SubMsg = "INVALID_PARAMETER", strings.Replace(e.SubMsg, "参数无效", "参数有误", 1)
	case "ACQ.SYSTEM_ERROR": // a forced answer's default
		e.SubCode = "SYSTEM_ERROR"
	}
	return struct {
		DisplayMessage string `json:"display_message"`
	}{coupon.DisplayMessage(e)}, e
}

func (g *Gateway) couponAgreementPay(cl *call) (any, *apierr.Error) {
	var r coupon.PayRequest
	if e := decode(cl, &r); e != nil {
		return g.couponError(e)
	}
	res, err := g.Coupons.Pay(cl.merchant(), r, cl.context(), cl.method, cl.processing())
	if err != nil {
		return g.couponError(err)
	}
	return opFields(res), nil
}

func (g *Gateway) couponDisburse(cl *call) (any, *apierr.Error) {
	var r coupon.DisburseRequest
	if e := decode(cl, &r); e != nil {
		return g.couponError(e)
	}
	res, err := g.Coupons.Disburse(cl.merchant(), r, cl.context(), cl.processing())
	if err != nil {
		return g.couponError(err)
	}
	return opFields(res), nil
}

func (g *Gateway) couponRefund(cl *call) (any, *apierr.Error) {
	var r coupon.RefundRequest
	if e := decode(cl, &r); e != nil {
		return g.couponError(e)
	}
	res, err := g.Coupons.Refund(cl.merchant(), r, cl.context(), cl.processing())
	if err != nil {
		return g.couponError(err)
	}
	return opFields(res), nil
}

func (g *Gateway) couponQuery(cl *call) (any, *apierr.Error) {
	var q coupon.QueryRequest
	if e := decode(cl, &q); e != nil {
		return g.couponError(e)
	}
	res, err := g.Coupons.Query(cl.owner(), q)
	if err != nil {
		return g.couponError(err)
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
