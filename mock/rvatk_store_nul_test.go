package mock_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// rv-atk: with --store, control-API input holding a NUL passes the checks
// but PostgreSQL refuses it (jsonb has no \u0000: SQLSTATE 22P05), so the
// owner's bad input is answered 503 "the store failed" instead of a 400
// naming the field: a scenario upload's ?name=, an app's name, a queued
// answer's sub_msg. Without --store each is taken. The gateway refuses a
// NUL in biz_content ("参数不能包含空字符"); the control API should refuse it
// too (or pgstore keep the bytes, as forms.go does).
func TestRvatkStoreAnswersANulAsAStoreFailure(t *testing.T) {
	m := mocktest.New(t, mock.Options{Store: pgtest.URL(t)})
	own, err := keys.Generate(2048)
	if err != nil {
		t.Fatal(err)
	}
	pem := strings.ReplaceAll(string(own.PublicPEM), "\n", `\n`)
	yaml := "rules:\n  - when: {method: alipay.trade.query}\n    then: {respond: {code: \"20000\"}}\n"
	for _, tc := range []struct {
		what, path, ctype, body string
	}{
		{"a scenario's ?name=", "/_mock/scenarios?name=" + url.QueryEscape("a\x00b"), "application/yaml", yaml},
		{"an app's name", "/_mock/apps", "application/json", `{"app_id":"2021004100000555","name":"a\u0000b","public_key":"` + pem + `"}`},
		{"a queued answer's sub_msg", "/_mock/faults", "application/json", `{"code":"40004","sub_code":"ACQ.X","sub_msg":"a\u0000b"}`},
	} {
		req, _ := http.NewRequest(http.MethodPost, m.URL+tc.path, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", tc.ctype)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusServiceUnavailable {
			t.Errorf("%s holding a NUL, with --store: HTTP 503 %s; want 400 naming the field (bad input, not a store failure)", tc.what, b)
		}
	}
}
