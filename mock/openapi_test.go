package mock_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

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
		if r.Method == echo.RouteNotFound || !strings.HasPrefix(r.Path, control.Prefix+"/") ||
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
