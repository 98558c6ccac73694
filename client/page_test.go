package client_test

import (
	"encoding/json"
	"html"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/client"
)

// verifyRequest checks params the way the gateway does: decoded from the
// charset, all but sign, signed with the app key.
func verifyRequest(t *testing.T, form url.Values) map[string]string {
	t.Helper()
	cs, err := sign.ParseCharset(form.Get("charset"))
	if err != nil {
		t.Fatal(err)
	}
	p := map[string]string{}
	for k := range form {
		if len(form[k]) != 1 {
			t.Errorf("%s given %d times", k, len(form[k]))
		}
		if p[k], err = cs.Decode([]byte(form.Get(k))); err != nil {
			t.Fatal(err)
		}
	}
	st, err := sign.ParseType(p["sign_type"])
	if err != nil {
		t.Fatal(err)
	}
	if err := sign.VerifyString(appPublicKey(t), st, cs, sign.RequestContent(p), p["sign"]); err != nil {
		t.Fatalf("signature: %v", err)
	}
	return p
}

func TestAppPayOrderString(t *testing.T) {
	tests := []struct {
		name        string
		charset     string
		req         client.AppPayRequest
		opts        []client.CallOption
		wantBiz     string
		wantInOrder []string // substrings that must appear in the raw string
	}{
		{
			name:        "utf-8 defaults",
			req:         client.AppPayRequest{Order: client.Order{OutTradeNo: "o1", TotalAmount: 100, Subject: "a b&c=d"}},
			wantBiz:     `{"out_trade_no":"o1","total_amount":"1.00","subject":"a b&c=d","product_code":"QUICK_MSECURITY_PAY"}`,
			wantInOrder: []string{"timestamp=2024-05-01+12%3A00%3A00", "a+b%26c%3Dd"},
		},
		{
			name:        "gbk with notify_url",
			charset:     "GBK",
			req:         client.AppPayRequest{Order: client.Order{OutTradeNo: "o2", TotalAmount: 1, Subject: "测试", ProductCode: "OTHER"}},
			opts:        []client.CallOption{client.WithNotifyURL("http://shop/notify?a=1")},
			wantBiz:     `{"out_trade_no":"o2","total_amount":"0.01","subject":"测试","product_code":"OTHER"}`,
			wantInOrder: []string{"%B2%E2%CA%D4", "notify_url=http%3A%2F%2Fshop%2Fnotify%3Fa%3D1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, client.ProductionGateway, func(cfg *client.Config) { cfg.Charset = tt.charset })
			s, err := c.AppPayOrderString(tt.req, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, pair := range strings.Split(s, "&") {
				k, _, ok := strings.Cut(pair, "=")
				if !ok {
					t.Fatalf("pair %q without =", pair)
				}
				keys = append(keys, k)
			}
			if !sort.StringsAreSorted(keys) {
				t.Errorf("keys not sorted: %v", keys)
			}
			for _, sub := range tt.wantInOrder {
				if !strings.Contains(s, sub) {
					t.Errorf("order string lacks %q: %s", sub, s)
				}
			}
			form, err := url.ParseQuery(s)
			if err != nil {
				t.Fatal(err)
			}
			p := verifyRequest(t, form)
			if p["method"] != "alipay.trade.app.pay" || p["biz_content"] != tt.wantBiz {
				t.Errorf("method %q, biz_content %s\nwant biz_content %s", p["method"], p["biz_content"], tt.wantBiz)
			}
		})
	}
}

func TestPagePayURL(t *testing.T) {
	for _, charset := range []string{"", "GBK"} {
		t.Run("charset="+charset, func(t *testing.T) {
			c := newClient(t, "http://127.0.0.1:9/gateway.do", func(cfg *client.Config) {
				cfg.Charset = charset
				cfg.NotifyURL = "http://shop/notify"
			})
			tests := []struct {
				name, method, product string
				build                 func() (string, error)
			}{
				{"page", "alipay.trade.page.pay", "FAST_INSTANT_TRADE_PAY", func() (string, error) {
					return c.PagePayURL(client.PagePayRequest{Order: client.Order{OutTradeNo: "o1", TotalAmount: 100, Subject: "书"}, ReturnURL: "http://shop/return"})
				}},
				{"wap", "alipay.trade.wap.pay", "QUICK_WAP_WAY", func() (string, error) {
					return c.WapPayURL(client.WapPayRequest{Order: client.Order{OutTradeNo: "o1", TotalAmount: 100, Subject: "书"}, ReturnURL: "http://shop/return"})
				}},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					s, err := tt.build()
					if err != nil {
						t.Fatal(err)
					}
					u, err := url.Parse(s)
					if err != nil {
						t.Fatal(err)
					}
					if u.Host != "127.0.0.1:9" || u.Path != "/gateway.do" {
						t.Errorf("URL %s is not on the gateway", s)
					}
					p := verifyRequest(t, u.Query())
					if p["method"] != tt.method || p["return_url"] != "http://shop/return" || p["notify_url"] != "http://shop/notify" {
						t.Errorf("params = %v", p)
					}
					if !strings.Contains(p["biz_content"], `"product_code":"`+tt.product+`"`) || !strings.Contains(p["biz_content"], `"subject":"书"`) {
						t.Errorf("biz_content = %s", p["biz_content"])
					}
					if strings.Contains(p["biz_content"], "return") {
						t.Errorf("return_url leaked into biz_content: %s", p["biz_content"])
					}
				})
			}
		})
	}
}

