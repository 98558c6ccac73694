package apierr_test

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
)

// Each v1 error the table names comes back from its v3 code as itself:
// the mock answers by V3Code, the client reads by FromV3.
func TestV3CodesRoundTrip(t *testing.T) {
	for _, e := range []*apierr.Error{
		apierr.Missing("isv.missing-method", "m"),
		apierr.Invalid("isv.missing-app-cert-sn", "m"),
		apierr.Invalid("isv.missing-encypt-key", "m"),
		apierr.Invalid("isv.isv.grant-type-invalid", "m"),
		apierr.New(apierr.CodeConditions, "isv.missing-signature-config", "m"),
		apierr.New(apierr.CodeTokenInvalid, "aop.invalid-app-auth-token", "m"),
		apierr.New(apierr.CodePermission, "isv.cross-site-request-refused", "m"),
		apierr.Business("isv.invalid_arguments", "m"),
		apierr.Business("ACQ.TRADE_NOT_EXIST", "m"),
		apierr.SystemBusy(),
		apierr.Unknown("ACQ.SYSTEM_ERROR", "系统异常"),
		apierr.Unknown(apierr.SubGatewayUnknown, apierr.SubMsgGatewayUnknown),
		apierr.Unknown("isv.invalid-parameter", "m"),
		apierr.Business("isv.invalid-parameter", "m"),
		{Code: apierr.CodeInvalid, Msg: apierr.Msg(apierr.CodeInvalid)},
	} {
		status := 400
		if e.Code == apierr.CodeUnknown {
			status = 500
		}
		msg := e.SubMsg
		if msg == "" {
			msg = e.Msg // v3's message without a sub_msg
		}
		got := apierr.FromV3(status, apierr.V3Code(e), msg)
		if *got != *e {
			t.Errorf("%s %s → v3 %q → %s %s", e.Code, e.SubCode, apierr.V3Code(e), got.Code, got.SubCode)
		}
	}
	if c := apierr.V3Code(apierr.Invalid("isv.isv.grant-type-invalid", "")); c != "grant-type-invalid" {
		t.Errorf("v3 code %q", c)
	}
	if c := apierr.V3Code(apierr.Business("isp.bill_not_exist", "")); c != "BILL_NOT_EXIST" {
		t.Errorf("v3 code %q", c)
	}
}
