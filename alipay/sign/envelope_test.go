package sign_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
)

func TestNodeName(t *testing.T) {
	tests := []struct{ method, want string }{
		{"alipay.trade.query", "alipay_trade_query_response"},
		{"alipay.trade.page.pay", "alipay_trade_page_pay_response"},
		{"alipay.trade.fastpay.refund.query", "alipay_trade_fastpay_refund_query_response"},
		{"", "_response"},
	}
	for _, tt := range tests {
		if got := sign.NodeName(tt.method); got != tt.want {
			t.Errorf("NodeName(%q) = %q, want %q", tt.method, got, tt.want)
		}
	}
	if sign.ErrorNode != "error_response" {
		t.Errorf("ErrorNode = %q", sign.ErrorNode)
	}
}

func TestEnvelope(t *testing.T) {
	raw := []byte(`{"code":"10000","msg":"Success","out_trade_no":"T1"}`)
	tests := []struct {
		name      string
		node      string
		raw       []byte
		signature string
		certSN    string
		want      string
	}{
		{
			"signed", "alipay_trade_query_response", raw, "SIG+/=", "",
			`{"alipay_trade_query_response":{"code":"10000","msg":"Success","out_trade_no":"T1"},"sign":"SIG+/="}`,
		},
		{
			"signed with cert sn", "alipay_trade_query_response", raw, "SIG", "28d1147972121b91734da59aa07b7b9a",
			`{"alipay_trade_query_response":{"code":"10000","msg":"Success","out_trade_no":"T1"},"alipay_cert_sn":"28d1147972121b91734da59aa07b7b9a","sign":"SIG"}`,
		},
		{
			"unsigned", "error_response", []byte(`{"code":"40002","msg":"Invalid Arguments"}`), "", "",
			`{"error_response":{"code":"40002","msg":"Invalid Arguments"}}`,
		},
		{
			"unsigned with cert sn", "x_response", []byte(`{}`), "", "sn1",
			`{"x_response":{},"alipay_cert_sn":"sn1"}`,
		},
		{
			"raw bytes kept verbatim", "n_response", []byte("{ \"a\" : \"\\u4e2d\" ,\n\"b\":1 }"), "S", "",
			"{\"n_response\":{ \"a\" : \"\\u4e2d\" ,\n\"b\":1 },\"sign\":\"S\"}",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sign.Envelope(tt.node, tt.raw, tt.signature, tt.certSN)
			if string(got) != tt.want {
				t.Errorf("Envelope =\n%s\nwant\n%s", got, tt.want)
			}
			if !json.Valid(got) {
				t.Errorf("Envelope is not valid JSON: %s", got)
			}
		})
	}
}

func TestParseResponse(t *testing.T) {
	const method = "alipay.trade.query"
	tests := []struct {
		name       string
		body       string
		wantNode   string
		wantRaw    string
		wantSign   string
		wantCertSN string
	}{
		{
			"method node",
			`{"alipay_trade_query_response":{"code":"10000","msg":"Success"},"sign":"c2ln"}`,
			"alipay_trade_query_response", `{"code":"10000","msg":"Success"}`, "c2ln", "",
		},
		{
			"cert sn",
			`{"alipay_trade_query_response":{"code":"10000"},"alipay_cert_sn":"abc","sign":"c2ln"}`,
			"alipay_trade_query_response", `{"code":"10000"}`, "c2ln", "abc",
		},
		{
			"sign first, node last",
			`{"sign":"c2ln","alipay_trade_query_response":{"code":"10000"}}`,
			"alipay_trade_query_response", `{"code":"10000"}`, "c2ln", "",
		},
		{
			"whitespace inside the node kept",
			"{\"alipay_trade_query_response\":{ \"code\" : \"10000\",\n\t\"msg\":\"Success\" },\"sign\":\"c2ln\"}",
			"alipay_trade_query_response", "{ \"code\" : \"10000\",\n\t\"msg\":\"Success\" }", "c2ln", "",
		},
		{
			"whitespace around the node dropped",
			"{ \"alipay_trade_query_response\" :  {\"code\":\"10000\"}  ,\n \"sign\" : \"c2ln\" }",
			"alipay_trade_query_response", `{"code":"10000"}`, "c2ln", "",
		},
		{
			"escapes and non-ASCII kept",
			`{"alipay_trade_query_response":{"sub_msg":"\u4ea4\u6613","s":"a\/b","t":"交易"},"sign":"c2ln"}`,
			"alipay_trade_query_response", `{"sub_msg":"\u4ea4\u6613","s":"a\/b","t":"交易"}`, "c2ln", "",
		},
		{
			"escaped slash in sign decoded",
			`{"alipay_trade_query_response":{},"sign":"ab\/cd+=="}`,
			"alipay_trade_query_response", `{}`, "ab/cd+==", "",
		},
		{
			"error_response fallback",
			`{"error_response":{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-app-id"},"sign":"c2ln"}`,
			"error_response", `{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-app-id"}`, "c2ln", "",
		},
		{
			"method node preferred over error_response",
			`{"error_response":{"code":"40002"},"alipay_trade_query_response":{"code":"10000"}}`,
			"alipay_trade_query_response", `{"code":"10000"}`, "", "",
		},
		{
			"unsigned",
			`{"alipay_trade_query_response":{"code":"20000"}}`,
			"alipay_trade_query_response", `{"code":"20000"}`, "", "",
		},
		{
			"non-object node",
			`{"alipay_trade_query_response":"ZW5jcnlwdGVk","sign":"c2ln"}`,
			"alipay_trade_query_response", `"ZW5jcnlwdGVk"`, "c2ln", "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := sign.ParseResponse([]byte(tt.body), method)
			if err != nil {
				t.Fatalf("ParseResponse error = %v", err)
			}
			if r.Node != tt.wantNode {
				t.Errorf("Node = %q, want %q", r.Node, tt.wantNode)
			}
			if string(r.Raw) != tt.wantRaw {
				t.Errorf("Raw =\n%q\nwant\n%q", r.Raw, tt.wantRaw)
			}
			if r.Sign != tt.wantSign {
				t.Errorf("Sign = %q, want %q", r.Sign, tt.wantSign)
			}
			if r.CertSN != tt.wantCertSN {
				t.Errorf("CertSN = %q, want %q", r.CertSN, tt.wantCertSN)
			}
		})
	}
}

