package mock_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/timestamp"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

const queryBiz = `{"out_trade_no":"nope"}`

func TestGatewayErrors(t *testing.T) {
	h := newHarness(t, mock.Options{Apps: []apps.Spec{{AppID: "9021000100000006", PublicKey: string(keys.DevFile("app_public_key.pem")), SignType: "RSA"}}})
	set := func(k, v string) func(map[string]string) { return func(p map[string]string) { p[k] = v } }
	drop := func(k string) func(map[string]string) { return func(p map[string]string) { p[k] = "\x00" } }
	cases := []struct {
		name     string
		edit     func(map[string]string)
		node     string
		code     string
		subCode  string
		unsigned bool
	}{
		{"missing method", drop("method"), "error_response", "40001", "isv.missing-method", true},
		{"missing app_id", drop("app_id"), "", "40001", "isv.missing-app-id", true},
		{"unknown app_id", set("app_id", "2021000000000000"), "", "40002", "isv.invalid-app-id", true},
		{"bad charset", set("charset", "latin1"), "", "40002", "isv.invalid-charset", false},
		{"unknown method", set("method", "alipay.trade.nothing"), "alipay_trade_nothing_response", "40002", "isv.invalid-method", false},
		{"missing sign_type", drop("sign_type"), "", "40001", "isv.missing-signature-type", false},
		{"bad sign_type", set("sign_type", "SM2"), "", "40002", "isv.invalid-signature-type", false},
		{"missing sign", drop("sign"), "", "40001", "isv.missing-signature", false},
		{"missing timestamp", drop("timestamp"), "", "40001", "isv.missing-timestamp", false},
		{"bad timestamp", set("timestamp", "2026/11/23 10:00"), "", "40002", "isv.invalid-timestamp", false},
		{"timestamp far from both clocks", set("timestamp", farFromBoth(h.clock.Now())), "", "40002", "isv.invalid-timestamp", false},
		{"missing version", drop("version"), "", "40001", "isv.missing-version", false},
		{"bad format", set("format", "xml"), "", "40002", "isv.invalid-format", false},
		{"bad signature", set("sign", "AAAA"), "", "40002", "isv.invalid-signature", false},
		{"tampered after signing", func(p map[string]string) {
			p["sign"] = "" // placeholder, replaced below
		}, "", "40002", "isv.invalid-signature", false},
		{"RSA request for RSA2 app", set("sign_type", "RSA"), "", "40003", "isv.missing-signature-config", false},
		{"app_auth_token unknown", set("app_auth_token", "201509BBeff9351ad1874306903e96b91d248A36"), "", "20001", "aop.invalid-app-auth-token", false},
		{"notify_url not http", set("notify_url", "ftp://merchant.test/notify"), "", "40002", "isv.invalid-parameter", false},
		{"return_url too long", set("return_url", "https://merchant.test/"+strings.Repeat("r", 250)), "", "40002", "isv.invalid-parameter", false},
		{"biz_content not JSON", set("biz_content", "{oops"), "", "40002", "isv.invalid-parameter", false},
		{"biz_content two objects", set("biz_content", `{"out_trade_no":"a"}{"out_trade_no":"b"}`), "", "40002", "isv.invalid-parameter", false},
		{"biz_content trailing text", set("biz_content", `{"out_trade_no":"a"} x`), "", "40002", "isv.invalid-parameter", false},
		{"amount malformed", set("biz_content", `{"out_trade_no":"a","subject":"s","total_amount":"1.234"}`), "alipay_trade_precreate_response", "40004", "ACQ.INVALID_PARAMETER", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			method := "alipay.trade.query"
			if tc.code == "40004" {
				method = "alipay.trade.precreate"
			}
			p := h.params(method, queryBiz, tc.edit)
			if tc.name == "tampered after signing" {
				p = h.params(method, queryBiz, nil)
				p["biz_content"] = `{"out_trade_no":"other"}`
			}
			body := h.post(p)
			node := tc.node
			if node == "" {
				node = sign.NodeName(method)
			}
			if !bytes.HasPrefix(body, []byte(`{"`+node+`":{`)) {
				t.Fatalf("want node %s first: %s", node, body)
			}
			m := h.verify(strings.TrimSuffix(strings.ReplaceAll(node, "_", "."), ".response"), body, !tc.unsigned)
			if tc.unsigned && bytes.Contains(body, []byte(`"sign"`)) {
				t.Errorf("want unsigned: %s", body)
			}
			expect(t, m, "code", tc.code, "sub_code", tc.subCode)
			if m["msg"] == "" || m["sub_msg"] == "" {
				t.Errorf("msg and sub_msg must be set: %v", m)
			}
		})
	}
}

