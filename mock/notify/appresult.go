package notify

import (
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"errors"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// AppResult is what the Alipay app SDK hands the merchant's app after an
// app payment (https://opendocs.alipay.com/open/204/105302, App支付同步通知
// 参数说明): three strings, result holding the signed response JSON the app
// forwards to its server for verification (seed 002 §4.1).
type AppResult struct {
	Memo         string `json:"memo"`
	Result       string `json:"result"`
	ResultStatus string `json:"resultStatus"`
}

// AppResultPaid is the resultStatus of a successful payment.
const AppResultPaid = "9000"

// ErrNoAppResult is returned for a trade or red packet that is not app
// pay, or not paid: the app hands back 9000 only after payment.
var ErrNoAppResult = errors.New("no app pay result: only a paid alipay.trade.app.pay trade or alipay.fund.coupon.order.app.pay red packet has one")

// tradeAppNode is alipay_trade_app_pay_response in the order production's
// results show it (the document's example and results apps received:
// code, msg, app_id, auth_app_id, charset, timestamp, then the trade).
type tradeAppNode struct {
	Code        string `json:"code"`
	Msg         string `json:"msg"`
	AppID       string `json:"app_id"`
	AuthAppID   string `json:"auth_app_id"`
	Charset     string `json:"charset"`
	Timestamp   string `json:"timestamp"`
	OutTradeNo  string `json:"out_trade_no"`
	TotalAmount string `json:"total_amount"`
	TradeNo     string `json:"trade_no"`
	SellerID    string `json:"seller_id"`
	// MerchantOrderNo when the order had one (AlipayTradeAppPayResponse
	// lists it; its place in the node is inferred).
	MerchantOrderNo string `json:"merchant_order_no,omitempty"`
}

// couponAppNode is alipay_fund_coupon_order_app_pay_response: the head of
// the trade's node, then the fields of the SDK's response class
// (AlipayFundCouponOrderAppPayResponse) by name. No source shows one:
// the order is inferred.
type couponAppNode struct {
	Code         string `json:"code"`
	Msg          string `json:"msg"`
	AppID        string `json:"app_id"`
	AuthAppID    string `json:"auth_app_id"`
	Charset      string `json:"charset"`
	Timestamp    string `json:"timestamp"`
	Amount       string `json:"amount"`
	AuthNo       string `json:"auth_no"`
	GmtTrans     string `json:"gmt_trans,omitempty"`
	OperationID  string `json:"operation_id"`
	OutOrderNo   string `json:"out_order_no"`
	OutRequestNo string `json:"out_request_no"`
	Status       string `json:"status"`
}

// TradeAppResult is the result the Alipay app hands back after paying an
// app pay trade, signed with key; timestamp is the payment's time, so the
// result is the same each time it is asked for.
func TradeAppResult(t trade.Trade, key *rsa.PrivateKey) (AppResult, error) {
	if t.Method != "alipay.trade.app.pay" || !t.IsPaid() {
		return AppResult{}, ErrNoAppResult
	}
	cs, st := charsetType(t.Charset, t.SignType)
	app := t.AppID
	if t.ISVAppID != "" {
		app = t.ISVAppID // the caller, as in notifications
	}
	return appResult("alipay_trade_app_pay_response", tradeAppNode{
		Code: "10000", Msg: "Success", AppID: app, AuthAppID: t.AppID, Charset: cs.Wire(),
		Timestamp: timestamp.Format(*t.Paid), OutTradeNo: t.OutTradeNo, TotalAmount: t.Total.String(),
		TradeNo: t.TradeNo, SellerID: t.Seller.UserID, MerchantOrderNo: t.MerchantOrderNo,
	}, key, cs, st)
}

// CouponAppResult is TradeAppResult for a red packet paid in the app.
func CouponAppResult(o coupon.Order, key *rsa.PrivateKey) (AppResult, error) {
	if o.Method != "alipay.fund.coupon.order.app.pay" || o.Paid == nil || len(o.Operations) == 0 {
		return AppResult{}, ErrNoAppResult
	}
	op := o.Operations[0]
	if op.Status != coupon.OpSuccess {
		return AppResult{}, ErrNoAppResult
	}
	cs, st := charsetType(o.Charset, o.SignType)
	n := couponAppNode{
		Code: "10000", Msg: "Success", AppID: o.AppID, AuthAppID: o.AppID, Charset: cs.Wire(),
		Timestamp: timestamp.Format(*o.Paid), Amount: op.Amount.String(), AuthNo: o.AuthNo,
		OperationID: op.OperationID, OutOrderNo: o.OutOrderNo, OutRequestNo: op.OutRequestNo, Status: string(op.Status),
	}
	if op.Trans != nil {
		n.GmtTrans = timestamp.Format(*op.Trans)
	}
	return appResult("alipay_fund_coupon_order_app_pay_response", n, key, cs, st)
}

func charsetType(cs sign.Charset, st sign.Type) (sign.Charset, sign.Type) {
	if cs == "" {
		cs = sign.UTF8
	}
	if st == "" {
		st = sign.RSA2
	}
	return cs, st
}

// appResult signs the node's exact bytes, as a gateway response is signed,
// and lays out result: the node, sign, sign_type.
func appResult(name string, node any, key *rsa.PrivateKey, cs sign.Charset, st sign.Type) (AppResult, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(node); err != nil {
		return AppResult{}, err
	}
	raw := bytes.ReplaceAll(bytes.TrimSuffix(b.Bytes(), []byte("\n")), []byte("/"), []byte(`\/`))
	sig, err := sign.SignString(key, st, cs, string(raw))
	if err != nil {
		return AppResult{}, err
	}
	var r bytes.Buffer
	r.WriteString(`{"` + name + `":`)
	r.Write(raw)
	r.WriteString(`,"sign":"` + sig + `","sign_type":"` + string(st) + `"}`)
	return AppResult{Memo: "", Result: r.String(), ResultStatus: AppResultPaid}, nil
}
