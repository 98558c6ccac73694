package client_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

func accounts(l []client.RoyaltyEntity) []string {
	out := make([]string, len(l))
	for i, e := range l {
		out[i] = e.Type + ":" + e.Account
	}
	return out
}

// Relations bound are listed in binding order, once each, a page at a
// time; unbinding removes them; over v3 the same book answers.
func TestE2ERoyaltyRelations(t *testing.T) {
	srv := startMock(t, mock.Options{})
	c := mockClient(t, srv, nil)
	ctx := context.Background()

	r, err := c.RoyaltyRelationBind(ctx, client.RoyaltyRelationRequest{OutRequestNo: "B1", ReceiverList: []client.RoyaltyEntity{
		{Type: client.RoyaltyUserID, Account: "2088000000000001", Memo: "store"},
		{Type: client.RoyaltyLoginName, Account: "a@example.com", Name: "张三"},
	}})
	if err != nil || r.ResultCode != "SUCCESS" || r.Code != client.CodeSuccess {
		t.Fatalf("bind: %+v %v", r, err)
	}
	// Binding one again (and a new one) keeps a single relation for it.
	if _, err := c.RoyaltyRelationBind(ctx, client.RoyaltyRelationRequest{OutRequestNo: "B2", ReceiverList: []client.RoyaltyEntity{
		{Type: client.RoyaltyUserID, Account: "2088000000000001"},
		{Type: client.RoyaltyOpenID, Account: "074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5"},
	}}); err != nil {
		t.Fatal(err)
	}
	q, err := c.RoyaltyRelationBatchQuery(ctx, client.RoyaltyRelationQueryRequest{OutRequestNo: "Q1"})
	if err != nil {
		t.Fatal(err)
	}
	want := "userId:2088000000000001 loginName:a@example.com openId:074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5"
	if got := strings.Join(accounts(q.ReceiverList), " "); got != want || q.TotalRecordNum != 3 || q.TotalPageNum != 1 ||
		q.CurrentPageNum != 1 || q.CurrentPageSize != 20 || q.ResultCode != "SUCCESS" {
		t.Fatalf("query = %+v, receivers %q", q, got)
	}
	if e := q.ReceiverList[0]; e.Memo != "store" || e.Name != "" {
		t.Errorf("userId receiver %+v: memo kept, name never returned", e)
	}
	if e := q.ReceiverList[1]; e.LoginName != "a@example.com" || e.BindLoginName != "a@example.com" || e.Name != "" {
		t.Errorf("loginName receiver %+v", e)
	}

	// Pages: 2 per page over 3 relations.
	p2, err := c.RoyaltyRelationBatchQuery(ctx, client.RoyaltyRelationQueryRequest{OutRequestNo: "Q2", PageNum: 2, PageSize: 2})
	if err != nil || p2.TotalPageNum != 2 || p2.TotalRecordNum != 3 || p2.CurrentPageNum != 2 || p2.CurrentPageSize != 2 ||
		len(p2.ReceiverList) != 1 || p2.ReceiverList[0].Type != client.RoyaltyOpenID {
		t.Fatalf("page 2: %+v %v", p2, err)
	}
	p9, err := c.RoyaltyRelationBatchQuery(ctx, client.RoyaltyRelationQueryRequest{OutRequestNo: "Q3", PageNum: 9})
	if err != nil || len(p9.ReceiverList) != 0 || p9.ReceiverList == nil || p9.TotalRecordNum != 3 {
		t.Fatalf("page past the end: %+v %v", p9, err)
	}

	far, err := c.RoyaltyRelationBatchQuery(ctx, client.RoyaltyRelationQueryRequest{OutRequestNo: "Q3b", PageNum: 1 << 62, PageSize: 100})
	if err != nil || len(far.ReceiverList) != 0 || far.TotalRecordNum != 3 {
		t.Fatalf("page 2^62: %+v %v", far, err)
	}
	// PHP SDKs send numbers as text.
	m := mocktest.On(t, srv)
	node := m.Call("alipay.trade.royalty.relation.batchquery", `{"out_request_no":"Q3c","page_num":"2","page_size":"2"}`)
	if node["code"] != "10000" || node["current_page_num"] != float64(2) || len(node["receiver_list"].([]any)) != 1 {
		t.Fatalf("page numbers as text: %v", node)
	}
	node = m.Call("alipay.trade.royalty.relation.batchquery", `{"out_request_no":"Q3d","page_num":"two"}`)
	if node["sub_code"] != "ACQ.INVALID_PARAMETER" || !strings.Contains(node["sub_msg"].(string), "page_num") {
		t.Fatalf("page_num not a number: %v", node)
	}

	// Unbind over v3, including one never bound; name is not needed.
	var u client.RoyaltyRelationResponse
	if err := c.V3(ctx, "alipay.trade.royalty.relation.unbind", client.RoyaltyRelationRequest{OutRequestNo: "U1", ReceiverList: []client.RoyaltyEntity{
		{Type: client.RoyaltyLoginName, Account: "a@example.com"},
		{Type: client.RoyaltyUserID, Account: "2088000000000009"},
	}}, &u); err != nil || u.ResultCode != "SUCCESS" {
		t.Fatalf("v3 unbind: %+v %v", u, err)
	}
	var v3q client.RoyaltyRelationQueryResponse
	if err := c.V3(ctx, "alipay.trade.royalty.relation.batchquery", client.RoyaltyRelationQueryRequest{OutRequestNo: "Q4"}, &v3q); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(accounts(v3q.ReceiverList), " "); got != "userId:2088000000000001 openId:074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5" || v3q.TotalRecordNum != 2 {
		t.Fatalf("after unbind: %q %+v", got, v3q)
	}

	// A reset forgets them.
	mocktest.On(t, srv).Control("POST", "/reset", nil, http.StatusOK)
	if q, err := c.RoyaltyRelationBatchQuery(ctx, client.RoyaltyRelationQueryRequest{OutRequestNo: "Q5"}); err != nil || q.TotalRecordNum != 0 || q.TotalPageNum != 0 {
		t.Fatalf("after reset: %+v %v", q, err)
	}
}

