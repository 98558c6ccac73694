package mock_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// sendGateway sends p to gateway.do with the browser headers h ("Host"
// sets the Host; GET puts p in the query, POST in the form body) and returns the answer's status,
// Location and body.
func sendGateway(t *testing.T, m *mocktest.Mock, method string, p map[string]string, h map[string]string) (int, string, []byte) {
	t.Helper()
	form := mocktest.Form(p).Encode()
	var req *http.Request
	var err error
	if method == http.MethodGet {
		req, err = http.NewRequest(method, m.URL+"/gateway.do?"+form, nil)
	} else {
		req, err = http.NewRequest(method, m.URL+"/gateway.do", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Location"), b
}

// node is the first *_response member of a gateway.do answer.
func node(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var env map[string]json.RawMessage
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("not JSON: %s", body)
	}
	for k, v := range env {
		if strings.HasSuffix(k, "_response") {
			var n map[string]any
			if err := json.Unmarshal(v, &n); err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no response node: %s", body)
	return nil
}

// A web page on another site cannot make the tester's browser close (or
// refund, or query) the tester's trades through gateway.do or v3, though the
// dev key it signs with is public, nor after DNS rebinding (same-origin to
// the browser, under a Host that is none of the mock's names); a page of the
// tester's own app on another port of localhost (same-site), a typed URL,
// SDKs on any Host and page methods work, and --allow-cross-site-gateway lets
// every site through, as production does.
func TestGatewayRefusesCrossSiteBrowserCalls(t *testing.T) {
	visible := trade.Options{ShowUnscanned: true} // the precreate trades are queried before a scan
	m := mocktest.New(t, mock.Options{FundPublicKey: true, Trades: visible, PublicURL: "http://pay.example.test:8080", AllowedHosts: []string{"mock.lan"}})
	m.Call("alipay.trade.precreate", `{"out_trade_no":"XS-1","total_amount":"1.00","subject":"s"}`)
	closeXS1 := func() map[string]string {
		return m.Params("alipay.trade.close", `{"out_trade_no":"XS-1"}`, nil)
	}
	stillOpen := func(t *testing.T) {
		t.Helper()
		q := m.Call("alipay.trade.query", `{"out_trade_no":"XS-1"}`)
		if q["trade_status"] != "WAIT_BUYER_PAY" {
			t.Fatalf("query after a refused close: %v", q)
		}
	}
	evil := "http://evil.example"
	const firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
	refused := []struct {
		name   string
		method string
		header map[string]string
		msg    string
	}{
		{"form post", http.MethodPost, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": evil}, gateway.CrossSiteSubMsg},
		{"image or link (GET)", http.MethodGet, map[string]string{"Sec-Fetch-Site": "cross-site"}, gateway.CrossSiteSubMsg},
		{"127.0.0.1 is another site than localhost", http.MethodPost, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost:3000"}, gateway.CrossSiteSubMsg},
		{"old browser: Origin only", http.MethodPost, map[string]string{"Origin": evil}, gateway.CrossSiteSubMsg},
		{"old browser: opaque origin", http.MethodPost, map[string]string{"Origin": "null"}, gateway.CrossSiteSubMsg},
		// DNS rebinding: evil.example now resolves to 127.0.0.1, so the
		// browser takes the page's requests to the mock as same-origin.
		{"DNS rebinding", http.MethodPost, map[string]string{"Host": "evil.example:8080", "Sec-Fetch-Site": "same-origin", "Origin": "http://evil.example:8080"}, gateway.RebindingSubMsg},
		{"DNS rebinding, plain http: a POST carries Origin", http.MethodPost, map[string]string{"Host": "evil.example:8080", "Origin": "http://evil.example:8080", "User-Agent": firefox}, gateway.RebindingSubMsg},
		// Browsers send Sec-Fetch-* only to https and loopback, and a GET
		// carries no Origin: a rebinding page's same-origin fetch GET (it
		// would read the answer), another site's image on a mock reached
		// by a LAN or Docker name, an old browser's image on localhost.
		{"DNS rebinding, plain http: a same-origin fetch GET", http.MethodGet, map[string]string{"Host": "evil.example:8080", "User-Agent": firefox}, gateway.UnmarkedSubMsg},
		{"image on a plain-http --allowed-host", http.MethodGet, map[string]string{"Host": "mock.lan", "User-Agent": firefox}, gateway.UnmarkedSubMsg},
		{"image on the plain-http --public-url host", http.MethodGet, map[string]string{"Host": "pay.example.test:8080", "User-Agent": firefox}, gateway.UnmarkedSubMsg},
		{"old browser: image on localhost", http.MethodGet, map[string]string{"User-Agent": firefox}, gateway.UnmarkedSubMsg},
		// Firefox lets a script set fetch's User-Agent: a rebinding page's
		// GET can look like a server's, so a GET of gateway.do under a name
		// none of the mock's is refused whoever sends it.
		{"DNS rebinding, plain http: a fetch GET with a made-up User-Agent", http.MethodGet, map[string]string{"Host": "evil.example:8080", "User-Agent": "Go-http-client/1.1"}, gateway.UnnamedGETSubMsg},
		{"a server's GET on a name none of the mock's", http.MethodGet, map[string]string{"Host": "alipay-mock:8080", "User-Agent": "Go-http-client/1.1"}, gateway.UnnamedGETSubMsg},
	}
	for _, tc := range refused {
		t.Run("refused "+tc.name, func(t *testing.T) {
			status, _, body := sendGateway(t, m, tc.method, closeXS1(), tc.header)
			n := node(t, body)
			if status != http.StatusOK || n["code"] != "40006" || n["sub_code"] != gateway.CrossSiteSubCode || n["sub_msg"] != tc.msg {
				t.Fatalf("HTTP %d %s", status, body)
			}
			stillOpen(t)
		})
	}

	accepted := []struct {
		name   string
		method string
		header map[string]string
	}{
		{"no browser headers (SDKs)", http.MethodPost, nil},
		{"an SDK's or curl's GET", http.MethodGet, map[string]string{"User-Agent": "curl/8.5.0"}},
		{"same-site: the tester's app on another port", http.MethodPost, map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "http://127.0.0.1:3000"}},
		{"same-origin", http.MethodPost, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": m.URL}},
		{"typed into the address bar", http.MethodGet, map[string]string{"Sec-Fetch-Site": "none", "User-Agent": firefox}},
		{"old browser: same host, other port", http.MethodPost, map[string]string{"Origin": "http://127.0.0.1:3000"}},
		{"a server on another name (a Docker service)", http.MethodPost, map[string]string{"Host": "alipay-mock:8080"}},
		{"a server's GET on an --allowed-host", http.MethodGet, map[string]string{"Host": "mock.lan", "User-Agent": "Go-http-client/1.1"}},
		{"a server's GET under Alipay's name (--tls)", http.MethodGet, map[string]string{"Host": "openapi.alipay.com", "User-Agent": "Go-http-client/1.1"}},
		{"a page under Alipay's name (--tls)", http.MethodPost, map[string]string{"Host": "openapi.alipay.com", "Sec-Fetch-Site": "same-origin", "Origin": "https://openapi.alipay.com"}},
		{"a page under the --public-url host", http.MethodPost, map[string]string{"Host": "pay.example.test:8080", "Sec-Fetch-Site": "same-origin", "Origin": "http://pay.example.test:8080"}},
		{"a page under an --allowed-host", http.MethodPost, map[string]string{"Host": "mock.lan", "Sec-Fetch-Site": "same-site", "Origin": "http://app.mock.lan"}},
		{"a page's POST on a plain-http --allowed-host (Origin, no Sec-Fetch-Site)", http.MethodPost, map[string]string{"Host": "mock.lan", "Origin": "http://mock.lan", "User-Agent": firefox}},
	}
	for _, tc := range accepted {
		t.Run("accepted "+tc.name, func(t *testing.T) {
			status, _, body := sendGateway(t, m, tc.method, m.Params("alipay.trade.query", `{"out_trade_no":"XS-1"}`, nil), tc.header)
			if n := node(t, body); status != http.StatusOK || n["code"] != "10000" {
				t.Fatalf("HTTP %d %s", status, body)
			}
		})
	}

	t.Run("page method from another site", func(t *testing.T) {
		p := m.Params("alipay.trade.page.pay", `{"out_trade_no":"XS-PAGE","total_amount":"1.00","subject":"s","product_code":"FAST_INSTANT_TRADE_PAY"}`, nil)
		status, loc, body := sendGateway(t, m, http.MethodPost, p, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": evil})
		if status != http.StatusFound || !strings.Contains(loc, "/cashier/") {
			t.Fatalf("HTTP %d Location %q %s", status, loc, body)
		}
	})

	t.Run("v3", func(t *testing.T) {
		for _, tc := range []struct {
			site string
			want int
		}{{"cross-site", http.StatusForbidden}, {"same-site", http.StatusOK}} {
			rt := &browserTransport{site: tc.site}
			_, err := m.Client(func(c *client.Config) { c.HTTPClient = &http.Client{Transport: rt} }).
				QueryV3(context.Background(), client.QueryRequest{OutTradeNo: "XS-1"})
			if rt.status != tc.want {
				t.Fatalf("%s: HTTP %d, %v", tc.site, rt.status, err)
			}
			if tc.want == http.StatusForbidden && (err == nil || !strings.Contains(err.Error(), "cross-site-request-refused")) {
				t.Fatalf("%s: %v", tc.site, err)
			}
		}
		// A v3 GET method: a browser's GET that names no page is refused
		// (a rebinding page can set Authorization on a same-origin fetch).
		for _, tc := range []struct {
			ua      string
			refused bool
		}{{firefox, true}, {"", false}} {
			rt := &browserTransport{ua: tc.ua}
			var out map[string]any
			err := m.Client(func(c *client.Config) { c.HTTPClient = &http.Client{Transport: rt} }).
				V3(context.Background(), "alipay.fund.account.query", map[string]string{"account_type": "ACCTRANS_ACCOUNT"}, &out)
			if refused := rt.status == http.StatusForbidden && err != nil && strings.Contains(err.Error(), "cross-site-request-refused"); refused != tc.refused {
				t.Fatalf("GET with User-Agent %q: HTTP %d, %v", tc.ua, rt.status, err)
			}
		}
	})

	t.Run("--allow-cross-site-gateway", func(t *testing.T) {
		open := mocktest.New(t, mock.Options{FundPublicKey: true, AllowCrossSiteGateway: true, Trades: visible})
		open.Call("alipay.trade.precreate", `{"out_trade_no":"XS-2","total_amount":"1.00","subject":"s"}`)
		status, _, body := sendGateway(t, open, http.MethodPost, open.Params("alipay.trade.query", `{"out_trade_no":"XS-2"}`, nil),
			map[string]string{"Host": "evil.example:8080", "Sec-Fetch-Site": "same-origin"})
		if n := node(t, body); status != http.StatusOK || n["code"] != "10000" {
			t.Fatalf("rebinding: HTTP %d %s", status, body)
		}
		status, _, body = sendGateway(t, open, http.MethodPost, open.Params("alipay.trade.close", `{"out_trade_no":"XS-2"}`, nil),
			map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": evil})
		if n := node(t, body); status != http.StatusOK || n["code"] != "10000" {
			t.Fatalf("HTTP %d %s", status, body)
		}
		if q := open.Call("alipay.trade.query", `{"out_trade_no":"XS-2"}`); q["trade_status"] != "TRADE_CLOSED" {
			t.Fatalf("not closed: %v", q)
		}
	})
}

// browserTransport sends requests as a browser on another site or the same
// site would (Sec-Fetch-Site, User-Agent; each when set), and keeps the
// last answer's status.
type browserTransport struct {
	site, ua string
	status   int
}

func (b *browserTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if b.site != "" {
		r.Header.Set("Sec-Fetch-Site", b.site)
	}
	if b.ua != "" {
		r.Header.Set("User-Agent", b.ua)
	}
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		b.status = resp.StatusCode
	}
	return resp, err
}
