package main

import (
	"strings"
	"testing"
)

// A repeatable flag's command-line value is one value, commas and all;
// only its ALIPAY_MOCK_* variable splits at commas (docs/configuration.md).
func TestParamWithACommaIsOneParameter(t *testing.T) {
	code, out, errs := runCLI(t, "", "sign", "alipay.trade.query", "out_trade_no=1", "--param", "passback_params=a,b=c", "--print", "string")
	if code != 0 || !strings.Contains(out, "passback_params=a,b=c") || strings.Contains(out, "&b=c&") {
		t.Errorf("sign --param 'passback_params=a,b=c': exit %d, signed %q %s", code, strings.TrimSpace(out), errs)
	}
	code, out, errs = runCLI(t, "", "sign", "alipay.trade.query", "out_trade_no=1", "--param", "notify_url=https://m.example/n?x=1,2", "--print", "string")
	if code != 0 || !strings.Contains(out, "notify_url=https://m.example/n?x=1,2") {
		t.Errorf("sign --param notify_url with a comma: exit %d, %q %s", code, strings.TrimSpace(out), strings.TrimSpace(errs))
	}
}
