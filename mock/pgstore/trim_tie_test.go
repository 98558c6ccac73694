package pgstore_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// docs/replicas.md: a --store trim "ranks each row by how many its app
// holds from it on, so a batch takes what memory would take one at a
// time". Memory (limits.Fair, docs/limits.md) breaks a tie between apps
// holding as many by "the one whose oldest is the oldest" and then takes
// that app's trade that became final longest ago; the trim's SQL breaks it
// by the seq of each app's candidate row instead. When the app with the
// older oldest trade has a newer final one, the two delete different
// trades: the same calls leave memory and the database holding different
// trades (the dev app's refunded B1 is deleted by the database, the cert
// app's refunded A2 by memory).
func TestStoreTrimBreaksAnAppTieAsMemoryDoes(t *testing.T) {
	opts := mock.Options{Trades: trade.Options{Keep: 3}}
	run := func(m *mocktest.Mock) {
		t.Helper()
		cert := m.CertApp()
		refund := func(c *mocktest.Mock, out string) {
			t.Helper()
			if r := c.Call("alipay.trade.refund", `{"out_trade_no":"`+out+`","refund_amount":"1.00","out_request_no":"r"}`); !ok(r) {
				t.Fatalf("refund %s: %v", out, r)
			}
		}
		if r := cert.Call("alipay.trade.pay", `{"out_trade_no":"A1","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`); !ok(r) {
			t.Fatalf("pay A1: %v", r)
		}
		pay(t, m, "B1", "1.00")
		refund(m, "B1") // TRADE_CLOSED: final
		if r := m.Call("alipay.trade.precreate", `{"out_trade_no":"B2","total_amount":"1.00","subject":"s"}`); !ok(r) {
			t.Fatalf("precreate B2: %v", r)
		}
		if r := cert.Call("alipay.trade.pay", `{"out_trade_no":"A2","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`); !ok(r) {
			t.Fatalf("pay A2: %v", r)
		}
		refund(cert, "A2")
		// Three trades a buyer acted on (A1, B1, A2): at the bound. The
		// buyer scans B2: four, each app holding two.
		m.Control(http.MethodPost, "/trades/B2/scan", nil, http.StatusOK)
	}
	mem := mocktest.New(t, opts)
	run(mem)
	want := listAll(t, mem, "/trades", "out_trade_no", 100)
	rs := replicas(t, 1, opts)
	run(rs[0])
	waitList(t, rs[0], "/trades", "out_trade_no", fmt.Sprint(want))
}
