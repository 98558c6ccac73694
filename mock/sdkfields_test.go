package mock_test

import (
	"bufio"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
)

// sdkFields reads testdata/sdk_response_fields.txt: for each method, the
// fields the Java SDK's response class declares (plus the common ones and
// the listed extras).
func sdkFields(t *testing.T) map[string]map[string]bool {
	t.Helper()
	f, err := os.Open("testdata/sdk_response_fields.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var common []string
	out := map[string]map[string]bool{}
	cur := ""
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		w := strings.Fields(sc.Text())
		switch {
		case len(w) == 0 || strings.HasPrefix(w[0], "#"):
		case w[0] == "common":
			common = w[1:]
		case w[0] == "method":
			cur = w[1]
			out[cur] = map[string]bool{}
		case w[0] == "extra":
			out[w[1]][w[2]] = true
		default:
			for _, n := range w {
				out[cur][n] = true
			}
		}
	}
	for _, set := range out {
		for _, n := range common {
			set[n] = true
		}
	}
	return out
}

// TestResponseFieldsAreSDKFields calls every method that answers JSON, in
// success and in error, with and without query_options, and fails on any
// field of the response node that the method's SDK response class lacks.
func TestResponseFieldsAreSDKFields(t *testing.T) {
	const openIDApp = "2021000000000051"
	want := sdkFields(t)
	for _, d := range alipay.Methods() {
		if d.Page {
			continue
		}
		if want[d.Name] == nil {
			t.Errorf("%s answers JSON but testdata/sdk_response_fields.txt has no list for it", d.Name)
		}
	}
	h := newHarness(t, mock.Options{FundPublicKey: true, Apps: []apps.Spec{{AppID: openIDApp, PublicKey: string(keys.DevFile("app_public_key.pem")), UserIDType: "open_id"}}})
	seen := map[string]map[bool]bool{} // method → success seen, error seen
	checkWith := func(method, biz string, params map[string]string) map[string]any {
		t.Helper()
		node := h.verify(method, h.post(h.params(method, biz, func(p map[string]string) {
			for k, v := range params {
				p[k] = v
			}
		})), false)
		if seen[method] == nil {
			seen[method] = map[bool]bool{}
		}
		// alipay.system.oauth.token's success has no code.
		seen[method][node["code"] == "10000" || node["code"] == nil] = true
		t.Logf("%s %s → %v %v", method, biz, node["code"], node["sub_msg"])
		var extra []string
		for k := range node {
			if !want[method][k] {
				extra = append(extra, k)
			}
		}
		sort.Strings(extra)
		if len(extra) > 0 {
			t.Errorf("%s %s: fields not in the SDK's response class: %v", method, biz, extra)
		}
		return node
	}
	check := func(method, biz string) map[string]any {
		t.Helper()
		return checkWith(method, biz, nil)
	}
	all := `"query_options":["fund_bill_list","voucher_detail_list","trade_settle_info","refund_detail_item_list","deposit_back_info","gmt_refund_pay","send_back_fee"]`

	check("alipay.trade.precreate", `{"out_trade_no":"F1","total_amount":"5.00","subject":"s"}`)
	check("alipay.trade.precreate", `{"out_trade_no":"F1","total_amount":"-1","subject":"s"}`)
	h.control("POST", "/trades/F1/scan", "", http.StatusOK)
	check("alipay.trade.query", `{"out_trade_no":"F1"}`)
	check("alipay.trade.query", `{"out_trade_no":"F1",`+all+`}`)
	check("alipay.trade.cancel", `{"out_trade_no":"F1"}`)
	check("alipay.trade.precreate", `{"out_trade_no":"F5","total_amount":"5.00","subject":"s"}`)
	h.control("POST", "/trades/F5/scan", "", http.StatusOK)
	check("alipay.trade.close", `{"out_trade_no":"F5"}`)

	check("alipay.trade.pay", `{"out_trade_no":"F2","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`)
	check("alipay.trade.pay", `{"out_trade_no":"F2b","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s",`+all+`}`)
	check("alipay.trade.pay", `{"out_trade_no":"F3","scene":"bar_code","auth_code":"1","total_amount":"10.00","subject":"s"}`)
	check("alipay.trade.query", `{"out_trade_no":"F2"}`)
	check("alipay.trade.query", `{"out_trade_no":"F2",`+all+`}`)
	check("alipay.trade.query", `{"out_trade_no":"nope"}`)
	check("alipay.trade.refund", `{"out_trade_no":"F2","refund_amount":"1.00","out_request_no":"R1"}`)
	check("alipay.trade.refund", `{"out_trade_no":"F2","refund_amount":"1.00","out_request_no":"R2",`+all+`}`)
	check("alipay.trade.refund", `{"out_trade_no":"F2","refund_amount":"99.00","out_request_no":"R3"}`)
	check("alipay.trade.fastpay.refund.query", `{"out_trade_no":"F2","out_request_no":"R1"}`)
	check("alipay.trade.fastpay.refund.query", `{"out_trade_no":"F2","out_request_no":"R2",`+all+`}`)
	check("alipay.trade.fastpay.refund.query", `{"out_trade_no":"nope","out_request_no":"R1"}`)
	// Paid partly with a voucher (magic amount 100.20), every list asked for.
	vall := strings.Replace(all, `"send_back_fee"`, `"send_back_fee","refund_voucher_detail_list"`, 1)
	check("alipay.trade.pay", `{"out_trade_no":"FV","scene":"bar_code","auth_code":"283912345678901234","total_amount":"100.20","subject":"s",`+vall+`}`)
	check("alipay.trade.query", `{"out_trade_no":"FV",`+vall+`}`)
	check("alipay.trade.refund", `{"out_trade_no":"FV","refund_amount":"95.00","out_request_no":"RV",`+vall+`}`)
	check("alipay.trade.fastpay.refund.query", `{"out_trade_no":"FV","out_request_no":"RV",`+vall+`}`)
	paid := check("alipay.trade.query", `{"out_trade_no":"F2"}`)
	check("alipay.trade.orderinfo.sync", `{"trade_no":"`+paid["trade_no"].(string)+`","out_request_no":"S1","biz_type":"CREDIT_AUTH","order_biz_info":"{\"status\":\"COMPLETE\"}"}`)
	check("alipay.trade.orderinfo.sync", `{"out_trade_no":"nope","out_request_no":"S1","biz_type":"CREDIT_AUTH"}`)
	check("alipay.trade.royalty.relation.bind", `{"out_request_no":"B1","receiver_list":[{"type":"userId","account":"2088000000000002","memo":"m"}]}`)
	check("alipay.trade.royalty.relation.bind", `{"out_request_no":"B2","receiver_list":[]}`)
	check("alipay.trade.royalty.relation.batchquery", `{"out_request_no":"Q1"}`)
	check("alipay.trade.royalty.relation.batchquery", `{"out_request_no":"Q2","page_size":101}`)
	set := check("alipay.trade.order.settle", `{"out_request_no":"ST1","trade_no":"`+paid["trade_no"].(string)+`","royalty_parameters":[{"trans_in":"2088000000000002","amount":"1.00"}]}`)
	check("alipay.trade.order.settle", `{"out_request_no":"ST2","trade_no":"`+paid["trade_no"].(string)+`","royalty_parameters":[{"trans_in":"2088000000000002","amount":"999.00"}]}`)
	check("alipay.trade.order.settle.query", `{"settle_no":"`+set["settle_no"].(string)+`"}`)
	check("alipay.trade.order.settle.query", `{"trade_no":"`+paid["trade_no"].(string)+`","out_request_no":"nope"}`)
	check("alipay.trade.royalty.relation.unbind", `{"out_request_no":"U1","receiver_list":[{"type":"userId","account":"2088000000000002"}]}`)
	check("alipay.trade.royalty.relation.unbind", `{"out_request_no":"U2","receiver_list":[{"type":"bank","account":"x"}]}`)
	check("alipay.trade.cancel", `{"out_trade_no":"F2"}`)
	check("alipay.trade.cancel", `{"out_trade_no":"nope"}`)
	check("alipay.trade.close", `{"out_trade_no":"nope"}`)
	check("alipay.trade.create", `{"out_trade_no":"F4","total_amount":"1.00","subject":"s","buyer_id":"2088000000000001"}`)
	check("alipay.trade.create", `{"out_trade_no":"F4","total_amount":"2.00","subject":"s","buyer_id":"2088000000000001"}`)

	pay := check("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"FC1","out_request_no":"FC1-pay","order_title":"红包","amount":"10.00","payer_user_id":"2088102000000001"}`)
	authNo, _ := pay["auth_no"].(string)
	check("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"FC2","out_request_no":"FC2-pay","order_title":"红包","amount":"0","payer_user_id":"2088102000000001"}`)
	check("alipay.fund.coupon.order.disburse", `{"out_order_no":"FD1","out_request_no":"1","deduct_auth_no":"`+authNo+`","amount":"1.00","payee_user_id":"2088102000000101"}`)
	check("alipay.fund.coupon.order.disburse", `{"out_order_no":"FD2","out_request_no":"1","deduct_auth_no":"`+authNo+`","amount":"99.00","payee_user_id":"2088102000000101"}`)
	check("alipay.fund.coupon.order.refund", `{"auth_no":"`+authNo+`","out_request_no":"CR1","amount":"1.00"}`)
	check("alipay.fund.coupon.order.refund", `{"auth_no":"nope","out_request_no":"CR2","amount":"1.00"}`)
	check("alipay.fund.coupon.operation.query", `{"out_order_no":"FC1","out_request_no":"FC1-pay"}`)
	check("alipay.fund.coupon.operation.query", `{"auth_no":"`+authNo+`","operation_id":"x"}`)

	check("alipay.open.auth.token.app", `{"grant_type":"authorization_code","code":"nope"}`)
	var appCode map[string]any
	h.m().ControlJSON("POST", "/app-auth-codes", map[string]string{"app_id": keys.DevAppID}, http.StatusCreated, &appCode)
	appTok := check("alipay.open.auth.token.app", `{"grant_type":"authorization_code","code":"`+appCode["app_auth_code"].(string)+`"}`)
	check("alipay.open.auth.token.app.query", `{"app_auth_token":"`+appTok["app_auth_token"].(string)+`"}`)
	check("alipay.open.auth.token.app.query", `{"app_auth_token":"nope"}`)
	check("alipay.data.dataservice.bill.downloadurl.query", `{"bill_type":"trade","bill_date":"2026-11-22"}`)
	check("alipay.data.dataservice.bill.downloadurl.query", `{"bill_type":"nope","bill_date":"2026-11-22"}`)
	check("alipay.open.app.alipaycert.download", `{"alipay_cert_sn":"`+keys.DevAlipayCertSN()+`"}`)
	check("alipay.open.app.alipaycert.download", `{"alipay_cert_sn":"nope"}`)
	// Transfers: each status through a scenario, and errors.
	h.m().Control("POST", "/scenarios", map[string]any{"name": "sdk-transfer", "rules": []any{
		map[string]any{"when": map[string]any{"method": "alipay.fund.trans.uni.transfer", "biz": map[string]any{"out_biz_no": "TF"}},
			"then": map[string]any{"transfer": map[string]any{"status": "FAIL"}}},
		map[string]any{"when": map[string]any{"method": "alipay.fund.trans.uni.transfer", "biz": map[string]any{"out_biz_no": "TR"}},
			"then": map[string]any{"transfer": map[string]any{"status": "REFUND", "after": "1s"}}},
	}}, http.StatusCreated)
	for _, out := range []string{"TS", "TF", "TR"} {
		check("alipay.fund.trans.uni.transfer", `{"out_biz_no":"`+out+`","trans_amount":"1.00","product_code":"TRANS_ACCOUNT_NO_PWD","transfer_scene_name":"佣金报酬","biz_scene":"DIRECT_TRANSFER","payee_info":{"identity":"2088000000000777","identity_type":"ALIPAY_USER_ID"},"passback_params":"p"}`)
	}
	check("alipay.fund.trans.uni.transfer", `{"out_biz_no":"TE","trans_amount":"0.01","product_code":"TRANS_ACCOUNT_NO_PWD","biz_scene":"DIRECT_TRANSFER","transfer_scene_name":"佣金报酬","payee_info":{"identity":"2088000000000777","identity_type":"ALIPAY_USER_ID"}}`)
	h.m().Advance("1s")
	for _, out := range []string{"TS", "TF", "TR", "nope"} {
		check("alipay.fund.trans.common.query", `{"out_biz_no":"`+out+`","product_code":"TRANS_ACCOUNT_NO_PWD","biz_scene":"DIRECT_TRANSFER"}`)
	}
	check("alipay.fund.account.query", `{"alipay_user_id":"`+devSellerID(h)+`","account_type":"ACCTRANS_ACCOUNT"}`)
	check("alipay.fund.account.query", `{"alipay_user_id":"2088000000000777","account_type":"ACCTRANS_ACCOUNT"}`)
	for _, app := range []string{keys.DevAppID, openIDApp} {
		code := func(scope string) string {
			var c map[string]any
			h.m().ControlJSON("POST", "/user-auth-codes", map[string]string{"app_id": app, "scope": scope}, http.StatusCreated, &c)
			return c["auth_code"].(string)
		}
		p := map[string]string{"app_id": app}
		with := func(kv ...string) map[string]string {
			out := map[string]string{}
			for k, v := range p {
				out[k] = v
			}
			for i := 0; i < len(kv); i += 2 {
				out[kv[i]] = kv[i+1]
			}
			return out
		}
		tok := checkWith("alipay.system.oauth.token", "", with("grant_type", "authorization_code", "code", code("auth_user")))
		checkWith("alipay.system.oauth.token", "", with("grant_type", "authorization_code", "code", "nope"))
		checkWith("alipay.user.info.share", "", with("auth_token", tok["access_token"].(string)))
		checkWith("alipay.system.oauth.token", "", with("grant_type", "refresh_token", "refresh_token", tok["refresh_token"].(string)))
		checkWith("alipay.user.info.share", "", with("auth_token", "nope"))
	}
	for method := range want {
		if !seen[method][false] || (!seen[method][true] && method != "alipay.open.auth.token.app") {
			t.Errorf("%s: not called in both success and error (%v)", method, seen[method])
		}
	}
}

func devSellerID(h *harness) string {
	a, _ := h.srv.Apps.Get(keys.DevAppID)
	return a.Seller.UserID
}
