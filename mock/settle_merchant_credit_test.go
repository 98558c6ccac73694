package mock_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// A settlement's split to another mock merchant's PID pays into that
// merchant's account (docs/transfers.md, "The balance"), sync or async; a
// face-to-face refund takes its share back from that account (退分账); the
// receiver's account bill shows both (分账, 退分账) and ends at its
// balance; the credit stays when the trade is evicted past --keep-trades,
// and across a restart with --data; a reset of the paying app takes it
// away, whether the trade was evicted or not.
func TestSettlementToAMockMerchantCreditsItsAccount(t *testing.T) {
	for _, c := range []struct {
		name string
		keep int
		data bool
	}{{"memory", 0, false}, {"memory, evicted", 1, false}, {"data", 0, true}, {"data, evicted", 1, true}} {
		t.Run(c.name, func(t *testing.T) {
			o := twoMerchants(mock.Options{})
			o.Trades.Keep = c.keep
			if c.data {
				o.DataDir = t.TempDir()
			}
			m := mocktest.New(t, o)
			for _, app := range []string{merchantAppA, merchantAppB} {
				m.Control(http.MethodPost, "/apps/"+app+"/balance", map[string]string{"available_amount": "100.00"}, http.StatusOK)
			}
			ctx := context.Background()
			cb := m.Client(func(c *client.Config) { c.AppID = merchantAppB })
			p, err := cb.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "CRED1", TotalAmount: amount.MustParse("50.00"), Subject: "分账"},
				Scene: "bar_code", AuthCode: "283912345678901234"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cb.RoyaltyRelationBind(ctx, client.RoyaltyRelationRequest{OutRequestNo: "CREDB",
				ReceiverList: []client.RoyaltyEntity{{Type: client.RoyaltyUserID, Account: sellerA}}}); err != nil {
				t.Fatal(err)
			}
			if _, err := cb.OrderSettle(ctx, client.OrderSettleRequest{OutRequestNo: "CREDS1", TradeNo: p.TradeNo,
				RoyaltyParameters: []client.RoyaltyParameter{{TransIn: sellerA, Amount: amount.MustParse("5.00")}}}); err != nil {
				t.Fatal(err)
			}
			if _, err := cb.OrderSettle(ctx, client.OrderSettleRequest{OutRequestNo: "CREDS2", TradeNo: p.TradeNo, RoyaltyMode: "async",
				RoyaltyParameters: []client.RoyaltyParameter{{TransIn: sellerA, Amount: amount.MustParse("2.00")}}}); err != nil {
				t.Fatal(err)
			}
			m.Advance("10s") // the async settlement is done
			if got := acctBalance(t, m, merchantAppA); got != amount.MustParse("107.00") {
				t.Fatalf("A's balance after 7.00 of settlements to its PID is %v, want 107.00", got)
			}
			// Half the trade refunded: half of what A received comes back.
			if _, err := cb.Refund(ctx, client.RefundRequest{OutTradeNo: "CRED1", RefundAmount: amount.MustParse("25.00"), OutRequestNo: "CREDR1"}); err != nil {
				t.Fatal(err)
			}
			want := amount.MustParse("103.50")
			if got := acctBalance(t, m, merchantAppA); got != want {
				t.Fatalf("A's balance after the refund took back half is %v, want %v", got, want)
			}
			ca := m.Client(func(c *client.Config) { c.AppID = merchantAppA })
			checkBill := func(m *mocktest.Mock, ca *client.Client) {
				t.Helper()
				detail := billDetail(t, ca, "signcustomer", "2026-11-23")
				if got := ledgerEnd(t, detail); got != want {
					t.Errorf("A's account bill ends at %v, its balance is %v:\n%s", got, want, detail)
				}
				if c.keep == 0 && (!strings.Contains(detail, ",分账,") || !strings.Contains(detail, ",退分账,")) {
					t.Errorf("A's account bill has no 分账 or 退分账 row:\n%s", detail)
				}
			}
			// Another trade: with --keep-trades 1 the first goes.
			if _, err := cb.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "CRED2", TotalAmount: amount.MustParse("1.00"), Subject: "x"},
				Scene: "bar_code", AuthCode: "283912345678901234"}); err != nil {
				t.Fatal(err)
			}
			if got := acctBalance(t, m, merchantAppA); got != want {
				t.Errorf("A's balance with the trade kept or evicted is %v, want %v", got, want)
			}
			// A row of A's own, so that its bill has one with the trade evicted.
			if _, err := ca.Transfer(ctx, client.TransferRequest{TransferSceneName: "佣金报酬", OutBizNo: "CREDT", TransAmount: amount.MustParse("1.00"),
				OrderTitle: "提现", PayeeInfo: client.Participant{Identity: "someone@example.com", IdentityType: client.PayeeLogonID, Name: "王五"}}); err != nil {
				t.Fatal(err)
			}
			want -= amount.MustParse("1.00")
			m.Advance("24h") // the day's bill is ready
			checkBill(m, ca)
			if c.data {
				m = restart(t, m, o)
				ca = m.Client(func(c *client.Config) { c.AppID = merchantAppA })
				if got := acctBalance(t, m, merchantAppA); got != want {
					t.Errorf("A's balance after a restart is %v, want %v", got, want)
				}
				checkBill(m, ca)
			}
			m.Control(http.MethodPost, "/reset?app_id="+merchantAppB, nil, http.StatusOK)
			if got := acctBalance(t, m, merchantAppA); got != amount.MustParse("99.00") {
				t.Errorf("A's balance after a reset of the paying app is %v, want 99.00 (what B's trades paid it leaves)", got)
			}
		})
	}
}
