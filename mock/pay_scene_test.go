package mock_test

import (
	"context"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"strings"
)

// A face payment (scene security_code) gives a 刷脸标识串 as auth_code: "fp
// 开头的35位字符串" (AlipayTradePayModel.auth_code, whose limit is 64). It
// pays, and like a barcode the token is one buyer in every mock; under
// bar_code it is no payment code.
func TestFacePayTokenIsAnAuthCode(t *testing.T) {
	a := mocktest.New(t, mock.Options{Seed: 1})
	b := mocktest.New(t, mock.Options{Seed: 2})
	fp := "fp" + "0123456789abcdef0123456789abcdef0" // 35 characters
	pay := func(m *mocktest.Mock, out, scene string) map[string]any {
		return m.Call("alipay.trade.pay", `{"out_trade_no":"`+out+`","scene":"`+scene+`","auth_code":"`+fp+`","total_amount":"10.00","subject":"s"}`)
	}
	x, y := pay(a, "FACE1", "security_code"), pay(b, "FACE1", "security_code")
	expect(t, x, "code", "10000")
	expect(t, y, "code", "10000")
	if x["buyer_user_id"] == nil || x["buyer_user_id"] != y["buyer_user_id"] {
		t.Errorf("one face token, two mocks: buyer %v and %v", x["buyer_user_id"], y["buyer_user_id"])
	}
	expect(t, pay(a, "FACE2", "bar_code"), "code", "40004", "sub_code", "ACQ.PAYMENT_AUTH_CODE_INVALID")
	r := a.Call("alipay.trade.pay", `{"out_trade_no":"FACE3","scene":"security_code","auth_code":"`+fp+`0","total_amount":"10.00","subject":"s"}`)
	expect(t, r, "code", "40004", "sub_code", "ACQ.PAYMENT_AUTH_CODE_INVALID")
}

// scene defaults to bar_code ("默认值为bar_code", AlipayTradePayModel): a
// barcode pay without it pays, where it answered scene不能为空.
func TestPaySceneDefaultsToBarCode(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	r := m.Call("alipay.trade.pay", `{"out_trade_no":"NOSCENE","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`)
	expect(t, r, "code", "10000")
	fp := "fp" + "0123456789abcdef0123456789abcdef0"
	r = m.Call("alipay.trade.pay", `{"out_trade_no":"NOSCENEFP","auth_code":"`+fp+`","total_amount":"10.00","subject":"s"}`)
	expect(t, r, "code", "40004", "sub_code", "ACQ.PAYMENT_AUTH_CODE_INVALID")
}

// With --data a face-paid trade comes back after a restart with its token's
// buyer.
func TestFacePayKeptAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	at := time.Date(2026, 6, 5, 10, 0, 0, 0, time.UTC)
	fp := "fp" + "0123456789abcdef0123456789abcdef0"
	s1, c1 := startWithData(t, dir, at)
	p, err := c1.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "FACEKEPT", TotalAmount: amount.MustParse("10.00"), Subject: "s"},
		Scene: "security_code", AuthCode: fp})
	if err != nil || p.BuyerUserID == "" {
		t.Fatalf("pay = %+v, %v", p, err)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	_, c2 := startWithData(t, dir, at)
	q, err := c2.Query(ctx, client.QueryRequest{OutTradeNo: "FACEKEPT"})
	if err != nil || q.TradeStatus != "TRADE_SUCCESS" || q.BuyerUserID != p.BuyerUserID {
		t.Fatalf("after restart: query = %+v, %v; pay had buyer %s", q, err, p.BuyerUserID)
	}
}

// A face payment's auth_code is "刷脸标识串（fp开头的35位字符串）"
// (AlipayTradePayModel): fp and 33 letters or digits, as barcodes are held
// to digits. Before, fp and 33 of anything (spaces, markup, Chinese: 101
// bytes past the 64 limit, counted in runes) paid as a face token.
func TestFaceTokenIsFpAnd33LettersOrDigits(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	for i, code := range []string{"fp" + strings.Repeat("中", 33), "fp" + strings.Repeat(" ", 33), "fp" + strings.Repeat("<", 33)} {
		r := m.Call("alipay.trade.pay", `{"out_trade_no":"FACE-BAD`+string(rune('0'+i))+`","scene":"security_code","auth_code":"`+code+`","total_amount":"1.00","subject":"s"}`)
		if r["sub_code"] != "ACQ.PAYMENT_AUTH_CODE_INVALID" {
			t.Errorf("auth_code %q: %v %v %v, want ACQ.PAYMENT_AUTH_CODE_INVALID", code, r["code"], r["sub_code"], r["buyer_user_id"])
		}
	}
}
