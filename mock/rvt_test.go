package mock_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// A browser that kept the cookie of an earlier --control-token (the mock
// restarted with a new one, another mock on the same host and port) opens
// /_mock/ui?token=NEW as docs/security.md says: the new token must let it
// in and replace the cookie. The stale cookie wins over ?token= instead,
// so the dashboard answers 401/403 until the user clears cookies by hand.
func TestRvtTokenInQueryReplacesAStaleCookie(t *testing.T) {
	h := newHarness(t, mock.Options{ControlToken: "new-secret"})
	// Not loopback by name: only the token opens it.
	const host = "mock.lan:8080"
	status, body, _ := h.do(request{path: "/_mock/ui?token=new-secret", host: host})
	if status != http.StatusOK {
		t.Fatalf("no cookie, ?token=: HTTP %d, want 200: %.200s", status, body)
	}
	status, body, hdr := h.do(request{path: "/_mock/ui?token=new-secret", host: host,
		header: map[string]string{"Cookie": "alipay_mock_token=old-secret"}})
	if status != http.StatusOK {
		t.Fatalf("stale cookie, right ?token=: HTTP %d, want 200 and the cookie replaced: %.200s", status, body)
	}
	if !strings.Contains(hdr.Get("Set-Cookie"), "alipay_mock_token=new-secret") {
		t.Fatalf("the stale cookie is not replaced: Set-Cookie %q", hdr.Get("Set-Cookie"))
	}
}

// The red packet cashier's Cancel sends the browser to return_url with
// nothing added: no sign, no out_order_no. docs/differences.md: "The
// cashier sends the browser to return_url only after payment, signed";
// docs/pages.md: "the cashier never sends the browser to return_url
// unsigned". A merchant's return page that treats an arrival as paid (or
// fails on a missing sign) sees a payment that never happened.
func TestRvtCouponCashierCancelNeverSendsToReturnURLUnsigned(t *testing.T) {
	h := newHarness(t, mock.Options{})
	p := h.params("alipay.fund.coupon.order.page.pay", `{"out_order_no":"RVT1","out_request_no":"RVT1-pay","order_title":"红包","amount":"3.00"}`,
		func(m map[string]string) { m["return_url"] = "https://shop.example/return" })
	status, _, hdr := h.do(request{path: "/gateway.do?" + form(p).Encode()})
	cashier := hdr.Get("Location")
	if status != http.StatusFound || !strings.Contains(cashier, "/cashier/coupon/") {
		t.Fatalf("red packet page pay: HTTP %d Location %q", status, cashier)
	}
	status, body, hdr := h.do(request{method: http.MethodPost, path: cashier, body: "action=close",
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
	if loc := hdr.Get("Location"); strings.HasPrefix(loc, "https://shop.example/return") {
		u, _ := url.Parse(loc)
		if u.Query().Get("sign") == "" {
			t.Fatalf("Cancel sent the browser to return_url unsigned: HTTP %d Location %q", status, loc)
		}
	}
	_ = body
}