func TestInvalidSignatureQuotesStringToSign(t *testing.T) {
	h := newHarness(t, mock.Options{})
	p := h.params("alipay.trade.query", queryBiz, nil)
	p["biz_content"] = `{"out_trade_no":"x&y"}`
	m := h.verify("alipay.trade.query", h.post(p), true)
	escaped := strings.NewReplacer("&", "&amp;", `"`, "&quot;").Replace(sign.RequestContent(p))
	if !strings.Contains(escaped, "&quot;out_trade_no&quot;:&quot;x&amp;y&quot;") {
		t.Fatalf("test string: %s", escaped)
	}
	want := "网关生成的验签字符串为：" + escaped
	if !strings.HasSuffix(m["sub_msg"].(string), want) {
		t.Errorf("sub_msg %q\nwant suffix %q", m["sub_msg"], want)
	}
}

func TestResponseLayoutGolden(t *testing.T) {
	// The golden query_waiting and cancel answers are of a trade no buyer
	// scanned, shown (--show-unscanned); hidden, query answers query_missing.
	h := newHarness(t, mock.Options{PublicURL: "http://alipay-mock.test", Trades: trade.Options{ShowUnscanned: true}})
	steps := []struct{ name, method, biz string }{
		{"precreate", "alipay.trade.precreate", `{"out_trade_no":"G1","total_amount":"88.88","subject":"Iphone6 16G","store_id":"NJ_001"}`},
		{"query_waiting", "alipay.trade.query", `{"out_trade_no":"G1"}`},
		{"pay_barcode", "alipay.trade.pay", `{"out_trade_no":"G2","scene":"bar_code","auth_code":"283912345678901234","total_amount":"12.50","subject":"咖啡"}`},
		{"query_paid", "alipay.trade.query", `{"out_trade_no":"G2"}`},
		{"refund", "alipay.trade.refund", `{"out_trade_no":"G2","refund_amount":"2.50","out_request_no":"R1"}`},
		{"refund_query", "alipay.trade.fastpay.refund.query", `{"out_trade_no":"G2","out_request_no":"R1"}`},
		{"query_missing", "alipay.trade.query", `{"out_trade_no":"nope"}`},
		{"refund_over", "alipay.trade.refund", `{"out_trade_no":"G2","refund_amount":"10.01","out_request_no":"R2"}`},
		{"cancel", "alipay.trade.cancel", `{"out_trade_no":"G1"}`},
	}
	for _, s := range steps {
		body := h.post(h.params(s.method, s.biz, nil))
		h.verify(s.method, body, true)
		golden(t, s.name, body)
	}
}

func TestSignedOverExactBytesWithEscapedSlash(t *testing.T) {
	h := newHarness(t, mock.Options{})
	body := h.post(h.params("alipay.trade.precreate", `{"out_trade_no":"S1","total_amount":"1.00","subject":"s"}`, nil))
	if !bytes.Contains(body, []byte(`"qr_code":"http:\/\/`)) {
		t.Fatalf("want production's \\/ escaping in %s", body)
	}
	m := h.verify("alipay.trade.precreate", body, true)
	if !strings.HasPrefix(m["qr_code"].(string), h.http.URL+"/qr/bax0") {
		t.Errorf("qr_code %v", m["qr_code"])
	}
}

