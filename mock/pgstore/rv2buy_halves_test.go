package pgstore_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// A buyer named by its logon alone is, of the buyers who paid the app
// with that logon, the one with the lowest user id (mock/trade/payees.go:
// "the same every call"). With --store the create (which now asks the
// database for the known buyer) takes whichever row PaidBuyer's LIMIT 1
// meets first: the first who paid, so one process and replicas name
// different buyers for the same requests.
func TestRv2buyReplicasLogonAloneIsTheSameBuyerAsOneProcess(t *testing.T) {
	const high, low, logon = "2088000000000992", "2088000000000991", "rv2.shared@example.com"
	run := func(m *mocktest.Mock) any {
		t.Helper()
		for _, p := range []struct{ out, user string }{{"RV2-L-1", high}, {"RV2-L-2", low}} {
			if r := m.Call("alipay.trade.precreate", `{"out_trade_no":"`+p.out+`","total_amount":"1.00","subject":"s"}`); !ok(r) {
				t.Fatalf("precreate: %v", r)
			}
			m.Control(http.MethodPost, "/trades/"+p.out+"/pay", map[string]string{"buyer_id": p.user, "buyer_logon_id": logon}, http.StatusOK)
		}
		if r := m.Call("alipay.trade.create", `{"out_trade_no":"RV2-L-3","total_amount":"1.00","subject":"s","buyer_logon_id":"`+logon+`"}`); !ok(r) {
			t.Fatalf("create: %v", r)
		}
		return m.Call("alipay.trade.query", `{"out_trade_no":"RV2-L-3"}`)["buyer_user_id"]
	}
	one := run(mocktest.New(t, mock.Options{}))
	rs, _ := replicasAt(t, 2, mock.Options{})
	shared := run(rs[0])
	if one != low {
		t.Errorf("one process: buyer %v for logon %s alone, want %s (the lowest user id)", one, logon, low)
	}
	if shared != one {
		t.Errorf("with --store: buyer %v for logon %s alone, one process %v", shared, logon, one)
	}
}
