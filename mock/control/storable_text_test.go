package control_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// Control-API text holding a NUL or bytes that are not UTF-8 (a query
// value, a JSON body's string or field name) is refused with 400 naming
// where it is, and nothing is done: the same in every mode, where the
// database under --store refuses to keep either (mock/pgstore's
// TestControlTextWithNULIsRefusedWithStore).
func TestControlTextWithNULIsRefused(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	for _, tc := range controlTextCases(t) {
		status, body := controlPost(t, m, tc.path, tc.ctype, tc.body)
		if status != http.StatusBadRequest || !strings.Contains(body, tc.says) {
			t.Errorf("%s: HTTP %d %s, want 400 saying %q", tc.what, status, body, tc.says)
		}
	}
	if body := strings.TrimSpace(string(m.Control(http.MethodGet, "/faults", nil, http.StatusOK))); body != "[]" {
		t.Errorf("GET /_mock/faults after the refusals: %s, want []", body)
	}
	if body := string(m.Control(http.MethodGet, "/scenarios", nil, http.StatusOK)); strings.Count(body, `"scenario":`) != strings.Count(body, `"builtin":true`) {
		t.Errorf("a scenario refused is in force: %.300s", body)
	}
	if body := string(m.Control(http.MethodGet, "/apps", nil, http.StatusOK)); strings.Contains(body, "2021004100000555") {
		t.Errorf("an app refused is registered: %s", body)
	}
	// Other text is taken as before.
	if status, body := controlPost(t, m, "/faults", "application/json", `{"code":"40004","sub_code":"ACQ.X","sub_msg":"余额不足 \\u00e9"}`); status != http.StatusCreated {
		t.Errorf("a queued answer in plain text: HTTP %d %s", status, body)
	}
}

type controlTextCase struct{ what, path, ctype, body, says string }

// controlTextCases are control-API calls each holding one text the mock
// refuses, and what the refusal names.
func controlTextCases(t *testing.T) []controlTextCase {
	own, err := keys.Generate(2048)
	if err != nil {
		t.Fatal(err)
	}
	pem := strings.ReplaceAll(string(own.PublicPEM), "\n", `\n`)
	const yaml = "rules:\n  - when: {method: alipay.trade.query}\n    then: {respond: {code: \"20000\"}}\n"
	return []controlTextCase{
		{"a scenario's ?name= with a NUL", "/scenarios?name=" + url.QueryEscape("a\x00b"), "application/yaml", yaml, "the query's name holds a NUL"},
		{"a scenario's ?name= not UTF-8", "/scenarios?name=%FF%FE", "application/yaml", yaml, "the query's name is not UTF-8"},
		{"an app's name", "/apps", "application/json", `{"app_id":"2021004100000555","name":"a\u0000b","public_key":"` + pem + `"}`, "name holds a NUL"},
		{"a queued answer's sub_msg", "/faults", "application/json", `{"code":"40004","sub_code":"ACQ.X","sub_msg":"a\u0000b"}`, "sub_msg holds a NUL"},
		{"a field name", "/faults", "application/json", `{"code":"40004","x\u0000":1}`, "a field name in the body holds a NUL"},
	}
}

func controlPost(t *testing.T, m *mocktest.Mock, path, ctype, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, m.URL+"/_mock"+path, strings.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