func TestParameterPlacement(t *testing.T) {
	h := newHarness(t, mock.Options{})
	biz := `{"out_trade_no":"P1","total_amount":"1.00","subject":"s"}`
	t.Run("GET with everything in the query", func(t *testing.T) {
		p := h.params("alipay.trade.precreate", biz, nil)
		resp, err := http.Get(h.http.URL + "/gateway.do?" + form(p).Encode())
		if err != nil {
			t.Fatal(err)
		}
		expect(t, h.verify("alipay.trade.precreate", h.read(resp), true), "code", "10000")
	})
	t.Run("Node style: common params in query, biz_content in body", func(t *testing.T) {
		h.control("POST", "/trades/P1/scan", "", http.StatusOK) // query sees a scanned trade
		p := h.params("alipay.trade.query", `{"out_trade_no":"P1"}`, func(p map[string]string) { delete(p, "format") })
		biz := p["biz_content"]
		delete(p, "biz_content")
		body := "biz_content=" + urlQueryEscape(biz)
		resp, err := http.Post(h.http.URL+"/gateway.do?"+form(p).Encode(), "application/x-www-form-urlencoded;charset=UTF-8", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		expect(t, h.verify("alipay.trade.query", h.read(resp), true), "code", "10000", "trade_status", "WAIT_BUYER_PAY")
	})
	t.Run("gopay style: charset in query and body, no content type", func(t *testing.T) {
		p := h.params("alipay.trade.query", `{"out_trade_no":"P1","notify_url":"http://x/n"}`, nil)
		req, _ := http.NewRequest(http.MethodPost, h.http.URL+"/gateway.do?charset=utf-8", strings.NewReader(form(p).Encode()))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		expect(t, h.verify("alipay.trade.query", h.read(resp), true), "code", "10000")
	})
	t.Run("empty biz fields are absent, numbers accepted", func(t *testing.T) {
		m := h.call("alipay.trade.precreate", `{"out_trade_no":1490946822,"trade_no":"","total_amount":200.12,"subject":"s","product_code":""}`)
		expect(t, m, "code", "10000", "out_trade_no", "1490946822")
		h.control("POST", "/trades/1490946822/scan", "", http.StatusOK)
		m = h.call("alipay.trade.query", `{"out_trade_no":"1490946822","trade_no":""}`)
		expect(t, m, "total_amount", "200.12")
	})
}

func TestGBKRequestAndResponse(t *testing.T) {
	h := newHarness(t, mock.Options{})
	p := h.params("alipay.trade.precreate", `{"out_trade_no":"GBK1","total_amount":"3.00","subject":"测试商品","passback_params":"回传参数"}`, func(p map[string]string) { p["charset"] = "GBK" })
	var b strings.Builder
	for k, v := range p {
		enc, err := sign.GBK.Encode(v)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(urlQueryEscape(k) + "=" + urlQueryEscape(string(enc)) + "&")
	}
	resp, err := http.Post(h.http.URL+"/gateway.do", "application/x-www-form-urlencoded;charset=GBK", strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.Contains(strings.ToLower(ct), "gbk") {
		t.Errorf("Content-Type %q", ct)
	}
	body := h.read(resp)
	r, err := sign.ParseResponse(body, "alipay.trade.precreate")
	if err != nil {
		t.Fatal(err)
	}
	if err := sign.Verify(h.srv.AlipayPublicKey(), sign.RSA2, r.Raw, r.Sign); err != nil {
		t.Fatal("GBK response must be signed over its GBK bytes")
	}
	h.control("POST", "/trades/GBK1/scan", "", http.StatusOK) // query sees a scanned trade
	q := h.call("alipay.trade.query", `{"out_trade_no":"GBK1"}`)
	// subject is not echoed (bank-intermediated trades only); passback_params is.
	expect(t, q, "passback_params", "回传参数")
}

func TestRSA1App(t *testing.T) {
	pair, err := keys.Generate(1024)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, mock.Options{Apps: []apps.Spec{{AppID: "2021000000000001", PublicKey: pair.PublicBase64, SignType: "RSA"}}})
	h.key = pair.Private
	p := h.params("alipay.trade.precreate", `{"out_trade_no":"R1","total_amount":"1.00","subject":"s"}`, func(p map[string]string) {
		p["app_id"], p["sign_type"] = "2021000000000001", "RSA"
	})
	body := h.post(p)
	r, _ := sign.ParseResponse(body, "alipay.trade.precreate")
	if err := sign.Verify(h.srv.AlipayPublicKey(), sign.RSA, r.Raw, r.Sign); err != nil {
		t.Fatalf("RSA (SHA1) response must verify: %s", body)
	}
}

func TestTimestampTolerance(t *testing.T) {
	h := newHarness(t, mock.Options{})
	// A client in UTC stamps local time: 8 hours behind GMT+8.
	utc := h.params("alipay.trade.query", queryBiz, func(p map[string]string) {
		p["timestamp"] = h.clock.Now().UTC().Format(timestamp.Layout)
	})
	expect(t, h.verify("alipay.trade.query", h.post(utc), true), "sub_code", "ACQ.TRADE_NOT_EXIST")
	strict := newHarness(t, mock.Options{TimestampTolerance: 10 * time.Minute})
	strict.clock.Set(time.Now().AddDate(5, 0, 0)) // far from the wall clock, so only the mock's clock can accept
	utc = strict.params("alipay.trade.query", queryBiz, func(p map[string]string) {
		p["timestamp"] = strict.clock.Now().UTC().Format(timestamp.Layout)
	})
	expect(t, strict.verify("alipay.trade.query", strict.post(utc), true), "sub_code", "isv.invalid-timestamp")
}

func TestBadInputNeverBreaksTheGateway(t *testing.T) {
	h := newHarness(t, mock.Options{})
	bodies := []struct{ ct, body string }{
		{"application/x-www-form-urlencoded", "%zz"},
		{"application/x-www-form-urlencoded", strings.Repeat("a=b&", 300)},
		{"application/x-www-form-urlencoded", "method=alipay.trade.query&app_id=" + keys.DevAppID + "&charset=gbk&biz_content=%FF%FF"},
		{"multipart/form-data; boundary=x", "--x\r\nbroken"},
		{"application/json", `{"method":"alipay.trade.query"}`},
		{"application/x-www-form-urlencoded", strings.Repeat("x", 2<<20)},
	}
	for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch} {
		req, _ := http.NewRequest(m, h.http.URL+"/gateway.do?method=alipay.trade.query", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if body := h.read(resp); !bytes.HasPrefix(body, []byte(`{"alipay_trade_query_response":{"code":"40001"`)) {
			t.Errorf("%s: %s", m, body)
		}
	}
	for i, b := range bodies {
		resp, err := http.Post(h.http.URL+"/gateway.do", b.ct, strings.NewReader(b.body))
		if err != nil {
			t.Fatal(err)
		}
		body := h.read(resp)
		if !bytes.HasPrefix(body, []byte(`{"`)) || !bytes.Contains(body, []byte(`_response":{"code":"4`)) {
			t.Errorf("case %d: not an Alipay error: %.200s", i, body)
		}
	}
}

func TestInsufficientPermissions(t *testing.T) {
	h := newHarness(t, mock.Options{NoDevApp: true, Apps: []apps.Spec{{AppID: keys.DevAppID,
		PublicKey: string(keys.DevFile("app_public_key.pem")), Methods: []string{"alipay.trade.query"}}}})
	expect(t, h.call("alipay.trade.query", queryBiz), "code", "40004")
	expect(t, h.call("alipay.trade.precreate", `{"out_trade_no":"X","total_amount":"1.00","subject":"s"}`),
		"code", "40006", "sub_code", "isv.insufficient-isv-permissions")
}

// The X-Alipay-Mock header forces one answer; with execute=true the
// operation still happens, so a retry tells the real outcome.
func TestForcedOutcomeHeader(t *testing.T) {
	h := newHarness(t, mock.Options{})
	do := func(method, biz, header string) map[string]any {
		req, _ := http.NewRequest(http.MethodPost, h.http.URL+"/gateway.do", strings.NewReader(form(h.params(method, biz, nil)).Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Alipay-Mock", header)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return h.verify(method, h.read(resp), true)
	}
	pay := `{"out_trade_no":"F1","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`
	expect(t, do("alipay.trade.pay", pay, "code=20000"), "code", "20000", "msg", "Service Currently Unavailable", "sub_code", "isp.unknow-error")
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"F1"}`), "sub_code", "ACQ.TRADE_NOT_EXIST")
	expect(t, do("alipay.trade.pay", pay, "code=40004&sub_code=ACQ.SYSTEM_ERROR&execute=true"), "code", "40004", "sub_code", "ACQ.SYSTEM_ERROR", "sub_msg", "系统异常")
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"F1"}`), "trade_status", "TRADE_SUCCESS")
	refund := `{"out_trade_no":"F1","refund_amount":"4.00","out_request_no":"R1"}`
	expect(t, do("alipay.trade.refund", refund, "code=20000&execute=true"), "code", "20000")
	expect(t, h.call("alipay.trade.refund", refund), "fund_change", "N", "refund_fee", "4.00")
	expect(t, do("alipay.trade.query", `{"out_trade_no":"F1"}`, "code=99999"), "code", "40002", "sub_code", "isv.invalid-parameter")
}

