package mock_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
)

// Fuzz targets of the gateway. Each request goes through the mock's
// http.Handler with an httptest recorder (no sockets, so fuzzing is fast),
// on one mock per target whose state grows across inputs.
//
//	go test ./mock -run '^$' -fuzz '^FuzzGateway$' -fuzztime 10s
//	go test ./mock -run '^$' -fuzz '^FuzzSignedBiz$' -fuzztime 10s

// fuzzHarness is a harness built outside a test (the *testing.T is set
// per input with forT). Magic amounts are off: random input must never
// trigger a fault.
func fuzzHarness(f *testing.F) *harness {
	f.Helper()
	c := clock.NewManual(epoch)
	srv, err := mock.New(mock.Options{Clock: c, Seed: 1, NoMagicAmounts: true, FundPublicKey: true}) // the dev app calls fund methods too
	if err != nil {
		f.Fatal(err)
	}
	h := &harness{srv: srv, http: httptest.NewServer(srv), clock: c, key: keys.DevAppPrivateKey()}
	f.Cleanup(func() { h.http.Close(); srv.Close() })
	return h
}

// forT is h reporting to t.
func (h *harness) forT(t *testing.T) *harness {
	c := *h
	c.t = t
	return &c
}

// serve sends one raw request to the handler; it fails when the gateway
// takes more than 10 s (a hang).
func (h *harness) serve(rawQuery string, body []byte, contentType string, header http.Header) *httptest.ResponseRecorder {
	return serveRaw(h.t, h.srv, rawQuery, body, contentType, header)
}

func serveRaw(t testing.TB, srv http.Handler, rawQuery string, body []byte, contentType string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/gateway.do", bytes.NewReader(body))
	req.URL.RawQuery = rawQuery
	req.RequestURI = ""
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.ServeHTTP(rec, req)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("gateway hangs on query %q body %q content type %q", rawQuery, body, contentType)
	}
	return rec
}

var pageMethods = map[string]bool{
	"alipay.trade.page.pay": true, "alipay.trade.wap.pay": true, "alipay.trade.app.pay": true,
	"alipay.fund.coupon.order.app.pay": true, "alipay.fund.coupon.order.page.pay": true,
}

// mergedMethod is the method the gateway should see: the query's, else the
// body's (urlencoded or multipart); "" when the request cannot be read.
func mergedMethod(rawQuery string, body []byte, contentType string) string {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return ""
	}
	if m, ok := q["method"]; ok && len(m) > 0 {
		return m[0]
	}
	ct, _, _ := mime.ParseMediaType(contentType)
	if ct == "multipart/form-data" {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		if err := req.ParseMultipartForm(1 << 20); err != nil {
			return ""
		}
		if m := req.MultipartForm.Value["method"]; len(m) > 0 {
			return m[0]
		}
		return ""
	}
	b, err := url.ParseQuery(strings.TrimSpace(string(body)))
	if err != nil {
		return ""
	}
	if m, ok := b["method"]; ok && len(m) > 0 {
		return m[0]
	}
	return ""
}

// answer is a parsed JSON answer of the gateway.
type answer struct {
	node   string
	fields map[string]any
	sign   string
}

