package pgstore_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// With --store, a user id named alone pays with the logon that user paid
// the app with on another replica, and batchquery's login_name is that
// logon; a lookup the database failed answers 20000, never a made-up one.
func TestReplicasUserIDAloneHasTheLogonItPaidWith(t *testing.T) {
	rs, dbURL := replicasAt(t, 2, mock.Options{})
	a, b := rs[0], rs[1]
	const user, logon = "2088000000000779", "13800138001"
	for _, out := range []string{"UL-1", "UL-2"} {
		if r := a.Call("alipay.trade.precreate", `{"out_trade_no":"`+out+`","total_amount":"1.00","subject":"s"}`); !ok(r) {
			t.Fatalf("precreate %s: %v", out, r)
		}
	}
	a.Control(http.MethodPost, "/trades/UL-1/pay", map[string]string{"buyer_id": user, "buyer_logon_id": logon}, http.StatusOK)
	b.Control(http.MethodPost, "/trades/UL-2/pay", map[string]string{"buyer_id": user}, http.StatusOK)
	if q := b.Call("alipay.trade.query", `{"out_trade_no":"UL-2"}`); q["buyer_logon_id"] != "138****8001" {
		t.Errorf("user %s named alone on another replica pays as %v, want 138****8001", user, q["buyer_logon_id"])
	}
	if r := b.Call("alipay.trade.royalty.relation.bind", `{"out_request_no":"ULB","receiver_list":[{"type":"userId","account":"`+user+`"}]}`); !ok(r) {
		t.Fatalf("bind: %v", r)
	}
	r := b.Call("alipay.trade.royalty.relation.batchquery", `{"out_request_no":"ULQ"}`)
	if list, _ := r["receiver_list"].([]any); len(list) != 1 || list[0].(map[string]any)["login_name"] != "138****8001" {
		t.Errorf("batchquery: %v, want login_name 138****8001", r)
	}

	conn := pgtest.Conn(t, dbURL)
	if _, err := conn.Exec(context.Background(), `ALTER TABLE alipay_mock_paid RENAME COLUMN buyer_user_id TO buyer_user_id_away`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = conn.Exec(context.Background(), `ALTER TABLE alipay_mock_paid RENAME COLUMN buyer_user_id_away TO buyer_user_id`)
	})
	x, err := try(b, "alipay.trade.royalty.relation.batchquery", `{"out_request_no":"ULQ2"}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if x["code"] != "20000" {
		t.Errorf("batchquery with the lookup failed: %v, want 20000", x)
	}
}

// A buyer named by its logon alone is, of the buyers who paid the app
// with that logon, the one with the lowest user id (mock/trade/payees.go:
// "the same every call"). With --store the create (which now asks the
// database for the known buyer) takes whichever row PaidBuyer's LIMIT 1
// meets first: the first who paid, so one process and replicas name
// different buyers for the same requests.
func TestReplicasLogonAloneIsTheSameBuyerAsOneProcess(t *testing.T) {
	const high, low, logon = "2088000000000992", "2088000000000991", "ula.shared@example.com"
	run := func(m *mocktest.Mock) any {
		t.Helper()
		for _, p := range []struct{ out, user string }{{"ULA-L-1", high}, {"ULA-L-2", low}} {
			if r := m.Call("alipay.trade.precreate", `{"out_trade_no":"`+p.out+`","total_amount":"1.00","subject":"s"}`); !ok(r) {
				t.Fatalf("precreate: %v", r)
			}
			m.Control(http.MethodPost, "/trades/"+p.out+"/pay", map[string]string{"buyer_id": p.user, "buyer_logon_id": logon}, http.StatusOK)
		}
		if r := m.Call("alipay.trade.create", `{"out_trade_no":"ULA-L-3","total_amount":"1.00","subject":"s","buyer_logon_id":"`+logon+`"}`); !ok(r) {
			t.Fatalf("create: %v", r)
		}
		return m.Call("alipay.trade.query", `{"out_trade_no":"ULA-L-3"}`)["buyer_user_id"]
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

// A user id named alone pays with the lowest logon that user paid the app
// with, in one process and with --store alike: not the first it paid with
// (one process, before) nor whichever row the database met first.
func TestReplicasUserIDAloneHasTheSameLogonAsOneProcess(t *testing.T) {
	const user, later, lower = "2088000000000993", "13900000002", "13800000001"
	run := func(m *mocktest.Mock) any {
		t.Helper()
		for _, p := range []struct{ out, logon string }{{"ULO-1", later}, {"ULO-2", lower}} {
			if r := m.Call("alipay.trade.precreate", `{"out_trade_no":"`+p.out+`","total_amount":"1.00","subject":"s"}`); !ok(r) {
				t.Fatalf("precreate: %v", r)
			}
			m.Control(http.MethodPost, "/trades/"+p.out+"/pay", map[string]string{"buyer_id": user, "buyer_logon_id": p.logon}, http.StatusOK)
		}
		if r := m.Call("alipay.trade.create", `{"out_trade_no":"ULO-3","total_amount":"1.00","subject":"s","buyer_id":"`+user+`"}`); !ok(r) {
			t.Fatalf("create: %v", r)
		}
		return m.Call("alipay.trade.query", `{"out_trade_no":"ULO-3"}`)["buyer_logon_id"]
	}
	one := run(mocktest.New(t, mock.Options{}))
	rs, _ := replicasAt(t, 2, mock.Options{})
	shared := run(rs[0])
	if one != "138****0001" {
		t.Errorf("one process: user %s alone pays as %v, want 138****0001 (the lowest logon it paid with)", user, one)
	}
	if shared != one {
		t.Errorf("with --store: user %s alone pays as %v, one process as %v", user, shared, one)
	}
}
