package mock_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// rv-atk: since 504303f a buyer named by its user id alone asks the payee
// index for the logon it paid with (Server.userLogon, Book.PaidBuyer), and
// an app's first lookup walks every trade in the book, of every app, under
// the book's lock. Merchants are free to make: the public app
// authorisation page (or POST /_mock/app-auth-codes) authorises the dev app
// for a new made-up merchant each time, and sweepPayees lets the indexes
// of merchants with no paying buyer go once 1,024 are indexed, so they can
// be walked for again. Anyone with the dev key can thus make each
// alipay.trade.create (app_auth_token of a fresh merchant, buyer_id alone)
// walk the whole book: here 20,000 trades; the default keeps 100,000, and
// docs/performance.md measures 1,000,000. The lookup should not walk
// other apps' trades (index per app from the start, or walk the app's own
// trades only).
func TestRvatkUserIDAloneWalksTheWholeBookPerMerchant(t *testing.T) {
	if testing.Short() {
		t.Skip("fills the trade book")
	}
	const kept, n = 20000, 150
	m := mocktest.New(t, mock.Options{Trades: trade.Options{Keep: kept + 2*n}})
	for i := 0; i < kept; i++ { // other trades of the dev app: barcode pays
		if r := m.Call("alipay.trade.pay", fmt.Sprintf(`{"out_trade_no":"F%06d","total_amount":"1.00","subject":"s","scene":"bar_code","auth_code":"28%016d"}`, i, i)); r["code"] != "10000" {
			t.Fatalf("pay %d: %v", i, r)
		}
	}
	c := m.Client(nil)
	tokens := make([]string, 2*n) // a new made-up merchant each
	for i := range tokens {
		var code struct {
			Code string `json:"app_auth_code"`
		}
		m.ControlJSON(http.MethodPost, "/app-auth-codes", map[string]string{"app_id": keys.DevAppID}, http.StatusCreated, &code)
		tok, err := c.ExchangeAppAuthCode(context.Background(), code.Code)
		if err != nil {
			t.Fatal(err)
		}
		tokens[i] = tok.AppAuthToken
	}
	create := func(i int, alone bool) url.Values {
		biz := fmt.Sprintf(`{"out_trade_no":"C%04d","total_amount":"1.00","subject":"s","buyer_id":"2088000000000123"`, i)
		if !alone {
			biz += `,"buyer_logon_id":"buyer123@example.com"`
		}
		return mocktest.Form(m.Params("alipay.trade.create", biz+"}", func(p map[string]string) { p["app_auth_token"] = tokens[i] }))
	}
	bodies := make([][2]url.Values, n) // signed before the clock starts
	for i := range bodies {
		bodies[i] = [2]url.Values{create(2*i, false), create(2*i+1, true)}
	}
	var took [2]time.Duration // both halves named; the user id alone
	for _, b := range bodies {
		for k, form := range b { // interleaved, so the machine's load falls on both alike
			start := time.Now()
			body := m.Read(rvatkPost(http.PostForm(m.URL+"/gateway.do", form)))
			took[k] += time.Since(start)
			var ans struct {
				R struct {
					Code string `json:"code"`
				} `json:"alipay_trade_create_response"`
			}
			if json.Unmarshal(body, &ans) != nil || ans.R.Code != "10000" {
				t.Fatalf("create: %s", body)
			}
		}
	}
	t.Logf("%d creates, each for a new merchant: %v with both halves of the buyer, %v with its user id alone", n, took[0], took[1])
	if took[1]*10 > took[0]*13 {
		t.Errorf("%d creates naming the buyer by user id alone took %v, %v naming both halves: each new merchant's first payee lookup walks the whole book (%d trades of another app) under its lock (mock/trade/payees.go PaidBuyer)", n, took[1], took[0], kept)
	}
}
