package mock_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/redact"
)

// The mock's log shows no secret: not the app_auth_token of a request whose
// signature fails (gateway.do and v3), not a buyer page's token in a path,
// while each line still says what happened.
func TestLogsCarryNoSecrets(t *testing.T) {
	logs := newLogLines()
	m := mocktest.New(t, mock.Options{Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	const v1Token, v3Token = "202612BBv1secrettoken0000000001", "202612BBv3secrettoken0000000002"

	// gateway.do: a bad signature logs the string to sign, here with the
	// buyer's barcode (auth_code).
	p := m.Params("alipay.trade.pay", `{"out_trade_no":"RL-1","scene":"bar_code","auth_code":"28authcode-secret","total_amount":"1.00","subject":"s"}`, func(p map[string]string) {
		p["app_auth_token"] = v1Token
		p["sign"] = "AAAA"
	})
	m.Verify("alipay.trade.pay", m.Post(p), false)
	r := logs.wait(t, "request signature does not verify", map[string]string{"app_id": keys.DevAppID, "method": "alipay.trade.pay"})
	s := r["string_to_sign"].(string)
	if !strings.Contains(s, "app_auth_token="+redact.Mark) || !strings.Contains(s, `"out_trade_no":"RL-1"`) || !strings.Contains(s, `"auth_code":"`+redact.Mark+`"`) {
		t.Fatalf("string_to_sign does not show what was signed, redacted: %s", s)
	}

	// The OAuth authorisation code is a bare code parameter, beside grant_type.
	p = m.Params("alipay.system.oauth.token", "", func(p map[string]string) {
		p["grant_type"], p["code"], p["sign"] = "authorization_code", "oauthcode-secret", "AAAA"
	})
	m.Verify("alipay.system.oauth.token", m.Post(p), false)
	r = logs.wait(t, "request signature does not verify", map[string]string{"method": "alipay.system.oauth.token"})
	if s := r["string_to_sign"].(string); !strings.Contains(s, "&code="+redact.Mark+"&") || !strings.Contains(s, "grant_type=authorization_code") {
		t.Fatalf("oauth string_to_sign: %s", s)
	}

	// A merchant's answer to a notification is no secret, though its member
	// is called code: the log shows why the notification failed.
	refuser := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"code":"FAIL"}`)
	}))
	t.Cleanup(refuser.Close)
	m.Post(m.Params("alipay.trade.precreate", `{"out_trade_no":"RL-5","total_amount":"1.00","subject":"s"}`,
		func(p map[string]string) { p["notify_url"] = refuser.URL }))
	m.Control(http.MethodPost, "/trades/RL-5/pay", nil, http.StatusOK)
	r = logs.wait(t, "notification failed", map[string]string{"out_trade_no": "RL-5"})
	if r["response"] != `{"code":"FAIL"}` {
		t.Fatalf("the merchant's answer in the log: %v", r)
	}

	// v3: the token is the last line of the string to sign.
	other, err := keys.Generate(2048) // not the app's key: the signature fails
	if err != nil {
		t.Fatal(err)
	}
	c := m.Client(func(c *client.Config) { c.AppAuthToken, c.PrivateKeyRSA = v3Token, other.Private })
	if _, err := c.QueryV3(context.Background(), client.QueryRequest{OutTradeNo: "RL-2"}); err == nil {
		t.Fatal("a request signed with the wrong key passed")
	}
	r = logs.wait(t, "v3 request signature does not verify", map[string]string{"method": "alipay.trade.query"})
	if s := r["string_to_sign"].(string); !strings.HasSuffix(s, "\n"+redact.Mark+"\n") || !strings.Contains(s, `"out_trade_no":"RL-2"`) {
		t.Fatalf("v3 string_to_sign: %q", s)
	}

	// Page tokens: the paths the mock's error and panic lines name.
	pre := m.Call("alipay.trade.precreate", `{"out_trade_no":"RL-3","total_amount":"1.00","subject":"s"}`)
	qr, err := url.Parse(pre["qr_code"].(string))
	if err != nil || !strings.HasPrefix(qr.Path, "/qr/") {
		t.Fatalf("qr_code %v", pre["qr_code"])
	}
	page := m.Params("alipay.trade.page.pay", `{"out_trade_no":"RL-4","total_amount":"1.00","subject":"s","product_code":"FAST_INSTANT_TRADE_PAY"}`, nil)
	_, cashier, _ := sendGateway(t, m, http.MethodPost, page, nil)
	if !strings.Contains(cashier, "/cashier/") {
		t.Fatalf("no cashier redirect: %q", cashier)
	}
	cashierPath := cashier[strings.Index(cashier, "/cashier/"):]
	m.Srv.Log.Error("request failed", "path", qr.Path, "err", errors.New("GET "+m.URL+cashierPath+": failed"))
	m.Srv.Log.Error("panic", "path", cashierPath, "err", "boom")
	r = logs.wait(t, "request failed", map[string]string{"path": "/qr/" + redact.Mark})
	if r["err"] != "GET "+m.URL+"/cashier/"+redact.Mark+": failed" {
		t.Fatalf("err: %v", r["err"])
	}
	logs.wait(t, "panic", map[string]string{"path": "/cashier/" + redact.Mark})

	secrets := []string{v1Token, v3Token, "authcode-secret", "oauthcode-secret", strings.TrimPrefix(qr.Path, "/qr/"), strings.TrimPrefix(cashierPath, "/cashier/")}
	logs.mu.Lock()
	defer logs.mu.Unlock()
	for _, rec := range logs.records {
		b, _ := json.Marshal(rec)
		text := string(b)
		for _, sec := range secrets {
			if strings.Contains(text, sec) {
				t.Errorf("secret %q in the log: %s", sec, text)
			}
		}
	}
}
