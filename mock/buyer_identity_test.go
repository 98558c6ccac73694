package mock_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// A buyer someone names (the QR page, the control API, /_mock/app-pay, a
// scenario's then.buyer) is production's shape: buyer_id "2088" and 12
// digits, buyer_logon_id a phone number or e-mail (the one rule of a
// logon, the payee's too, so the buyer can be paid by it) of at most 100
// characters without control characters. Anything else is refused with
// the reason and pays nothing; before, 30,000 characters were kept in the
// trade, answered by alipay.trade.query and sent in notifications, and a
// buyer named "some-buyer" paid but could not be paid back by that logon.
func TestNamedBuyerIsChecked(t *testing.T) {
	h := newHarness(t, mock.Options{})
	const badID, badLogon = "buyer_id must be 2088 followed by 12 digits", "buyer_logon_id must be"
	for i, tc := range []struct {
		name, id, logon, say string
	}{
		{"30,000-character buyer_id", strings.Repeat("9", 30000), "", badID},
		{"short buyer_id", "2088123", "", badID},
		{"buyer_id not digits", "2088abcdefghijkl", "", badID},
		{"101-character logon", "", strings.Repeat("a", 91) + "@x.example", badLogon + " at most 100 characters"},
		{"30,000-character logon", "", strings.Repeat("b", 30000), badLogon + " at most 100 characters"},
		{"logon with a line break", "", "a\nb@x.example", badLogon + " text without control characters"},
		{"logon neither phone nor e-mail", "", "some-buyer", badLogon + " a mainland phone number (11 digits from 1, as 13800138000) or an e-mail address"},
		{"logon of 12 digits", "", "138001380001", badLogon + " a mainland phone number"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := h.forT(t)
			out := "NB" + strconv.Itoa(i)
			m := h.call("alipay.trade.precreate", `{"out_trade_no":"`+out+`","total_amount":"1.00","subject":"s"}`)
			body, _ := json.Marshal(map[string]string{"buyer_id": tc.id, "buyer_logon_id": tc.logon})

			// The control API: 400 with the reason.
			if e := h.control("POST", "/trades/"+out+"/pay", string(body), http.StatusBadRequest); !strings.Contains(e["error"].(string), tc.say) {
				t.Errorf("control API: %v, want %q", e, tc.say)
			}
			// The QR page: the page says why.
			resp, err := http.PostForm(m["qr_code"].(string), url.Values{"action": {"pay"}, "buyer_id": {tc.id}, "buyer_logon_id": {tc.logon}})
			if err != nil {
				t.Fatal(err)
			}
			if page := html.UnescapeString(string(h.read(resp))); !strings.Contains(page, tc.say) {
				t.Errorf("QR page does not say %q", tc.say)
			}
			if tr := h.control("GET", "/trades/"+out, "", http.StatusOK); tr["trade_status"] != "WAIT_BUYER_PAY" || !strings.Contains(fmt.Sprint(tr["buyer"]), "buyer_id: buyer_logon_id: ") {
				t.Errorf("trade after the refusals: %v %v", tr["trade_status"], tr["buyer"])
			}

			// /_mock/app-pay: refused before the order string opens a trade.
			app := "AP" + out
			p := h.params("alipay.trade.app.pay", `{"out_trade_no":"`+app+`","total_amount":"1.00","subject":"s","product_code":"QUICK_MSECURITY_PAY"}`, nil)
			in, _ := json.Marshal(map[string]string{"order_string": form(p).Encode(), "action": "pay", "buyer_id": tc.id, "buyer_logon_id": tc.logon})
			if e := h.control("POST", "/app-pay", string(in), http.StatusBadRequest); !strings.Contains(e["error"].(string), tc.say) {
				t.Errorf("app-pay: %v, want %q", e, tc.say)
			}
			h.control("GET", "/trades/"+app, "", http.StatusNotFound)

			// A red packet's sender: refused, the packet still unpaid.
			rp := h.certApp().params("alipay.fund.coupon.order.app.pay", `{"out_order_no":"RP`+out+`","out_request_no":"RP`+out+`-pay","order_title":"红包","amount":"8.88"}`, nil)
			in, _ = json.Marshal(map[string]string{"order_string": form(rp).Encode()})
			authNo, _ := h.control("POST", "/app-pay", string(in), http.StatusOK)["auth_no"].(string)
			if e := h.control("POST", "/red-packets/"+authNo+"/pay", string(body), http.StatusBadRequest); !strings.Contains(e["error"].(string), tc.say) {
				t.Errorf("red packet: %v, want %q", e, tc.say)
			}
			if o := h.control("GET", "/red-packets/"+authNo, "", http.StatusOK); o["status"] != "INIT" {
				t.Errorf("red packet after the refusal: %v", o["status"])
			}
		})
	}

	// A buyer of production's shape pays, and is the trade's buyer.
	h.call("alipay.trade.precreate", `{"out_trade_no":"NB-ok","total_amount":"1.00","subject":"s"}`)
	h.control("POST", "/trades/NB-ok/pay", `{"buyer_id":"2088000000000042","buyer_logon_id":"buyer@example.com"}`, http.StatusOK)
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"NB-ok"}`), "trade_status", "TRADE_SUCCESS", "buyer_user_id", "2088000000000042")

	// A scenario naming a bad buyer does not load.
	for _, tc := range []struct{ buyer, say string }{
		{`buyer_id: "2088123"`, "then.buyer.buyer_id must be 2088 followed by 12 digits"},
		{`buyer_logon_id: "` + strings.Repeat("c", 101) + `"`, "then.buyer.buyer_logon_id must be at most 100 characters"},
		{`buyer_logon_id: some-buyer`, "then.buyer.buyer_logon_id must be a mainland phone number"},
	} {
		yaml := "name: bad-buyer\nrules:\n  - when: {method: alipay.trade.precreate}\n    then:\n      buyer: {pay_after: 1s, " + tc.buyer + "}\n"
		resp, b := h.fetch("POST", h.http.URL+"/_mock/scenarios", "application/yaml", yaml)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), tc.say) {
			t.Errorf("scenario: HTTP %d %s, want 400 saying %q", resp.StatusCode, b, tc.say)
		}
	}
}
