package mock_test

import (
	"context"
	"errors"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// Alipay documents out_trade_no as "64个字符以内，仅支持字母、数字、下划线":
// other characters (CJK, a space, '+', '/') are refused with the family's
// INVALID_PARAMETER naming that rule, over gateway.do and v3 alike. '-' and
// '.' pass: merchants use them and no source says production refuses them
// (docs/differences.md: inferred).
func TestOutTradeNoCharacters(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	c := m.Client(nil)
	ctx := context.Background()
	order := func(out string) client.PrecreateRequest {
		return client.PrecreateRequest{Order: client.Order{OutTradeNo: out, TotalAmount: amount.MustParse("1.00"), Subject: "s"}}
	}
	for _, out := range []string{"订单-1", "A B", "a+b", "a/b", "x\ty"} {
		for via, call := range map[string]func(client.PrecreateRequest) error{
			"gateway.do": func(r client.PrecreateRequest) error { _, err := c.Precreate(ctx, r); return err },
			"v3":         func(r client.PrecreateRequest) error { _, err := c.PrecreateV3(ctx, r); return err },
		} {
			err := call(order(out))
			var e *client.Error
			if !errors.As(err, &e) || e.Code != "40004" || e.SubCode != "ACQ.INVALID_PARAMETER" ||
				e.SubMsg != "参数无效：out_trade_no只能包含字母、数字、下划线" {
				t.Errorf("%s, out_trade_no %q: %v; want 40004 ACQ.INVALID_PARAMETER naming letters, digits and underscores", via, out, err)
			}
		}
	}
	for _, out := range []string{"Order_2026", "ORD-2026-11-23", "v1.2.3"} {
		if p, err := c.Precreate(ctx, order(out)); err != nil || p.Code != client.CodeSuccess {
			t.Errorf("out_trade_no %q: %+v %v; want it accepted", out, p, err)
		}
	}
}
