package mock_test

import (
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
