package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
)

// Notification is a verified asynchronous notification (notify_url).
// Values holds every parameter as received, decoded to UTF-8.
type Notification struct {
	NotifyID   string `json:"notify_id"` // the same on every retry of one event
	NotifyType string `json:"notify_type"`
	NotifyTime string `json:"notify_time"`
	AppID      string `json:"app_id"`
	AuthAppID  string `json:"auth_app_id"`
	Charset    string `json:"charset"`
	Version    string `json:"version"`
	SignType   string `json:"sign_type"`

	TradeNo      string      `json:"trade_no"`
	OutTradeNo   string      `json:"out_trade_no"`
	OutBizNo     string      `json:"out_biz_no"` // the refund's out_request_no on refund notices
	TradeStatus  TradeStatus `json:"trade_status"`
	BuyerID      string      `json:"buyer_id"`
	BuyerLogonID string      `json:"buyer_logon_id"`
	BuyerOpenID  string      `json:"buyer_open_id"`
	SellerID     string      `json:"seller_id"`
	SellerEmail  string      `json:"seller_email"`
	Subject      string      `json:"subject"`
	Body         string      `json:"body"`

	TotalAmount    amount.Amount `json:"total_amount"`
	ReceiptAmount  amount.Amount `json:"receipt_amount"`
	InvoiceAmount  amount.Amount `json:"invoice_amount"`
	BuyerPayAmount amount.Amount `json:"buyer_pay_amount"`
	PointAmount    amount.Amount `json:"point_amount"`
	RefundFee      amount.Amount `json:"refund_fee"` // cumulative

	GmtCreate  string `json:"gmt_create"`
	GmtPayment string `json:"gmt_payment"`
	GmtRefund  string `json:"gmt_refund"`
	GmtClose   string `json:"gmt_close"`

	// FundBillList is JSON text with camelCase keys; see FundBills.
	FundBillList      string `json:"fund_bill_list"`
	VoucherDetailList string `json:"voucher_detail_list"`
	PassbackParams    string `json:"passback_params"`

	// Red-packet (fund operation) notifications, NotifyType
	// NotifyFundAuthFreeze, NotifyFundAuthPay or NotifyFundAuthUnfreeze.
	// AuthNo and OutOrderNo name the fund order (a claim's own on
	// fund_auth_pay, whose red packet is DeductAuthNo); the operation is
	// OperationID / OutRequestNo, of Amount. GmtCreate is the operation's.
	AuthNo        string              `json:"auth_no"`
	OutOrderNo    string              `json:"out_order_no"`
	OperationID   string              `json:"operation_id"`
	OutRequestNo  string              `json:"out_request_no"`
	OperationType CouponOperationType `json:"operation_type"`
	Amount        amount.Amount       `json:"amount"`
	Status        CouponStatus        `json:"status"`
	OrderTitle    string              `json:"order_title"`
	GmtTrans      string              `json:"gmt_trans"`
	PayerUserID   string              `json:"payer_user_id"`
	PayerLogonID  string              `json:"payer_logon_id"`
	PayeeUserID   string              `json:"payee_user_id"`
	PayeeLogonID  string              `json:"payee_logon_id"`
	DeductAuthNo  string              `json:"deduct_auth_no"`
	ExtraParam    string              `json:"extra_param"`
	// RestAmount is what is left in the fund order after the operation;
	// the totals are of the whole order.
	RestAmount          amount.Amount `json:"rest_amount"`
	TotalFreezeAmount   amount.Amount `json:"total_freeze_amount"`
	TotalUnfreezeAmount amount.Amount `json:"total_unfreeze_amount"`
	TotalPayAmount      amount.Amount `json:"total_pay_amount"`

	Values url.Values `json:"-"`
}

// Notification types (notify_type).
const (
	NotifyTradeStatusSync = "trade_status_sync"
	// Red packets: the sender paid in, a claim was paid out, money went
	// back to the sender.
	NotifyFundAuthFreeze   = "fund_auth_freeze"
	NotifyFundAuthPay      = "fund_auth_pay"
	NotifyFundAuthUnfreeze = "fund_auth_unfreeze"
)

// Paid reports whether the notification tells of the buyer's payment:
// trade status TRADE_SUCCESS or TRADE_FINISHED, and not a refund's notice
// (a partial refund leaves the trade TRADE_SUCCESS; see Refund). The
// payment's TRADE_SUCCESS and a later TRADE_FINISHED each have their own
// notify_id: mark the order paid idempotently by its out_trade_no and
// state, not by notify_id.
func (n *Notification) Paid() bool {
	return (n.TradeStatus == TradeSuccess || n.TradeStatus == TradeFinished) && !n.Refund()
}

// Refund reports whether the notification tells of a refund, partial
// (trade status TRADE_SUCCESS) or full (TRADE_CLOSED): it carries
// gmt_refund, and refund_fee, the trade's refunded total so far. OutBizNo
// is the refund's out_request_no: record a refund once by it. A
// TRADE_FINISHED notice carries refund_fee without gmt_refund: no refund.
func (n *Notification) Refund() bool {
	return n.GmtRefund != ""
}

// FundBills parses FundBillList, whose keys are fundChannel/amount (or,
// from some senders, fund_channel).
func (n *Notification) FundBills() ([]FundBill, error) {
	if n.FundBillList == "" {
		return nil, nil
	}
	var raw []struct {
		FundChannel  string        `json:"fundChannel"`
		FundChannel2 string        `json:"fund_channel"`
		Amount       amount.Amount `json:"amount"`
		RealAmount   amount.Amount `json:"realAmount"`
		RealAmount2  amount.Amount `json:"real_amount"`
	}
	if err := json.Unmarshal([]byte(n.FundBillList), &raw); err != nil {
		return nil, fmt.Errorf("alipay: fund_bill_list: %w", err)
	}
	bills := make([]FundBill, len(raw))
	for i, r := range raw {
		bills[i] = FundBill{FundChannel: r.FundChannel + r.FundChannel2, Amount: r.Amount, RealAmount: r.RealAmount + r.RealAmount2}
	}
	return bills, nil
}

