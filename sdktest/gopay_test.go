package sdktest

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	mockclient "github.com/alipay-mock/alipay-mock/client"
	"github.com/go-pay/gopay"
	"github.com/go-pay/gopay/alipay"
	"github.com/go-pay/gopay/pkg/xhttp"
)

// TestGopay runs the flows with github.com/go-pay/gopay (package alipay).
//
// gopay's gateway host is a constant (production or sandbox, by isProd), so
// the mock is reached through SetHttpClient with a transport that rewrites
// the host (client.NewTransport of this repository). Verification: AutoVerifySign with the Alipay public key as PEM
// (given raw base64 it only logs and silently leaves verification off).
// gopay verifies 10000 answers (and 10003 for trade.pay) and returns every
// other code as *alipay.BizErr without verifying it.
func TestGopay(t *testing.T) {
	t.Parallel()
	runGoFlows(t, "GP", newGopay)
}

type gopaySDK struct {
	c *alipay.Client
	// alipayPublicKey is the raw base64 form VerifySign takes for
	// notifications (unlike AutoVerifySign, which needs PEM).
	alipayPublicKey string
}

func newGopay(t *testing.T, gateway string, c credentials) goSDK {
	t.Helper()
	// gopay wraps its private key argument in PEM armour itself: it takes
	// the raw base64 from Alipay's key tool (PKCS#1 or PKCS#8).
	client, err := alipay.NewClient(c.AppID, c.AppPrivateKeyPKCS8Base64, false)
	if err != nil {
		t.Fatalf("alipay.NewClient: %v", err)
	}
	// The project's own answer to gopay's fixed host: a RoundTripper that
	// sends openapi(-sandbox) requests to the mock, path and query kept.
	rt, err := mockclient.NewTransport(strings.TrimSuffix(gateway, "/gateway.do"), nil)
	if err != nil {
		t.Fatalf("client.NewTransport: %v", err)
	}
	client.SetHttpClient(xhttp.NewClient().SetTransport(rt))
	client.AutoVerifySign([]byte(c.AlipayPublicKeyPEM))
	return gopaySDK{c: client, alipayPublicKey: c.AlipayPublicKeyBase64}
}

// gpResult turns gopay's answer into a result: *alipay.BizErr for codes
// other than 10000 (whether or not the response was signed; gopay does
// not look), nil for a verified success.
func gpResult(e *alipay.ErrorResponse, sign string, err error) (result, error) {
	if bz, ok := alipay.IsBizError(err); ok {
		return result{Code: bz.Code, Msg: bz.Msg, SubCode: bz.SubCode, SubMsg: bz.SubMsg,
			Signed: sign != "", ErrorType: "*alipay.BizErr"}, nil
	}
	if err != nil {
		return result{}, err
	}
	if e == nil {
		return result{}, errors.New("gopay returned neither a response nor an error")
	}
	return result{Code: e.Code, Msg: e.Msg, SubCode: e.SubCode, SubMsg: e.SubMsg, Signed: sign != ""}, nil
}

func (g gopaySDK) precreate(ctx context.Context, outTradeNo, totalAmount, subject, notifyURL string) (result, error) {
	bm := make(gopay.BodyMap).
		Set("out_trade_no", outTradeNo).
		Set("total_amount", totalAmount).
		Set("subject", subject)
	if notifyURL != "" {
		// The way gopay's examples do it: gopay lifts it into the common
		// parameters and also leaves it inside biz_content.
		bm.Set("notify_url", notifyURL)
	}
	rsp, err := g.c.TradePrecreate(ctx, bm)
	if rsp == nil || rsp.Response == nil {
		return gpResult(nil, "", err)
	}
	r, err := gpResult(&rsp.Response.ErrorResponse, rsp.Sign, err)
	r.OutTradeNo, r.QRCode = rsp.Response.OutTradeNo, rsp.Response.QrCode
	return r, err
}

func (g gopaySDK) barcodePay(ctx context.Context, outTradeNo, totalAmount, subject, authCode string) (result, error) {
	bm := make(gopay.BodyMap).
		Set("out_trade_no", outTradeNo).
		Set("total_amount", totalAmount).
		Set("subject", subject).
		Set("scene", "bar_code").
		Set("auth_code", authCode).
		Set("product_code", "FACE_TO_FACE_PAYMENT")
	rsp, err := g.c.TradePay(ctx, bm)
	if rsp == nil || rsp.Response == nil {
		return gpResult(nil, "", err)
	}
	r, err := gpResult(&rsp.Response.ErrorResponse, rsp.Sign, err)
	p := rsp.Response
	r.TradeNo, r.OutTradeNo = p.TradeNo, p.OutTradeNo
	r.TotalAmount, r.BuyerPayAmount, r.ReceiptAmount = p.TotalAmount, p.BuyerPayAmount, p.ReceiptAmount
	r.BuyerUserID = p.BuyerUserId
	return r, err
}

