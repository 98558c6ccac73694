package pgstore_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// With --store, alipay.trade.create for the open id of a buyer who paid
// the app on another replica is that buyer, with the logon it paid with,
// and for that logon alone the same user; a lookup the database failed
// answers 20000 and makes no trade. Before, a create naming one half with
// --store always derived the rest, and never failed.
func TestReplicasOpenIDAloneIsTheBuyerWhoPaid(t *testing.T) {
	rs, dbURL := replicasAt(t, 2, mock.Options{})
	a, b := rs[0], rs[1]
	const user, logon = "2088000000000781", "13800138002"
	if r := a.Call("alipay.trade.precreate", `{"out_trade_no":"OU-1","total_amount":"1.00","subject":"s"}`); !ok(r) {
		t.Fatalf("precreate: %v", r)
	}
	a.Control(http.MethodPost, "/trades/OU-1/pay", map[string]string{"buyer_id": user, "buyer_logon_id": logon}, http.StatusOK)
	open := fixtures.OpenID(keys.DevAppID, user)
	if r := b.Call("alipay.trade.create", `{"out_trade_no":"OU-2","total_amount":"1.00","subject":"s","buyer_open_id":"`+open+`"}`); !ok(r) {
		t.Fatalf("create: %v", r)
	}
	if q := b.Call("alipay.trade.query", `{"out_trade_no":"OU-2"}`); q["buyer_user_id"] != user || q["buyer_logon_id"] != "138****8002" {
		t.Errorf("created on another replica for the open id of user %s: %v, want that user and 138****8002", user, q)
	}
	if r := b.Call("alipay.trade.create", `{"out_trade_no":"OU-L","total_amount":"1.00","subject":"s","buyer_logon_id":"`+logon+`"}`); !ok(r) {
		t.Fatalf("create: %v", r)
	}
	if q := b.Call("alipay.trade.query", `{"out_trade_no":"OU-L"}`); q["buyer_user_id"] != user {
		t.Errorf("created on another replica for the logon %s alone: %v, want user %s", logon, q, user)
	}

	conn := pgtest.Conn(t, dbURL)
	if _, err := conn.Exec(context.Background(), `ALTER TABLE alipay_mock_paid RENAME COLUMN buyer_open_id TO buyer_open_id_away`); err != nil {
		t.Fatal(err)
	}
	restore := func() {
		_, _ = conn.Exec(context.Background(), `ALTER TABLE alipay_mock_paid RENAME COLUMN buyer_open_id_away TO buyer_open_id`)
	}
	t.Cleanup(restore)
	x, err := try(b, "alipay.trade.create", `{"out_trade_no":"OU-3","total_amount":"1.00","subject":"s","buyer_open_id":"`+open+`"}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if x["code"] != "20000" {
		t.Errorf("create with the open id's lookup failed: %v, want 20000", x)
	}
	restore()
	if q := b.Call("alipay.trade.query", `{"out_trade_no":"OU-3"}`); q["sub_code"] != "ACQ.TRADE_NOT_EXIST" {
		t.Errorf("the failed create made a trade: %v", q)
	}
}

// A create whose buyer_open_id alone must be looked up checks its own
// parameters only after the lookup (trade.Book.open runs on the second
// pass): with the lookup failing, a create refused for its parameters
// whatever the buyer (here a bad timeout_express) answers 20000, "try
// again", instead of its refusal, which a retry would never change.
func TestReplicasOpenIDCreateRefusedForItsParametersWhenTheLookupFails(t *testing.T) {
	rs, dbURL := replicasAt(t, 1, mock.Options{})
	a := rs[0]
	bad := `{"out_trade_no":"OIP-P-1","total_amount":"1.00","subject":"s","timeout_express":"never","buyer_open_id":"` + fixtures.OpenID(keys.DevAppID, "2088000000000961") + `"}`
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
