package mock_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// freezeReceiver is the receiver the royalty_freeze tests settle to.
const freezeReceiver = "2088000000000101"

// accountOf is merchant B's alipay.fund.account.query: available and
// frozen.
func accountOf(t *testing.T, m *mocktest.Mock) (available, freeze amount.Amount) {
	t.Helper()
	cb := m.Client(func(c *client.Config) { c.AppID = merchantAppB })
	a, err := cb.AccountQuery(context.Background(), client.AccountQueryRequest{AlipayUserID: sellerB})
	if err != nil {
		t.Fatal(err)
	}
	return a.AvailableAmount, a.FreezeAmount
}

// wantAccount checks merchant B's account query.
func wantAccount(t *testing.T, m *mocktest.Mock, when, available, freeze string) {
	t.Helper()
	a, f := accountOf(t, m)
	if a != amount.MustParse(available) || f != amount.MustParse(freeze) {
		t.Errorf("%s: available_amount %v, freeze_amount %v; want %s and %s", when, a, f, available, freeze)
	}
}

// payB pays a bar-code trade of merchant B, frozen for settlement or not.
func payB(t *testing.T, m *mocktest.Mock, out, total string, freeze bool) string {
	t.Helper()
	cb := m.Client(func(c *client.Config) { c.AppID = merchantAppB })
	o := client.Order{OutTradeNo: out, TotalAmount: amount.MustParse(total), Subject: "分账冻结"}
	if freeze {
		o.ExtendParams = &client.ExtendParams{RoyaltyFreeze: "true"}
	}
	p, err := cb.Pay(context.Background(), client.PayRequest{Order: o, Scene: "bar_code", AuthCode: "283912345678901234"})
	if err != nil {
		t.Fatalf("pay %s: %v", out, err)
	}
	return p.TradeNo
}

// settleB settles amt ("" for none) of trade no to freezeReceiver,
// finishing the trade's royalty when finish is set.
func settleB(m *mocktest.Mock, no, req, amt string, finish bool) error {
	cb := m.Client(func(c *client.Config) { c.AppID = merchantAppB })
	r := client.OrderSettleRequest{OutRequestNo: req, TradeNo: no}
	if amt != "" {
		r.RoyaltyParameters = []client.RoyaltyParameter{{TransIn: freezeReceiver, Amount: amount.MustParse(amt)}}
	}
	if finish {
		r.ExtendParams = &client.SettleExtendParams{RoyaltyFinish: "true"}
	}
	_, err := cb.OrderSettle(context.Background(), r)
	return err
}

func subCode(err error) string {
	var e *client.Error
	if errors.As(err, &e) {
		return e.SubCode
	}
	return ""
}

