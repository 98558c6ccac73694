package mock_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// A receiver bound by its logon (royalty.relation.bind, type loginName,
// which the mock accepts) is paid by naming that logon in order.settle:
// OpenApiRoyaltyDetailInfoPojo.trans_in, "如果收入方类型为loginName，本参数为
// 收入方的支付宝登录号" (alipay-sdk-java-all
// v2/src/main/java/com/alipay/api/domain/OpenApiRoyaltyDetailInfoPojo.java).
// The mock binds such a receiver and then refuses every settlement to it
// ("trans_in_type只支持userId"), so the relation can never be used.
func TestSettleToALoginNameReceiverItBound(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	made := m.Call("alipay.trade.create", `{"out_trade_no":"LOGIN1","total_amount":"10.00","subject":"s","buyer_id":"2088102146225135"}`)
	expect(t, made, "code", "10000")
	m.Control(http.MethodPost, "/trades/LOGIN1/pay", nil, http.StatusOK)
	expect(t, m.Call("alipay.trade.royalty.relation.bind",
		`{"out_request_no":"B1","receiver_list":[{"type":"loginName","account":"receiver@example.com","name":"张三"}]}`),
		"code", "10000", "result_code", "SUCCESS")
	s := m.Call("alipay.trade.order.settle", `{"out_request_no":"S1","trade_no":"`+made["trade_no"].(string)+
		`","royalty_parameters":[{"trans_in_type":"loginName","trans_in":"receiver@example.com","amount":"1.00"}]}`)
	expect(t, s, "code", "10000")
	q := m.Call("alipay.trade.order.settle.query", `{"trade_no":"`+made["trade_no"].(string)+`","out_request_no":"S1"}`)
	expect(t, q, "code", "10000")
	l, _ := q["royalty_detail_list"].([]any)
	if len(l) != 1 {
		t.Fatalf("royalty_detail_list = %v, want the one transfer", q)
	}
	if d := l[0].(map[string]any); d["amount"] != "1.00" || d["state"] != "SUCCESS" {
		t.Errorf("detail = %v, want 1.00 SUCCESS", d)
	}
}

// With --data, a receiver bound by logon and a settlement to it survive a
// restart: settle.query gives its type back, and the logon still settles.
func TestDataDirKeepsALoginNameSettlement(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	at := time.Date(2026, 6, 5, 10, 0, 0, 0, time.UTC)
	s1, c1 := startWithData(t, dir, at)
	if _, err := c1.RoyaltyRelationBind(ctx, client.RoyaltyRelationRequest{OutRequestNo: "B1", ReceiverList: []client.RoyaltyEntity{
		{Type: client.RoyaltyLoginName, Account: "13800138000", Name: "张三"}}}); err != nil {
		t.Fatal(err)
	}
	p, err := c1.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "keep-login", TotalAmount: amount.MustParse("10.00"), Subject: "s"},
		AuthCode: "286648048691290423"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := c1.OrderSettle(ctx, client.OrderSettleRequest{OutRequestNo: "S1", TradeNo: p.TradeNo,
		RoyaltyParameters: []client.RoyaltyParameter{{TransInType: client.RoyaltyLoginName, TransIn: "13800138000", Amount: amount.MustParse("1.00")}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	_, c2 := startWithData(t, dir, at)
	sq, err := c2.OrderSettleQuery(ctx, client.OrderSettleQueryRequest{SettleNo: st.SettleNo})
	if err != nil || len(sq.RoyaltyDetailList) != 1 || sq.RoyaltyDetailList[0].TransInType != client.RoyaltyLoginName ||
		sq.RoyaltyDetailList[0].TransIn != "13800138000" {
		t.Fatalf("settlement after restart: %+v %v", sq, err)
	}
	if _, err := c2.OrderSettle(ctx, client.OrderSettleRequest{OutRequestNo: "S2", TradeNo: p.TradeNo,
		RoyaltyParameters: []client.RoyaltyParameter{{TransInType: client.RoyaltyLoginName, TransIn: "13800138000", Amount: amount.MustParse("1.00")}}}); err != nil {
		t.Fatalf("settle to the logon after restart: %v", err)
	}
}
