package mock

// Review rv-q: proofs for the merge of wt-i (waiting buyers of
// pay_after_queries).

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// A paid buyer whose record's removal the file fails to take comes back
// in memory, waiting to pay again (settle puts back what the disk holds:
// the record TakeQuery left unwritten).
func TestKeptQueryPaidBuyerWhoseRemovalFailsDoesNotWaitAgain(t *testing.T) {
	h := newHeldWrites()
	k := &keptQueryPays{db: h, m: map[string]keptQueryPay{}, ks: map[string]*queryPayState{}}
	h.put(t, k, 0)
	if pay, _, _, err := k.TakeQuery("app", "OUT-1"); !pay || err != nil {
		t.Fatalf("the paying query: %v %v", pay, err)
	}
	removed := make(chan error)
	go func() { removed <- k.EndQueryPay("app", "OUT-1", true) }()
	<-h.queued
	h.answer(1, errNotKept, true)
	<-removed
	if q, ok := k.m["app|OUT-1"]; ok {
		t.Fatalf("the buyer whose payment was kept waits again in memory (%+v), to pay on the next query", q)
	}
}

// deletesFail is the data file failing every removal of a waiting buyer.
type deletesFail struct{ queryPayStore }

func (d deletesFail) QueueQueryPay(app, out string, v []byte) func() error {
	if v == nil {
		return func() error { return errNotKept }
	}
	return d.queryPayStore.QueueQueryPay(app, out, v)
}

// With --data: the query on which the buyer's payment is kept, but not
// the removal of its record, answers 20000 for a paid trade, and a
// restart brings the paid buyer back (kept: its trade is).
func TestScenarioQueryPaidBuyerWhoseRemovalFailsIsNotBroughtBack(t *testing.T) {
	d := newRestartDir(t, "success", nil)
	s, c, stop := d.start()
	postScenario(t, d.url, "name: buyer\nrules:\n  - when: {method: alipay.trade.precreate}\n    then: {buyer: {pay_after_queries: 1}}\n")
	if err := precreate(c, "PAID-1"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "PAID-1"}); err == nil {
		t.Fatal("the first query counted: want ACQ.TRADE_NOT_EXIST")
	}
	k := s.queryPaysKept
	k.mu.Lock()
	k.db = deletesFail{k.db}
	k.mu.Unlock()
	_, qerr := c.Query(ctx, client.QueryRequest{OutTradeNo: "PAID-1"})
	stop()

	s, c, _ = d.start()
	q, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "PAID-1"})
	if err != nil || q.TradeStatus != client.TradeSuccess {
		t.Fatalf("after a restart: %+v %v, want the trade paid", q, err)
	}
	var errs []error
	if qerr != nil {
		errs = append(errs, errors.New("the query the payment was kept on answered "+qerr.Error()))
	}
	if n := s.waitingBuyers(); n != 0 {
		errs = append(errs, errors.New("a restart brought back the paid buyer"))
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

// With --store: a payment refused while the database is down, whose
// count back to zero is refused too (the same outage), leaves the row
// counted out for good: once the database answers again the buyer never
// pays.
func TestScenarioQueryPaymentAndCountBackNotKeptBuyerStillPaysAcrossReplicas(t *testing.T) {
	dbURL := pgtest.URL(t)
	_, c, base := sharedReplica(t, dbURL, time.Hour, "")
	postScenario(t, base, "name: buyer\nrules:\n  - when: {method: alipay.trade.precreate}\n    then: {buyer: {pay_after_queries: 1}}\n")
	if err := precreate(c, "DOWN-1"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "DOWN-1"}); err == nil {
		t.Fatal("the first query counted: want ACQ.TRADE_NOT_EXIST")
	}
	conn := pgtest.Conn(t, dbURL)
	if _, err := conn.Exec(ctx, `
CREATE FUNCTION review_down() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'review: down';
END $$;
CREATE TRIGGER review_down_trades BEFORE UPDATE ON alipay_mock_trades FOR EACH ROW EXECUTE FUNCTION review_down();
CREATE TRIGGER review_down_back BEFORE UPDATE ON alipay_mock_kv FOR EACH ROW
	WHEN (NEW.kind = 'querypays' AND (OLD.data->>'left')::int < 0 AND (NEW.data->>'left')::int = 0) EXECUTE FUNCTION review_down();`); err != nil {
		t.Fatal(err)
	}
	_, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "DOWN-1"})
	want20000(t, "the paying query whose payment was not kept", err)
	if _, err := conn.Exec(ctx, `DROP TRIGGER review_down_trades ON alipay_mock_trades; DROP TRIGGER review_down_back ON alipay_mock_kv`); err != nil {
		t.Fatal(err)
	}
	var last *client.QueryResponse
	for range 3 {
		last, err = c.Query(ctx, client.QueryRequest{OutTradeNo: "DOWN-1"})
		if err == nil && last.TradeStatus == client.TradeSuccess {
			return
		}
	}
	t.Fatalf("after the database answers again: %+v %v; the buyer counted out never pays", last, err)
}
