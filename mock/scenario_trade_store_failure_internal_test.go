package mock

// A scenario's trade, buyer or plan the store failed to read or keep.

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// lookupFails is the trades' database failing, while on, the reads that
// find a trade by any number (Lookup.Any: what outNo and numberOf read),
// and none of the method's own (by trade_no or out_trade_no).
type lookupFails struct {
	trade.Backend
	on *atomic.Bool
}

func (b lookupFails) Begin() (trade.Tx, error) {
	tx, err := b.Backend.Begin()
	if err != nil {
		return nil, err
	}
	return lookupFailsTx{tx, b.on}, nil
}

type lookupFailsTx struct {
	trade.Tx
	on *atomic.Bool
}

func (tx lookupFailsTx) Lock(l trade.Lookup) ([]trade.Trade, error) {
	if l.Any != "" && tx.on.Load() {
		return nil, errors.New("review: the trade is not read")
	}
	return tx.Tx.Lock(l)
}

func (tx lookupFailsTx) MarkUntold(us []trade.Untold) error {
	return tx.Tx.(trade.UntoldTx).MarkUntold(us)
}

// lookupFailingReplica is a replica whose trade lookups by any number
// fail while the returned switch is on.
func lookupFailingReplica(t *testing.T, yaml string) (*client.Client, *atomic.Bool) {
	t.Helper()
	s, c, base := sharedReplica(t, pgtest.URL(t), time.Hour, "")
	on := &atomic.Bool{}
	s.Trades.Use(lookupFails{s.pg.Trades(s.Trades.Deadline), on}) // before any trade: nothing reads it yet
	postScenario(t, base, yaml)
	return c, on
}

func want20000(t *testing.T, what string, err error) {
	t.Helper()
	var ae *client.Error
	if !errors.As(err, &ae) || ae.Code != "20000" || ae.SubCode != "isp.unknow-error" {
		t.Fatalf("%s: %v, want 20000 isp.unknow-error", what, err)
	}
}

// A refund named by trade_no alone, which a scenario's then.notify
// matches: the policy is kept under the trade's out_trade_no, which the
// store failed to read. The refund does not run without its policy
// (20000), and runs once the store answers.
func TestScenarioPolicyTradeNotReadIsAStoreFailure(t *testing.T) {
	c, on := lookupFailingReplica(t, `name: quiet refunds
rules:
  - name: quiet
    when: {method: alipay.trade.refund}
    then: {notify: {suppress: true}}
`)
	ctx := context.Background()
	paid, err := c.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "OUTNO-1", TotalAmount: amount.MustParse("10.00"),
		Subject: "s"}, AuthCode: "283912345678901234"})
	if err != nil {
		t.Fatal(err)
	}
	refund := client.RefundRequest{TradeNo: paid.TradeNo, RefundAmount: amount.MustParse("10.00"), OutRequestNo: "R1"}
	on.Store(true)
	_, err = c.Refund(ctx, refund)
	want20000(t, "a refund whose trade the scenario's policy could not be read for", err)
	on.Store(false)
	r, err := c.Refund(ctx, refund)
	if err != nil || r.FundChange != "Y" {
		t.Fatalf("the refund once the store answers: %+v %v, want it made now (fund_change Y)", r, err)
	}
}
