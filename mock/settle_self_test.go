package mock_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// A merchant that binds its own account (its seller_id) as a royalty
// receiver and settles to it loses the money: the split leaves its balance
// and lands nowhere. The same payment as a transfer is refused
// (PAYER_PAYEE_CANNOT_SAME 收付款方不能相同), and money the mock pays to a mock
// merchant's PID goes into that merchant's account (ARCHITECTURE.md, "a
// transfer to a mock merchant's PID ... pays into its account"). Either
// the settlement is refused or it moves nothing out of the account: a
// split to oneself cannot make 1.00 vanish from alipay.fund.account.query.
func TestSettleToOwnAccountLosesNoMoney(t *testing.T) {
	m := mocktest.New(t, mock.Options{}).CertApp()
	made := m.Call("alipay.trade.create", `{"out_trade_no":"SELF1","total_amount":"10.00","subject":"s","buyer_id":"2088102146225135"}`)
	expect(t, made, "code", "10000")
	m.Control(http.MethodPost, "/trades/SELF1/pay", nil, http.StatusOK)
	// The merchant's own account: the control API's trade names it.
	var trade struct {
		Seller struct {
			SellerID    string `json:"seller_id"`
			SellerEmail string `json:"seller_email"`
		} `json:"seller"`
	}
	m.ControlJSON(http.MethodGet, "/trades/SELF1", nil, http.StatusOK, &trade)
	tr := trade.Seller
	if tr.SellerID == "" {
		t.Fatal("the trade names no seller_id")
	}
	balance := func() string {
		a := m.Call("alipay.fund.account.query", `{"alipay_user_id":"`+tr.SellerID+`","account_type":"ACCTRANS_ACCOUNT"}`)
		expect(t, a, "code", "10000")
		return a["available_amount"].(string)
	}
	before := balance()
	m.Call("alipay.trade.royalty.relation.bind", `{"out_request_no":"B1","receiver_list":[{"type":"userId","account":"`+tr.SellerID+`"}]}`)
	s := m.Call("alipay.trade.order.settle", `{"out_request_no":"S1","trade_no":"`+made["trade_no"].(string)+
		`","royalty_parameters":[{"trans_in":"`+tr.SellerID+`","amount":"1.00"}]}`)
	if after := balance(); after != before {
		t.Errorf("settlement to the merchant's own account (%v) moved its balance from %s to %s", s, before, after)
	}
	expect(t, s, "code", "40004", "sub_code", "ACQ.INVALID_PARAMETER")
	// Its logon (seller_email), bound as a loginName, is its own account too.
	if tr.SellerEmail == "" {
		t.Fatal("the trade names no seller_email")
	}
	expect(t, m.Call("alipay.trade.royalty.relation.bind", `{"out_request_no":"B2","receiver_list":[{"type":"loginName","account":"`+tr.SellerEmail+`","name":"商户"}]}`),
		"code", "10000")
	s = m.Call("alipay.trade.order.settle", `{"out_request_no":"S2","trade_no":"`+made["trade_no"].(string)+
		`","royalty_parameters":[{"trans_in_type":"loginName","trans_in":"`+strings.ToUpper(tr.SellerEmail)+`","amount":"1.00"}]}`)
	expect(t, s, "code", "40004", "sub_code", "ACQ.INVALID_PARAMETER")
	if after := balance(); after != before {
		t.Errorf("settlement to the merchant's own logon (%v) moved its balance from %s to %s", s, before, after)
	}
}
