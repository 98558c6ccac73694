package mock_test

import (
	"fmt"
	"github.com/alipay-mock/alipay-mock/keys"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// A buyer the mock lets a page, the control API or a scenario name
// (fixtures.Buyer.Check: any logon of at most 100 characters) is a known
// payee "by the logon account it paid with" (docs/transfers.md), but a
// transfer to that logon is refused PAYEE_NOT_EXIST first: the payee's
// shape rule (fixtures.IsLogonID, phone or e-mail) is a second rule for
// the same logon. One of the two must give: the buyer named "rvrl-buyer"
// either is refused when named, or can be paid.
func TestRvrlABuyerTheMockTookByLogonCanBePaidByThatLogon(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	for i, logon := range []string{"rvrl@example.com", "rvrl-buyer"} {
		out := fmt.Sprintf("RVRL-T%d", i)
		expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"`+out+`","total_amount":"100.00","subject":"s"}`), "code", "10000")
		var tr struct {
			Buyer struct {
				Name string `json:"name"`
			} `json:"buyer"`
		}
		code := http.StatusOK
		m.ControlJSON("POST", "/trades/"+out+"/pay?app_id="+keys.DevCertAppID, map[string]string{"buyer_logon_id": logon}, code, &tr)
		name := tr.Buyer.Name
		if name == "" { // a buyer named by its logon alone has no name: any is taken
			name = "张三"
		}
		biz := `{"out_biz_no":"RVRL-P` + fmt.Sprint(i) + `","trans_amount":"1.00","product_code":"TRANS_ACCOUNT_NO_PWD","biz_scene":"DIRECT_TRANSFER",` +
			`"order_title":"t","transfer_scene_name":"佣金报酬","payee_info":{"identity":"` + logon + `","identity_type":"ALIPAY_LOGON_ID","name":"` + name + `"}}`
		got := m.Call("alipay.fund.trans.uni.transfer", biz)
		if got["code"] != "10000" {
			t.Errorf("buyer %q paid the trade, but a transfer to that logon: %v", logon, got)
		}
	}
}
