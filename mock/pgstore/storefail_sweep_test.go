package pgstore_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// With the database gone, every gateway call that must read or write it
// answers Alipay's 20000, never a verdict (not exist, invalid) it could
// not know (sign-in's calls: TestReplicasSignInDatabaseGoneIs20000).
func TestGatewayDatabaseGoneIs20000(t *testing.T) {
	rs, dbURL := replicasAt(t, 1, mock.Options{FundPublicKey: true})
	m := rs[0]
	if r := m.Call("alipay.trade.precreate", `{"out_trade_no":"SW1","total_amount":"1.00","subject":"x"}`); !ok(r) {
		t.Fatalf("precreate: %v", r)
	}
	m.Control(http.MethodPost, "/trades/SW1/pay?app_id="+keys.DevAppID, nil, http.StatusOK)
	databaseGone(t, dbURL)
	for _, c := range []struct{ method, biz string }{
		{"alipay.trade.query", `{"out_trade_no":"SW1"}`},
		{"alipay.trade.fastpay.refund.query", `{"out_trade_no":"SW1","out_request_no":"SW1"}`},
		{"alipay.trade.close", `{"out_trade_no":"SW1"}`},
		{"alipay.trade.refund", `{"out_trade_no":"SW1","refund_amount":"0.10"}`},
		{"alipay.trade.cancel", `{"out_trade_no":"SW1"}`},
		{"alipay.fund.trans.common.query", `{"out_biz_no":"X1","product_code":"TRANS_ACCOUNT_NO_PWD","biz_scene":"DIRECT_TRANSFER"}`},
		{"alipay.open.auth.token.app", `{"grant_type":"refresh_token","refresh_token":"madeElsewhere"}`},
		{"alipay.trade.royalty.relation.bind", `{"out_request_no":"SW1","receiver_list":[{"type":"userId","account":"2088000000000002"}]}`},
		{"alipay.trade.royalty.relation.unbind", `{"out_request_no":"SW1","receiver_list":[{"type":"userId","account":"2088000000000002"}]}`},
		{"alipay.trade.royalty.relation.batchquery", `{"out_request_no":"SW1"}`},
	} {
		r, err := try(m, c.method, c.biz, nil)
		if err != nil {
			t.Errorf("%s: %v", c.method, err)
			continue
		}
		if r["code"] != "20000" {
			t.Errorf("%s with the database gone: %v, want 20000", c.method, r)
		}
	}
}
