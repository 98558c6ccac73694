package mock_test

import (
	"net/http"
	"regexp"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// RoyaltyEntity (alipay-sdk-java-all) on batchquery's receiver_list:
// login_name is "作为查询返回结果：当前userId对应的支付宝登录号", bind_login_name
// "通过type为loginName绑定传入的支付宝登录号，若使用userId绑定则不返回". So a
// receiver bound by userId comes back with its current login_name (and no
// bind_login_name): the mock, knowing none, shows a masked one derived from
// the user id (inferred); it returned login_name only for loginName receivers.
func TestBatchqueryUserIDReceiverHasLoginName(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	expect(t, m.Call("alipay.trade.royalty.relation.bind", `{"out_request_no":"LNB1","receiver_list":[{"type":"userId","account":"2088000000000002"}]}`), "code", "10000")
	q := m.Call("alipay.trade.royalty.relation.batchquery", `{"out_request_no":"LNQ1"}`)
	l, _ := q["receiver_list"].([]any)
	if len(l) != 1 {
		t.Fatalf("receiver_list %v", q)
	}
	e := l[0].(map[string]any)
	if s, _ := e["login_name"].(string); !regexp.MustCompile(`^1[3-9]\d\*{4}\d{4}$`).MatchString(s) {
		t.Errorf("a userId receiver's login_name %q is no masked logon: %v", s, e)
	}
	if _, ok := e["bind_login_name"]; ok {
		t.Errorf("a userId receiver has a bind_login_name: %v", e)
	}
}

// batchquery's login_name for a userId receiver is "当前userId对应的支付宝登录号"
// (RoyaltyEntity): for a buyer the mock knows, who paid with its logon,
// that logon (masked as the trade shows it), not one made up from its
// user id, which gave the same user two logons.
func TestBatchqueryLoginNameOfAKnownBuyerIsItsLogon(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	const logon = "13800138000"
	expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"RLN-KB","total_amount":"1.00","subject":"s"}`), "code", "10000")
	m.Control("POST", "/trades/RLN-KB/pay", map[string]string{"buyer_logon_id": logon}, http.StatusOK)
	q := m.Call("alipay.trade.query", `{"out_trade_no":"RLN-KB"}`)
	user, shown := q["buyer_user_id"].(string), q["buyer_logon_id"]
	expect(t, m.Call("alipay.trade.royalty.relation.bind", `{"out_request_no":"RLNB","receiver_list":[{"type":"userId","account":"`+user+`"}]}`), "code", "10000")
	r := m.Call("alipay.trade.royalty.relation.batchquery", `{"out_request_no":"RLNQ","page_num":1,"page_size":10}`)
	list, _ := r["receiver_list"].([]any)
	if len(list) != 1 {
		t.Fatalf("receiver_list %v", r)
	}
	if got := list[0].(map[string]any)["login_name"]; got != shown {
		t.Errorf("login_name of user %s: %v; the trade it paid shows buyer_logon_id %v (%s)", user, got, shown, logon)
	}
}
