package mock_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// The one rule for a buyer's logon (fixtures.IsLogonID, CHANGELOG: "a
// buyer named by its logon can be paid back by it") misses the gateway:
// alipay.trade.create names its buyer by buyer_logon_id too, and takes
// "some-buyer", whose payment then cannot be paid back by that logon
// (PAYEE_NOT_EXIST) — the inconsistency the change removed for the
// pages, the control API and scenarios. Either the create refuses the
// logon, or the buyer who paid is a payee by it.
func TestCreateBuyerLogonIsTheOneRule(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	r := m.Call("alipay.trade.create", `{"out_trade_no":"RX-C1","total_amount":"100.00","subject":"s","buyer_logon_id":"some-buyer"}`)
	if r["code"] != "10000" {
		return // refused: one rule
	}
	m.Control("POST", "/trades/RX-C1/pay?app_id="+keys.DevCertAppID, nil, http.StatusOK)
	tr := m.Call("alipay.trade.query", `{"out_trade_no":"RX-C1"}`)
	biz := `{"out_biz_no":"RX-P1","trans_amount":"1.00","product_code":"TRANS_ACCOUNT_NO_PWD","biz_scene":"DIRECT_TRANSFER",` +
		`"order_title":"t","transfer_scene_name":"佣金报酬","payee_info":{"identity":"some-buyer","identity_type":"ALIPAY_LOGON_ID","name":"张三"}}`
	if p := m.Call("alipay.fund.trans.uni.transfer", biz); p["code"] != "10000" {
		t.Errorf("create took buyer_logon_id some-buyer (paid: %v, buyer %v %v); paying it back by that logon: %v %v %v",
			tr["trade_status"], tr["buyer_user_id"], tr["buyer_logon_id"], p["code"], p["sub_code"], p["sub_msg"])
	}
}
