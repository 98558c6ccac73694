package mock_test

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// ARCHITECTURE.md ("Where each rule lives") says fixtures checks "the shape
// of any user id or logon the mock is given (an order's buyer_logon_id,
// payees, red-packet claims, royalty accounts, sign-in)", and a loginName
// receiver's account is "用户的支付宝登录号" (RoyaltyEntity.account,
// alipay-sdk-java-all v2/src/main/java/com/alipay/api/domain/RoyaltyEntity.java):
// a phone number or e-mail, as the mock holds buyer_logon_id to. Yet
// relation.bind takes any text as a loginName account and batchquery then
// lists it as the receiver's login_name.
func TestBindRefusesALoginNameThatIsNoLogon(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	// The same text is refused as a logon elsewhere.
	expect(t, m.Call("alipay.trade.create", `{"out_trade_no":"LOGON1","total_amount":"10.00","subject":"s","buyer_logon_id":"not a logon at all"}`),
		"code", "40004", "sub_code", "ACQ.INVALID_PARAMETER")
	r := m.Call("alipay.trade.royalty.relation.bind",
		`{"out_request_no":"B1","receiver_list":[{"type":"loginName","account":"not a logon at all","name":"张三"}]}`)
	expect(t, r, "code", "40004", "sub_code", "ACQ.INVALID_PARAMETER")
	q := m.Call("alipay.trade.royalty.relation.batchquery", `{"out_request_no":"Q1"}`)
	if l, _ := q["receiver_list"].([]any); len(l) != 0 {
		t.Errorf("receiver_list = %v, want no receiver bound", l)
	}
}
