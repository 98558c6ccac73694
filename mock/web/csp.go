package web

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
)

// DashboardCSP is the Content-Security-Policy of the dashboard: its own
// script and stylesheet only (no inline code), no framing, forms only to
// itself.
const DashboardCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// PageCSP is the Content-Security-Policy of the buyer pages (cashier, QR
// page): no script at all, the page's own inline stylesheet allowed by its
// hash, images (the QR code) from the mock. form-action is left open: the
// cashier's form is answered with a redirect to the merchant's return_url,
// which form-action would block. Framing is allowed, as production's QR
// page can be embedded (qr_pay_mode 4).
var PageCSP = pageCSP(templateFS, "templates/order.html", "templates/missing.html")

// styleBlock is an inline stylesheet of a template.
var styleBlock = regexp.MustCompile(`(?s)<style>(.*?)</style>`)

// pageCSP builds the buyer pages' policy from their templates: each inline
// <style> is allowed by the SHA-256 of its text, which the templates write
// out unchanged (a template action inside one would change the text, so it
// is refused here).
func pageCSP(fsys fs.FS, names ...string) string {
	var hashes []string
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			panic(err)
		}
		for _, m := range styleBlock.FindAllSubmatch(b, -1) {
			if strings.Contains(string(m[1]), "{{") {
				panic(fmt.Sprintf("%s: a <style> with template actions cannot be allowed by hash", name))
			}
			sum := sha256.Sum256(m[1])
			hashes = append(hashes, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
		}
	}
	style := "'none'"
	if len(hashes) > 0 {
		style = strings.Join(hashes, " ")
	}
	return "default-src 'none'; img-src 'self'; style-src " + style + "; object-src 'none'; base-uri 'none'"
}
