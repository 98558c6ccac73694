package sdktest

import (
	"context"
	"errors"
	"net/url"
	"testing"

	"github.com/smartwalle/alipay/v3"
)

// TestSmartwalle runs the flows with github.com/smartwalle/alipay/v3.
//
// Pointing it at the mock needs no trick: New(..., production=false) and
// WithSandboxGateway(url) replace the sandbox host. Response verification
// is on once LoadAliPayPublicKey has been called; smartwalle verifies every
// response that carries a sign and hands back an unsigned one as
// *alipay.Error without verifying it.
func TestSmartwalle(t *testing.T) {
	t.Parallel()
	runGoFlows(t, "SW", newSmartwalle)
}

type smartwalleSDK struct{ c *alipay.Client }

func newSmartwalle(t *testing.T, gateway string, c credentials) goSDK {
	t.Helper()
	// The PEM form (PKCS#1) for the private key, the console's raw base64
	// for the public key: the two forms smartwalle's README shows.
	client, err := alipay.New(c.AppID, c.AppPrivateKeyPKCS1PEM, false, alipay.WithSandboxGateway(gateway))
	if err != nil {
		t.Fatalf("alipay.New: %v", err)
	}
	if err := client.LoadAliPayPublicKey(c.AlipayPublicKeyBase64); err != nil {
		t.Fatalf("LoadAliPayPublicKey: %v", err)
	}
	return smartwalleSDK{client}
}

// swResult turns smartwalle's two ways of reporting an Alipay error into a
// result: the Error embedded in a verified response (signed answers), or an
// *alipay.Error returned as err (unsigned answers). Anything else is a
// genuine SDK failure.
func swResult(e alipay.Error, err error, typeName string) (result, error) {
	if err != nil {
		var ae *alipay.Error
		if errors.As(err, &ae) {
			return result{Code: string(ae.Code), Msg: ae.Msg, SubCode: ae.SubCode, SubMsg: ae.SubMsg,
				ErrorType: "*alipay.Error (unsigned response)"}, nil
		}
		return result{}, err
	}
	r := result{Code: string(e.Code), Msg: e.Msg, SubCode: e.SubCode, SubMsg: e.SubMsg, Signed: true}
	if !e.Code.IsSuccess() {
		r.ErrorType = typeName + ".Error (signed, verified)"
	}
	return r, nil
}

func (s smartwalleSDK) precreate(ctx context.Context, outTradeNo, totalAmount, subject, notifyURL string) (result, error) {
	// ProductCode left empty on purpose: smartwalle then sends
	// "product_code":"", which the gateway must treat as absent.
	rsp, err := s.c.TradePreCreate(ctx, alipay.TradePreCreate{Trade: alipay.Trade{
		OutTradeNo: outTradeNo, TotalAmount: totalAmount, Subject: subject, NotifyURL: notifyURL,
	}})
	r, err := swResult(errOf(rsp, func() alipay.Error { return rsp.Error }), err, "TradePreCreateRsp")
	if err == nil && rsp != nil {
		r.OutTradeNo, r.QRCode = rsp.OutTradeNo, rsp.QRCode
	}
	return r, err
}

func (s smartwalleSDK) barcodePay(ctx context.Context, outTradeNo, totalAmount, subject, authCode string) (result, error) {
	rsp, err := s.c.TradePay(ctx, alipay.TradePay{
		Trade: alipay.Trade{
			OutTradeNo: outTradeNo, TotalAmount: totalAmount, Subject: subject,
			ProductCode: "FACE_TO_FACE_PAYMENT",
		},
		Scene:    "bar_code",
		AuthCode: authCode,
	})
	r, err := swResult(errOf(rsp, func() alipay.Error { return rsp.Error }), err, "TradePayRsp")
	if err == nil && rsp != nil {
		r.TradeNo, r.OutTradeNo = rsp.TradeNo, rsp.OutTradeNo
		r.TotalAmount, r.BuyerPayAmount, r.ReceiptAmount = rsp.TotalAmount, rsp.BuyerPayAmount, rsp.ReceiptAmount
		r.BuyerUserID = rsp.BuyerUserId
	}
	return r, err
}

