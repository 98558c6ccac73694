package pgstore_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// With --store a settlement's split to another mock merchant's PID pays
// into that merchant's account as in one mock (mock's
// TestSettlementToAMockMerchantCreditsItsAccount): every replica reads it,
// a face-to-face refund takes its share back, the receiver's account bill
// ends at its balance, the credit stays when --keep-trades trims the
// trade, and a reset of the paying app takes it away.
func TestReplicasSettlementToAMockMerchantCreditsItsAccount(t *testing.T) {
	const sellerA = "2088102146225171"
	pub := string(keys.DevFile("app_public_key.pem"))
	opts := mock.Options{FundPublicKey: true, Apps: []apps.Spec{
		{AppID: mixAppA, PublicKey: pub, SellerID: sellerA},
		{AppID: mixAppB, PublicKey: pub, SellerID: mixSellerB},
	}}
	opts.Trades.Keep = 1
	rs := replicas(t, 2, opts)
	for _, app := range []string{mixAppA, mixAppB} {
		rs[0].Control(http.MethodPost, "/apps/"+app+"/balance", map[string]string{"available_amount": "100.00"}, http.StatusOK)
	}
	balanceA := func(m *mocktest.Mock) amount.Amount {
		t.Helper()
		var b balanceBody
		m.ControlJSON(http.MethodGet, "/apps/"+mixAppA+"/balance", nil, http.StatusOK, &b)
		return b.Available
	}
	ctx := context.Background()
	cb := rs[0].Client(func(c *client.Config) { c.AppID = mixAppB })
	p, err := cb.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "PGCRED1", TotalAmount: amount.MustParse("50.00"), Subject: "分账"},
		Scene: "bar_code", AuthCode: "283912345678901234"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cb.RoyaltyRelationBind(ctx, client.RoyaltyRelationRequest{OutRequestNo: "PGCREDB",
		ReceiverList: []client.RoyaltyEntity{{Type: client.RoyaltyUserID, Account: sellerA}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cb.OrderSettle(ctx, client.OrderSettleRequest{OutRequestNo: "PGCREDS1", TradeNo: p.TradeNo,
		RoyaltyParameters: []client.RoyaltyParameter{{TransIn: sellerA, Amount: amount.MustParse("7.00")}}}); err != nil {
		t.Fatal(err)
	}
	if got := balanceA(rs[1]); got != amount.MustParse("107.00") {
		t.Fatalf("A's balance on the other replica after 7.00 settled to its PID is %v, want 107.00", got)
	}
	cb1 := rs[1].Client(func(c *client.Config) { c.AppID = mixAppB })
	if _, err := cb1.Refund(ctx, client.RefundRequest{OutTradeNo: "PGCRED1", RefundAmount: amount.MustParse("25.00"), OutRequestNo: "PGCREDR1"}); err != nil {
		t.Fatal(err)
	}
	want := amount.MustParse("103.50")
	if got := balanceA(rs[0]); got != want {
		t.Fatalf("A's balance after the refund took back half is %v, want %v", got, want)
	}
	// Another trade: --keep-trades 1 trims the first.
	if _, err := cb.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "PGCRED2", TotalAmount: amount.MustParse("1.00"), Subject: "x"},
		Scene: "bar_code", AuthCode: "283912345678901234"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "PGCRED1 trimmed", func() bool {
		st, _ := get(t, rs[1], "/_mock/trades/PGCRED1?app_id="+mixAppB)
		return st == http.StatusNotFound
	})
	if got := balanceA(rs[1]); got != want {
		t.Errorf("A's balance with the trade trimmed is %v, want %v", got, want)
	}
	ca := rs[1].Client(func(c *client.Config) { c.AppID = mixAppA })
	if _, err := ca.Transfer(ctx, client.TransferRequest{TransferSceneName: "佣金报酬", OutBizNo: "PGCREDT", TransAmount: amount.MustParse("1.00"),
		OrderTitle: "提现", PayeeInfo: client.Participant{Identity: "someone@example.com", IdentityType: client.PayeeLogonID, Name: "王五"}}); err != nil {
		t.Fatal(err)
	}
	want -= amount.MustParse("1.00")
	rs[0].Advance("24h")
	clocksRead(t, rs, mocktest.Epoch.Add(24*time.Hour))
	if got, detail := ledgerEnd(t, ca, "2026-11-23"); got != want {
		t.Errorf("A's account bill ends at %v, its balance is %v:\n%s", got, want, detail)
	}
	rs[0].Control(http.MethodPost, "/reset?app_id="+mixAppB, nil, http.StatusOK)
	if got := balanceA(rs[1]); got != amount.MustParse("99.00") {
		t.Errorf("A's balance after a reset of the paying app is %v, want 99.00 (what B's trades paid it leaves)", got)
	}
}
