package mock_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// Royalty relations and a trade's settlements survive a restart on the
// same data directory; a reset deletes the relations from it too.
func TestDataDirKeepsRoyalty(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	at := time.Date(2026, 6, 5, 10, 0, 0, 0, time.UTC)
	const recv = "2088000000000101"

	s1, c1 := startWithData(t, dir, at)
	if _, err := c1.RoyaltyRelationBind(ctx, client.RoyaltyRelationRequest{OutRequestNo: "B1", ReceiverList: []client.RoyaltyEntity{
		{Type: client.RoyaltyUserID, Account: recv, Memo: "m"}, {Type: client.RoyaltyUserID, Account: "2088000000000102"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c1.RoyaltyRelationUnbind(ctx, client.RoyaltyRelationRequest{OutRequestNo: "U1", ReceiverList: []client.RoyaltyEntity{
		{Type: client.RoyaltyUserID, Account: "2088000000000102"}}}); err != nil {
		t.Fatal(err)
	}
	p, err := c1.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "keep-settle", TotalAmount: amount.MustParse("10.00"), Subject: "s"},
		AuthCode: "286648048691290423"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := c1.OrderSettle(ctx, client.OrderSettleRequest{OutRequestNo: "S1", TradeNo: p.TradeNo,
		RoyaltyParameters: []client.RoyaltyParameter{{TransIn: recv, Amount: amount.MustParse("3.00")}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	s2, c2 := startWithData(t, dir, at)
	q, err := c2.RoyaltyRelationBatchQuery(ctx, client.RoyaltyRelationQueryRequest{OutRequestNo: "Q1"})
	if err != nil || q.TotalRecordNum != 1 || q.ReceiverList[0].Account != recv || q.ReceiverList[0].Memo != "m" {
		t.Fatalf("relations after restart: %+v %v", q, err)
	}
	sq, err := c2.OrderSettleQuery(ctx, client.OrderSettleQueryRequest{SettleNo: st.SettleNo})
	if err != nil || len(sq.RoyaltyDetailList) != 1 || sq.RoyaltyDetailList[0].Amount != amount.MustParse("3.00") {
		t.Fatalf("settlement after restart: %+v %v", sq, err)
	}
	// The restored settlement still counts: its 3.00 is the default 30% cap.
	_, err = c2.OrderSettle(ctx, client.OrderSettleRequest{OutRequestNo: "S2", TradeNo: p.TradeNo,
		RoyaltyParameters: []client.RoyaltyParameter{{TransIn: recv, Amount: amount.MustParse("0.01")}}})
	if err == nil || !strings.Contains(err.Error(), "ACQ.ALLOC_AMOUNT_VALIDATE_ERROR") {
		t.Fatalf("over the rest after restart: %v", err)
	}
	mocktest.On(t, s2).Control("POST", "/reset", nil, http.StatusOK)
	if err := s2.Close(); err != nil {
		t.Fatal(err)
	}

	_, c3 := startWithData(t, dir, at)
	q, err = c3.RoyaltyRelationBatchQuery(ctx, client.RoyaltyRelationQueryRequest{OutRequestNo: "Q2"})
	if err != nil || q.TotalRecordNum != 0 {
		t.Fatalf("relations after reset and restart: %+v %v", q, err)
	}
}