func (g gopaySDK) query(ctx context.Context, outTradeNo string) (result, error) {
	rsp, err := g.c.TradeQuery(ctx, make(gopay.BodyMap).Set("out_trade_no", outTradeNo))
	if rsp == nil || rsp.Response == nil {
		return gpResult(nil, "", err)
	}
	r, err := gpResult(&rsp.Response.ErrorResponse, rsp.Sign, err)
	q := rsp.Response
	r.TradeNo, r.OutTradeNo, r.TradeStatus = q.TradeNo, q.OutTradeNo, q.TradeStatus
	r.TotalAmount, r.BuyerPayAmount, r.ReceiptAmount = q.TotalAmount, q.BuyerPayAmount, q.ReceiptAmount
	r.BuyerUserID = q.BuyerUserId
	return r, err
}

func (g gopaySDK) refund(ctx context.Context, outTradeNo, refundAmount, outRequestNo string) (result, error) {
	bm := make(gopay.BodyMap).
		Set("out_trade_no", outTradeNo).
		Set("refund_amount", refundAmount).
		Set("out_request_no", outRequestNo)
	rsp, err := g.c.TradeRefund(ctx, bm)
	if rsp == nil || rsp.Response == nil {
		return gpResult(nil, "", err)
	}
	r, err := gpResult(&rsp.Response.ErrorResponse, rsp.Sign, err)
	q := rsp.Response
	r.TradeNo, r.OutTradeNo, r.RefundFee, r.FundChange = q.TradeNo, q.OutTradeNo, q.RefundFee, q.FundChange
	return r, err
}

func (g gopaySDK) refundQuery(ctx context.Context, outTradeNo, outRequestNo string) (result, error) {
	bm := make(gopay.BodyMap).
		Set("out_trade_no", outTradeNo).
		Set("out_request_no", outRequestNo)
	rsp, err := g.c.TradeFastPayRefundQuery(ctx, bm)
	if rsp == nil || rsp.Response == nil {
		return gpResult(nil, "", err)
	}
	r, err := gpResult(&rsp.Response.ErrorResponse, rsp.Sign, err)
	q := rsp.Response
	r.TradeNo, r.OutTradeNo, r.OutRequestNo = q.TradeNo, q.OutTradeNo, q.OutRequestNo
	r.TotalAmount, r.RefundAmount, r.RefundStatus = q.TotalAmount, q.RefundAmount, q.RefundStatus
	return r, err
}

func (g gopaySDK) cancel(ctx context.Context, outTradeNo string) (result, error) {
	rsp, err := g.c.TradeCancel(ctx, make(gopay.BodyMap).Set("out_trade_no", outTradeNo))
	if rsp == nil || rsp.Response == nil {
		return gpResult(nil, "", err)
	}
	r, err := gpResult(&rsp.Response.ErrorResponse, rsp.Sign, err)
	q := rsp.Response
	r.TradeNo, r.OutTradeNo, r.Action, r.RetryFlag = q.TradeNo, q.OutTradeNo, q.Action, q.RetryFlag
	return r, err
}

func (g gopaySDK) close(ctx context.Context, outTradeNo string) (result, error) {
	rsp, err := g.c.TradeClose(ctx, make(gopay.BodyMap).Set("out_trade_no", outTradeNo))
	if rsp == nil || rsp.Response == nil {
		return gpResult(nil, "", err)
	}
	r, err := gpResult(&rsp.Response.ErrorResponse, rsp.Sign, err)
	r.TradeNo, r.OutTradeNo = rsp.Response.TradeNo, rsp.Response.OutTradeNo
	return r, err
}

func (g gopaySDK) verifyNotification(_ context.Context, form url.Values) (string, error) {
	bm, err := alipay.ParseNotifyByURLValues(form)
	if err != nil {
		return "", err
	}
	if _, err := alipay.VerifySign(g.alipayPublicKey, bm); err != nil {
		return "", err
	}
	return bm.GetString("trade_status"), nil
}

func (g gopaySDK) pagePayURL(ctx context.Context, outTradeNo, totalAmount, subject string) (string, error) {
	// The URL names gopay's fixed (sandbox) host; the browser helper
	// rewrites it like the transport does.
	return g.c.TradePagePay(ctx, make(gopay.BodyMap).
		Set("out_trade_no", outTradeNo).
		Set("total_amount", totalAmount).
		Set("subject", subject))
}
