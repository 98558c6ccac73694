package alipay

import (
	"net"
	"strings"
)

// Hosts are the names of Alipay's servers that SDKs and apps call or send
// buyers to: the names alipay-mock's TLS certificate carries, and the
// names on which it serves only the gateway, v3 and the buyer pages.
//
// Sources: client/client.go (ProductionGateway, SandboxGateway,
// LegacySandboxGateway); gopay v1.5.123 alipay/client.go and customs.go
// (openapi, openapi-sandbox.dl, openapi.alipaydev, mapi); Alipay Easy SDK's
// Config.gatewayHost (openapi.alipay.com, openapi.alipaydev.com); the Node
// SDK's default gateway and endpoint, and the BasePath of Alipay's
// generated v3 SDKs (Java, C#), all openapi.alipay.com; the Python SDKs'
// gateway constants (openapi.alipay.com, openapi-sandbox.dl.alipaydev.com,
// formerly openapi.alipaydev.com). qr.alipay.com is the host
// of precreate's qr_code, openauth.alipay.com of the app and user
// authorisation pages, excashier.alipay.com and mclient.alipay.com of the
// page and wap cashiers, dwbillcenter.alipay.com of bill_download_url
// (examples at opendocs.alipay.com). The cashier hosts and
// openauth.alipaydev.com (the old sandbox's) are inferred from the URLs
// apps are sent to; no SDK names them.
var Hosts = []string{
	"openapi.alipay.com",
	"openapi-sandbox.dl.alipaydev.com",
	"openapi.alipaydev.com",
	"mapi.alipay.com",
	"excashier.alipay.com",
	"mclient.alipay.com",
	"qr.alipay.com",
	"openauth.alipay.com",
	"openauth.alipaydev.com",
	"dwbillcenter.alipay.com",
}

// QRHost is the host of a precreate qr_code in production:
// https://qr.alipay.com/bax0….
const QRHost = "qr.alipay.com"

// IsAlipayHost reports whether a Host header value (with or without a
// port, any case, a final dot allowed) is an Alipay name: one of Hosts,
// or any name under alipay.com or alipaydev.com.
func IsAlipayHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	for _, d := range []string{"alipay.com", "alipaydev.com"} {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}