func TestParseResponseErrors(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wantNoNod bool
	}{
		{"empty object", `{}`, true},
		{"other method", `{"alipay_trade_pay_response":{"code":"10000"},"sign":"x"}`, true},
		{"only sign", `{"sign":"x"}`, true},
		{"node name case differs", `{"Alipay_Trade_Query_Response":{}}`, true},
		{"not JSON", `not json`, false},
		{"array", `[{"alipay_trade_query_response":{}}]`, false},
		{"truncated", `{"alipay_trade_query_response":{"code":"10000"}`, false},
		{"empty body", ``, false},
	}
	for _, tt := range tests {
		r, err := sign.ParseResponse([]byte(tt.body), "alipay.trade.query")
		if err == nil {
			t.Errorf("%s: ParseResponse = %+v, want error", tt.name, r)
			continue
		}
		if r != nil {
			t.Errorf("%s: ParseResponse returned a response with the error", tt.name)
		}
		if got := errors.Is(err, sign.ErrNoNode); got != tt.wantNoNod {
			t.Errorf("%s: errors.Is(%v, ErrNoNode) = %v, want %v", tt.name, err, got, tt.wantNoNod)
		}
	}
}

// What the mock writes is what the client reads: Envelope, then
// ParseResponse, then Verify over the exact node bytes.
func TestEnvelopeParseVerify(t *testing.T) {
	k := keys.DevAlipayPrivateKey()
	pub, err := keys.ParsePublicKey(keys.DevFile("alipay_public_key.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, certSN := range []string{"", "sn-0001"} {
		raw := []byte(`{"code":"10000","msg":"Success","buyer_logon_id":"159****5620","total_amount":"88.88","subject":"乗车票"}`)
		sig, err := sign.Sign(k, sign.RSA2, raw)
		if err != nil {
			t.Fatal(err)
		}
		body := sign.Envelope(sign.NodeName("alipay.trade.query"), raw, sig, certSN)
		r, err := sign.ParseResponse(body, "alipay.trade.query")
		if err != nil {
			t.Fatalf("ParseResponse error = %v", err)
		}
		if string(r.Raw) != string(raw) || r.Sign != sig || r.CertSN != certSN {
			t.Errorf("round trip = %+v", r)
		}
		if err := sign.Verify(pub, sign.RSA2, r.Raw, r.Sign); err != nil {
			t.Errorf("Verify of parsed node = %v", err)
		}
	}
}

func TestResponseNode(t *testing.T) {
	tests := []struct{ method, want string }{
		{"alipay.trade.query", "alipay_trade_query_response"},
		{"alipay.fund.coupon.order.app.pay", "alipay_fund_coupon_order_app_pay_response"},
		{"koubei.item_x.create2", "koubei_item_x_create2_response"},
		{"alipay.trade.nosuch", "alipay_trade_nosuch_response"},
		{"", "error_response"},
		{"alipay", "error_response"},
		{"Alipay.trade.query", "error_response"},
		{`x":{"code":"10000"},"y`, "error_response"},
		{"<script>alert(1)</script>", "error_response"},
		{"alipay.trade.query\n", "error_response"},
		{"alipay..query", "error_response"},
		{"alipay.trade.", "error_response"},
		{"alipay.trade.qu ery", "error_response"},
		{"alipay." + strings.Repeat("a", sign.MaxMethodLen), "error_response"},
		{"alipay." + strings.Repeat("a", sign.MaxMethodLen-7), "alipay_" + strings.Repeat("a", sign.MaxMethodLen-7) + "_response"},
	}
	for _, tt := range tests {
		if got := sign.ResponseNode(tt.method); got != tt.want {
			t.Errorf("ResponseNode(%q) = %q, want %q", tt.method, got, tt.want)
		}
	}
}
