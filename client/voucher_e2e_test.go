package client_test

import (
	"context"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
)

// TestE2EVoucher: through the client, a buyer paying 100.20 partly with the
// merchant's 10.00 voucher (a magic amount) reads the same amounts and
// voucher on pay, query, refund and the verified notification.
func TestE2EVoucher(t *testing.T) {
	srv := startMock(t, mock.Options{})
	c := mockClient(t, srv, nil)
	in := newFundInbox(t, c)
	c = mockClient(t, srv, func(cfg *client.Config) { cfg.NotifyURL = in.URL })
	ctx := context.Background()
	opts := []string{"fund_bill_list", "voucher_detail_list"}
	want := client.VoucherDetail{Type: "ALIPAY_BIZ_VOUCHER", Amount: 1000, MerchantContribute: 1000}
	same := func(what string, got []client.VoucherDetail) {
		t.Helper()
		if len(got) != 1 || got[0].Type != want.Type || got[0].Amount != want.Amount ||
			got[0].MerchantContribute != want.MerchantContribute || got[0].OtherContribute != 0 || got[0].ID == "" {
			t.Errorf("%s vouchers = %+v, want one like %+v", what, got, want)
		}
	}
	p, err := c.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "e2e-voucher", TotalAmount: 10020, Subject: "s"},
		AuthCode: "283912345678901234", QueryOptions: opts})
	if err != nil {
		t.Fatal(err)
	}
	if p.BuyerPayAmount != 9020 || p.InvoiceAmount != 9020 || p.ReceiptAmount != 9020 || p.PointAmount != 0 || len(p.FundBillList) != 2 {
		t.Errorf("pay = %+v", p)
	}
	same("pay", p.VoucherDetailList)
	q, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "e2e-voucher", QueryOptions: opts})
	if err != nil || q.BuyerPayAmount != p.BuyerPayAmount || q.ReceiptAmount != p.ReceiptAmount || q.InvoiceAmount != p.InvoiceAmount {
		t.Fatalf("query = %+v, %v", q, err)
	}
	same("query", q.VoucherDetailList)
	if q.VoucherDetailList[0].ID != p.VoucherDetailList[0].ID {
		t.Errorf("voucher id %s on query, %s on pay", q.VoucherDetailList[0].ID, p.VoucherDetailList[0].ID)
	}

	n := in.wait(t, client.NotifyTradeStatusSync, 1)[0]
	if n.BuyerPayAmount != 9020 || n.ReceiptAmount != 9020 || n.InvoiceAmount != 9020 || n.TotalAmount != 10020 {
		t.Errorf("notification amounts = %+v", n)
	}
	vs, err := n.VoucherDetails()
	if err != nil {
		t.Fatal(err)
	}
	same("notification", vs)
	bills, err := n.FundBills()
	var sum amount.Amount
	for _, b := range bills {
		sum += b.Amount
	}
	if err != nil || len(bills) != 2 || bills[1].FundChannel != "MDISCOUNT" || sum != 10020 {
		t.Errorf("notification fund bills = %+v, %v", bills, err)
	}

	r, err := c.Refund(ctx, client.RefundRequest{OutTradeNo: "e2e-voucher", OutRequestNo: "r1", RefundAmount: 10020,
		QueryOptions: []string{"refund_voucher_detail_list"}})
	if err != nil || r.RefundFee != 10020 {
		t.Fatalf("refund = %+v, %v", r, err)
	}
	same("refund", r.RefundVoucherDetailList)
	rq, err := c.RefundQuery(ctx, client.RefundQueryRequest{OutTradeNo: "e2e-voucher", OutRequestNo: "r1"})
	if err != nil || rq.RefundVoucherDetailList != nil {
		t.Errorf("refund query without query_options = %+v, %v", rq, err)
	}
}
