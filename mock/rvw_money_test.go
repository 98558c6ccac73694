package mock_test

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// trade.Options.SettleMaxPercent is "at most 100" and --settle-max-percent
// refuses 150, but mock.New takes 150 silently and caps settlements at
// the default 30%: a library user who asked for more than all gets the
// strictest ratio, with no error to say so.
func TestRvwSettleMaxPercentPastAHundredIsNotSilentlyThirty(t *testing.T) {
	srv, err := mock.New(mock.Options{Trades: trade.Options{SettleMaxPercent: 150}})
	if err != nil {
		return // refused: fine
	}
	srv.Close()
	m := mocktest.New(t, mock.Options{Trades: trade.Options{SettleMaxPercent: 150}})
	no := paidAndBound(t, m, "RVWCAP")
	if r := settle(m, no, "RVWCAPHALF", "5.00"); r["code"] != "10000" {
		t.Fatalf("SettleMaxPercent 150 was taken without error, yet 50%% of the total is refused (%v %v): it became 30", r["sub_code"], r["sub_msg"])
	}
}