// royaltyFreeze drives merchant B's money through frozen and plain trades
// (fee 0.6%: a 50.00 payment brings 49.70): a frozen receipt is in
// freeze_amount, not available_amount; its settlement and refund take from
// it, so an empty available balance does not refuse them; royalty_finish
// makes the rest available. other is the mock that reads the account
// after the changes (the same, a restarted one, another replica).
func royaltyFreeze(t *testing.T, m *mocktest.Mock, other func(*mocktest.Mock) *mocktest.Mock) {
	cb := m.Client(func(c *client.Config) { c.AppID = merchantAppB })
	ctx := context.Background()
	if _, err := cb.RoyaltyRelationBind(ctx, client.RoyaltyRelationRequest{OutRequestNo: "FRZBIND",
		ReceiverList: []client.RoyaltyEntity{{Type: client.RoyaltyUserID, Account: freezeReceiver}}}); err != nil {
		t.Fatal(err)
	}
	m.Control(http.MethodPost, "/apps/"+merchantAppB+"/balance", map[string]string{"available_amount": "0.00"}, http.StatusOK)
	frozen := payB(t, m, "FRZ1", "50.00", true)
	wantAccount(t, m, "after a frozen payment", "0.00", "49.70")
	plain := payB(t, m, "PLN1", "50.00", false)
	wantAccount(t, m, "after a plain payment", "49.70", "49.70")
	var set struct {
		Available amount.Amount `json:"available_amount"`
		Freeze    amount.Amount `json:"freeze_amount"`
	}
	m.ControlJSON(http.MethodPost, "/apps/"+merchantAppB+"/balance", map[string]string{"available_amount": "0.00"}, http.StatusOK, &set)
	if set.Available != 0 || set.Freeze != amount.MustParse("49.70") {
		t.Errorf("setting the balance answered %+v, want available 0.00 and freeze 49.70", set)
	}
	wantAccount(t, m, "after the balance was set", "0.00", "49.70")

	if err := settleB(m, plain, "SPLN1", "3.00", false); subCode(err) != "USER_BALANCE_NOT_ENOUGH" {
		t.Fatalf("settling a plain trade with nothing available: %v, want USER_BALANCE_NOT_ENOUGH", err)
	}
	if err := settleB(m, frozen, "SFRZ1", "3.00", false); err != nil {
		t.Fatalf("settling a frozen trade takes from its frozen money: %v", err)
	}
	wantAccount(t, m, "after a settlement of the frozen trade", "0.00", "46.70")
	if _, err := cb.Refund(ctx, client.RefundRequest{OutTradeNo: "FRZ1", RefundAmount: amount.MustParse("5.00"), OutRequestNo: "RFRZ1"}); err != nil {
		t.Fatalf("refunding a frozen trade takes from its frozen money: %v", err)
	}
	// 5.00 back to the buyer, 0.03 of the fee and 0.30 of the settlement
	// (taken back pro rata) back to the merchant.
	wantAccount(t, m, "after a refund of the frozen trade", "0.00", "42.03")

	m = other(m)
	wantAccount(t, m, "read again", "0.00", "42.03")
	if err := settleB(m, frozen, "SFRZ2", "", true); err != nil {
		t.Fatalf("royalty_finish: %v", err)
	}
	wantAccount(t, m, "after royalty_finish", "42.03", "0.00")
	if err := settleB(m, frozen, "SFRZ3", "1.00", false); subCode(err) != "ACQ.TRADE_SETTLE_ERROR" {
		t.Errorf("a settlement after royalty_finish: %v, want ACQ.TRADE_SETTLE_ERROR", err)
	}

	// A frozen trade refunded in full leaves nothing frozen.
	payB(t, m, "FRZ2", "10.00", true)
	wantAccount(t, m, "after a second frozen payment", "42.03", "9.94")
	cb = m.Client(func(c *client.Config) { c.AppID = merchantAppB })
	if _, err := cb.Refund(ctx, client.RefundRequest{OutTradeNo: "FRZ2", RefundAmount: amount.MustParse("10.00"), OutRequestNo: "RFRZ2"}); err != nil {
		t.Fatal(err)
	}
	wantAccount(t, m, "after a full refund of the frozen trade", "42.03", "0.00")
}

// extend_params.royalty_freeze "true" freezes a paid trade's receipt for
// settlement (ExtendParams: "是否进行资金冻结，用于后续分账"): in memory, with
// --data across a restart, with --store read by another replica.
func TestRoyaltyFreezeHoldsTheReceiptUntilTheSettlementEnds(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		royaltyFreeze(t, mocktest.New(t, twoMerchants(mock.Options{})), func(m *mocktest.Mock) *mocktest.Mock { return m })
	})
	t.Run("data", func(t *testing.T) {
		o := twoMerchants(mock.Options{DataDir: t.TempDir()})
		royaltyFreeze(t, mocktest.New(t, o), func(m *mocktest.Mock) *mocktest.Mock { return restart(t, m, o) })
	})
	t.Run("store", func(t *testing.T) {
		o := twoMerchants(mock.Options{Store: pgtest.URL(t)})
		royaltyFreeze(t, mocktest.New(t, o), func(*mocktest.Mock) *mocktest.Mock { return mocktest.New(t, o) })
	})
}

// evictedFrozen pays a frozen trade and a plain one with --keep-trades 1:
// the frozen one goes (gone waits for it), and its money stays counted,
// still frozen; other reads the account again (restarted, another
// replica). A reset of the app takes it away, as it does an evicted
// trade's income.
func evictedFrozen(t *testing.T, m *mocktest.Mock, other func(*mocktest.Mock) *mocktest.Mock) {
	m.Control(http.MethodPost, "/apps/"+merchantAppB+"/balance", map[string]string{"available_amount": "0.00"}, http.StatusOK)
	payB(t, m, "FRZE1", "50.00", true)
	payB(t, m, "PLNE1", "10.00", false)
	cb := m.Client(func(c *client.Config) { c.AppID = merchantAppB })
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, err := cb.Query(context.Background(), client.QueryRequest{OutTradeNo: "FRZE1"})
		if subCode(err) == "ACQ.TRADE_NOT_EXIST" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the frozen trade was not dropped past --keep-trades 1: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	wantAccount(t, m, "after the frozen trade was dropped", "9.94", "49.70")
	m = other(m)
	wantAccount(t, m, "read again", "9.94", "49.70")
	m.Control(http.MethodPost, "/reset?app_id="+merchantAppB, nil, http.StatusOK)
	wantAccount(t, m, "after a reset of the app", fund.DefaultOpening.String(), "0.00")
}