// alipayShaped checks that a 200 body is production's JSON envelope:
// the first key is the node ("…_response") holding code and msg, and the
// node is signed, with a signature that verifies, whenever the app id was
// resolved. It returns the node.
func (h *harness) alipayShaped(rec *httptest.ResponseRecorder) answer {
	t := h.t
	t.Helper()
	body := rec.Body.Bytes()
	text := body
	_, ps, _ := mime.ParseMediaType(rec.Header().Get("Content-Type"))
	cs, err := sign.ParseCharset(ps["charset"])
	if err != nil {
		t.Fatalf("answer's content type %q: %v", rec.Header().Get("Content-Type"), err)
	}
	if cs == sign.GBK {
		s, err := cs.Decode(body)
		if err != nil {
			t.Fatalf("answer is not GBK: %q", body)
		}
		text = []byte(s)
	}
	dec := json.NewDecoder(bytes.NewReader(text))
	var a answer
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("answer is not a JSON object: %.300s", text)
	}
	tok, err := dec.Token()
	if err != nil {
		t.Fatalf("answer has no first key: %.300s", text)
	}
	a.node, _ = tok.(string)
	if !strings.HasSuffix(a.node, "_response") {
		t.Fatalf("first key %q does not end in _response: %.300s", a.node, text)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(text, &all); err != nil {
		t.Fatalf("answer is not JSON: %v: %.300s", err, text)
	}
	if err := json.Unmarshal(all[a.node], &a.fields); err != nil {
		t.Fatalf("node %s is not an object: %.300s", a.node, text)
	}
	for _, k := range []string{"code", "msg"} {
		if s, _ := a.fields[k].(string); s == "" {
			t.Fatalf("node has no %s: %.300s", k, text)
		}
	}
	for k := range all {
		if k != a.node && k != "sign" && k != "alipay_cert_sn" {
			t.Fatalf("unexpected key %q in %.300s", k, text)
		}
	}
	if s, ok := all["sign"]; ok {
		_ = json.Unmarshal(s, &a.sign)
	}
	sub, _ := a.fields["sub_code"].(string)
	resolved := a.node != sign.ErrorNode && sub != "isv.missing-app-id" && sub != "isv.invalid-app-id"
	if resolved && a.sign == "" {
		t.Fatalf("answer for a known app is unsigned: %.300s", text)
	}
	if a.sign != "" {
		// The signature covers the node's bytes as sent (in the charset).
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(body, &raw); err == nil && raw[a.node] != nil {
			if err := sign.Verify(h.srv.AlipayPublicKey(), sign.RSA2, raw[a.node], a.sign); err != nil {
				t.Fatalf("answer's signature does not verify: %.300s", text)
			}
		}
	}
	return a
}

// checkGateway is FuzzGateway's oracle.
func (h *harness) checkGateway(rawQuery string, body []byte, contentType string, rec *httptest.ResponseRecorder) *answer {
	t := h.t
	t.Helper()
	method := mergedMethod(rawQuery, body, contentType)
	switch rec.Code {
	case http.StatusFound:
		if !pageMethods[method] {
			t.Fatalf("302 for method %q", method)
		}
		if loc := rec.Header().Get("Location"); !strings.Contains(loc, "/cashier/") {
			t.Fatalf("302 to %q", loc)
		}
		return nil
	case http.StatusOK:
	default:
		t.Fatalf("HTTP %d: %.300s", rec.Code, rec.Body.Bytes())
	}
	b := bytes.TrimSpace(rec.Body.Bytes())
	if len(b) > 0 && b[0] == '<' {
		if !pageMethods[method] {
			t.Fatalf("HTML answer for method %q: %.300s", method, b)
		}
		if !bytes.Contains(bytes.ToLower(b), []byte("<html")) {
			t.Fatalf("page answer is not an HTML page: %.300s", b)
		}
		return nil
	}
	a := h.alipayShaped(rec)
	if a.fields["code"] == "20000" {
		t.Fatalf("20000 (a recovered panic?) for random input: %.300s", rec.Body.Bytes())
	}
	return &a
}

