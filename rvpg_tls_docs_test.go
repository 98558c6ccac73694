package main

// Reviewer rv-pg's proof test for docs/tls.md.

import (
	"os"
	"strings"
	"testing"
)

// Page and wap pay are posted to the gateway by the buyer's browser, not by
// the app: the SDKs' pageExecute returns a form whose action is the app's
// gateway, https://openapi.alipay.com/gateway.do once the app is unmodified.
// docs/tls.md's Compose setup points Alipay's names at the mock for the app
// container only (extra_hosts) and publishes 8080, not 443; it says what a
// browser needs for qr_code, but not for page or wap pay, so a tester who
// opens the app's checkout in the host's browser posts the mock's signed
// dev-app request to the real openapi.alipay.com. The section should say
// that the browser's machine must resolve the gateway name to the mock too
// (and reach its 443, trusting the CA), or how to get there otherwise.
func TestRvpgTLSDocsSayWhereABrowserPostsPagePay(t *testing.T) {
	b, err := os.ReadFile("docs/tls.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start := strings.Index(doc, "## An unmodified app in Compose")
	if start < 0 {
		t.Fatal("no Compose section in docs/tls.md")
	}
	section := doc[start:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	lower := strings.ToLower(section)
	if !(strings.Contains(lower, "page pay") || strings.Contains(lower, "wap pay")) || !strings.Contains(lower, "browser") {
		t.Errorf("docs/tls.md's Compose section does not say how the buyer's browser reaches https://openapi.alipay.com/gateway.do for page and wap pay:\n%s", section)
	}
}
