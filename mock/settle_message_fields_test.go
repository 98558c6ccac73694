package mock_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// Alipay's 商家分账 guide: "在结果返回中，msg_type = ASYNC_SETTLE_RESULT 代表此
// 通知为异步分账结果通知"; receivers match the message to their request by
// out_request_no. biz_content carries both, in the order a received body
// has them (docs/differences.md).
func TestSettleMessageCarriesMsgTypeAndOutRequestNo(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	gw := mocktest.NewMerchant(t, "success")
	registerDevApp(t, m, gw.URL+"/gateway", http.StatusCreated)
	settleAsync(t, m, "MSGT")
	m.Advance("5s")
	list := m.Notifications("out_trade_no=MSGT&count=1")
	if len(list) != 1 {
		t.Fatalf("want the settlement's message: %+v", list)
	}
	raw := list[0].Params["biz_content"]
	var biz map[string]any
	if err := json.Unmarshal([]byte(raw), &biz); err != nil {
		t.Fatal(err)
	}
	if biz["msg_type"] != "ASYNC_SETTLE_RESULT" || biz["out_request_no"] != "STMSGT" {
		t.Errorf("biz_content msg_type %v, out_request_no %v; want ASYNC_SETTLE_RESULT and STMSGT: %s", biz["msg_type"], biz["out_request_no"], raw)
	}
	last := -1
	for _, k := range []string{`"operation_dt"`, `"trade_no"`, `"msg_type"`, `"royalty_detail_list"`, `"out_request_no"`, `"settle_no"`} {
		i := strings.Index(raw, k+":")
		if i < last {
			t.Errorf("%s out of order in %s", k, raw)
		}
		last = i
	}
}

// Each royalty_detail_list entry of the message carries execute_dt and
// trans_in_type, as the receiver struct docs/differences.md follows
// declares them and as the mock's own alipay.trade.order.settle.query
// gives them for the same transfer: the message's detail is the query's.
func TestSettleMessageDetailIsTheQuerysDetail(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	gw := mocktest.NewMerchant(t, "success")
	registerDevApp(t, m, gw.URL+"/gateway", http.StatusCreated)
	_, settleNo := settleAsync(t, m, "SMDT")
	m.Advance("5s")
	m.Notifications("out_trade_no=SMDT&state=delivered&count=1")
	calls := gw.Calls()
	if len(calls) != 1 {
		t.Fatalf("%d messages, want 1", len(calls))
	}
	var biz struct {
		Details []map[string]any `json:"royalty_detail_list"`
	}
	if err := json.Unmarshal([]byte(calls[0].Form.Get("biz_content")), &biz); err != nil || len(biz.Details) != 1 {
		t.Fatalf("biz_content %q: %v", calls[0].Form.Get("biz_content"), err)
	}
	q := m.Call("alipay.trade.order.settle.query", `{"settle_no":"`+settleNo+`"}`)
	expect(t, q, "code", "10000")
	list, _ := q["royalty_detail_list"].([]any)
	if len(list) != 1 {
		t.Fatalf("settle.query: %v", q)
	}
	want := list[0].(map[string]any)
	d := biz.Details[0]
	if d["execute_dt"] == nil || d["trans_in_type"] != "userId" {
		t.Errorf("message's royalty detail %v: want execute_dt and trans_in_type userId", d)
	}
	for k, v := range want {
		if d[k] != v {
			t.Errorf("message's detail %s = %v, settle.query's %v", k, d[k], v)
		}
	}
	if len(d) != len(want) {
		t.Errorf("message's detail %v, settle.query's %v", d, want)
	}
}