func (s smartwalleSDK) query(ctx context.Context, outTradeNo string) (result, error) {
	rsp, err := s.c.TradeQuery(ctx, alipay.TradeQuery{OutTradeNo: outTradeNo})
	r, err := swResult(errOf(rsp, func() alipay.Error { return rsp.Error }), err, "TradeQueryRsp")
	if err == nil && rsp != nil {
		r.TradeNo, r.OutTradeNo, r.TradeStatus = rsp.TradeNo, rsp.OutTradeNo, string(rsp.TradeStatus)
		r.TotalAmount, r.BuyerPayAmount, r.ReceiptAmount = rsp.TotalAmount, rsp.BuyerPayAmount, rsp.ReceiptAmount
		r.BuyerUserID = rsp.BuyerUserId
	}
	return r, err
}

func (s smartwalleSDK) refund(ctx context.Context, outTradeNo, refundAmount, outRequestNo string) (result, error) {
	rsp, err := s.c.TradeRefund(ctx, alipay.TradeRefund{
		OutTradeNo: outTradeNo, RefundAmount: refundAmount, OutRequestNo: outRequestNo,
	})
	r, err := swResult(errOf(rsp, func() alipay.Error { return rsp.Error }), err, "TradeRefundRsp")
	if err == nil && rsp != nil {
		r.TradeNo, r.OutTradeNo = rsp.TradeNo, rsp.OutTradeNo
		r.RefundFee, r.FundChange = rsp.RefundFee, rsp.FundChange
	}
	return r, err
}

func (s smartwalleSDK) refundQuery(ctx context.Context, outTradeNo, outRequestNo string) (result, error) {
	rsp, err := s.c.TradeFastPayRefundQuery(ctx, alipay.TradeFastPayRefundQuery{
		OutTradeNo: outTradeNo, OutRequestNo: outRequestNo,
	})
	r, err := swResult(errOf(rsp, func() alipay.Error { return rsp.Error }), err, "TradeFastPayRefundQueryRsp")
	if err == nil && rsp != nil {
		r.TradeNo, r.OutTradeNo, r.OutRequestNo = rsp.TradeNo, rsp.OutTradeNo, rsp.OutRequestNo
		r.TotalAmount, r.RefundAmount, r.RefundStatus = rsp.TotalAmount, rsp.RefundAmount, rsp.RefundStatus
	}
	return r, err
}

func (s smartwalleSDK) cancel(ctx context.Context, outTradeNo string) (result, error) {
	// smartwalle sends "trade_no":"" along: empty must mean absent.
	rsp, err := s.c.TradeCancel(ctx, alipay.TradeCancel{OutTradeNo: outTradeNo})
	r, err := swResult(errOf(rsp, func() alipay.Error { return rsp.Error }), err, "TradeCancelRsp")
	if err == nil && rsp != nil {
		r.TradeNo, r.OutTradeNo, r.Action, r.RetryFlag = rsp.TradeNo, rsp.OutTradeNo, rsp.Action, rsp.RetryFlag
	}
	return r, err
}

func (s smartwalleSDK) close(ctx context.Context, outTradeNo string) (result, error) {
	rsp, err := s.c.TradeClose(ctx, alipay.TradeClose{OutTradeNo: outTradeNo})
	r, err := swResult(errOf(rsp, func() alipay.Error { return rsp.Error }), err, "TradeCloseRsp")
	if err == nil && rsp != nil {
		r.TradeNo, r.OutTradeNo = rsp.TradeNo, rsp.OutTradeNo
	}
	return r, err
}

// errOf reads the embedded Error of a possibly nil response.
func errOf[T any](rsp *T, get func() alipay.Error) alipay.Error {
	if rsp == nil {
		return alipay.Error{}
	}
	return get()
}

func (s smartwalleSDK) verifyNotification(ctx context.Context, form url.Values) (string, error) {
	// DecodeNotification is what smartwalle's README has merchants call:
	// it verifies over everything but sign, sign_type and alipay_cert_sn.
	n, err := s.c.DecodeNotification(ctx, form)
	if err != nil {
		return "", err
	}
	return string(n.TradeStatus), nil
}

func (s smartwalleSDK) pagePayURL(_ context.Context, outTradeNo, totalAmount, subject string) (string, error) {
	u, err := s.c.TradePagePay(alipay.TradePagePay{Trade: alipay.Trade{
		OutTradeNo: outTradeNo, TotalAmount: totalAmount, Subject: subject,
		ProductCode: "FAST_INSTANT_TRADE_PAY",
	}})
	if err != nil {
		return "", err
	}
	return u.String(), nil
}
