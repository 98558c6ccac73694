package mock_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// A seller cannot pay its own trade: ACQ.BUYER_SELLER_EQUAL 买卖家不能相同
// (the precreate and pay error tables). The QR page and the cashier refuse
// the merchant's own account (its seller_id, or its seller_email as
// buyer_logon_id) with that message and leave the trade unpaid, and
// precreate and create refuse it as buyer_logon_id.
func TestSellerCannotPayItsOwnTrade(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	var seller struct {
		Seller struct {
			ID    string `json:"seller_id"`
			Email string `json:"seller_email"`
		} `json:"seller"`
	}
	pre := m.Call("alipay.trade.precreate", `{"out_trade_no":"SELF-QR","total_amount":"1.00","subject":"s"}`)
	m.ControlJSON(http.MethodGet, "/trades/SELF-QR", nil, http.StatusOK, &seller)
	if seller.Seller.ID == "" || seller.Seller.Email == "" {
		t.Fatalf("seller %+v", seller)
	}
	u, err := m.Client(nil).PagePayURL(client.PagePayRequest{Order: client.Order{OutTradeNo: "SELF-PAGE", TotalAmount: amount.MustParse("1.00"), Subject: "s"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		out, page string
		as        url.Values
	}{
		{"SELF-QR", pre["qr_code"].(string), url.Values{"buyer_id": {seller.Seller.ID}}},
		{"SELF-PAGE", openCashier(t, m, u), url.Values{"buyer_logon_id": {seller.Seller.Email}}},
	} {
		tc.as.Set("action", "pay")
		resp, body := cashierPost(t, tc.page, tc.as)
		if resp.StatusCode == http.StatusFound || !strings.Contains(body, "买卖家不能相同") {
			t.Errorf("%s: the seller paying as %v: HTTP %d, the page does not say 买卖家不能相同", tc.out, tc.as, resp.StatusCode)
		}
		if q := m.Call("alipay.trade.query", `{"out_trade_no":"`+tc.out+`"}`); q["trade_status"] == "TRADE_SUCCESS" {
			t.Errorf("%s: paid by its own seller: buyer_user_id %v, seller %s", tc.out, q["buyer_user_id"], seller.Seller.ID)
		}
	}
	for _, method := range []string{"alipay.trade.precreate", "alipay.trade.create"} {
		r := m.Call(method, `{"out_trade_no":"SELF-`+method[13:]+`","total_amount":"1.00","subject":"s","buyer_logon_id":"`+seller.Seller.Email+`"}`)
		if r["sub_code"] != "ACQ.BUYER_SELLER_EQUAL" {
			t.Errorf("%s with buyer_logon_id %s, the seller's: %v %v", method, seller.Seller.Email, r["sub_code"], r["sub_msg"])
		}
	}
}

// mockSellerID is the dev app's seller user id, from the control API.
func mockSellerID(t *testing.T, m *mocktest.Mock) string {
	t.Helper()
	var tr struct {
		Seller struct {
			ID string `json:"seller_id"`
		} `json:"seller"`
	}
	expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"SELF-ID","total_amount":"1.00","subject":"s"}`), "code", "10000")
	m.ControlJSON(http.MethodGet, "/trades/SELF-ID", nil, http.StatusOK, &tr)
	if tr.Seller.ID == "" {
		t.Fatal("no seller_id")
	}
	return tr.Seller.ID
}

// create refuses the seller as buyer_open_id (its open id for the app) as
// it does as buyer_id and buyer_logon_id: ACQ.BUYER_SELLER_EQUAL. Before,
// the trade opened and a pay with no buyer named paid it, the seller's
// open id shown as the buyer's.
func TestCreateForTheSellersOwnOpenIDIsBuyerSellerEqual(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	seller := mockSellerID(t, m)
	open := fixtures.OpenID(keys.DevAppID, seller)
	r := m.Call("alipay.trade.create", `{"out_trade_no":"SELF-OPEN","total_amount":"1.00","subject":"s","buyer_open_id":"`+open+`"}`)
	if r["sub_code"] != "ACQ.BUYER_SELLER_EQUAL" {
		t.Errorf("create with buyer_open_id %s (the seller's): %v %v %v, want ACQ.BUYER_SELLER_EQUAL", open, r["code"], r["sub_code"], r["sub_msg"])
	}
	if r["code"] == "10000" {
		m.Control("POST", "/trades/SELF-OPEN/pay", nil, http.StatusOK)
		if q := m.Call("alipay.trade.query", `{"out_trade_no":"SELF-OPEN"}`); q["trade_status"] == "TRADE_SUCCESS" {
			t.Errorf("the seller's own-open-id trade paid: %v", q)
		}
	}
}
