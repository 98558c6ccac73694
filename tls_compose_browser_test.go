package main

import (
	"os"
	"strings"
	"testing"
)

// Page and wap pay are posted to the gateway by the buyer's browser, not by
// the app (the SDKs' pageExecute form posts to
// https://openapi.alipay.com/gateway.do): docs/tls.md's Compose setup says
// what the browser's machine needs for them.
func TestTLSDocsSayWhereABrowserPostsPagePay(t *testing.T) {
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
