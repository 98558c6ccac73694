package mock_test

import (
	"context"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// ledgerEnd is the last 账户余额 of a 账务明细 detail file.
func ledgerEnd(t *testing.T, detail string) amount.Amount {
	t.Helper()
	var last string
	for _, l := range strings.Split(detail, "\r\n") {
		if strings.Contains(l, "账务明细列表结束") {
			break
		}
		if f := strings.Split(l, ","); len(f) == 12 && f[9] == "支付宝" {
			last = f[8]
		}
	}
	a, err := amount.Parse(last)
	if err != nil {
		t.Fatalf("no 账户余额 in the bill (%v):\n%s", err, detail)
	}
	return a
}

// ledgerMixDay drives one day of merchant B's money (day is 1, 2, ...):
// a payment, a settlement of part of it and a refund; a transfer from
// merchant A and one out; a red packet B's own account funds, a claim
// and a refund of part of it (the rest goes back by itself 48 h later).
func ledgerMixDay(t *testing.T, m *mocktest.Mock, day string) {
	t.Helper()
	ctx := context.Background()
	cb := m.Client(func(c *client.Config) { c.AppID = merchantAppB })
	out := "MIX" + day
	p, err := cb.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: out, TotalAmount: amount.MustParse("50.00"), Subject: "对账"},
		Scene: "bar_code", AuthCode: "283912345678901234"})
	if err != nil {
		t.Fatalf("pay %s: %v", out, err)
	}
	if _, err := cb.RoyaltyRelationBind(ctx, client.RoyaltyRelationRequest{OutRequestNo: "B" + out,
		ReceiverList: []client.RoyaltyEntity{{Type: client.RoyaltyUserID, Account: "2088000000000101"}, {Type: client.RoyaltyUserID, Account: sellerA}}}); err != nil {
		t.Fatal(err)
	}
	// 1.00 to merchant A's PID: A's account receives it, the refund takes 0.10 back.
	if _, err := cb.OrderSettle(ctx, client.OrderSettleRequest{OutRequestNo: "S" + out, TradeNo: p.TradeNo,
		RoyaltyParameters: []client.RoyaltyParameter{{TransIn: "2088000000000101", Amount: amount.MustParse("3.00")},
			{TransIn: sellerA, Amount: amount.MustParse("1.00")}}}); err != nil {
		t.Fatalf("settle %s: %v", out, err)
	}
	if _, err := cb.Refund(ctx, client.RefundRequest{OutTradeNo: out, RefundAmount: amount.MustParse("5.00"), OutRequestNo: "R" + out}); err != nil {
		t.Fatalf("refund %s: %v", out, err)
	}
	transferAToB(t, m, "IN"+day, "10.00")
	if _, err := cb.Transfer(ctx, client.TransferRequest{TransferSceneName: "佣金报酬", OutBizNo: "OUT" + day, TransAmount: amount.MustParse("2.00"),
		OrderTitle: "提现", PayeeInfo: client.Participant{Identity: "someone@example.com", IdentityType: client.PayeeLogonID, Name: "王五"}}); err != nil {
		t.Fatalf("transfer out: %v", err)
	}
	rp, err := cb.CouponAgreementPay(ctx, client.CouponAgreementPayRequest{PayerUserID: sellerB,
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

// checkLedgerMix drives two days of ledgerMixDay on m, then checks that
// the 账务明细 of each day, and of the day the red packets' rest went
// back, ends at the balance alipay.fund.account.query answered then;
// reopen (may be nil) restarts the mock before the bills are read.
func checkLedgerMix(t *testing.T, m *mocktest.Mock, reopen func(*mocktest.Mock) *mocktest.Mock) {
	t.Helper()
	for _, app := range []string{merchantAppA, merchantAppB} {
		m.Control("POST", "/apps/"+app+"/balance", map[string]string{"available_amount": "100.00"}, 200)
	}
	cb := m.Client(func(c *client.Config) { c.AppID = merchantAppB })
	balance := func() amount.Amount {
		t.Helper()
		a, err := cb.AccountQuery(context.Background(), client.AccountQueryRequest{AlipayUserID: sellerB})
		if err != nil {
			t.Fatal(err)
		}
		return a.AvailableAmount
	}
	var want, wantA []amount.Amount
	ledgerMixDay(t, m, "1")
	want, wantA = append(want, balance()), append(wantA, acctBalance(t, m, merchantAppA))
	m.Advance("24h")
	ledgerMixDay(t, m, "2")
	want, wantA = append(want, balance()), append(wantA, acctBalance(t, m, merchantAppA))
	m.Advance("24h") // day 1's red packet gives its rest back on day 3
	want = append(want, balance())
	m.Advance("24h") // day 3's bill is ready
	if reopen != nil {
		m = reopen(m)
		cb = m.Client(func(c *client.Config) { c.AppID = merchantAppB })
	}
	// Merchant A received a split of B's trade each day (less what B's
	// refund took back): its bill shows it and ends at its balance.
	ca := m.Client(func(c *client.Config) { c.AppID = merchantAppA })
	for i, day := range []string{"2026-11-23", "2026-11-24"} {
		detail := billDetail(t, ca, "signcustomer", day)
		if got := ledgerEnd(t, detail); got != wantA[i] {
			t.Errorf("A's account bill of %s ends at %v, its balance was %v:\n%s", day, got, wantA[i], detail)
		}
		if !strings.Contains(detail, ",分账,") || !strings.Contains(detail, ",退分账,") {
			t.Errorf("A's account bill of %s has no 分账 or 退分账 row:\n%s", day, detail)
		}
	}
	if want[2] == want[1] {
		t.Fatalf("the balance did not move on day 3 (%v): no automatic refund", want[2])
	}
	for i, day := range []string{"2026-11-23", "2026-11-24", "2026-11-25"} {
		detail := billDetail(t, cb, "signcustomer", day)
		if got := ledgerEnd(t, detail); got != want[i] {
			t.Errorf("the account bill of %s ends at %v, the balance was %v:\n%s", day, got, want[i], detail)
		}
		for _, typ := range []string{",红包,", ",红包退回,"} {
			if !strings.Contains(detail, typ) && (i < 2 || typ == ",红包退回,") {
				t.Errorf("the account bill of %s has no %s row:\n%s", day, strings.Trim(typ, ","), detail)
			}
		}
	}
}

// The account bill's last 账户余额 is the balance, whatever moved it:
// payments, settlements, refunds, transfers out and in (from another
// mock merchant), and red packets the merchant's own account funds (pay,
// claim, refund, the automatic refund).
func TestAccountBillEndsAtTheBalanceAfterAnyMix(t *testing.T) {
	checkLedgerMix(t, mocktest.New(t, twoMerchants(mock.Options{})), nil)
}

// With --data the same holds after a restart.
func TestAccountBillEndsAtTheBalanceAfterAnyMixWithData(t *testing.T) {
	o := twoMerchants(mock.Options{DataDir: t.TempDir()})
	checkLedgerMix(t, mocktest.New(t, o), func(m *mocktest.Mock) *mocktest.Mock { return restart(t, m, o) })
}
