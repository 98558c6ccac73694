package mock_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/control"
)

// Each surface answers what its handlers do not, an HTTP method echo does
// not route included, in its own shape: Alipay's error on gateway.do, v3's
// JSON on /v3, the control API's JSON elsewhere; all with the strict
// headers.
func TestSurfacesAnswerUnroutedRequestsInTheirShape(t *testing.T) {
	s := mock.NewTestServer(t, mock.Options{})
	tests := []struct {
		method, path string
		status       int
		want         string // a key and value the JSON body must hold, "key=value"
		corp         bool   // Cross-Origin-Resource-Policy: same-origin
	}{
		{"BREW", "/gateway.do", http.StatusOK, "sub_code=isp.unknow-error", false},
		{"BREW", "/v3/alipay/trade/query", http.StatusBadRequest, "code=invalid-http-method", false},
		{"BREW", "/v3", http.StatusBadRequest, "code=invalid-http-method", false},
		{"BREW", "/_mock/health", http.StatusNotFound, "error=Not Found", true},
		{"GET", "/_mock/nothing", http.StatusNotFound, "error=Not Found", true},
		{"GET", "/%5Fmock/health", http.StatusNotFound, "error=Not Found", false},
		{"GET", "/nothing", http.StatusNotFound, "error=Not Found", false},
		{"POST", "/downloadBillFile.resource", http.StatusMethodNotAllowed, "error=Method Not Allowed", false},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, s.URL()+tt.path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("HTTP %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatalf("body is not JSON: %s", body)
			}
			if e, ok := m["error_response"].(map[string]any); ok {
				m = e
			}
			k, v, _ := strings.Cut(tt.want, "=")
			if m[k] != v {
				t.Errorf("%s = %v, want %q (%s)", k, m[k], v, body)
			}
			if resp.Header.Get("Content-Security-Policy") != mock.StrictCSP || resp.Header.Get("X-Frame-Options") != "DENY" {
				t.Errorf("headers %v", resp.Header)
			}
			if got := resp.Header.Get("Cross-Origin-Resource-Policy") == "same-origin"; got != tt.corp {
				t.Errorf("Cross-Origin-Resource-Policy = %q", resp.Header.Get("Cross-Origin-Resource-Policy"))
			}
		})
	}
}

// Without --public-url, the links the mock hands out (qr_code, the
// cashier redirect) take the scheme the client reached it by, as a proxy
// reports it in X-Forwarded-Proto, and no scheme but http and https.
func TestLinksTakeTheRequestScheme(t *testing.T) {
	h := newHarness(t, mock.Options{})
	host := strings.TrimPrefix(h.http.URL, "http://")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for i, tt := range []struct{ proto, want string }{
		{"", "http://"},
		{"https", "https://"},
		{"HTTPS", "https://"},
		{"javascript", "http://"},
	} {
		t.Run("X-Forwarded-Proto "+tt.proto, func(t *testing.T) {
			send := func(p map[string]string) *http.Response {
				req, _ := http.NewRequest("POST", h.http.URL+"/gateway.do", strings.NewReader(form(p).Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				if tt.proto != "" {
					req.Header.Set("X-Forwarded-Proto", tt.proto)
				}
				resp, err := noRedirect.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				return resp
			}
			resp := send(h.params("alipay.trade.precreate", fmt.Sprintf(`{"out_trade_no":"SCHEME%d","total_amount":"5.00","subject":"s"}`, i), nil))
			qr := h.verify("alipay.trade.precreate", h.read(resp), true)["qr_code"]
			if s, _ := qr.(string); !strings.HasPrefix(s, tt.want+host+"/qr/") {
				t.Errorf("qr_code = %v, want %s%s/qr/...", qr, tt.want, host)
			}
			resp = send(h.params("alipay.trade.page.pay", fmt.Sprintf(`{"out_trade_no":"SCHEMEP%d","total_amount":"6.00","subject":"s","product_code":"FAST_INSTANT_TRADE_PAY"}`, i), nil))
			resp.Body.Close()
			if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, tt.want+host+"/cashier/") {
				t.Errorf("page pay Location = %q, want %s%s/cashier/...", loc, tt.want, host)
			}
		})
	}
}

// HEAD is GET without the body (RFC 9110 §9.3.2, §9.1): every GET route
// of the control API, the dashboard, the buyer pages and the bill
// download answers it as its GET does, through the same guard: a client
// the guard refuses a GET is refused the HEAD. `wget --spider`, uptime
// monitors and link checkers ask HEAD.
func TestHeadAnswersAsGet(t *testing.T) {
	h := newHarness(t, mock.Options{})
	qr, err := url.Parse(h.precreate("head-1", nil))
	if err != nil {
		t.Fatal(err)
	}
	relayed := map[string]string{"X-Forwarded-For": "203.0.113.7"}
	for _, c := range []struct {
		path   string
		header map[string]string
		want   int
	}{
		{"/_mock/health", nil, http.StatusOK},
		{"/_mock/alipay-public-key", nil, http.StatusOK},
		{"/_mock/trades/head-1", nil, http.StatusOK},
		{"/_mock/trades/nothing", nil, http.StatusNotFound},
		{"/_mock/ui/", nil, http.StatusOK},
		{"/_mock/ui/trades", nil, http.StatusOK},
		{qr.Path, nil, http.StatusOK},
		{qr.Path + ".png", nil, http.StatusOK},
		{"/qr/bax0nothing", nil, http.StatusNotFound},
		{"/downloadBillFile.resource?token=nothing", nil, http.StatusNotFound},
		{"/_mock/health", relayed, http.StatusForbidden},
		{"/_mock/ui/", relayed, http.StatusForbidden},
	} {
		get, _, getHdr := h.do(request{path: c.path, header: c.header})
		if get != c.want {
			t.Fatalf("GET %s: HTTP %d, want %d", c.path, get, c.want)
		}
		head, body, hdr := h.do(request{method: http.MethodHead, path: c.path, header: c.header})
		if head != get || body != "" || hdr.Get("Content-Type") != getHdr.Get("Content-Type") {
			t.Errorf("HEAD %s: HTTP %d (%s) with %d bytes, want %d (%s) with no body, as GET answers",
				c.path, head, hdr.Get("Content-Type"), len(body), get, getHdr.Get("Content-Type"))
		}
	}
}

// A HEAD of the notifications' long poll answers at once, as a GET
// without wait: nothing reads the list it would wait for. (With the wait,
// it would answer only when MaxWait, 60 s, ran out.)
func TestHeadDoesNotWaitForALongPoll(t *testing.T) {
	h := newHarness(t, mock.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), control.MaxWait/2)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, h.http.URL+"/_mock/notifications?wait=60s&count=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("HEAD of the long poll did not answer before the wait ran out: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("HEAD of the long poll: HTTP %d, want 200", resp.StatusCode)
	}
}
