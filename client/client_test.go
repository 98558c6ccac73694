package client_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
)

func TestNew(t *testing.T) {
	appPriv := string(keys.DevFile("app_private_key.pem"))
	appPub := string(keys.DevFile("app_public_key.pem"))
	alipayPub := string(keys.DevFile("alipay_public_key.pem"))
	alipayPriv := string(keys.DevFile("alipay_private_key.pem"))
	good := client.Config{GatewayURL: client.SandboxGateway, AppID: keys.DevAppID, PrivateKey: appPriv, AlipayPublicKey: alipayPub}

	tests := []struct {
		name    string
		edit    func(*client.Config)
		wantErr string // substring; "" = no error
	}{
		{"valid PEM PKCS#1", nil, ""},
		{"valid raw base64 PKCS#8 and raw public key", func(c *client.Config) {
			c.PrivateKey = string(keys.DevFile("app_private_key_pkcs8.txt"))
			c.AlipayPublicKey = string(keys.DevFile("alipay_public_key.txt"))
		}, ""},
		{"valid PEM PKCS#8", func(c *client.Config) { c.PrivateKey = string(keys.DevFile("app_private_key_pkcs8.pem")) }, ""},
		{"valid rsa keys", func(c *client.Config) {
			c.PrivateKey, c.AlipayPublicKey = "", ""
			c.PrivateKeyRSA = keys.DevAppPrivateKey()
			c.AlipayPublicKeyRSA = &keys.DevAlipayPrivateKey().PublicKey
		}, ""},
		{"RSA and GBK", func(c *client.Config) { c.SignType = sign.RSA; c.Charset = "gbk" }, ""},
		{"swapped keys", func(c *client.Config) { c.PrivateKey, c.AlipayPublicKey = alipayPub, appPriv }, "swapped"},
		{"public key as private key", func(c *client.Config) { c.PrivateKey = appPub }, "swapped"},
		{"private key as Alipay public key", func(c *client.Config) { c.AlipayPublicKey = alipayPriv }, "swapped"},
		{"app public key as Alipay public key", func(c *client.Config) { c.AlipayPublicKey = appPub }, "app public key"},
		{"app public key as Alipay public key, rsa", func(c *client.Config) {
			c.AlipayPublicKey = ""
			c.AlipayPublicKeyRSA = &keys.DevAppPrivateKey().PublicKey
		}, "app public key"},
		{"both private keys", func(c *client.Config) { c.PrivateKeyRSA = keys.DevAppPrivateKey() }, "not both"},
		{"no private key", func(c *client.Config) { c.PrivateKey = "" }, "PrivateKey"},
		{"no Alipay public key", func(c *client.Config) { c.AlipayPublicKey = "" }, "AlipayPublicKey is required"},
		{"garbage key", func(c *client.Config) { c.PrivateKey = "not a key" }, "PrivateKey"},
		{"no app id", func(c *client.Config) { c.AppID = "" }, "AppID"},
		{"no gateway", func(c *client.Config) { c.GatewayURL = "" }, "GatewayURL"},
		{"gateway without path", func(c *client.Config) { c.GatewayURL = "http://127.0.0.1:8080" }, "gateway.do"},
		{"bad sign type", func(c *client.Config) { c.SignType = "SM2" }, "SignType"},
		{"bad charset", func(c *client.Config) { c.Charset = "latin1" }, "Charset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			if tt.edit != nil {
				tt.edit(&cfg)
			}
			_, err := client.New(cfg)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("New succeeded, want error containing %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("New: %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestDoCommonParams(t *testing.T) {
	g := newFakeGateway(t)
	tests := []struct {
		name string
		edit func(*client.Config)
		opts []client.CallOption
		want map[string]string // "" = must be absent
	}{
		{
			name: "defaults",
			want: map[string]string{
				"app_id": keys.DevAppID, "method": "alipay.trade.query", "format": "JSON", "charset": "UTF-8",
				"sign_type": "RSA2", "timestamp": "2024-05-01 12:00:00", "version": "1.0",
				"notify_url": "", "app_auth_token": "", "return_url": "",
			},
		},
		{
			name: "config notify_url and app_auth_token",
			edit: func(c *client.Config) { c.NotifyURL = "http://shop/notify"; c.AppAuthToken = "tok" },
			want: map[string]string{"notify_url": "http://shop/notify", "app_auth_token": "tok"},
		},
		{
			name: "per-call options win",
			edit: func(c *client.Config) { c.NotifyURL = "http://shop/notify"; c.AppAuthToken = "tok" },
			opts: []client.CallOption{client.WithNotifyURL("http://other/n"), client.WithAppAuthToken(""),
				client.WithReturnURL("http://shop/return"), client.WithParam("alipay_sdk", "x-1")},
			want: map[string]string{"notify_url": "http://other/n", "app_auth_token": "", "return_url": "http://shop/return", "alipay_sdk": "x-1"},
		},
		{
			name: "timestamp in GMT+8 whatever the clock's zone",
			edit: func(c *client.Config) {
				c.Now = func() time.Time { return fixedNow.In(time.FixedZone("PST", -8*3600)) }
			},
			want: map[string]string{"timestamp": "2024-05-01 12:00:00"},
		},
		{
			name: "RSA",
			edit: func(c *client.Config) { c.SignType = sign.RSA },
			want: map[string]string{"sign_type": "RSA"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, g.gatewayURL(), tt.edit)
			g.set(reply{node: `{"code":"10000","msg":"Success","trade_status":"WAIT_BUYER_PAY"}`})
			var out client.QueryResponse
			if err := c.Do(context.Background(), "alipay.trade.query", client.QueryRequest{OutTradeNo: "o1"}, &out, tt.opts...); err != nil {
				t.Fatal(err)
			}
			rec := g.received()
			if rec.VerifyErr != nil {
				t.Fatalf("request signature: %v", rec.VerifyErr)
			}
			if got := rec.Params["biz_content"]; got != `{"out_trade_no":"o1"}` {
				t.Errorf("biz_content = %s", got)
			}
			if got := rec.Query.Get("charset"); got == "" {
				t.Error("charset missing from the query string")
			}
			for k, want := range tt.want {
				got, ok := rec.Params[k]
				if want == "" && ok {
					t.Errorf("%s = %q, want it absent", k, got)
				} else if want != "" && got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if out.TradeStatus != client.TradeWaitBuyerPay {
				t.Errorf("trade_status = %q", out.TradeStatus)
			}
		})
	}
}

func TestDoResponses(t *testing.T) {
	g := newFakeGateway(t)
	c := newClient(t, g.gatewayURL(), nil)
	tests := []struct {
		name      string
		reply     reply
		wantErr   error  // matched with errors.Is
		wantInErr string // substring of the error
		check     func(t *testing.T, out *client.RefundResponse)
	}{
		{
			name:  "signed success",
			reply: reply{node: `{"code":"10000","msg":"Success","fund_change":"Y","refund_fee":"1.50","out_trade_no":"o1","qr":"https:\/\/qr.alipay.com\/x"}`},
			check: func(t *testing.T, out *client.RefundResponse) {
				if out.RefundFee != amount.MustParse("1.50") || out.FundChange != "Y" || out.OutTradeNo != "o1" {
					t.Errorf("out = %+v", out)
				}
			},
		},
		{
			name:  "signed 10003 is not an error",
			reply: reply{node: `{"code":"10003","msg":" order success pay inprocess"}`},
			check: func(t *testing.T, out *client.RefundResponse) {
				if !out.Processing() {
					t.Errorf("Processing() = false for %+v", out.Response)
				}
			},
		},
		{
			name:    "unsigned success",
			reply:   reply{node: `{"code":"10000","msg":"Success"}`, unsigned: true},
			wantErr: client.ErrUnsigned,
		},
		{
			name:    "unsigned 10003",
			reply:   reply{node: `{"code":"10003","msg":" order success pay inprocess"}`, unsigned: true},
			wantErr: client.ErrUnsigned,
		},
		{
			name:    "bad signature on success",
			reply:   reply{node: `{"code":"10000","msg":"Success"}`, badSign: true},
			wantErr: sign.ErrBadSignature,
		},
		{
			name:      "signed by the wrong key",
			reply:     reply{node: `{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST","sub_msg":"交易不存在"}`, signer: keys.DevAppPrivateKey()},
			wantErr:   sign.ErrBadSignature,
			wantInErr: "ACQ.TRADE_NOT_EXIST",
		},
		{
			name:      "signed with the other algorithm",
			reply:     reply{node: `{"code":"10000","msg":"Success"}`, signType: sign.RSA},
			wantErr:   sign.ErrBadSignature,
			wantInErr: "registered as RSA",
		},
		{
			name:    "signed business error",
			reply:   reply{node: `{"code":"40004","msg":"Business Failed","sub_code":"ACQ.REFUND_AMT_NOT_EQUAL_TOTAL","sub_msg":"退款金额超限","out_trade_no":"o1","refund_fee":"0.00"}`},
			wantErr: &client.Error{Code: "40004", SubCode: "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"},
			check: func(t *testing.T, out *client.RefundResponse) {
				if out.OutTradeNo != "o1" {
					t.Errorf("echoed out_trade_no not decoded: %+v", out)
				}
			},
		},
		{
			name:    "unsigned gateway error",
			reply:   reply{node: `{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-app-id","sub_msg":"无效的AppID参数"}`, unsigned: true},
			wantErr: &client.Error{Code: "40002", SubCode: "isv.invalid-app-id"},
		},
		{
			name:    "error_response node",
			reply:   reply{node: `{"code":"40002","msg":"Invalid Arguments","sub_code":"isv.invalid-method"}`, unsigned: true, nodeName: "error_response"},
			wantErr: &client.Error{Code: "40002"},
		},
		{
			name:      "no node",
			reply:     reply{rawOutput: []byte(`{"other_response":{"code":"10000"},"sign":"x"}`)},
			wantErr:   sign.ErrNoNode,
			wantInErr: "unreadable",
		},
		{
			name:      "HTML page",
			reply:     reply{rawOutput: []byte(`<html>系统繁忙</html>`)},
			wantInErr: "unreadable response",
		},
		{
			name:      "HTTP 502",
			reply:     reply{status: 502, node: "bad gateway"},
			wantInErr: "502",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g.set(tt.reply)
			var out client.RefundResponse
			err := c.Do(context.Background(), "alipay.trade.refund", client.RefundRequest{OutTradeNo: "o1", RefundAmount: 150}, &out)
			if tt.wantErr == nil && tt.wantInErr == "" {
				if err != nil {
					t.Fatalf("Do: %v", err)
				}
			} else {
				if err == nil {
					t.Fatal("Do succeeded, want an error")
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Fatalf("Do: %v, want errors.Is %v", err, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantInErr) {
					t.Fatalf("Do: %v, want it to contain %q", err, tt.wantInErr)
				}
			}
			if tt.check != nil {
				tt.check(t, &out)
			}
		})
	}
}

func TestTypedMethodsReturnError(t *testing.T) {
	g := newFakeGateway(t)
	c := newClient(t, g.gatewayURL(), nil)
	g.set(reply{node: `{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST","sub_msg":"交易不存在"}`})
	resp, err := c.Query(context.Background(), client.QueryRequest{OutTradeNo: "nope"})
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.SubCode != "ACQ.TRADE_NOT_EXIST" || apiErr.SubMsg != "交易不存在" {
		t.Fatalf("err = %v", err)
	}
	if resp != nil {
		t.Errorf("resp = %+v, want nil with an error", resp)
	}
}

func TestGBKRoundTrip(t *testing.T) {
	g := newFakeGateway(t)
	for _, st := range []sign.Type{sign.RSA2, sign.RSA} {
		t.Run(string(st), func(t *testing.T) {
			c := newClient(t, g.gatewayURL(), func(cfg *client.Config) { cfg.Charset = "GBK"; cfg.SignType = st })
			// 乗 is 0x815C in GBK: its second byte is a backslash, so the
			// body must be decoded before it is parsed as JSON.
			g.set(reply{node: `{"code":"10000","msg":"Success","out_trade_no":"o1","qr_code":"https:\/\/qr.alipay.com\/bax1","subject":"测试商品乗"}`})
			var out struct {
				client.PrecreateResponse
				Subject string `json:"subject"`
			}
			req := client.PrecreateRequest{Order: client.Order{OutTradeNo: "o1", TotalAmount: 8800, Subject: "测试商品 & 其他"}}
			if err := c.Do(context.Background(), "alipay.trade.precreate", req, &out); err != nil {
				t.Fatal(err)
			}
			rec := g.received()
			if rec.VerifyErr != nil {
				t.Fatalf("request signature over GBK bytes: %v", rec.VerifyErr)
			}
			if rec.Charset != sign.GBK || rec.Params["charset"] != "GBK" {
				t.Errorf("charset = %q (param %q)", rec.Charset, rec.Params["charset"])
			}
			// 测 is 0xB2E2 in GBK and E6 B5 8B in UTF-8.
			if !strings.Contains(rec.RawBody, "%B2%E2") || strings.Contains(rec.RawBody, "%E6%B5%8B") {
				t.Errorf("body is not GBK: %s", rec.RawBody)
			}
			if want := `{"out_trade_no":"o1","total_amount":"88.00","subject":"测试商品 & 其他"}`; rec.Params["biz_content"] != want {
				t.Errorf("biz_content = %s, want %s", rec.Params["biz_content"], want)
			}
			if out.Subject != "测试商品乗" || out.QRCode != "https://qr.alipay.com/bax1" {
				t.Errorf("decoded response = %+v", out)
			}
		})
	}
}

func TestGBKUnencodable(t *testing.T) {
	g := newFakeGateway(t)
	c := newClient(t, g.gatewayURL(), func(cfg *client.Config) { cfg.Charset = "GBK" })
	err := c.Do(context.Background(), "alipay.trade.precreate", map[string]string{"subject": "emoji 😀"}, nil)
	if err == nil || !strings.Contains(err.Error(), "GBK") {
		t.Fatalf("err = %v, want a GBK encoding error", err)
	}
}

func TestTypedMethods(t *testing.T) {
	g := newFakeGateway(t)
	c := newClient(t, g.gatewayURL(), nil)
	ctx := context.Background()
	tests := []struct {
		method  string
		call    func() (any, error)
		wantBiz string
	}{
		{"alipay.trade.precreate", func() (any, error) {
			return c.Precreate(ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "o1", TotalAmount: 1, Subject: "s",
				ExtendParams: &client.ExtendParams{SysServiceProviderID: "2088"}}})
		}, `{"out_trade_no":"o1","total_amount":"0.01","subject":"s","extend_params":{"sys_service_provider_id":"2088"}}`},
		{"alipay.trade.pay", func() (any, error) {
			return c.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "o1", Subject: "s"}, AuthCode: "28763443825664394"})
		}, `{"out_trade_no":"o1","subject":"s","scene":"bar_code","auth_code":"28763443825664394"}`},
		{"alipay.trade.create", func() (any, error) {
			return c.Create(ctx, client.CreateRequest{Order: client.Order{OutTradeNo: "o1", TotalAmount: 100, Subject: "s"}, BuyerID: "2088102"})
		}, `{"out_trade_no":"o1","total_amount":"1.00","subject":"s","buyer_id":"2088102"}`},
		{"alipay.trade.query", func() (any, error) {
			return c.Query(ctx, client.QueryRequest{TradeNo: "t1", QueryOptions: []string{"fund_bill_list"}})
		}, `{"trade_no":"t1","query_options":["fund_bill_list"]}`},
		{"alipay.trade.cancel", func() (any, error) {
			return c.Cancel(ctx, client.CancelRequest{OutTradeNo: "o1"})
		}, `{"out_trade_no":"o1"}`},
		{"alipay.trade.close", func() (any, error) {
			return c.Close(ctx, client.CloseRequest{OutTradeNo: "o1", OperatorID: "op"})
		}, `{"out_trade_no":"o1","operator_id":"op"}`},
		{"alipay.trade.refund", func() (any, error) {
			return c.Refund(ctx, client.RefundRequest{OutTradeNo: "o1", RefundAmount: 50, OutRequestNo: "r1", RefundReason: "退货"})
		}, `{"out_trade_no":"o1","refund_amount":"0.50","out_request_no":"r1","refund_reason":"退货"}`},
		{"alipay.trade.fastpay.refund.query", func() (any, error) {
			return c.RefundQuery(ctx, client.RefundQueryRequest{OutTradeNo: "o1", OutRequestNo: "r1"})
		}, `{"out_trade_no":"o1","out_request_no":"r1"}`},
	}
	g.set(reply{node: `{"code":"10000","msg":"Success"}`})
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			resp, err := tt.call()
			if err != nil {
				t.Fatal(err)
			}
			if resp == nil {
				t.Fatal("nil response")
			}
			rec := g.received()
			if rec.Params["method"] != tt.method {
				t.Errorf("method = %q", rec.Params["method"])
			}
			if rec.Params["biz_content"] != tt.wantBiz {
				t.Errorf("biz_content = %s\nwant          %s", rec.Params["biz_content"], tt.wantBiz)
			}
		})
	}
}