// Bad relation requests get ACQ.INVALID_PARAMETER naming the field and
// change nothing.
func TestE2ERoyaltyRelationErrors(t *testing.T) {
	srv := startMock(t, mock.Options{})
	c := mockClient(t, srv, nil)
	ctx := context.Background()
	user := client.RoyaltyEntity{Type: client.RoyaltyUserID, Account: "2088000000000001"}
	many := make([]client.RoyaltyEntity, 21)
	for i := range many {
		many[i] = client.RoyaltyEntity{Type: client.RoyaltyUserID, Account: fmt.Sprintf("20880000000001%02d", i)}
	}
	for _, tc := range []struct {
		name string
		req  client.RoyaltyRelationRequest
		says string
	}{
		{"no out_request_no", client.RoyaltyRelationRequest{ReceiverList: []client.RoyaltyEntity{user}}, "out_request_no"},
		{"out_request_no with a dash", client.RoyaltyRelationRequest{OutRequestNo: "a-1", ReceiverList: []client.RoyaltyEntity{user}}, "out_request_no"},
		{"out_request_no of 33", client.RoyaltyRelationRequest{OutRequestNo: strings.Repeat("a", 33), ReceiverList: []client.RoyaltyEntity{user}}, "out_request_no"},
		{"no receivers", client.RoyaltyRelationRequest{OutRequestNo: "E1"}, "receiver_list"},
		{"21 receivers", client.RoyaltyRelationRequest{OutRequestNo: "E2", ReceiverList: many}, "receiver_list"},
		{"unknown type", client.RoyaltyRelationRequest{OutRequestNo: "E3", ReceiverList: []client.RoyaltyEntity{{Type: "cardAliasNo", Account: "x"}}}, "type"},
		{"no account", client.RoyaltyRelationRequest{OutRequestNo: "E4", ReceiverList: []client.RoyaltyEntity{{Type: client.RoyaltyUserID}}}, "account"},
		{"userId not 2088", client.RoyaltyRelationRequest{OutRequestNo: "E5", ReceiverList: []client.RoyaltyEntity{{Type: client.RoyaltyUserID, Account: "1088000000000001"}}}, "userId"},
		{"loginName without name", client.RoyaltyRelationRequest{OutRequestNo: "E6", ReceiverList: []client.RoyaltyEntity{user, {Type: client.RoyaltyLoginName, Account: "a@example.com"}}}, "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.RoyaltyRelationBind(ctx, tc.req)
			e := wantAPIError(t, err, "40004", "ACQ.INVALID_PARAMETER")
			if !strings.Contains(e.SubMsg, tc.says) {
				t.Errorf("sub_msg %q does not name %q", e.SubMsg, tc.says)
			}
		})
	}
	_, err := c.RoyaltyRelationUnbind(ctx, client.RoyaltyRelationRequest{OutRequestNo: "E7"})
	wantAPIError(t, err, "40004", "ACQ.INVALID_PARAMETER")
	for _, q := range []client.RoyaltyRelationQueryRequest{{}, {OutRequestNo: "Q1", PageSize: 101}, {OutRequestNo: "Q2", PageNum: -1}} {
		_, err := c.RoyaltyRelationBatchQuery(ctx, q)
		wantAPIError(t, err, "40004", "ACQ.INVALID_PARAMETER")
	}
	q, err := c.RoyaltyRelationBatchQuery(ctx, client.RoyaltyRelationQueryRequest{OutRequestNo: "Q3", PageSize: 100})
	if err != nil || q.TotalRecordNum != 0 || q.CurrentPageSize != 100 {
		t.Fatalf("a failed bind recorded something: %+v %v", q, err)
	}
}

