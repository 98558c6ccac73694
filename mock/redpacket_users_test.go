package mock_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// redPacketPaidBy opens and pays (agreement pay) a red packet of amount
// and returns its auth_no.
func redPacketPaidBy(t *testing.T, m *mocktest.Mock, out, amount string) string {
	t.Helper()
	r := m.Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"`+out+`","out_request_no":"`+out+`-pay","order_title":"红包","amount":"`+amount+`","payer_user_id":"2088102000000001"}`)
	expect(t, r, "code", "10000", "status", "SUCCESS")
	return r["auth_no"].(string)
}

// A claim's payee_user_id and agreement pay's payer_user_id name an Alipay
// user: "以2088开头的16位纯数字组成" (AlipayFundCouponOperationQueryResponse.
// payeeUserId); a payee_logon_id is a phone number or e-mail address, the
// shape transfers check. Anything else is INVALID_PARAMETER (the sub_code
// inferred: the family's answer to a bad argument), and the red packet
// keeps its money, where the claim used to be paid out to nobody.
func TestRedPacketMalformedUsersAreRefused(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	authNo := redPacketPaidBy(t, m, "RPU-BADPAYEE", "10.00")
	for i, payee := range []string{`"payee_user_id":"not-a-user"`, `"payee_user_id":"2088123"`, `"payee_logon_id":"not a logon"`} {
		r := m.Call("alipay.fund.coupon.order.disburse", `{"out_order_no":"RPU-BADPAYEE-C`+strconv.Itoa(i)+`","out_request_no":"1","deduct_auth_no":"`+authNo+`","amount":"5.00",`+payee+`}`)
		expect(t, r, "code", "40004", "sub_code", "INVALID_PARAMETER")
	}
	// All 10.00 is still there to claim.
	r := m.Call("alipay.fund.coupon.order.disburse", `{"out_order_no":"RPU-BADPAYEE-OK","out_request_no":"1","deduct_auth_no":"`+authNo+`","amount":"10.00","payee_user_id":"2088102000000101"}`)
	expect(t, r, "code", "10000")
	r = m.Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"RPU-BADPAYER","out_request_no":"1","order_title":"红包","amount":"1.00","payer_user_id":"not-a-user"}`)
	expect(t, r, "code", "40004", "sub_code", "INVALID_PARAMETER")
}

// One Alipay account is one user id: claims paid to one payee_logon_id
// show one payee_user_id in operation.query (an app keying claimants by it
// counts them once), derived from the logon as transfers derive theirs
// (fixtures.UserIDOf), where each claim used to make up a new one.
func TestRedPacketClaimsToOneLogonAreOneUser(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	authNo := redPacketPaidBy(t, m, "RPU-LOGON", "10.00")
	ids := map[string]bool{}
	for _, out := range []string{"RPU-LOGON-C1", "RPU-LOGON-C2"} {
		expect(t, m.Call("alipay.fund.coupon.order.disburse", `{"out_order_no":"`+out+`","out_request_no":"1","deduct_auth_no":"`+authNo+`","amount":"1.00","payee_logon_id":"13800000000"}`),
			"code", "10000")
		q := m.Call("alipay.fund.coupon.operation.query", `{"out_order_no":"`+out+`","out_request_no":"1"}`)
		expect(t, q, "code", "10000")
		ids[q["payee_user_id"].(string)] = true
	}
	if len(ids) != 1 {
		t.Errorf("two claims to payee_logon_id 13800000000 name %d payee_user_ids %v, want one account", len(ids), ids)
	}
}

// A claim to a logon id pays the user a transfer to it pays
// (docs/red-packets.md): the buyer of one of the app's trades who paid
// with that logon (docs/transfers.md). The claim made up
// fixtures.UserIDOf(logon) instead, so one person was two users across the
// two ways of paying them.
func TestRedPacketClaimToAKnownBuyersLogonPaysThatBuyer(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	const buyer, logon = "2088000000000011", "13800138000"
	expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"RP-KNOWN","total_amount":"1.00","subject":"s"}`), "code", "10000")
	m.Control("POST", "/trades/RP-KNOWN/pay", map[string]string{"buyer_id": buyer, "buyer_logon_id": logon}, http.StatusOK)

	expect(t, m.Call("alipay.fund.trans.uni.transfer", `{"out_biz_no":"RP-KNOWN-T",`+selfTransferBase+
		`,"payee_info":{"identity":"`+logon+`","identity_type":"ALIPAY_LOGON_ID","name":"x"}}`), "code", "10000")
	var transfers []map[string]any
	if err := json.Unmarshal(m.Control("GET", "/transfers", nil, http.StatusOK), &transfers); err != nil || len(transfers) != 1 {
		t.Fatalf("transfers: %v %v", transfers, err)
	}
	if got := transfers[0]["payee_user_id"]; got != buyer {
		t.Fatalf("the transfer to %s paid %v, want the buyer %s (docs/transfers.md)", logon, got, buyer)
	}

	authNo := redPacketPaidBy(t, m, "RP-KNOWN-RP", "10.00")
	expect(t, m.Call("alipay.fund.coupon.order.disburse", `{"out_order_no":"RP-KNOWN-C","out_request_no":"1","deduct_auth_no":"`+authNo+`","amount":"1.00","payee_logon_id":"`+logon+`"}`), "code", "10000")
	q := m.Call("alipay.fund.coupon.operation.query", `{"out_order_no":"RP-KNOWN-C","out_request_no":"1"}`)
	if got := q["payee_user_id"]; got != buyer {
		t.Errorf("a claim to payee_logon_id %s, the logon buyer %s paid with (and a transfer to it pays), shows payee_user_id %v", logon, buyer, got)
	}
}
