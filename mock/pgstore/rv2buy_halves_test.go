package pgstore_test

import (
	"context"

	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
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

// A create whose buyer_open_id alone must be looked up checks its own
// parameters only after the lookup (trade.Book.open runs on the second
// pass): with the lookup failing, a create refused for its parameters
// whatever the buyer (here a bad timeout_express) answers 20000, "try
// again", instead of its refusal, which a retry would never change.
func TestRv2buyReplicasOpenIDCreateRefusedForItsParametersWhenTheLookupFails(t *testing.T) {
	rs, dbURL := replicasAt(t, 1, mock.Options{})
	a := rs[0]
	bad := `{"out_trade_no":"RV2-P-1","total_amount":"1.00","subject":"s","timeout_express":"never","buyer_open_id":"` + fixtures.OpenID(keys.DevAppID, "2088000000000961") + `"}`
	want, err := try(a, "alipay.trade.create", bad, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want["code"] == "10000" || want["code"] == "20000" {
		t.Fatalf("create with a bad timeout_express: %v, want a refusal", want)
	}
	conn := pgtest.Conn(t, dbURL)
	if _, err := conn.Exec(context.Background(), `ALTER TABLE alipay_mock_paid RENAME COLUMN buyer_open_id TO buyer_open_id_away`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), `ALTER TABLE alipay_mock_paid RENAME COLUMN buyer_open_id_away TO buyer_open_id`)
	})
	got, err := try(a, "alipay.trade.create", bad, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got["code"] != want["code"] || got["sub_code"] != want["sub_code"] {
		t.Errorf("the same bad create with the open id's lookup failing: %v %v, want %v %v", got["code"], got["sub_code"], want["code"], want["sub_code"])
	}
}