// Each app has its own relations: another app neither sees them nor may
// settle to them, and resetting it leaves the first app's alone.
func TestE2ERoyaltyRelationsPerApp(t *testing.T) {
	m := mocktest.Start(t, mock.Options{})
	const other = "2021000000000077"
	m.Control("POST", "/apps", map[string]any{"app_id": other, "public_key": string(keys.DevFile("app_public_key.pem"))}, http.StatusCreated)
	a := m.Client(nil)
	b := m.Client(func(c *client.Config) { c.AppID = other })
	ctx := context.Background()
	const recv = "2088000000000101"
	if _, err := a.RoyaltyRelationBind(ctx, client.RoyaltyRelationRequest{OutRequestNo: "B1",
		ReceiverList: []client.RoyaltyEntity{{Type: client.RoyaltyUserID, Account: recv}}}); err != nil {
		t.Fatal(err)
	}
	if q, err := b.RoyaltyRelationBatchQuery(ctx, client.RoyaltyRelationQueryRequest{OutRequestNo: "Q1"}); err != nil || q.TotalRecordNum != 0 {
		t.Fatalf("the other app sees %+v %v", q, err)
	}
	p, err := b.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "other-1", TotalAmount: amount.MustParse("1.00"), Subject: "s"},
		AuthCode: "286648048691290423"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.OrderSettle(ctx, client.OrderSettleRequest{OutRequestNo: "S1", TradeNo: p.TradeNo,
		RoyaltyParameters: []client.RoyaltyParameter{{TransIn: recv, Amount: amount.MustParse("0.50")}}})
	wantAPIError(t, err, "40004", "ACQ.ROYALTY_RECEIVER_INVALID")
	m.Control("POST", "/reset?app_id="+other, nil, http.StatusOK)
	if q, err := a.RoyaltyRelationBatchQuery(ctx, client.RoyaltyRelationQueryRequest{OutRequestNo: "Q2"}); err != nil || q.TotalRecordNum != 1 {
		t.Fatalf("resetting the other app touched this one: %+v %v", q, err)
	}
}
