package client_test

import (
	"context"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
)

// alipay.trade.orderinfo.sync records fulfilment on a trade, once per
// out_request_no, over gateway.do and v3; bad requests get production's
// errors naming the field.
func TestE2EOrderInfoSync(t *testing.T) {
	srv := startMock(t, mock.Options{})
	c := mockClient(t, srv, nil)
	ctx := context.Background()
	p, err := c.Pay(ctx, client.PayRequest{
		Order:    client.Order{OutTradeNo: "sync-1", TotalAmount: amount.MustParse("12.34"), Subject: "Credit deduct"},
		AuthCode: "286648048691290423",
	})
	if err != nil || p.BuyerUserID == "" {
		t.Fatalf("pay: %+v %v", p, err)
	}
	req := client.OrderInfoSyncRequest{TradeNo: p.TradeNo, OutRequestNo: "R1", BizType: "CREDIT_DEDUCT", OrderBizInfo: `{"status":"COMPLETE"}`}
	s, err := c.OrderInfoSync(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if s.Code != client.CodeSuccess || s.TradeNo != p.TradeNo || s.OutTradeNo != "sync-1" || s.BuyerUserID != p.BuyerUserID {
		t.Errorf("sync = %+v", s)
	}
	// The same out_request_no again changes nothing ("订单信息不会更新").
	again := req
	again.OrderBizInfo = `{"status":"CLOSED"}`
	if s, err := c.OrderInfoSync(ctx, again); err != nil || s.TradeNo != p.TradeNo {
		t.Fatalf("repeat: %+v %v", s, err)
	}
	// A new number over v3 is a second sync.
	var v3 client.OrderInfoSyncResponse
	v3req := client.OrderInfoSyncRequest{TradeNo: p.TradeNo, OutRequestNo: "R2", BizType: "CREDIT_AUTH", OrderBizInfo: `{"status":"CLOSED"}`}
	if err := c.V3(ctx, "alipay.trade.orderinfo.sync", v3req, &v3); err != nil || v3.OutTradeNo != "sync-1" || v3.BuyerUserID != p.BuyerUserID {
		t.Fatalf("v3 sync: %+v %v", v3, err)
	}
	tr := mockTrade(t, srv, "sync-1")
	syncs, _ := tr["syncs"].([]any)
	if len(syncs) != 2 {
		t.Fatalf("trade keeps %d syncs, want 2: %v", len(syncs), tr["syncs"])
	}
	first := syncs[0].(map[string]any)
	if first["out_request_no"] != "R1" || first["order_biz_info"] != `{"status":"COMPLETE"}` || first["biz_type"] != "CREDIT_DEDUCT" {
		t.Errorf("first sync %v: the repeat must not have updated it", first)
	}
	var synced []string
	for _, e := range tr["history"].([]any) {
		if e := e.(map[string]any); e["type"] == "synced" {
			synced = append(synced, e["detail"].(string))
		}
	}
	if len(synced) != 2 || !strings.Contains(synced[0], "CREDIT_DEDUCT COMPLETE") {
		t.Errorf("history of syncs: %q", synced)
	}

	for _, tc := range []struct {
		name    string
		req     client.OrderInfoSyncRequest
		sub     string
		subMsg  string
		v3Check bool
	}{
		{"no trade_no", client.OrderInfoSyncRequest{OutRequestNo: "E1", BizType: "CREDIT_AUTH"}, "ACQ.INVALID_PARAMETER", "trade_no", false},
		{"no out_request_no", client.OrderInfoSyncRequest{TradeNo: p.TradeNo, BizType: "CREDIT_AUTH"}, "ACQ.INVALID_PARAMETER", "out_request_no", false},
		{"no biz_type", client.OrderInfoSyncRequest{TradeNo: p.TradeNo, OutRequestNo: "E3"}, "ACQ.INVALID_PARAMETER", "biz_type", false},
		{"order_biz_info not JSON", client.OrderInfoSyncRequest{TradeNo: p.TradeNo, OutRequestNo: "E4", BizType: "CREDIT_AUTH", OrderBizInfo: "COMPLETE"}, "ACQ.INVALID_PARAMETER", "order_biz_info", false},
		{"unknown trade", client.OrderInfoSyncRequest{TradeNo: "2099010122001400000000000000", OutRequestNo: "E5", BizType: "CREDIT_AUTH"}, "ACQ.TRADE_NOT_EXIST", "交易不存在", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.OrderInfoSync(ctx, tc.req)
			e := wantAPIError(t, err, "40004", tc.sub)
			if !strings.Contains(e.SubMsg, tc.subMsg) {
				t.Errorf("sub_msg %q does not say %q", e.SubMsg, tc.subMsg)
			}
			if tc.v3Check {
				wantAPIError(t, c.V3(ctx, "alipay.trade.orderinfo.sync", tc.req, nil), "40004", tc.sub)
			}
		})
	}
	if n := len(mockTrade(t, srv, "sync-1")["syncs"].([]any)); n != 2 {
		t.Errorf("failed syncs were recorded: %d", n)
	}
}
