package alipay_test

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay"
)

func TestIsAlipayHost(t *testing.T) {
	for _, h := range alipay.Hosts {
		if !alipay.IsAlipayHost(h) {
			t.Errorf("IsAlipayHost(%q) = false for a name of alipay.Hosts", h)
		}
	}
	for host, want := range map[string]bool{
		"openapi.alipay.com:443":                true,
		"QR.ALIPAY.COM.":                        true,
		"openapi-sandbox.dl.alipaydev.com:8443": true,
		"alipay.com":                            true,
		"openapi.alipay.com.evil.example":       false,
		"notalipay.com":                         false,
		"alipay.com.cn":                         false,
		"localhost:8080":                        false,
		"[::1]:443":                             false,
		"":                                      false,
	} {
		if got := alipay.IsAlipayHost(host); got != want {
			t.Errorf("IsAlipayHost(%q) = %v, want %v", host, got, want)
		}
	}
}
