package pgstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

const mixAppA, mixAppB = "2021000000000071", "2021000000000072"
const mixSellerA, mixSellerB = "2088102146225171", "2088102146225172"

// mixDay drives one day of merchant B's money on m: a payment, a
// settlement of part of it and a refund; a transfer from merchant A and
// one out; a red packet B's own account funds, a claim and a refund of
// part of it (the rest, 3.00, goes back by itself 48 h later).
func mixDay(t *testing.T, m *mocktest.Mock, day string) {
	t.Helper()
	ctx := context.Background()
	ca := m.Client(func(c *client.Config) { c.AppID = mixAppA })
	cb := m.Client(func(c *client.Config) { c.AppID = mixAppB })
	out := "PGMIX" + day
	p, err := cb.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: out, TotalAmount: amount.MustParse("50.00"), Subject: "对账"},
		Scene: "bar_code", AuthCode: "283912345678901234"})
	if err != nil {
		t.Fatalf("pay %s: %v", out, err)
	}
	if _, err := cb.RoyaltyRelationBind(ctx, client.RoyaltyRelationRequest{OutRequestNo: "B" + out,
		ReceiverList: []client.RoyaltyEntity{{Type: client.RoyaltyUserID, Account: "2088000000000101"}, {Type: client.RoyaltyUserID, Account: mixSellerA}}}); err != nil {
		t.Fatal(err)
	}
	// 1.00 to merchant A's PID: A's account receives it, the refund takes 0.10 back.
	if _, err := cb.OrderSettle(ctx, client.OrderSettleRequest{OutRequestNo: "S" + out, TradeNo: p.TradeNo,
		RoyaltyParameters: []client.RoyaltyParameter{{TransIn: "2088000000000101", Amount: amount.MustParse("3.00")},
			{TransIn: mixSellerA, Amount: amount.MustParse("1.00")}}}); err != nil {
		t.Fatalf("settle %s: %v", out, err)
	}
	if _, err := cb.Refund(ctx, client.RefundRequest{OutTradeNo: out, RefundAmount: amount.MustParse("5.00"), OutRequestNo: "R" + out}); err != nil {
		t.Fatalf("refund %s: %v", out, err)
	}
	if _, err := ca.Transfer(ctx, client.TransferRequest{TransferSceneName: "佣金报酬", OutBizNo: "IN" + day, TransAmount: amount.MustParse("10.00"),
		OrderTitle: "货款", PayeeInfo: client.Participant{Identity: mixSellerB, IdentityType: client.PayeeUserID}}); err != nil {
		t.Fatalf("transfer in: %v", err)
	}
	if _, err := cb.Transfer(ctx, client.TransferRequest{TransferSceneName: "佣金报酬", OutBizNo: "OUT" + day, TransAmount: amount.MustParse("2.00"),
		OrderTitle: "提现", PayeeInfo: client.Participant{Identity: "someone@example.com", IdentityType: client.PayeeLogonID, Name: "王五"}}); err != nil {
		t.Fatalf("transfer out: %v", err)
	}
	rp, err := cb.CouponAgreementPay(ctx, client.CouponAgreementPayRequest{PayerUserID: mixSellerB,
		CouponOrder: client.CouponOrder{OutOrderNo: "RP" + day, OutRequestNo: "RP" + day + "P", OrderTitle: "红包", Amount: amount.MustParse("8.00")}})
	if err != nil {
		t.Fatalf("red packet: %v", err)
	}
	if _, err := cb.CouponDisburse(ctx, client.CouponDisburseRequest{OutOrderNo: "RP" + day + "C", OutRequestNo: "1", DeductOutOrderNo: "RP" + day,
		Amount: amount.MustParse("3.00"), PayeeUserID: "2088102000000101"}); err != nil {
		t.Fatalf("claim: %v", err)
	}
	if _, err := cb.CouponRefund(ctx, client.CouponRefundRequest{AuthNo: rp.AuthNo, OutRequestNo: "RP" + day + "R", Amount: amount.MustParse("2.00")}); err != nil {
		t.Fatalf("red packet refund: %v", err)
	}
}

