package mock_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// goText are fragments of the Go errors these requests once put in the
// answer's sub_msg (net/url, mime/multipart, net/http, the mock's own
// English errors).
var goText = []string{"invalid URL escape", "semicolon", "NextPart", "EOF", "boundary", "http:", "mime:",
	"request too large", "parameter not in", "%zz", "multipart: "}

// A request the gateway cannot read gets isv.invalid-parameter with a
// sub_msg in production's words, whatever Go's parser said; the journal
// keeps Go's reason for the owner.
func TestUnreadableRequestsGetAlipayMessages(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	const (
		encoding  = "参数无效：请求参数不是合法的URL编码"
		tooLarge  = "参数无效：请求过大，请求体不能超过1MB，参数不能超过200个"
		multiBody = "参数无效：multipart/form-data请求体格式错误"
	)
	var big bytes.Buffer
	mw := multipart.NewWriter(&big)
	_ = mw.WriteField("biz_content", strings.Repeat("x", 1<<20+1))
	_ = mw.Close()
	signed := mocktest.Form(m.Params("alipay.trade.query", `{"out_trade_no":"U1"}`, nil)).Encode()
	form := "application/x-www-form-urlencoded"
	cases := []struct {
		name, method, query, ctype, body string
		header                           map[string]string
		want                             string // sub_msg
		explained                        string // in the journal's explanation
	}{
		{name: "bad escape in the body", method: "POST", ctype: form, body: "method=alipay.trade.query&a=%zz", want: encoding, explained: `invalid URL escape "%zz"`},
		{name: "bad escape in the query", method: "GET", query: "method=alipay.trade.query&a=%zz", want: encoding, explained: "invalid URL escape"},
		{name: "semicolon", method: "POST", ctype: form, body: "method=alipay.trade.query;a=1", want: encoding, explained: "semicolon"},
		{name: "broken multipart", method: "POST", ctype: "multipart/form-data; boundary=x", body: "--x\r\nbroken", want: multiBody},
		{name: "multipart without a boundary", method: "POST", ctype: "multipart/form-data", body: "--x\r\n", want: multiBody, explained: "boundary"},
		{name: "body over 1 MiB", method: "POST", ctype: form, body: signed + "&pad=" + strings.Repeat("x", 1<<20), want: tooLarge},
		{name: "multipart over 1 MiB", method: "POST", ctype: mw.FormDataContentType(), body: big.String(), want: tooLarge},
		{name: "two names that decode to one", method: "POST", ctype: form, body: "method=alipay.trade.query&charset=GBK&%CB=1&%90=2", want: "参数无效：参数值不是charset所指定的编码", explained: "two parameter names decode to"},
		{name: "too many pairs", method: "POST", ctype: form, body: signed + strings.Repeat("&a=", 1000), want: tooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, m.URL+"/gateway.do?"+tc.query, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := m.Read(resp)
			var env map[string]map[string]string
			if err := json.Unmarshal(body, &env); err != nil {
				t.Fatalf("not JSON: %.300s", body)
			}
			n := env["error_response"]
			if n["code"] != "40002" || n["sub_code"] != "isv.invalid-parameter" || n["sub_msg"] != tc.want {
				t.Fatalf("got %v, want 40002 isv.invalid-parameter %q", n, tc.want)
			}
			noGoText(t, string(body))
			if tc.explained != "" {
				var entries []map[string]any
				m.ControlJSON(http.MethodGet, "/journal?limit=1", nil, http.StatusOK, &entries)
				if len(entries) == 0 || !strings.Contains(entries[0]["explanation"].(string), tc.explained) {
					t.Fatalf("journal does not keep Go's reason %q: %v", tc.explained, entries)
				}
			}
		})
	}

	t.Run("X-Alipay-Mock not URL-encoded", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, m.URL+"/gateway.do", strings.NewReader(signed))
		req.Header.Set("Content-Type", form)
		req.Header.Set("X-Alipay-Mock", "code=40004&sub_msg=%zz")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		n := m.Verify("alipay.trade.query", m.Read(resp), true)
		if n["code"] != "40002" || n["sub_code"] != "isv.invalid-parameter" || !strings.Contains(n["sub_msg"].(string), "X-Alipay-Mock") {
			t.Fatalf("%v", n)
		}
		noGoText(t, n["sub_msg"].(string))
	})

	t.Run("v3 body over 1 MiB", func(t *testing.T) {
		resp, err := http.Post(m.URL+"/v3/alipay/trade/query", "application/json", strings.NewReader(`{"out_trade_no":"`+strings.Repeat("x", 1<<20)+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var e map[string]any
		if resp.StatusCode != http.StatusBadRequest || json.Unmarshal(b, &e) != nil || e["code"] != "invalid-parameter" || e["message"] != tooLarge {
			t.Fatalf("HTTP %d %s", resp.StatusCode, b)
		}
		noGoText(t, string(b))
	})
}

func noGoText(t *testing.T, s string) {
	t.Helper()
	for _, g := range goText {
		if strings.Contains(s, g) {
			t.Fatalf("Go error text %q in %s", g, s)
		}
	}
}