// VoucherDetails parses VoucherDetailList, whose keys are camelCase
// (merchantContribute, otherContribute, voucherId); ID is the voucherId.
func (n *Notification) VoucherDetails() ([]VoucherDetail, error) {
	if n.VoucherDetailList == "" {
		return nil, nil
	}
	var raw []struct {
		VoucherID          string        `json:"voucherId"`
		Name               string        `json:"name"`
		Type               string        `json:"type"`
		Amount             amount.Amount `json:"amount"`
		MerchantContribute amount.Amount `json:"merchantContribute"`
		OtherContribute    amount.Amount `json:"otherContribute"`
		Memo               string        `json:"memo"`
		TemplateID         string        `json:"templateId"`
	}
	if err := json.Unmarshal([]byte(n.VoucherDetailList), &raw); err != nil {
		return nil, fmt.Errorf("alipay: voucher_detail_list: %w", err)
	}
	out := make([]VoucherDetail, len(raw))
	for i, r := range raw {
		out[i] = VoucherDetail{ID: r.VoucherID, Name: r.Name, Type: r.Type, Amount: r.Amount,
			MerchantContribute: r.MerchantContribute, OtherContribute: r.OtherContribute, Memo: r.Memo, TemplateID: r.TemplateID}
	}
	return out, nil
}

// VerifyNotification reads and verifies the form Alipay POSTs to
// notify_url. The charset comes from the form's charset field; the
// signature covers every parameter but sign and sign_type, empty ones
// left out, with the notification's sign_type. A notification for another
// app_id is refused. Answer "success" only after handling it (see
// NotifyHandler): anything else makes Alipay send it again.
func (c *Client) VerifyNotification(r *http.Request) (*Notification, error) {
	v, err := c.verifyForm(r)
	if err != nil {
		return nil, err
	}
	flat := make(map[string]string, len(v))
	for k := range v {
		flat[k] = v.Get(k)
	}
	b, err := json.Marshal(flat)
	if err != nil {
		return nil, err
	}
	n := &Notification{Values: v}
	if err := json.Unmarshal(b, n); err != nil {
		return nil, fmt.Errorf("alipay: notification: %w", err)
	}
	return n, nil
}

// VerifyReturn verifies the GET parameters the cashier sends the browser
// back to return_url with, and returns them decoded. They prove the
// redirect came from Alipay, not that the trade is paid: rely on the
// notification or Query for that. As Alipay asks, give return_url no query
// string of its own: those parameters are not signed, so verification fails.
func (c *Client) VerifyReturn(r *http.Request) (url.Values, error) {
	return c.verifyForm(r)
}

// NotifyHandler verifies each notification and passes it to handle. It
// answers "success" when handle returns nil, which stops Alipay's retries,
// and "fail" otherwise.
func (c *Client) NotifyHandler(handle func(context.Context, *Notification) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		n, err := c.VerifyNotification(r)
		if err == nil {
			err = handle(r.Context(), n)
		}
		if err != nil {
			io.WriteString(w, "fail")
			return
		}
		io.WriteString(w, "success")
	})
}

// verifyForm reads the POSTed form, or else the query string, decodes it
// from its charset and checks the signature. Only one of the two is read:
// a query string the merchant put in notify_url is not signed.
func (c *Client) verifyForm(r *http.Request) (url.Values, error) {
	// Alipay has been reported to send "application/x-www-form-urlencoded;
	// text/html; charset=…": its parameters do not parse, the form does.
	if err := r.ParseForm(); err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) {
		return nil, fmt.Errorf("alipay: reading form: %w", err)
	}
	form := r.PostForm
	if len(form) == 0 {
		form = r.URL.Query()
	}
	cs, err := sign.ParseCharset(form.Get("charset"))
	if err != nil {
		return nil, fmt.Errorf("alipay: %w", err)
	}
	v := make(url.Values, len(form))
	for k, vals := range form {
		// Alipay never repeats a parameter; a repeated one is tampering that
		// the signature (over the first value) would not show.
		if len(vals) > 1 {
			return nil, fmt.Errorf("alipay: parameter %s appears %d times", k, len(vals))
		}
		for _, s := range vals {
			d, err := cs.Decode([]byte(s))
			if err != nil {
				return nil, fmt.Errorf("alipay: %s is not %s: %w", k, cs, err)
			}
			v.Add(k, d)
		}
	}
	signature := v.Get("sign")
	if signature == "" {
		return nil, ErrUnsigned
	}
	t := c.signType
	if st := v.Get("sign_type"); st != "" {
		if t, err = sign.ParseType(st); err != nil {
			return nil, fmt.Errorf("alipay: %w", err)
		}
	}
	flat := make(map[string]string, len(v))
	for k := range v {
		flat[k] = v.Get(k)
	}
	if err := sign.VerifyString(c.alipayPub, t, cs, sign.NotifyContent(flat), signature); err != nil {
		return nil, fmt.Errorf("alipay: notification %w with AlipayPublicKey", err)
	}
	if id := v.Get("app_id"); id != c.appID {
		return nil, fmt.Errorf("%w: app_id %q, this client is %q", ErrOtherApp, id, c.appID)
	}
	return v, nil
}

// ErrOtherApp is returned for a correctly signed notification or return
// meant for another app.
var ErrOtherApp = errors.New("alipay: message for another app")
