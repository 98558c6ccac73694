package mock_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	legacyrouter "github.com/getkin/kin-openapi/routers/legacy"
	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/control"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/web"
)

// GET /_mock/openapi.json describes every control-API route the mock
// registers, and nothing else: a route added without its description (or
// a description left behind by a removed route) fails here.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	m.ControlJSON(http.MethodGet, "/openapi.json", nil, http.StatusOK, &doc)
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if method == "parameters" {
				continue
			}
			documented[strings.ToUpper(method)+" "+path] = true
			if _, ok := op["responses"]; !ok {
				t.Errorf("%s %s: no responses", method, path)
			}
		}
	}
	param := regexp.MustCompile(`:(\w+)`)
	routed := map[string]bool{}
	for _, r := range m.Srv.Routes() {
		if r.Method == echo.RouteNotFound || r.Method == http.MethodHead || !strings.HasPrefix(r.Path, control.Prefix+"/") ||
			strings.HasPrefix(r.Path, web.DashboardPrefix) {
			continue
		}
		routed[r.Method+" "+param.ReplaceAllString(r.Path, "{$1}")] = true
	}
	if len(routed) < 30 {
		t.Fatalf("only %d control routes found: %v", len(routed), routed)
	}
	for _, k := range sorted(routed) {
		if !documented[k] {
			t.Errorf("routed, not in openapi.json: %s", k)
		}
	}
	for _, k := range sorted(documented) {
		if !routed[k] {
			t.Errorf("in openapi.json, not routed: %s", k)
		}
	}

	// Every $ref resolves.
	raw := m.Control(http.MethodGet, "/openapi.json", nil, http.StatusOK)
	var whole map[string]any
	if err := json.Unmarshal(raw, &whole); err != nil {
		t.Fatal(err)
	}
	for _, ref := range regexp.MustCompile(`"\$ref":"#/([^"]+)"`).FindAllStringSubmatch(string(raw), -1) {
		var at any = whole
		for _, part := range strings.Split(ref[1], "/") {
			obj, _ := at.(map[string]any)
			at = obj[part]
		}
		if at == nil {
			t.Errorf("$ref #/%s resolves to nothing", ref[1])
		}
	}
}

func sorted(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// The document is valid OpenAPI 3, and what the mock answers matches it:
// each answer below is checked against its path's response schema (times
// included: the Time schema's pattern is Alipay's text).
func TestOpenAPIDescribesTheAnswers(t *testing.T) {
	ctx := context.Background()
	m := mocktest.New(t, mock.Options{})
	b, err := control.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(ctx); err != nil {
		t.Fatalf("not valid OpenAPI 3: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: m.URL}}
	router, err := legacyrouter.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}

	shop := mocktest.NewMerchant(t, "fail")
	m.Post(m.Params("alipay.trade.precreate", `{"out_trade_no":"OA-1","total_amount":"2.00","subject":"s"}`,
		func(p map[string]string) { p["notify_url"] = shop.URL }))
	// Tokens as the list shows them, with grant and gen: one refreshed
	// twice, the first refresh's pair replaced by the second's.
	var code struct {
		Code string `json:"app_auth_code"`
	}
	postJSON(t, m.URL+"/_mock/app-auth-codes", `{"app_id":"`+keys.DevAppID+`"}`, http.StatusCreated, &code)
	tok := m.Call("alipay.open.auth.token.app", `{"grant_type":"authorization_code","code":"`+code.Code+`"}`)
	for range 2 {
		if r := m.Call("alipay.open.auth.token.app", `{"grant_type":"refresh_token","refresh_token":"`+fmt.Sprint(tok["app_refresh_token"])+`"}`); r["code"] != "10000" {
			t.Fatalf("refresh: %v", r)
		}
	}
	calls := []struct {
		method, path, body string
		status             int
	}{
		{"GET", "/_mock/health", "", 200},
		{"GET", "/_mock/apps", "", 200},
		{"GET", "/_mock/app-auth-tokens", "", 200}, // before the clock moves on: replaced tokens go 30 days after their refresh term
		{"POST", "/_mock/trades/OA-1/scan", `{"buyer_id":"2088000000000001","buyer_logon_id":"13800138000"}`, 200},
		{"POST", "/_mock/trades/OA-1/pay", `{"buyer_id":"2088000000000001","buyer_logon_id":"13800138000"}`, 200},
		{"GET", "/_mock/trades/OA-1", "", 200},
		{"GET", "/_mock/trades?status=TRADE_SUCCESS", "", 200},
		{"GET", "/_mock/trades?status=PAID", "", 400},
		{"POST", "/_mock/trades/OA-1/pay", "", 409},
		{"POST", "/_mock/trades/OA-1/refund", "", 404},
		{"GET", "/_mock/trades/NOPE", "", 404},
		{"GET", "/_mock/notifications?out_trade_no=OA-1&wait=5s", "", 200},
		{"GET", "/_mock/notifications/ntf_000001", "", 200},
		{"GET", "/_mock/journal", "", 200},
		{"GET", "/_mock/journal/1", "", 200},
		{"GET", "/_mock/clock", "", 200},
		{"POST", "/_mock/clock", `{"set":"2030-05-06 07:08:09","speed":0}`, 200},
		{"POST", "/_mock/clock", `{"speed":-1}`, 400},
		{"POST", "/_mock/clock/advance", `{"by":"4m"}`, 200},
		{"POST", "/_mock/faults", `{"method":"alipay.trade.query","code":"20000"}`, 201},
		{"GET", "/_mock/faults", "", 200},
		{"GET", "/_mock/scenarios", "", 200},
		{"GET", "/_mock/red-packets", "", 200},
		{"GET", "/_mock/audit", "", 200},
		{"POST", "/_mock/audit", `{"notify_url":"` + shop.URL + `","app_id":"` + keys.DevAppID + `","out_trade_no":"OA-1","probes":["baseline","forged-signature"]}`, 200},
		{"POST", "/_mock/audit", `{"notify_url":"file:///etc/passwd","app_id":"` + keys.DevAppID + `"}`, 400},
		{"POST", "/_mock/audit", `{"notify_url":"` + shop.URL + `","app_id":"` + keys.DevAppID + `","out_trade_no":"NOPE"}`, 404},
		{"POST", "/_mock/reset", "", 200},
	}
	for _, c := range calls {
		var body io.Reader
		if c.body != "" {
			body = strings.NewReader(c.body)
		}
		req, _ := http.NewRequest(c.method, m.URL+c.path, body)
		if c.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Errorf("%s %s: not in the document: %v", c.method, c.path, err)
			continue
		}
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s %s: HTTP %d, want %d: %s", c.method, c.path, resp.StatusCode, c.status, got)
			continue
		}
		out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
			Options: &openapi3filter.Options{IncludeResponseStatus: true}}
		if err := openapi3filter.ValidateResponse(ctx, out.SetBodyBytes(got)); err != nil {
			t.Errorf("%s %s: the answer does not match the document: %v\n%s", c.method, c.path, err, got)
		}
	}
}
