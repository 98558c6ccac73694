package pgstore_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// With --store, control-API text holding a NUL or bytes that are not
// UTF-8, which the database keeps in no jsonb or text column, is refused
// with 400 naming it, as without --store (mock/control's
// TestControlTextWithNULIsRefused), not answered 503 "the store failed";
// the store stays healthy.
func TestControlTextWithNULIsRefusedWithStore(t *testing.T) {
	m := replicas(t, 1, mock.Options{})[0]
	own, err := keys.Generate(2048)
	if err != nil {
		t.Fatal(err)
	}
	pem := strings.ReplaceAll(string(own.PublicPEM), "\n", `\n`)
	const yaml = "rules:\n  - when: {method: alipay.trade.query}\n    then: {respond: {code: \"20000\"}}\n"
	for _, tc := range []struct{ what, path, ctype, body, says string }{
		{"a scenario's ?name= with a NUL", "/scenarios?name=" + url.QueryEscape("a\x00b"), "application/yaml", yaml, "the query's name holds a NUL"},
		{"a scenario's ?name= not UTF-8", "/scenarios?name=%FF%FE", "application/yaml", yaml, "the query's name is not UTF-8"},
		{"an app's name", "/apps", "application/json", `{"app_id":"2021004100000555","name":"a\u0000b","public_key":"` + pem + `"}`, "name holds a NUL"},
		{"a queued answer's sub_msg", "/faults", "application/json", `{"code":"40004","sub_code":"ACQ.X","sub_msg":"a\u0000b"}`, "sub_msg holds a NUL"},
	} {
		req, _ := http.NewRequest(http.MethodPost, m.URL+"/_mock"+tc.path, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", tc.ctype)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), tc.says) {
			t.Errorf("%s: HTTP %d %s, want 400 saying %q (bad input, not a store failure)", tc.what, resp.StatusCode, b, tc.says)
		}
	}
	if body := strings.TrimSpace(string(m.Control(http.MethodGet, "/faults", nil, http.StatusOK))); body != "[]" {
		t.Errorf("GET /_mock/faults after the refusals: %s, want []", body)
	}
	var h struct {
		Status string `json:"status"`
	}
	m.ControlJSON(http.MethodGet, "/health", nil, http.StatusOK, &h)
	if h.Status != "ok" {
		t.Errorf("health after the refusals: %+v", h)
	}
}
