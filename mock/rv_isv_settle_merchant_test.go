package mock_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// A settlement moves money from the merchant to the receiver. When the
// receiver is another mock merchant's account (its PID, bound with
// relation.bind), that money must arrive in its balance, as a transfer to a
// mock merchant's PID does (ARCHITECTURE.md: "a transfer to a mock
// merchant's PID (apps.Registry.IsMerchant) pays into its account"). The
// split left the payer's balance and never reached the receiver's: the
// mock's money was not conserved.
func TestRVSettleToAnotherMockMerchantPaysIntoItsAccount(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	const receiverApp, receiverPID = "9021000100000077", "2088000000000777"
	if _, err := m.Srv.Apps.Add(apps.Spec{AppID: receiverApp, PublicKey: string(keys.DevFile("app_public_key.pem")), SignType: "RSA2", SellerID: receiverPID}); err != nil {
		t.Fatal(err)
	}
	balance := func() string {
		var b struct {
			Available string `json:"available_amount"`
		}
		m.ControlJSON(http.MethodGet, "/apps/"+receiverApp+"/balance", nil, http.StatusOK, &b)
		return b.Available
	}
	before := balance()
	made := m.Call("alipay.trade.create", `{"out_trade_no":"RVMER1","total_amount":"10.00","subject":"s","buyer_id":"2088102146225135"}`)
	expect(t, made, "code", "10000")
	m.Control(http.MethodPost, "/trades/RVMER1/pay", nil, http.StatusOK)
	expect(t, m.Call("alipay.trade.royalty.relation.bind", `{"out_request_no":"RVB1","receiver_list":[{"type":"userId","account":"`+receiverPID+`"}]}`), "code", "10000")
	expect(t, m.Call("alipay.trade.order.settle", `{"out_request_no":"RVS1","trade_no":"`+made["trade_no"].(string)+
		`","royalty_parameters":[{"trans_in":"`+receiverPID+`","amount":"1.00"}]}`), "code", "10000")
	want := amount.MustParse(before) + amount.MustParse("1.00")
	if after := balance(); after != want.String() {
		t.Errorf("the receiving merchant's balance is %s after a 1.00 settlement to its PID, want %s (it was %s)", after, want, before)
	}
}
