package pgstore_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/control"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// With --store, a clock advance answers only once its replica has applied
// every red-packet deadline that came (docs/clock-and-notifications.md,
// docs/replicas.md): the balance read right after it, through the gateway
// (which waits for no announcement) on either replica, holds the automatic
// refund. The packet's payment answers 10003, so the advance has two steps
// to apply: the payment completing, then the refund at the packet's end.
// The advance went round once in a while: the sweep that runs whenever the
// clock moves could complete the payment first and plan the refund on the
// scheduler only after the advance had passed it; and an advance on the
// replica that did not make the packet applied none of it before answering.
func TestAdvanceAnswersAfterItsRedPacketDeadlines(t *testing.T) {
	rs, _ := replicasAt(t, 2, mock.Options{})
	app := keys.DevCertAppID
	a, _ := rs[0].Srv.Apps.Get(app)
	balance := func(m *mocktest.Mock) string {
		t.Helper()
		r := m.Call("alipay.fund.account.query", `{"alipay_user_id":"`+a.Seller.UserID+`","account_type":"ACCTRANS_ACCOUNT"}`)
		if r["code"] != "10000" {
			t.Fatalf("alipay.fund.account.query: %v", r)
		}
		return fmt.Sprint(r["available_amount"])
	}
	for i := 0; i < 24; i++ {
		maker, mover := rs[0].CertApp(), rs[i%2].CertApp() // the maker advances, then the other replica
		other := rs[1-i%2].CertApp()
		maker.Control(http.MethodPost, "/apps/"+app+"/balance", map[string]string{"available_amount": "100.00"}, http.StatusOK)
		maker.Control(http.MethodPost, "/faults", map[string]any{"method": "alipay.fund.coupon.order.agreement.pay", "code": "10003", "execute": true}, http.StatusCreated)
		no := fmt.Sprintf("ADV%d", i)
		if r := maker.Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"`+no+`","out_request_no":"`+no+`P","order_title":"红包","amount":"10.00","payer_user_id":"`+a.Seller.UserID+`"}`); r["code"] != "10003" {
			t.Fatalf("attempt %d: pay: %v, want code 10003", i, r)
		}
		if got := balance(maker); got != "90.00" {
			t.Fatalf("attempt %d: balance %s while the packet's payment is under way, want 90.00", i, got)
		}
		mover.Advance("72h") // past the payment (5 s) and the automatic refund (24 h)
		if got := balance(mover); got != "100.00" {
			t.Fatalf("attempt %d (advanced on replica %d): balance %s on the advancing replica right after the advance, want 100.00 (the packet refunded)", i, i%2, got)
		}
		if got := balance(other); got != "100.00" {
			t.Fatalf("attempt %d (advanced on replica %d): balance %s on the other replica right after the advance, want 100.00", i, i%2, got)
		}
		if st, body := get(t, mover, "/_mock/red-packets/"+no+"?app_id="+app); st != http.StatusOK || !strings.Contains(body, `"status":"FINISH"`) {
			t.Fatalf("attempt %d: %s after its automatic refund: %d %s", i, no, st, body)
		}
	}
}

// An advance whose replica cannot read the deadlines due answers 503 with
// the store's failure, not 200 as if they were applied (the clock has
// moved); once the database mends, the next advance applies them.
func TestAdvanceThatCannotReadItsDeadlinesIs503(t *testing.T) {
	rs, dbURL := replicasAt(t, 1, mock.Options{})
	m := rs[0].CertApp()
	app := keys.DevCertAppID
	a, _ := m.Srv.Apps.Get(app)
	m.Control(http.MethodPost, "/apps/"+app+"/balance", map[string]string{"available_amount": "100.00"}, http.StatusOK)
	if r := m.Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"ADVF","out_request_no":"ADVFP","order_title":"红包","amount":"10.00","payer_user_id":"`+a.Seller.UserID+`"}`); r["code"] != "10000" {
		t.Fatalf("pay: %v", r)
	}
	conn := pgtest.Conn(t, dbURL)
	rename := func(from, to string) {
		t.Helper()
		if _, err := conn.Exec(context.Background(), `ALTER TABLE `+from+` RENAME TO `+to); err != nil {
			t.Fatal(err)
		}
	}
	rename("alipay_mock_red_packets", "alipay_mock_red_packets_away")
	var e control.Error
	m.ControlJSON(http.MethodPost, "/clock/advance", map[string]string{"by": "72h"}, http.StatusServiceUnavailable, &e)
	if !strings.Contains(e.Error, "alipay_mock_red_packets") {
		t.Errorf("advance with the red packets unreadable: error %q, want the store's failure on alipay_mock_red_packets", e.Error)
	}
	rename("alipay_mock_red_packets_away", "alipay_mock_red_packets")
	m.Advance("1s")
	var b balanceBody
	m.ControlJSON(http.MethodGet, "/apps/"+app+"/balance", nil, http.StatusOK, &b)
	if b.Available != amount.MustParse("100.00") {
		t.Errorf("balance %v after the advance past the packet's end, once the database mended, want 100.00", b.Available)
	}
}

// An advance past a trade's expiry while the database reads but refuses
// writes answers: the sweep counted a settle whose commit failed as done
// and read the still-due row again, forever, holding the scheduler.
func TestAdvanceWhileTheDatabaseRefusesWritesAnswers(t *testing.T) {
	rs, dbURL := replicasAt(t, 1, mock.Options{})
	m := rs[0]
	if r := m.Call("alipay.trade.create", `{"out_trade_no":"ADVW","total_amount":"1.00","subject":"s","timeout_express":"5m","buyer_id":"2088102177846880"}`); r["code"] != "10000" {
		t.Fatalf("create: %v", r)
	}
	conn := pgtest.Conn(t, dbURL)
	exec := func(sql string) {
		t.Helper()
		if _, err := conn.Exec(context.Background(), sql); err != nil {
			t.Fatal(err)
		}
	}
	exec(`CREATE FUNCTION adv_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$`)
	exec(`CREATE TRIGGER adv_refuse BEFORE UPDATE ON alipay_mock_trades FOR EACH ROW EXECUTE FUNCTION adv_refuse()`)
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.Advance("10m")
	}()
	select {
	case <-done:
	case <-time.After(time.Minute): // a hang, not a slow answer: the loop never ends
		t.Fatal("the advance did not answer while the database refused the trade's write")
	}
	exec(`DROP TRIGGER adv_refuse ON alipay_mock_trades`)
	m.Advance("1s")
	if r := m.Call("alipay.trade.query", `{"out_trade_no":"ADVW"}`); r["trade_status"] != "TRADE_CLOSED" {
		t.Errorf("query once the database takes writes again: %v, want TRADE_CLOSED", r)
	}
}
