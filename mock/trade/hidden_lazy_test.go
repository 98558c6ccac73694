package trade

import (
	"errors"
	"testing"
	"time"
)

// A query may settle a trade whose deadline passed before the scheduler
// ran it (lazy expiry, TestUnpaidTradeExpiresLazilyOnQuery). For a hidden
// trade the query still answers ACQ.TRADE_NOT_EXIST, but the close it made
// is kept: counted, stored, noted final and told to the observer.
func TestHiddenTradeClosedByAQueryIsKept(t *testing.T) {
	for _, method := range []string{"alipay.trade.page.pay", "alipay.trade.precreate"} {
		t.Run(method, func(t *testing.T) {
			e := newEnv(t, Options{})
			var told []EventType
			e.book.Observe(func(_ Trade, ev Event) { told = append(told, ev.Type) })
			o := order("hid-lazy", "10")
			o.TimeoutExpress = "5m"
			if method == "alipay.trade.precreate" {
				must(e.book.Precreate(merchant1, o, ctx))(t)
			} else {
				must(e.book.Cashier(merchant1, o, ctx, method))(t)
			}
			e.clk.Advance(10 * time.Minute) // the scheduler has not run the deadline yet
			if _, err := e.book.Query(app1, Ref{OutTradeNo: "hid-lazy"}); !errors.Is(err, ErrTradeNotExist) {
				t.Fatalf("query of a hidden trade: %v", err)
			}
			e.book.SettleDue(e.clk.Now()) // the scheduler catches up
			got, err := e.book.Get(app1, "hid-lazy")
			if err != nil || got.Status != Closed {
				t.Fatalf("the trade: %v %v", got.Status, err)
			}
			if c, err := e.book.Counts(); err != nil || c[Closed] != 1 || c[WaitBuyerPay] != 0 {
				t.Errorf("Counts %v for one TRADE_CLOSED trade; events told: %v", c, told)
			}
		})
	}
}
