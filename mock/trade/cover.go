package trade

import (
	"errors"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/apierr"
)

// A refund, a cancel's refund and a settlement are paid from the
// merchant's balance; production refuses one the available balance cannot
// cover.
var (
	// ErrSellerBalanceNotEnough is alipay.trade.refund's (and cancel's)
	// documented 卖家余额不足: "商户的支付宝账户中无足够的资金进行撤销或退款".
	ErrSellerBalanceNotEnough = apierr.Business("ACQ.SELLER_BALANCE_NOT_ENOUGH", "卖家余额不足")
	// ErrSettleBalanceNotEnough answers a settlement the balance cannot
	// cover: USER_BALANCE_NOT_ENOUGH as merchants report order.settle's
	// ("支出方账户可用余额不足", developer.aliyun.com/ask/285539); the sub_msg
	// is inferred.
	ErrSettleBalanceNotEnough = apierr.Business("USER_BALANCE_NOT_ENOUGH", "支出方账户可用余额不足")
)

// ErrNotCovered is a backend's answer (Tx.Commit) when a change would take
// the merchant's available balance below zero; the book answers the
// operation's own error (Lookup.Short).
var ErrNotCovered = errors.New("trade: the merchant's balance does not cover the change")

// CoveredBy sets what checks, under the book's lock, that app's account
// covers need, income being what each app's kept trades brought in, read
// under that lock, and received what kept trades' settlements paid into
// an account (Received), read there too (mock/fund's Book.Cover). With a
// backend the database checks instead, in the change's transaction.
func (b *Book) CoveredBy(f func(app string, income func(app string) amount.Amount, received func(account string) amount.Amount, need amount.Amount) bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cover = f
}

// covers checks that the merchant's account can pay what changing t into
// next takes from its available balance (what next brings in, by the
// income rule, and not frozen, below what t does: a frozen trade's
// settlement or refund takes from its frozen part first), else answers
// short. The lock is held.
func (b *Book) covers(t, next *Trade, short error) error {
	if b.backend != nil || b.incomeRule == nil || b.cover == nil {
		return nil
	}
	need := b.available(t) - b.available(next)
	if need <= 0 || b.cover(t.AppID, func(app string) amount.Amount { return b.income[app] - b.frozen[app] },
		func(account string) amount.Amount { return b.received[account] }, need) {
		return nil
	}
	return short
}

// available is what t brings in by the income rule and is not frozen.
// The lock is held.
func (b *Book) available(t *Trade) amount.Amount {
	in := b.incomeRule(t)
	return in - t.FrozenPart(in)
}
