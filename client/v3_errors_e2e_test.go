package client_test

import (
	"context"
	"errors"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// The same refusal through Do and through V3 comes back as the same
// *client.Error (the client's docs: "gateway-level codes as their v1 code
// and prefixed sub_code"): both sides read apierr's one v1<->v3 table,
// where missing-app-cert-sn and missing-encypt-key are 40002, and v1's
// isv.isv.grant-type-invalid keeps its doubled prefix.
func TestV3ErrorsMapToTheV1CodeDoGets(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	c := m.Client(nil)
	ctx := context.Background()
	asErr := func(err error) *client.Error {
		var e *client.Error
		if !errors.As(err, &e) {
			t.Fatalf("not a *client.Error: %v", err)
		}
		return e
	}
	t.Run("fund method from a public-key app", func(t *testing.T) {
		biz := map[string]string{"alipay_user_id": "2088000000000001", "account_type": "ACCTRANS_ACCOUNT"}
		v1 := asErr(c.Do(ctx, "alipay.fund.account.query", biz, nil))
		v3 := asErr(c.V3(ctx, "alipay.fund.account.query", biz, nil))
		if v1.Code != "40002" || v1.SubCode != "isv.missing-app-cert-sn" {
			t.Fatalf("v1: %v", v1)
		}
		if v3.Code != v1.Code || v3.SubCode != v1.SubCode {
			t.Errorf("v3 maps to %s %s, v1 answers %s %s", v3.Code, v3.SubCode, v1.Code, v1.SubCode)
		}
	})
	t.Run("encrypted request from an app with no content key", func(t *testing.T) {
		ce := m.Client(func(cfg *client.Config) { cfg.EncryptKey = sign.GenerateAESKey() })
		biz := map[string]string{"out_trade_no": "V3ERR-E1"}
		v1 := asErr(ce.Do(ctx, "alipay.trade.query", biz, nil))
		v3 := asErr(ce.V3(ctx, "alipay.trade.query", biz, nil))
		if v3.Code != v1.Code || v3.SubCode != v1.SubCode {
			t.Errorf("v3 maps to %s %s, v1 answers %s %s", v3.Code, v3.SubCode, v1.Code, v1.SubCode)
		}
	})
	t.Run("grant_type not known", func(t *testing.T) {
		v1 := asErr(c.Do(ctx, "alipay.system.oauth.token", nil, nil, client.WithParam("grant_type", "nope"), client.WithParam("code", "x")))
		v3 := asErr(c.V3(ctx, "alipay.system.oauth.token", map[string]string{"grant_type": "nope", "code": "x"}, nil))
		if v3.Code != v1.Code || v3.SubCode != v1.SubCode {
			t.Errorf("v3 maps to %s %s, v1 answers %s %s", v3.Code, v3.SubCode, v1.Code, v1.SubCode)
		}
	})
}
