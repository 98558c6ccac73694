package mock_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// docs/red-packets.md: a claim to a logon id shows "the one a transfer to
// that logon id pays". A transfer to the logon of a buyer who paid one of
// the app's trades pays that buyer (docs/transfers.md); a red-packet claim
// to the same logon made up fixtures.UserIDOf(logon) instead, so one person
// is two users across the two ways of paying them.
func TestRvx1RedPacketClaimToAKnownBuyersLogonIsThatBuyer(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	const buyer, logon = "2088000000000011", "13800138000"
	expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"RVX1-KB","total_amount":"1.00","subject":"s"}`), "code", "10000")
	m.Control("POST", "/trades/RVX1-KB/pay", map[string]string{"buyer_id": buyer, "buyer_logon_id": logon}, http.StatusOK)

	expect(t, m.Call("alipay.fund.trans.uni.transfer", `{"out_biz_no":"RVX1-KB-T",`+selfTransferBase+
		`,"payee_info":{"identity":"`+logon+`","identity_type":"ALIPAY_LOGON_ID","name":"x"}}`), "code", "10000")
	var transfers []map[string]any
	if err := json.Unmarshal(m.Control("GET", "/transfers", nil, http.StatusOK), &transfers); err != nil || len(transfers) != 1 {
		t.Fatalf("transfers: %v %v", transfers, err)
	}
	if got := transfers[0]["payee_user_id"]; got != buyer {
		t.Fatalf("the transfer to %s paid %v, want the buyer %s (docs/transfers.md)", logon, got, buyer)
	}

	authNo := redPacketPaidBy(t, m, "RVX1-KB-RP", "10.00")
	expect(t, m.Call("alipay.fund.coupon.order.disburse", `{"out_order_no":"RVX1-KB-C","out_request_no":"1","deduct_auth_no":"`+authNo+`","amount":"1.00","payee_logon_id":"`+logon+`"}`), "code", "10000")
	q := m.Call("alipay.fund.coupon.operation.query", `{"out_order_no":"RVX1-KB-C","out_request_no":"1"}`)
	if got := q["payee_user_id"]; got != buyer {
		t.Errorf("a claim to payee_logon_id %s, the logon buyer %s paid with (and a transfer to it pays), shows payee_user_id %v", logon, buyer, got)
	}
}

// docs/clock-and-notifications.md: wait (a duration such as 10s, or whole
// seconds) "is at most 60 s: a longer one waits 60 s". A duration past what
// time.Duration holds (3000000h) or whole seconds past an int are 400
// instead, while 99999999999999999 seconds waits 60 s: the cap depends on
// how the long wait is spelt. The notification is there, so a capped
// poll answers at once.
func TestRvx1LongPollAnyLongerWaitIsCapped(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	merchant := mocktest.NewMerchant(t, "success")
	m.Post(m.Params("alipay.trade.pay", `{"out_trade_no":"RVX1-WAIT","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`,
		func(p map[string]string) { p["notify_url"] = merchant.URL }))
	m.WaitNotifications(notify.Filter{OutTradeNo: "RVX1-WAIT"}, 1)
	for _, w := range []string{"99999999999999999", "3000000h", "99999999999999999999"} {
		resp, err := http.Get(m.URL + "/_mock/notifications?out_trade_no=RVX1-WAIT&wait=" + w)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("wait=%s: HTTP %d %s, want 200 (a longer wait waits 60 s)", w, resp.StatusCode, b)
		}
	}
}
