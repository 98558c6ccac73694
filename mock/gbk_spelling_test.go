package mock_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
	"github.com/alipay-mock/alipay-mock/mock/store"
)

// Production spells the GBK charset "GBK" in what it sends back: the
// returns and notifications captured in yansongda/pay#158, #214 and
// yansongda/laravel-pay#19 all say "charset":"GBK", none "gbk"; and its
// answers to a GBK request say so in Content-Type (docs/gateway.md). Each
// form is signed over its GBK bytes.
func TestGBKSpelledAsProduction(t *testing.T) {
	var mu sync.Mutex
	var notified, returned url.Values
	var notifiedCT string
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Path == "/notify" {
			notified, notifiedCT = r.PostForm, r.Header.Get("Content-Type")
			_, _ = w.Write([]byte("success"))
			return
		}
		returned = r.URL.Query()
	}))
	defer shop.Close()
	m := mocktest.New(t, mock.Options{})
	gbk := func(p map[string]string) {
		p["charset"] = "GBK"
		p["notify_url"] = shop.URL + "/notify"
		p["return_url"] = shop.URL + "/return"
	}
	p := m.Params("alipay.trade.page.pay", `{"out_trade_no":"GBKSP1","total_amount":"1.00","subject":"gbk order","product_code":"FAST_INSTANT_TRADE_PAY"}`, gbk)
	resp, err := http.PostForm(m.URL+"/gateway.do?charset=GBK", mocktest.Form(p))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.Contains(resp.Request.URL.Path, "/cashier/") {
		t.Fatalf("page.pay did not reach the cashier: %s %s", resp.Status, resp.Request.URL)
	}
	resp, err = http.PostForm(resp.Request.URL.String(), url.Values{"action": {"pay"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	m.WaitAttempts("GBKSP1", 1)
	mu.Lock()
	defer mu.Unlock()
	pub := keys.DevAlipayPrivateKey().PublicKey
	for name, f := range map[string]url.Values{"notification": notified, "return": returned} {
		ps := map[string]string{}
		for k := range f {
			ps[k] = f.Get(k)
		}
		if ps["charset"] != "GBK" {
			t.Errorf("%s: charset=%q, want GBK as production sends it", name, ps["charset"])
		}
		if err := sign.VerifyString(&pub, sign.RSA2, sign.GBK, sign.NotifyContent(ps), ps["sign"]); err != nil {
			t.Errorf("%s does not verify over GBK bytes: %v", name, err)
		}
	}
	if notifiedCT != "application/x-www-form-urlencoded; charset=GBK" {
		t.Errorf("notification Content-Type %q", notifiedCT)
	}

	q := m.Params("alipay.trade.query", `{"out_trade_no":"GBKSP1"}`, func(p map[string]string) { p["charset"] = "gbk" })
	resp, err = http.PostForm(m.URL+"/gateway.do?charset=gbk", mocktest.Form(q))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/html;charset=GBK" {
		t.Errorf("GBK answer Content-Type %q, want text/html;charset=GBK", ct)
	}

	// The app pay result's node says the order's charset too.
	os := mocktest.Form(m.Params("alipay.trade.app.pay", `{"out_trade_no":"GBKSP2","total_amount":"1.00","subject":"s","product_code":"QUICK_MSECURITY_PAY"}`,
		func(p map[string]string) { p["charset"] = "GBK" })).Encode()
	var paid struct {
		AppPayResult notify.AppResult `json:"app_pay_result"`
	}
	m.ControlJSON(http.MethodPost, "/app-pay", map[string]string{"order_string": os, "action": "pay"}, http.StatusOK, &paid)
	var result struct {
		Node struct {
			Charset string `json:"charset"`
		} `json:"alipay_trade_app_pay_response"`
	}
	if err := json.Unmarshal([]byte(paid.AppPayResult.Result), &result); err != nil || result.Node.Charset != "GBK" {
		t.Errorf("app pay result charset %q (%v), want GBK: %s", result.Node.Charset, err, paid.AppPayResult.Result)
	}
}

// A GBK notification an older build kept (--data, --store) spelt its
// charset "gbk": its attempts after a restart send that form as it was,
// and it verifies.
func TestGBKNotificationKeptByAnOlderBuild(t *testing.T) {
	t.Run("data", func(t *testing.T) {
		o := mock.Options{DataDir: t.TempDir()}
		olderBuildGBK(t, o, func(notify.Notification) {
			db, err := store.Open(o.DataDir)
			if err != nil {
				t.Fatal(err)
			}
			ns, err := db.Notifications()
			if err != nil || len(ns) != 1 {
				t.Fatalf("stored notifications %+v (%v), want one", ns, err)
			}
			if err := db.PutNotification(spellOld(t, ns[0]))(); err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("store", func(t *testing.T) {
		o := mock.Options{Store: pgtest.URL(t)}
		olderBuildGBK(t, o, func(sent notify.Notification) {
			conn, ctx := pgtest.Conn(t, o.Store), context.Background()
			var data []byte
			if err := conn.QueryRow(ctx, `SELECT data FROM alipay_mock_notifications WHERE id = $1`, sent.ID).Scan(&data); err != nil {
				t.Fatal(err)
			}
			n, err := notify.Unmarshal(data)
			if err != nil {
				t.Fatal(err)
			}
			if data, err = notify.Marshal(spellOld(t, n)); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Exec(ctx, `UPDATE alipay_mock_notifications SET data = $1 WHERE id = $2`, data, sent.ID); err != nil {
				t.Fatal(err)
			}
		})
	})
}

// olderBuildGBK makes a GBK notification that fails its first attempt,
// stops the mock, has keep turn it into what an older build kept, starts
// the mock again and checks the next attempt.
func olderBuildGBK(t *testing.T, o mock.Options, keep func(notify.Notification)) {
	m := mocktest.New(t, o)
	shop := mocktest.NewMerchant(t, "fail")
	p := m.Params("alipay.trade.pay", `{"out_trade_no":"GBKOLD","total_amount":"1.00","subject":"测试","scene":"bar_code","auth_code":"283912345678901234"}`,
		func(p map[string]string) {
			p["charset"] = "GBK"
			p["notify_url"] = shop.URL
		})
	b, err := sign.EncodeForm(p, sign.GBK)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(m.URL+"/gateway.do?charset=GBK", "application/x-www-form-urlencoded", strings.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	m.Read(resp)
	sent := m.WaitAttempts("GBKOLD", 1)
	if err := m.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	keep(sent)

	m = mocktest.New(t, o)
	m.Advance("4m")
	m.WaitAttempts("GBKOLD", 2)
	calls := shop.Calls()
	if len(calls) != 2 {
		t.Fatalf("%d attempts arrived, want 2", len(calls))
	}
	form, err := decodeGBKForm(calls[1].Body)
	if err != nil {
		t.Fatal(err)
	}
	if form["charset"] != "gbk" || form["subject"] != "测试" {
		t.Errorf("the kept notification's attempt: charset %q, subject %q; want its own gbk and 测试", form["charset"], form["subject"])
	}
	pub := keys.DevAlipayPrivateKey().PublicKey
	if err := sign.VerifyString(&pub, sign.RSA2, sign.GBK, sign.NotifyContent(form), form["sign"]); err != nil {
		t.Errorf("the kept notification's attempt does not verify: %v", err)
	}
}

// spellOld is n as an older build kept it: charset spelt "gbk".
func spellOld(t *testing.T, n notify.Notification) notify.Notification {
	t.Helper()
	if n.Params["charset"] != "GBK" {
		t.Fatalf("the notification made says charset %q, want GBK", n.Params["charset"])
	}
	n.Params["charset"] = "gbk"
	var err error
	if n.Body, err = sign.EncodeForm(n.Params, sign.GBK); err != nil {
		t.Fatal(err)
	}
	return n
}

// decodeGBKForm decodes a form body sent in GBK.
func decodeGBKForm(body string) (map[string]string, error) {
	v, err := url.ParseQuery(body)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for k := range v {
		if out[k], err = sign.GBK.Decode([]byte(v.Get(k))); err != nil {
			return nil, err
		}
	}
	return out, nil
}