// escapeRequestLine percent-escapes what cannot appear in a request line,
// so that the fuzzer's query strings are what a real client could send.
func escapeRequestLine(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '#' {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// gbkForm encodes params as a form in GBK.
func gbkForm(t testing.TB, p map[string]string) []byte {
	v := url.Values{}
	for k, x := range p {
		b, err := sign.GBK.Encode(x)
		if err != nil {
			t.Fatal(err)
		}
		v.Set(k, string(b))
	}
	return []byte(v.Encode())
}

const formCT = "application/x-www-form-urlencoded"

func FuzzGateway(f *testing.F) {
	h := fuzzHarness(f)
	// h.t stays nil here: h.params only uses it on a signing failure.
	enc := func(p map[string]string) []byte { return []byte(form(p).Encode()) }
	pre := h.params("alipay.trade.precreate", `{"out_trade_no":"FG1","total_amount":"9.90","subject":"s"}`, nil)
	f.Add("", enc(pre), formCT)
	f.Add(form(pre).Encode(), []byte{}, "")
	f.Add("", enc(h.params("alipay.trade.query", `{"out_trade_no":"FG1"}`, nil)), formCT)
	f.Add("", enc(h.params("alipay.trade.pay", `{"out_trade_no":"FG2","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`, nil)), formCT)
	f.Add("", enc(h.params("alipay.trade.refund", `{"out_trade_no":"FG2","refund_amount":"1.00","out_request_no":"r1"}`, nil)), formCT)
	f.Add("", enc(h.params("alipay.trade.page.pay", `{"out_trade_no":"FG3","total_amount":"1.00","subject":"s","product_code":"FAST_INSTANT_TRADE_PAY"}`, nil)), formCT)
	f.Add("", enc(h.params("alipay.trade.wap.pay", `{"out_trade_no":"FG4","total_amount":"1.00","subject":"s","product_code":"QUICK_WAP_WAY"}`, nil)), formCT)
	f.Add("", enc(h.params("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"FG5","out_request_no":"FG5-pay","order_title":"红包","amount":"10.00","payer_user_id":"2088102000000001"}`, nil)), formCT)
	gbk := h.params("alipay.trade.precreate", `{"out_trade_no":"FG6","total_amount":"1.00","subject":"中文商品"}`, func(p map[string]string) { p["charset"] = "GBK" })
	f.Add("charset=GBK", gbkForm(f, gbk), formCT)
	f.Add("", gbkForm(f, gbk), formCT)
	sig := pre["sign"]
	f.Add("app_id="+keys.DevAppID+"&method=alipay.trade.query&sign="+url.QueryEscape(sig), []byte("charset=utf-8&sign_type=RSA2"), formCT)
	f.Add("", []byte("%zz"), formCT)
	f.Add("method=alipay.trade.query&app_id="+keys.DevAppID+"&charset=gbk&biz_content=%FF%FF", []byte{}, "")
	f.Add("", []byte("--x\r\nContent-Disposition: form-data; name=\"method\"\r\n\r\nalipay.trade.page.pay\r\n--x--\r\n"), "multipart/form-data; boundary=x")
	f.Add("", []byte(`{"method":"alipay.trade.query"}`), "application/json")
	f.Add("method=alipay.trade.page.pay&app_id="+keys.DevAppID, []byte{}, "")
	f.Add("method=alipay.trade.precreate&app_id=1", []byte{}, "")
	f.Add("", []byte("\xff\xfe\x00garbage=&&=="), "text/plain")
	f.Fuzz(func(t *testing.T, rawQuery string, body []byte, contentType string) {
		h := h.forT(t)
		rawQuery = escapeRequestLine(rawQuery)
		rec := h.serve(rawQuery, body, contentType, nil)
		h.checkGateway(rawQuery, body, contentType, rec)
	})
}

// signedMethods are the JSON (non-page) trade and red-packet methods.
var signedMethods = []string{
	"alipay.trade.precreate", "alipay.trade.pay", "alipay.trade.create", "alipay.trade.query",
	"alipay.trade.cancel", "alipay.trade.close", "alipay.trade.refund", "alipay.trade.fastpay.refund.query",
	"alipay.fund.coupon.order.agreement.pay", "alipay.fund.coupon.order.disburse",
	"alipay.fund.coupon.order.refund", "alipay.fund.coupon.operation.query",
	"alipay.open.auth.token.app", "alipay.open.auth.token.app.query", "alipay.data.dataservice.bill.downloadurl.query", "alipay.open.app.alipaycert.download",
}

func FuzzSignedBiz(f *testing.F) {
	h := fuzzHarness(f)
	// State to aim at: a paid trade SB1, an unpaid one SB2, a red packet.
	setup := func(method, biz string) map[string]any {
		rec := serveRaw(f, h.srv, "", []byte(form(h.params(method, biz, nil)).Encode()), formCT, nil)
		var m map[string]json.RawMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			f.Fatalf("%s: %s", method, rec.Body.Bytes())
		}
		var node map[string]any
		_ = json.Unmarshal(m[sign.NodeName(method)], &node)
		if node["code"] != "10000" {
			f.Fatalf("%s: %s", method, rec.Body.Bytes())
		}
		return node
	}
	setup("alipay.trade.pay", `{"out_trade_no":"SB1","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`)
	setup("alipay.trade.precreate", `{"out_trade_no":"SB2","total_amount":"5.00","subject":"s"}`)
	authNo := setup("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"SB3","out_request_no":"SB3-pay","order_title":"红包","amount":"10.00","payer_user_id":"2088102000000001"}`)["auth_no"].(string)
	seeds := map[string][]string{
		"alipay.trade.precreate": {`{"out_trade_no":"SB4","total_amount":"9.90","subject":"s"}`, `{"out_trade_no":"SB4","total_amount":"-1","subject":"s"}`,
			`{"out_trade_no":"SB5","total_amount":9.9,"subject":"s","timeout_express":"90m"}`},
		"alipay.trade.pay": {`{"out_trade_no":"SB6","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1500.00","subject":"s"}`,
			`{"out_trade_no":"SB7","scene":"wave_code","auth_code":"x","total_amount":"0.001","subject":"s"}`},
		"alipay.trade.create":                    {`{"out_trade_no":"SB8","total_amount":"1.00","subject":"s","buyer_id":"2088000000000001"}`},
		"alipay.trade.query":                     {`{"out_trade_no":"SB1"}`, `{"trade_no":"nope"}`, `{}`, `[]`, `null`},
		"alipay.trade.cancel":                    {`{"out_trade_no":"SB2"}`},
		"alipay.trade.close":                     {`{"out_trade_no":"SB2","operator_id":"op"}`},
		"alipay.trade.refund":                    {`{"out_trade_no":"SB1","refund_amount":"3.00","out_request_no":"A"}`, `{"out_trade_no":"SB1","refund_amount":"99999999999.99"}`},
		"alipay.trade.fastpay.refund.query":      {`{"out_trade_no":"SB1","out_request_no":"A","query_options":["gmt_refund_pay","refund_detail_item_list"]}`},
		"alipay.fund.coupon.order.agreement.pay": {`{"out_order_no":"SB9","out_request_no":"SB9-pay","order_title":"t","amount":"0.01","payer_user_id":"2088102000000001"}`},
		"alipay.fund.coupon.order.disburse": {`{"out_order_no":"SB10","out_request_no":"1","deduct_auth_no":"` + authNo + `","amount":"1.00","payee_user_id":"2088102000000101"}`,
			`{"out_order_no":"SB11","out_request_no":"1","deduct_auth_no":"` + authNo + `","amount":"10.01","payee_user_id":"2088102000000101"}`},
		"alipay.fund.coupon.order.refund":    {`{"auth_no":"` + authNo + `","out_request_no":"R1","amount":"1.00"}`},
		"alipay.fund.coupon.operation.query": {`{"auth_no":"` + authNo + `","out_request_no":"SB3-pay"}`, `{"auth_no":"` + authNo + `","operation_id":"x"}`},
	}
	for i, m := range signedMethods {
		for _, biz := range seeds[m] {
			f.Add(uint8(i), biz)
		}
		f.Add(uint8(i), `{"a":`)
		f.Add(uint8(i), `{"out_trade_no":{"x":1},"amount":[],"total_amount":true}`)
	}
	f.Fuzz(func(t *testing.T, which uint8, biz string) {
		h := h.forT(t)
		method := signedMethods[int(which)%len(signedMethods)]
		p := h.params(method, biz, nil)
		rec := h.serve("", []byte(form(p).Encode()), formCT, nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s %q: HTTP %d: %s", method, biz, rec.Code, rec.Body.Bytes())
		}
		a := h.alipayShaped(rec)
		if a.node != sign.NodeName(method) {
			t.Fatalf("%s %q: node %s", method, biz, a.node)
		}
		code, _ := a.fields["code"].(string)
		switch code {
		case "10000", "10003", "40002", "40004":
		case "20001": // a token method's answer to a token it does not know (alipay.open.auth.token.app.query)
			if s, _ := a.fields["sub_code"].(string); s != "aop.invalid-app-auth-token" {
				t.Fatalf("%s %q: 20001 %s: %s", method, biz, s, rec.Body.Bytes())
			}
		default:
			t.Fatalf("%s %q: code %s (20000 means a recovered panic): %s", method, biz, code, rec.Body.Bytes())
		}
		if code != "10000" && code != "10003" {
			if s, _ := a.fields["sub_code"].(string); s == "" {
				t.Fatalf("%s %q: error without sub_code: %s", method, biz, rec.Body.Bytes())
			}
		}
	})
}

// FuzzV3 sends arbitrary v3 REST requests: whatever the path, HTTP
// method, Authorization and body, the answer is v3-shaped JSON, an error
// with a code and a known status, or a signed success.
func FuzzV3(f *testing.F) {
	h := fuzzHarness(f)
	signed := func(method, path, body string) string {
		auth := sign.NewV3Auth(keys.DevAppID, "", epoch)
		hdr, err := sign.SignV3Request(keys.DevAppPrivateKey(), auth, method, path, body, "")
		if err != nil {
			f.Fatal(err)
		}
		return hdr
	}
	pre := `{"out_trade_no":"FV1","total_amount":"9.90","subject":"s"}`
	f.Add("POST", "/v3/alipay/trade/precreate", signed("POST", "/v3/alipay/trade/precreate", pre), pre, "application/json")
	f.Add("POST", "/v3/alipay/trade/query", signed("POST", "/v3/alipay/trade/query", `{"out_trade_no":"FV1"}`), `{"out_trade_no":"FV1"}`, "application/json")
	f.Add("GET", "/v3/alipay/data/dataservice/bill/downloadurl/query?bill_type=trade&bill_date=2026-11-22",
		signed("GET", "/v3/alipay/data/dataservice/bill/downloadurl/query?bill_type=trade&bill_date=2026-11-22", ""), "", "")
	f.Add("POST", "/v3/alipay/trade/query", "", `{"out_trade_no":"FV1"}`, "application/json")
	f.Add("POST", "/v3/alipay/trade/query", "ALIPAY-SHA256withRSA app_id=1,sign=%%", "[]", "text/plain")
	f.Add("PUT", "/v3/nope", "Bearer x", "\xff", "application/json")
	f.Fuzz(func(t *testing.T, method, path, auth, body, contentType string) {
		if method == "" || strings.ContainsAny(method, " \t\r\n()<>@,;:\\\"/[]?={}") || strings.ContainsAny(auth, "\r\n\x00") {
			return // not an HTTP request a client could send
		}
		req := httptest.NewRequest(http.MethodPost, "/v3/", strings.NewReader(body))
		req.Method = method
		req.URL.Path = "/v3/" + strings.TrimPrefix(escapeRequestLine(path), "/")
		req.RequestURI = req.URL.RequestURI()
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		rec := httptest.NewRecorder()
		h.srv.ServeHTTP(rec, req)
		var v map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil && method != http.MethodHead {
			t.Fatalf("%s %s: HTTP %d, not a JSON object: %q", method, req.RequestURI, rec.Code, rec.Body.String())
		}
		switch rec.Code {
		case http.StatusOK, http.StatusAccepted:
			if rec.Header().Get(sign.HeaderSignature) == "" {
				t.Fatalf("%s %s: unsigned success: %s", method, req.RequestURI, rec.Body.String())
			}
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusTooManyRequests:
			if method != http.MethodHead && v["code"] == nil {
				t.Fatalf("%s %s: HTTP %d without code: %s", method, req.RequestURI, rec.Code, rec.Body.String())
			}
		default:
			t.Fatalf("%s %s: HTTP %d: %s", method, req.RequestURI, rec.Code, rec.Body.String())
		}
	})
}
