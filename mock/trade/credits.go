package trade

import "github.com/alipay-mock/alipay-mock/alipay/amount"

// Credits is what t's settlements paid into the balance accounts of the
// mock's merchants (a userId receiver accountOf names: a registered app's
// seller PID; "" for any other receiver), less what its refunds took back
// from them, by account. An account once paid stays in the map, at 0 when
// all was taken back. Nil when none was paid.
func (t *Trade) Credits(accountOf func(userID string) string) map[string]amount.Amount {
	var out map[string]amount.Amount
	for _, s := range t.Settlements {
		for _, d := range s.Details {
			if d.TransInType != "userId" {
				continue
			}
			if k := accountOf(d.TransIn); k != "" {
				if out == nil {
					out = map[string]amount.Amount{}
				}
				out[k] += d.Amount
			}
		}
	}
	if out == nil {
		return nil
	}
	for _, r := range t.Refunds {
		for _, b := range r.RoyaltyBack {
			if _, ok := out[b.TransOut]; ok {
				out[b.TransOut] -= b.Amount
			}
		}
	}
	return out
}

// CreditRule sets which account a settlement's userId receiver pays into
// ("" for none: Trade.Credits); call it before IncomeRule, whose walk
// counts every kept trade's credits. Received then answers without a walk.
func (b *Book) CreditRule(accountOf func(userID string) string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.creditRule = accountOf
}

// Received is what the kept trades' settlements paid into account, less
// what their refunds took back (Trade.Credits).
func (b *Book) Received(account string) amount.Amount {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.received[account]
}

// reckonCredits brings the received totals up to date with t. The lock
// is held.
func (b *Book) reckonCredits(t *Trade) {
	if b.creditRule == nil {
		return
	}
	now := t.Credits(b.creditRule)
	old := b.credited[t.c]
	if len(now) == 0 && len(old) == 0 {
		return
	}
	for k, a := range old {
		b.addReceived(k, -a)
	}
	for k, a := range now {
		b.addReceived(k, a)
	}
	if len(now) == 0 {
		delete(b.credited, t.c)
		return
	}
	if b.credited == nil {
		b.credited = map[*cell]map[string]amount.Amount{}
	}
	b.credited[t.c] = now
}

// uncountCredits takes the cell's credits out of the received totals
// (its trade leaves the book). The lock is held.
func (b *Book) uncountCredits(c *cell) {
	for k, a := range b.credited[c] {
		b.addReceived(k, -a)
	}
	delete(b.credited, c)
}

func (b *Book) addReceived(k string, d amount.Amount) {
	if d == 0 {
		return
	}
	if b.received == nil {
		b.received = map[string]amount.Amount{}
	}
	if b.received[k] += d; b.received[k] == 0 {
		delete(b.received, k)
	}
}