// mixBillEnd is the last 账户余额 of merchant B's 账务明细 of day, read
// through m.
func mixBillEnd(t *testing.T, m *mocktest.Mock, day string) (amount.Amount, string) {
	t.Helper()
	return ledgerEnd(t, m.Client(func(c *client.Config) { c.AppID = mixAppB }), day)
}

// With --store the account bill's last 账户余额 is the balance too, after
// payments, settlements, refunds, transfers out and in (from another
// mock merchant), and red packets the merchant's own account funds (pay,
// claim, refund, the automatic refund), made on either replica.
func TestReplicasAccountBillEndsAtTheBalanceAfterAnyMix(t *testing.T) {
	pub := string(keys.DevFile("app_public_key.pem"))
	rs := replicas(t, 2, mock.Options{FundPublicKey: true, Apps: []apps.Spec{
		{AppID: mixAppA, PublicKey: pub, SellerID: mixSellerA},
		{AppID: mixAppB, PublicKey: pub, SellerID: mixSellerB},
	}})
	for _, app := range []string{mixAppA, mixAppB} {
		rs[0].Control("POST", "/apps/"+app+"/balance", map[string]string{"available_amount": "100.00"}, 200)
	}
	balance := func(m *mocktest.Mock) amount.Amount {
		t.Helper()
		cb := m.Client(func(c *client.Config) { c.AppID = mixAppB })
		a, err := cb.AccountQuery(context.Background(), client.AccountQueryRequest{AlipayUserID: mixSellerB})
		if err != nil {
			t.Fatal(err)
		}
		return a.AvailableAmount
	}
	balanceA := func(m *mocktest.Mock) amount.Amount {
		t.Helper()
		var b balanceBody
		m.ControlJSON("GET", "/apps/"+mixAppA+"/balance", nil, 200, &b)
		return b.Available
	}
	var want, wantA []amount.Amount
	mixDay(t, rs[0], "1")
	want, wantA = append(want, balance(rs[1])), append(wantA, balanceA(rs[1]))
	rs[0].Advance("24h")
	clocksRead(t, rs, mocktest.Epoch.Add(24*time.Hour))
	mixDay(t, rs[1], "2")
	want, wantA = append(want, balance(rs[0])), append(wantA, balanceA(rs[0]))
	rs[0].Advance("24h") // day 1's red packet gives its rest, 3.00, back on day 3
	clocksRead(t, rs, mocktest.Epoch.Add(48*time.Hour))
	waitFor(t, "the automatic refund", func() bool { return balance(rs[1]) == want[1]+amount.MustParse("3.00") })
	want = append(want, balance(rs[0]))
	rs[0].Advance("23h") // day 3's bill is ready, day 2's packet not yet back
	clocksRead(t, rs, mocktest.Epoch.Add(71*time.Hour))
	for i, day := range []string{"2026-11-23", "2026-11-24", "2026-11-25"} {
		got, detail := mixBillEnd(t, rs[(i+1)%2], day)
		if got != want[i] {
			t.Errorf("the account bill of %s ends at %v, the balance was %v:\n%s", day, got, want[i], detail)
		}
		if i == 2 {
			continue
		}
		// Merchant A received a split of B's trade (less what B's refund
		// took back): its bill shows it and ends at its balance.
		got, detail = ledgerEnd(t, rs[i%2].Client(func(c *client.Config) { c.AppID = mixAppA }), day)
		if got != wantA[i] {
			t.Errorf("A's account bill of %s ends at %v, its balance was %v:\n%s", day, got, wantA[i], detail)
		}
		if !strings.Contains(detail, ",分账,") || !strings.Contains(detail, ",退分账,") {
			t.Errorf("A's account bill of %s has no 分账 or 退分账 row:\n%s", day, detail)
		}
	}
}