// The log names the likely cause of a signature failure, checked rather
// than guessed.
func TestInvalidSignatureExplainedInLog(t *testing.T) {
	var logs strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), nil))
	cases := []struct {
		name  string
		opts  mock.Options
		edit  func(h *harness, p map[string]string)
		cause string
	}{
		// "keys swapped" (an app registered with the Alipay public key) is
		// refused at registration now: TestAppsValidation (cli_test.go).
		{"sign_type mislabelled", mock.Options{}, func(h *harness, p map[string]string) {
			p["sign"], _ = sign.SignString(h.key, sign.RSA, sign.UTF8, sign.RequestContent(p))
		}, "signed with RSA but sign_type says RSA2"},
		{"GBK bytes, utf-8 charset", mock.Options{}, func(h *harness, p map[string]string) {
			p["sign"], _ = sign.SignString(h.key, sign.RSA2, sign.GBK, sign.RequestContent(p))
		}, "signed over gbk bytes but charset says utf-8"},
		{"sign_type left out", mock.Options{}, func(h *harness, p map[string]string) {
			p["sign"], _ = sign.SignString(h.key, sign.RSA2, sign.UTF8, sign.NotifyContent(p))
		}, "sign_type was left out"},
		{"wrong key", mock.Options{}, func(h *harness, p map[string]string) {
			other, _ := keys.Generate(2048)
			p["sign"], _ = sign.SignString(other.Private, sign.RSA2, sign.UTF8, sign.RequestContent(p))
		}, "does not match the registered app public key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mu.Lock()
			logs.Reset()
			mu.Unlock()
			tc.opts.Logger = logger
			h := newHarness(t, tc.opts)
			p := h.params("alipay.trade.query", `{"out_trade_no":"测试"}`, nil)
			if tc.edit != nil {
				tc.edit(h, p)
			}
			expect(t, h.verify("alipay.trade.query", h.post(p), true), "sub_code", "isv.invalid-signature")
			mu.Lock()
			defer mu.Unlock()
			if !strings.Contains(logs.String(), tc.cause) {
				t.Errorf("log does not say %q:\n%s", tc.cause, logs.String())
			}
		})
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// A NUL character anywhere in biz_content is an invalid parameter (order
// numbers take letters, digits and underscores), for every method family;
// an escaped backslash before "u0000" is not one.
func TestNULInBizContentIsInvalid(t *testing.T) {
	h := newHarness(t, mock.Options{})
	for _, c := range []struct{ method, biz, sub string }{
		{"alipay.trade.query", `{"out_trade_no":"A\u0000"}`, "ACQ.INVALID_PARAMETER"},
		{"alipay.trade.precreate", `{"out_trade_no":"N1","total_amount":"1.00","subject":"s\u0000"}`, "ACQ.INVALID_PARAMETER"},
		{"alipay.trade.precreate", `{"out_trade_no":"N2","total_amount":"1.00","subject":"s","goods_detail":[{"goods_id":"g\u0000","goods_name":"n","quantity":1,"price":"1.00"}]}`, "ACQ.INVALID_PARAMETER"},
		{"alipay.trade.query", `{"out_trade_no":"A\\u0000"}`, "ACQ.TRADE_NOT_EXIST"},
	} {
		m := h.verify(c.method, h.post(h.params(c.method, c.biz, nil)), true)
		if m["sub_code"] != c.sub {
			t.Errorf("%s %s: %v, want %s", c.method, c.biz, m, c.sub)
		}
	}
}
