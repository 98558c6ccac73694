package client

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
)

// AppPayResult is the response inside the result the Alipay app SDK hands
// the merchant's app after app pay (resultStatus 9000): the node of
// alipay_trade_app_pay_response (a trade) or of
// alipay_fund_coupon_order_app_pay_response (a red packet), verified.
// https://opendocs.alipay.com/open/204/105302 (App支付同步通知参数说明).
type AppPayResult struct {
	// Method is alipay.trade.app.pay or alipay.fund.coupon.order.app.pay.
	Method    string `json:"-"`
	Code      string `json:"code"`
	Msg       string `json:"msg"`
	AppID     string `json:"app_id"`
	AuthAppID string `json:"auth_app_id"`
	Charset   string `json:"charset"`
	Timestamp string `json:"timestamp"`

	// A trade.
	OutTradeNo  string        `json:"out_trade_no"`
	TradeNo     string        `json:"trade_no"`
	TotalAmount amount.Amount `json:"total_amount"`
	SellerID    string        `json:"seller_id"`
	// MerchantOrderNo when the order had one.
	MerchantOrderNo string `json:"merchant_order_no"`

	// A red packet.
	AuthNo       string        `json:"auth_no"`
	OperationID  string        `json:"operation_id"`
	OutOrderNo   string        `json:"out_order_no"`
	OutRequestNo string        `json:"out_request_no"`
	Amount       amount.Amount `json:"amount"`
	Status       string        `json:"status"`
	GmtTrans     string        `json:"gmt_trans"`
}

// appPayNodes are the result's response nodes and their methods.
var appPayNodes = []struct{ node, method string }{
	{"alipay_trade_app_pay_response", "alipay.trade.app.pay"},
	{"alipay_fund_coupon_order_app_pay_response", "alipay.fund.coupon.order.app.pay"},
}

// ErrAppPayResult is returned for a result that is not a successful app
// pay result of this app.
var ErrAppPayResult = errors.New("alipay: not a successful app pay result")

// VerifyAppPayResult verifies the result string the merchant's app got from
// the Alipay app SDK (the "result" of resultStatus 9000) and forwarded to
// its server, as Alipay asks: the signature covers the exact bytes of the
// response node, as in a gateway answer, with the result's sign_type. A
// result for another app, or with a code other than 10000, is refused. It
// proves the app was told the payment succeeded; the notification or
// Query remains the proof of payment.
func (c *Client) VerifyAppPayResult(result string) (*AppPayResult, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(result), &m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrAppPayResult, err)
	}
	var raw json.RawMessage
	r := &AppPayResult{}
	for _, n := range appPayNodes {
		if v, ok := m[n.node]; ok {
			raw, r.Method = v, n.method
			break
		}
	}
	if raw == nil || raw[0] != '{' {
		return nil, fmt.Errorf("%w: no alipay_trade_app_pay_response or alipay_fund_coupon_order_app_pay_response object", ErrAppPayResult)
	}
	var signature, st string
	if s, ok := m["sign"]; ok {
		_ = json.Unmarshal(s, &signature)
	}
	if signature == "" {
		return nil, ErrUnsigned
	}
	t := c.signType
	if s, ok := m["sign_type"]; ok && json.Unmarshal(s, &st) == nil && st != "" {
		var err error
		if t, err = sign.ParseType(st); err != nil {
			return nil, fmt.Errorf("alipay: %w", err)
		}
	}
	if err := json.Unmarshal(raw, r); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrAppPayResult, err)
	}
	cs := sign.UTF8
	if r.Charset != "" {
		var err error
		if cs, err = sign.ParseCharset(r.Charset); err != nil {
			return nil, fmt.Errorf("alipay: %w", err)
		}
	}
	if err := sign.VerifyString(c.alipayPub, t, cs, string(raw), signature); err != nil {
		return nil, fmt.Errorf("alipay: app pay result %w with AlipayPublicKey", err)
	}
	if r.AppID != c.appID {
		return nil, fmt.Errorf("%w: app_id %q, this client is %q", ErrOtherApp, r.AppID, c.appID)
	}
	if r.Code != CodeSuccess {
		return r, fmt.Errorf("%w: code %s %s", ErrAppPayResult, r.Code, r.Msg)
	}
	return r, nil
}