// A frozen trade dropped past --keep-trades keeps its money counted,
// frozen (no settlement can end it now): in memory, with --data across a
// restart, with --store (trimmed) read by another replica.
func TestEvictedFrozenTradeStaysFrozen(t *testing.T) {
	keep := func(o mock.Options) mock.Options { o.Trades.Keep = 1; return twoMerchants(o) }
	t.Run("memory", func(t *testing.T) {
		evictedFrozen(t, mocktest.New(t, keep(mock.Options{})), func(m *mocktest.Mock) *mocktest.Mock { return m })
	})
	t.Run("data", func(t *testing.T) {
		o := keep(mock.Options{DataDir: t.TempDir()})
		evictedFrozen(t, mocktest.New(t, o), func(m *mocktest.Mock) *mocktest.Mock { return restart(t, m, o) })
	})
	t.Run("store", func(t *testing.T) {
		o := keep(mock.Options{Store: pgtest.URL(t)})
		evictedFrozen(t, mocktest.New(t, o), func(*mocktest.Mock) *mocktest.Mock { return mocktest.New(t, o) })
	})
}

// Freezing moves no money: the account bill (账务明细) has no row for it,
// so its last 账户余额 is the available balance and the frozen receipt
// together (inferred: docs/differences.md), through a settlement from the
// frozen money too.
func TestAccountBillCountsAFrozenReceipt(t *testing.T) {
	for _, store := range []bool{false, true} {
		o := twoMerchants(mock.Options{})
		if store {
			o.Store = pgtest.URL(t)
		}
		m := mocktest.New(t, o)
		cb := m.Client(func(c *client.Config) { c.AppID = merchantAppB })
		if _, err := cb.RoyaltyRelationBind(context.Background(), client.RoyaltyRelationRequest{OutRequestNo: "FRZBIND",
			ReceiverList: []client.RoyaltyEntity{{Type: client.RoyaltyUserID, Account: freezeReceiver}}}); err != nil {
			t.Fatal(err)
		}
		m.Control(http.MethodPost, "/apps/"+merchantAppB+"/balance", map[string]string{"available_amount": "0.00"}, http.StatusOK)
		no := payB(t, m, "FRZB1", "50.00", true)
		if err := settleB(m, no, "SFRZB1", "3.00", false); err != nil {
			t.Fatal(err)
		}
		available, freeze := accountOf(t, m)
		if available != 0 || freeze != amount.MustParse("46.70") {
			t.Fatalf("store %v: available_amount %v, freeze_amount %v; want 0.00 and 46.70", store, available, freeze)
		}
		m.Advance("24h") // the day's bill is ready
		detail := billDetail(t, cb, "signcustomer", "2026-11-23")
		if got := ledgerEnd(t, detail); got != available+freeze {
			t.Errorf("store %v: the account bill ends at %v, want the available %v and frozen %v together:\n%s", store, got, available, freeze, detail)
		}
	}
}

// A frozen trade's freeze also ends with a settlement of all the merchant
// holds of it (nothing is left to settle) and with the end of its refund
// period (TRADE_FINISHED: no settlement can reach it any more); both
// inferred (docs/differences.md).
func TestRoyaltyFreezeEndsWithNothingLeftToSettle(t *testing.T) {
	t.Run("memory", func(t *testing.T) { freezeEnds(t, mock.Options{}) })
	t.Run("store", func(t *testing.T) { freezeEnds(t, mock.Options{Store: pgtest.URL(t)}) })
}

func freezeEnds(t *testing.T, o mock.Options) {
	o = twoMerchants(o)
	o.Trades.SettleMaxPercent = 100
	o.Trades.RefundWindow = 48 * time.Hour
	m := mocktest.New(t, o)
	cb := m.Client(func(c *client.Config) { c.AppID = merchantAppB })
	if _, err := cb.RoyaltyRelationBind(context.Background(), client.RoyaltyRelationRequest{OutRequestNo: "FRZBIND",
		ReceiverList: []client.RoyaltyEntity{{Type: client.RoyaltyUserID, Account: freezeReceiver}}}); err != nil {
		t.Fatal(err)
	}
	m.Control(http.MethodPost, "/apps/"+merchantAppB+"/balance", map[string]string{"available_amount": "1.00"}, http.StatusOK)
	all := payB(t, m, "FRZA1", "10.00", true)
	payB(t, m, "FRZA2", "20.00", true)
	wantAccount(t, m, "after two frozen payments", "1.00", "29.82")
	// 10.00 split: the fee (0.06) comes from the available balance.
	if err := settleB(m, all, "SFRZA1", "10.00", false); err != nil {
		t.Fatal(err)
	}
	wantAccount(t, m, "after a settlement of all of one", "0.94", "19.88")
	m.Advance("48h")
	wantAccount(t, m, "after the refund period", "20.82", "0.00")
}
