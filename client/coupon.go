package client

import (
	"context"
	"errors"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
)

// Red packets (现金红包, the alipay.fund.coupon.* family). The sender pays
// money into a red packet: in the Alipay app (CouponAppPayOrderString), in
// the desktop cashier (CouponPagePayURL, CouponPagePayForm) or without a
// password (CouponAgreementPay). Payees claim from it (CouponDisburse) and
// what is left goes back to the sender (CouponRefund, or by itself when the
// refund period ends, 48 h after payment by default). Every step is a fund
// operation, which CouponOperationQuery reads and which is notified with
// notify_type fund_auth_freeze, fund_auth_pay or fund_auth_unfreeze (see
// Notification). How to read the answers: CouponResponse.

// CouponStatus is the status of a fund operation.
type CouponStatus string

// Operation statuses.
const (
	CouponInit    CouponStatus = "INIT" // processing, or waiting for the sender to pay
	CouponSuccess CouponStatus = "SUCCESS"
	CouponClosed  CouponStatus = "CLOSED" // never happened, e.g. the sender did not pay in time
)

// CouponOperationType is a fund operation's operation_type.
type CouponOperationType string

// Operation types: PAY is the sender paying in or a claim paid out to a
// payee; REFUND returns money to the sender.
const (
	CouponOperationPay    CouponOperationType = "PAY"
	CouponOperationRefund CouponOperationType = "REFUND"
)

// CouponOrder holds the fields of the three methods that fund a red packet.
type CouponOrder struct {
	// OutOrderNo names the red packet; OutRequestNo names this payment.
	OutOrderNo   string        `json:"out_order_no,omitempty"`
	OutRequestNo string        `json:"out_request_no,omitempty"`
	OrderTitle   string        `json:"order_title,omitempty"`
	Amount       amount.Amount `json:"amount,omitempty"`
	// PayTimeout is how long the sender has to pay: "1m" to "7d" in whole
	// m/h/d; Alipay's default is 1h. An unpaid red packet then closes.
	PayTimeout string `json:"pay_timeout,omitempty"`
	ExtraParam string `json:"extra_param,omitempty"` // JSON text, e.g. {"merchantExt":"..."}
}

// CouponAppPayRequest is alipay.fund.coupon.order.app.pay's biz_content.
type CouponAppPayRequest struct {
	CouponOrder
}

// CouponPagePayRequest is alipay.fund.coupon.order.page.pay's biz_content.
type CouponPagePayRequest struct {
	CouponOrder
	// ReturnURL is where the cashier sends the browser after paying; it is
	// a common parameter, not part of biz_content.
	ReturnURL string `json:"-"`
}

// CouponAgreementPayRequest is alipay.fund.coupon.order.agreement.pay's
// biz_content: a B2C payment without a password.
type CouponAgreementPayRequest struct {
	CouponOrder
	PayerUserID string `json:"payer_user_id,omitempty"` // the paying account, 2088...
}

// CouponDisburseRequest is alipay.fund.coupon.order.disburse's biz_content:
// a payee claims money from a red packet.
type CouponDisburseRequest struct {
	// OutOrderNo names the claim (its own fund order), OutRequestNo this
	// request; both must be new, or a repeat of an earlier claim.
	OutOrderNo   string `json:"out_order_no,omitempty"`
	OutRequestNo string `json:"out_request_no,omitempty"`
	// The red packet is named by Alipay's DeductAuthNo or the merchant's
	// DeductOutOrderNo; DeductAuthNo wins when both are set.
	DeductAuthNo     string        `json:"deduct_auth_no,omitempty"`
	DeductOutOrderNo string        `json:"deduct_out_order_no,omitempty"`
	OrderTitle       string        `json:"order_title,omitempty"`
	Amount           amount.Amount `json:"amount,omitempty"`
	// The payee is named by PayeeUserID (2088..., preferred) or
	// PayeeLogonID (mobile number or e-mail).
	PayeeUserID  string `json:"payee_user_id,omitempty"`
	PayeeLogonID string `json:"payee_logon_id,omitempty"`
	PayTimeout   string `json:"pay_timeout,omitempty"`
	ExtraParam   string `json:"extra_param,omitempty"`
}

// CouponRefundRequest is alipay.fund.coupon.order.refund's biz_content:
// money left in a red packet goes back to the sender.
type CouponRefundRequest struct {
	AuthNo       string        `json:"auth_no,omitempty"`
	OutRequestNo string        `json:"out_request_no,omitempty"`
	Amount       amount.Amount `json:"amount,omitempty"`
	Remark       string        `json:"remark,omitempty"`
}

// CouponOperationQueryRequest is alipay.fund.coupon.operation.query's
// biz_content. An operation is named by AuthNo and OperationID (faster,
// preferred) or by OutOrderNo and OutRequestNo.
type CouponOperationQueryRequest struct {
	AuthNo       string `json:"auth_no,omitempty"`
	OperationID  string `json:"operation_id,omitempty"`
	OutOrderNo   string `json:"out_order_no,omitempty"`
	OutRequestNo string `json:"out_request_no,omitempty"`
}

// CouponResponse is what every red-packet response carries. The codes:
//
//   - 10000: done; Status is CouponSuccess.
//   - 40004: failed. The error is a *Error (SubCode e.g.
//     REST_AMOUNT_NOT_ENOUGH) and the response is returned as well, with
//     DisplayMessage, the text to show the user.
//   - 10003 (CodeProcessing, see Processing): accepted, still processing.
//     The response comes back with a nil error and Status CouponInit.
//   - 20000: outcome unknown, returned as *Error.
//
// After a 10003 or a 20000, send the identical request again (same
// out_order_no, out_request_no and amount: Alipay answers a repeat with
// the first operation instead of moving money twice), or query the
// operation until its Status is CouponSuccess. A new out_request_no would
// be a new operation; the same one with other content fails with
// DISCORDANT_REPEAT_REQUEST.
type CouponResponse struct {
	Response
	// DisplayMessage comes with a 40004: the text to show the user, e.g.
	// "红包已被领完".
	DisplayMessage string `json:"display_message"`
}

