package mock_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// The one rule for a buyer's logon (fixtures.IsLogonID: a phone number or
// an e-mail) holds at the gateway too: alipay.trade.create and precreate
// refuse buyer_logon_id "some-buyer", which no one could pay back by that
// logon (PAYEE_NOT_EXIST), and a logon the rule takes is a payee.
func TestCreateBuyerLogonIsTheOneRule(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	for i, method := range []string{"alipay.trade.create", "alipay.trade.precreate"} {
		r := m.Call(method, `{"out_trade_no":"RX-C0`+strconv.Itoa(i)+`","total_amount":"100.00","subject":"s","buyer_logon_id":"some-buyer"}`)
		if r["code"] != "40004" || r["sub_code"] != "ACQ.INVALID_PARAMETER" {
			t.Errorf("%s with buyer_logon_id some-buyer: %v %v %v, want 40004 ACQ.INVALID_PARAMETER", method, r["code"], r["sub_code"], r["sub_msg"])
		}
	}
	expect(t, m.Call("alipay.trade.create", `{"out_trade_no":"RX-C1","total_amount":"100.00","subject":"s","buyer_logon_id":"some.buyer@example.com"}`), "code", "10000")
	m.Control("POST", "/trades/RX-C1/pay?app_id="+keys.DevCertAppID, nil, http.StatusOK)
	biz := `{"out_biz_no":"RX-P1","trans_amount":"1.00","product_code":"TRANS_ACCOUNT_NO_PWD","biz_scene":"DIRECT_TRANSFER",` +
		`"order_title":"t","transfer_scene_name":"佣金报酬","payee_info":{"identity":"some.buyer@example.com","identity_type":"ALIPAY_LOGON_ID","name":"张三"}}`
	// Known by that logon (the name 张三 need not be the buyer's made-up one).
	if p := m.Call("alipay.fund.trans.uni.transfer", biz); p["sub_code"] == "PAYEE_NOT_EXIST" {
		t.Errorf("create took buyer_logon_id some.buyer@example.com, paid; paying it back by that logon: %v %v %v", p["code"], p["sub_code"], p["sub_msg"])
	}
}