var (
	formTag  = regexp.MustCompile(`<form name="punchout_form" method="post" action="([^"]*)" accept-charset="([^"]*)">`)
	inputTag = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)">`)
)

func TestPagePayForm(t *testing.T) {
	tests := []struct {
		name    string
		charset string
		subject string
		wap     bool
	}{
		{"plain", "", "Book", false},
		{"html special characters", "", `"><script>alert('x')</script>&amp;`, false},
		{"gbk", "GBK", `测试 "引号" <b>`, false},
		{"wap", "", `it's "wap"`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, "http://127.0.0.1:9/gateway.do", func(cfg *client.Config) { cfg.Charset = tt.charset })
			order := client.Order{OutTradeNo: "o1", TotalAmount: 100, Subject: tt.subject}
			var form string
			var err error
			if tt.wap {
				form, err = c.WapPayForm(client.WapPayRequest{Order: order, QuitURL: "http://shop/?a=1&b=2"}, client.WithReturnURL("http://shop/r?x=1&y=2"))
			} else {
				form, err = c.PagePayForm(client.PagePayRequest{Order: order}, client.WithReturnURL("http://shop/r?x=1&y=2"))
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(form, "<script>alert") || strings.Contains(form, `value=""><`) {
				t.Fatalf("unescaped value in form:\n%s", form)
			}
			m := formTag.FindStringSubmatch(form)
			if m == nil {
				t.Fatalf("no form tag:\n%s", form)
			}
			action, err := url.Parse(html.UnescapeString(m[1]))
			if err != nil {
				t.Fatal(err)
			}
			wantCharset := "UTF-8"
			if tt.charset != "" {
				wantCharset = tt.charset
			}
			if action.Path != "/gateway.do" || action.Query().Get("charset") != wantCharset || m[2] != wantCharset {
				t.Errorf("action %q, accept-charset %q", action, m[2])
			}
			// What the browser submits: the fields encoded in accept-charset,
			// plus the action's query string.
			cs, _ := sign.ParseCharset(wantCharset)
			submitted := action.Query()
			inputs := inputTag.FindAllStringSubmatch(form, -1)
			for _, in := range inputs {
				b, err := cs.Encode(html.UnescapeString(in[2]))
				if err != nil {
					t.Fatal(err)
				}
				submitted.Add(html.UnescapeString(in[1]), string(b))
			}
			p := verifyRequest(t, submitted)
			var biz client.Order
			if err := json.Unmarshal([]byte(p["biz_content"]), &biz); err != nil || biz.Subject != tt.subject {
				t.Errorf("subject lost (%v): %s", err, p["biz_content"])
			}
			if p["return_url"] != "http://shop/r?x=1&y=2" {
				t.Errorf("return_url = %q", p["return_url"])
			}
			if !strings.Contains(form, `document.forms["punchout_form"].submit()`) {
				t.Error("form does not submit itself")
			}
		})
	}
}