// CouponOperation is the fund operation a call made or found.
type CouponOperation struct {
	AuthNo       string        `json:"auth_no"`
	OperationID  string        `json:"operation_id"`
	OutOrderNo   string        `json:"out_order_no"`
	OutRequestNo string        `json:"out_request_no"`
	Amount       amount.Amount `json:"amount"`
	Status       CouponStatus  `json:"status"`
	GmtTrans     string        `json:"gmt_trans"` // when the money moved
}

// CouponAgreementPayResponse is the sender's payment into a red packet.
type CouponAgreementPayResponse struct {
	CouponResponse
	CouponOperation
}

// CouponDisburseResponse is a claim. AuthNo is the claim's own fund order,
// not the red packet's.
type CouponDisburseResponse struct {
	CouponResponse
	CouponOperation
}

// CouponRefundResponse is money returned to the sender.
type CouponRefundResponse struct {
	CouponResponse
	CouponOperation
}

// CouponOperationQueryResponse is one fund operation.
type CouponOperationQueryResponse struct {
	CouponResponse
	CouponOperation
	OperationType CouponOperationType `json:"operation_type"`
	OrderTitle    string              `json:"order_title"`
	GmtCreate     string              `json:"gmt_create"`
	PayerUserID   string              `json:"payer_user_id"`
	PayerLogonID  string              `json:"payer_logon_id"` // masked
	PayeeUserID   string              `json:"payee_user_id"`
	PayeeLogonID  string              `json:"payee_logon_id"` // masked
	ExtraParam    string              `json:"extra_param"`
	Remark        string              `json:"remark"`
	// TotalPayRefundAmount is everything returned to the sender so far.
	TotalPayRefundAmount amount.Amount `json:"total_pay_refund_amount"`
}

// CouponAppPayOrderString is the order string handed to the Alipay app SDK
// for a red packet the sender pays in the app
// (alipay.fund.coupon.order.app.pay), built like AppPayOrderString. Only
// the notification or CouponOperationQuery tells whether it was paid.
func (c *Client) CouponAppPayOrderString(req CouponAppPayRequest, opts ...CallOption) (string, error) {
	p, err := c.signedParams("alipay.fund.coupon.order.app.pay", req, opts)
	if err != nil {
		return "", err
	}
	return c.encode(p)
}

// CouponPagePayURL is the gateway URL that opens the desktop cashier for a
// red packet (alipay.fund.coupon.order.page.pay): send the sender's browser
// there.
func (c *Client) CouponPagePayURL(req CouponPagePayRequest, opts ...CallOption) (string, error) {
	return c.pageURL("alipay.fund.coupon.order.page.pay", req, withReturnURL(req.ReturnURL, opts))
}

// CouponPagePayForm is CouponPagePayURL as a self-submitting HTML form,
// like PagePayForm.
func (c *Client) CouponPagePayForm(req CouponPagePayRequest, opts ...CallOption) (string, error) {
	return c.pageForm("alipay.fund.coupon.order.page.pay", req, withReturnURL(req.ReturnURL, opts))
}

// CouponAgreementPay pays a red packet from PayerUserID's account without
// a password (alipay.fund.coupon.order.agreement.pay). See CouponResponse
// for 40004, 10003 and 20000.
func (c *Client) CouponAgreementPay(ctx context.Context, req CouponAgreementPayRequest, opts ...CallOption) (*CouponAgreementPayResponse, error) {
	return callKeep[CouponAgreementPayResponse](ctx, c, "alipay.fund.coupon.order.agreement.pay", req, opts)
}

// CouponDisburse pays a claim out of a red packet to a payee
// (alipay.fund.coupon.order.disburse). Claiming more than is left fails
// with SubCode REST_AMOUNT_NOT_ENOUGH, from a red packet that is unpaid,
// closed or finished with ORDER_STATUS_INVALID.
func (c *Client) CouponDisburse(ctx context.Context, req CouponDisburseRequest, opts ...CallOption) (*CouponDisburseResponse, error) {
	return callKeep[CouponDisburseResponse](ctx, c, "alipay.fund.coupon.order.disburse", req, opts)
}

// CouponRefund returns money left in a red packet to the sender
// (alipay.fund.coupon.order.refund); never more than is left.
func (c *Client) CouponRefund(ctx context.Context, req CouponRefundRequest, opts ...CallOption) (*CouponRefundResponse, error) {
	return callKeep[CouponRefundResponse](ctx, c, "alipay.fund.coupon.order.refund", req, opts)
}

// CouponOperationQuery reads one fund operation
// (alipay.fund.coupon.operation.query): the way to settle a 10003 or
// 20000.
func (c *Client) CouponOperationQuery(ctx context.Context, req CouponOperationQueryRequest, opts ...CallOption) (*CouponOperationQueryResponse, error) {
	return callKeep[CouponOperationQueryResponse](ctx, c, "alipay.fund.coupon.operation.query", req, opts)
}

// callKeep is call that keeps the response when Alipay answered with an
// error: with a *Error it returns both, so fields such as display_message
// can be read. Any other error returns a nil response.
func callKeep[T any](ctx context.Context, c *Client, method string, biz any, opts []CallOption) (*T, error) {
	out := new(T)
	err := c.Do(ctx, method, biz, out, opts...)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return nil, err
		}
	}
	return out, err
}
