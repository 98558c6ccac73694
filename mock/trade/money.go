package trade

// EachPaid calls f with every paid trade of app, in no order, under the
// book's lock and without copying: f must neither keep the trade nor call
// the book. It is the walk behind a transfer's known payees (mock/fund);
// the balance reads Income instead. It walks byNo:
// byOut holds one trade per out_trade_no, the others chained behind it.
func (b *Book) EachPaid(app string, f func(t *Trade)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range b.byNo {
		if b.appOf(c) != app {
			continue
		}
		if t := b.view(c); t.Paid != nil {
			f(t)
		}
	}
}
