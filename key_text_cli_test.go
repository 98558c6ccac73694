package main

import (
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
)

// A damaged base64 private key given as text to --key or
// --alipay-private-key is neither a file nor a key: the error names the
// flag and says so, and never prints the key (it was "open MIIEv…: file
// name too long", the whole key on the terminal and in CI logs).
func TestDamagedPrivateKeyTextIsNeverEchoed(t *testing.T) {
	b64 := strings.TrimSpace(string(keys.DevFile("app_private_key_pkcs8.txt")))
	bad := b64[:100] + b64[101:]
	for _, tc := range []struct {
		flag string
		args []string
	}{
		{"--key", []string{"sign", "alipay.trade.query", "--key", bad}},
		{"--key", []string{"call", "alipay.trade.query", "--gateway", "http://127.0.0.1:1/gateway.do", "--key", bad}},
		{"--alipay-private-key", []string{"serve", "--addr", "127.0.0.1:0", "--alipay-private-key", bad}},
	} {
		code, out, errs := runCLI(t, "", tc.args...)
		if code == 0 {
			t.Errorf("%s: exit 0", tc.args[0])
		}
		if strings.Contains(errs+out, bad[:64]) {
			t.Errorf("%s with a damaged base64 private key prints the key: %.120s…", tc.args[0], errs)
		}
		if want := tc.flag + ": neither a readable file"; !strings.Contains(errs, want) {
			t.Errorf("%s: %q, want %q", tc.args[0], errs, want)
		}
	}
}
