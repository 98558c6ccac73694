package mock

// A scenario's trade, buyer or plan the store failed to read or keep.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// lookupFails is the trades' database failing, while on, the reads that
// find a trade by any number (Lookup.Any: what outNo and numberOf read),
// and none of the method's own (by trade_no or out_trade_no).
type lookupFails struct {
	trade.Backend
	on *atomic.Bool
}

func (b lookupFails) Begin() (trade.Tx, error) {
	tx, err := b.Backend.Begin()
	if err != nil {
		return nil, err
	}
	return lookupFailsTx{tx, b.on}, nil
}

type lookupFailsTx struct {
	trade.Tx
	on *atomic.Bool
}

func (tx lookupFailsTx) Lock(l trade.Lookup) ([]trade.Trade, error) {
	if l.Any != "" && tx.on.Load() {
		return nil, errors.New("review: the trade is not read")
	}
	return tx.Tx.Lock(l)
}

func (tx lookupFailsTx) MarkUntold(us []trade.Untold) error {
	return tx.Tx.(trade.UntoldTx).MarkUntold(us)
}

// lookupFailingReplica is a replica whose trade lookups by any number
// fail while the returned switch is on.
func lookupFailingReplica(t *testing.T, yaml string) (*client.Client, *atomic.Bool) {
	t.Helper()
	s, c, base := sharedReplica(t, pgtest.URL(t), time.Hour, "")
	on := &atomic.Bool{}
	s.Trades.Use(lookupFails{s.pg.Trades(s.Trades.Deadline), on}) // before any trade: nothing reads it yet
	postScenario(t, base, yaml)
	return c, on
}

func want20000(t *testing.T, what string, err error) {
	t.Helper()
	var ae *client.Error
	if !errors.As(err, &ae) || ae.Code != "20000" || ae.SubCode != "isp.unknow-error" {
		t.Fatalf("%s: %v, want 20000 isp.unknow-error", what, err)
	}
}

// A refund named by trade_no alone, which a scenario's then.notify
// matches: the policy is kept under the trade's out_trade_no, which the
// store failed to read. The refund does not run without its policy
// (20000), and runs once the store answers.
func TestScenarioPolicyTradeNotReadIsAStoreFailure(t *testing.T) {
	c, on := lookupFailingReplica(t, `name: quiet refunds
rules:
  - name: quiet
    when: {method: alipay.trade.refund}
    then: {notify: {suppress: true}}
`)
	ctx := context.Background()
	paid, err := c.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "OUTNO-1", TotalAmount: amount.MustParse("10.00"),
		Subject: "s"}, AuthCode: "283912345678901234"})
	if err != nil {
		t.Fatal(err)
	}
	refund := client.RefundRequest{TradeNo: paid.TradeNo, RefundAmount: amount.MustParse("10.00"), OutRequestNo: "R1"}
	on.Store(true)
	_, err = c.Refund(ctx, refund)
	want20000(t, "a refund whose trade the scenario's policy could not be read for", err)
	on.Store(false)
	r, err := c.Refund(ctx, refund)
	if err != nil || r.FundChange != "Y" {
		t.Fatalf("the refund once the store answers: %+v %v, want it made now (fund_change Y)", r, err)
	}
}

// packetLookupFails is lookupFails for red packets: the reads that find
// one by any number (coupon.Key.Any: what outNo reads for a refund named
// by auth_no), and none of the method's own (by auth_no).
type packetLookupFails struct {
	coupon.Backend
	on *atomic.Bool
}

func (b packetLookupFails) Begin() (coupon.Tx, error) {
	tx, err := b.Backend.Begin()
	if err != nil {
		return nil, err
	}
	return packetLookupFailsTx{tx, b.on}, nil
}

type packetLookupFailsTx struct {
	coupon.Tx
	on *atomic.Bool
}

func (tx packetLookupFailsTx) Lock(keys []coupon.Key) ([]coupon.Order, error) {
	for _, k := range keys {
		if k.Any != "" && tx.on.Load() {
			return nil, errors.New("review: the red packet is not read")
		}
	}
	return tx.Tx.Lock(keys)
}

func (tx packetLookupFailsTx) MarkUntold(us []coupon.Untold) error {
	return tx.Tx.(coupon.UntoldTx).MarkUntold(us)
}

// A red packet's refund, named by auth_no alone, which a scenario's
// then.notify matches: the policy is kept under the red packet's
// out_order_no, which the store failed to read. The refund does not run
// without its policy (20000), and runs once the store answers.
func TestScenarioPolicyRedPacketNotReadIsAStoreFailure(t *testing.T) {
	s, c, base := sharedReplica(t, pgtest.URL(t), time.Hour, "")
	on := &atomic.Bool{}
	s.Coupons.Use(packetLookupFails{s.pg.RedPackets(s.Coupons.Deadline), on}) // before any red packet
	postScenario(t, base, `name: quiet red-packet refunds
rules:
  - name: quiet
    when: {method: alipay.fund.coupon.order.refund}
    then: {notify: {suppress: true}}
`)
	ctx := context.Background()
	pay, err := c.CouponAgreementPay(ctx, client.CouponAgreementPayRequest{CouponOrder: client.CouponOrder{OutOrderNo: "PACKET-1",
		OutRequestNo: "PACKET-1-pay", OrderTitle: "红包", Amount: amount.MustParse("10.00")}, PayerUserID: "2088102100000001"})
	if err != nil || pay.AuthNo == "" {
		t.Fatalf("agreement pay: %+v %v", pay, err)
	}
	refund := client.CouponRefundRequest{AuthNo: pay.AuthNo, OutRequestNo: "R1", Amount: amount.MustParse("10.00")}
	on.Store(true)
	_, err = c.CouponRefund(ctx, refund)
	want20000(t, "a red-packet refund whose red packet the scenario's policy could not be read for", err)
	on.Store(false)
	r, err := c.CouponRefund(ctx, refund)
	if err != nil || r.Status != client.CouponSuccess {
		t.Fatalf("the refund once the store answers: %+v %v, want it made now", r, err)
	}
}

// refuse makes the test's database refuse, from now on, the writes on
// names ("INSERT ON table FOR EACH ROW [WHEN …]": a trigger that raises).
func refuse(t *testing.T, dbURL, on string) {
	t.Helper()
	if _, err := pgtest.Conn(t, dbURL).Exec(context.Background(), `
CREATE FUNCTION review_refused() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'review: refused';
END $$;
CREATE TRIGGER review_refused BEFORE `+on+` EXECUTE FUNCTION review_refused();`); err != nil {
		t.Fatal(err)
	}
}

func precreate(c *client.Client, out string) error {
	_, err := c.Precreate(context.Background(), client.PrecreateRequest{Order: client.Order{OutTradeNo: out,
		TotalAmount: amount.MustParse("10.00"), Subject: "s"}})
	return err
}

// A scenario's buyer whose plan the store fails to keep (a step on the
// clock, or the queries it waits for) would never come: the request that
// opened the trade answers 20000 rather than a success that says it will.
func TestScenarioBuyerNotKeptIsAStoreFailure(t *testing.T) {
	for _, tc := range []struct{ name, buyer, refused string }{
		{"step", "pay_after: 1m", "INSERT ON alipay_mock_jobs FOR EACH ROW"},
		{"queries", "pay_after_queries: 2", "INSERT OR UPDATE ON alipay_mock_kv FOR EACH ROW WHEN (NEW.kind = 'querypays')"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dbURL := pgtest.URL(t)
			_, c, base := sharedReplica(t, dbURL, time.Hour, "")
			postScenario(t, base, "name: buyer\nrules:\n  - when: {method: alipay.trade.precreate}\n    then: {buyer: {"+tc.buyer+"}}\n")
			refuse(t, dbURL, tc.refused)
			want20000(t, "a precreate whose scenario buyer was not kept", precreate(c, "BUYER-1"))
		})
	}
}

// A query a waiting buyer (pay_after_queries) counts, whose count the
// store fails to take: 20000, not the trade's status as though the query
// had counted.
func TestScenarioQueryCountNotTakenIsAStoreFailure(t *testing.T) {
	dbURL := pgtest.URL(t)
	_, c, base := sharedReplica(t, dbURL, time.Hour, "")
	postScenario(t, base, "name: buyer\nrules:\n  - when: {method: alipay.trade.precreate}\n    then: {buyer: {pay_after_queries: 2}}\n")
	if err := precreate(c, "COUNTED-1"); err != nil {
		t.Fatal(err)
	}
	refuse(t, dbURL, "UPDATE ON alipay_mock_kv FOR EACH ROW WHEN (OLD.kind = 'querypays')")
	_, err := c.Query(context.Background(), client.QueryRequest{OutTradeNo: "COUNTED-1"})
	want20000(t, "a query whose count was not taken", err)
}

// A request whose scenario state the store could not read answers 20000
// as any store failure of its method does: a cancel's carries retry_flag
// Y (retry it), and sign-in's goes in error_response.
func TestScenarioStateNotReadAnswersTheMethodsStoreFailure(t *testing.T) {
	dbURL := pgtest.URL(t)
	_, c, base := sharedReplica(t, dbURL, time.Hour, "")
	postScenario(t, base, `name: counted
rules:
  - when: {method: alipay.trade.cancel}
    times: 1
    then: {respond: {code: "40004"}}
  - when: {method: alipay.system.oauth.token}
    times: 1
    then: {respond: {code: "40002"}}
  - when: {method: alipay.trade.app.pay}
    times: 1
    then: {respond: {code: "40004"}}
`)
	refuse(t, dbURL, "INSERT ON alipay_mock_kv FOR EACH ROW WHEN (NEW.kind = 'scenarios')")
	ctx := context.Background()
	var r client.CancelResponse // filled on an error too
	err := c.Do(ctx, "alipay.trade.cancel", client.CancelRequest{OutTradeNo: "CANCEL-1"}, &r)
	want20000(t, "a cancel whose scenario state was not read", err)
	if r.RetryFlag != "Y" {
		t.Errorf("the cancel's 20000: %+v, want retry_flag Y", r)
	}
	p, err := c.SignedParams("alipay.system.oauth.token", nil, client.WithParam("grant_type", "authorization_code"),
		client.WithParam("code", "unknown-code"))
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{}
	for k, v := range p {
		form.Set(k, v)
	}
	resp, err := http.PostForm(base+GatewayPath, form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if !strings.Contains(string(body), `"error_response":{"code":"20000"`) {
		t.Errorf("a sign-in whose scenario state was not read: %s, want 20000 in error_response", body)
	}

	// The control API's stand-in for the Alipay app: 503, not a refusal.
	order, err := c.AppPayOrderString(client.AppPayRequest{Order: client.Order{OutTradeNo: "APP-1",
		TotalAmount: amount.MustParse("10.00"), Subject: "s"}})
	if err != nil {
		t.Fatal(err)
	}
	in, _ := json.Marshal(map[string]string{"order_string": order, "action": "pay"})
	if resp, err = http.Post(base+"/_mock/app-pay", "application/json", bytes.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("POST /_mock/app-pay whose scenario state was not read: HTTP %d %s, want 503", resp.StatusCode, body)
	}
}

// With --data, a buyer waiting for queries (pay_after_queries) whose
// plan the data file failed to keep is not kept in memory either: the
// precreate answers 20000, and no buyer waits to pay the trade later in
// this process. The data file is closed once the trade is stored, before
// the buyer is planned.
func TestScenarioQueryBuyerNotKeptWaitsNowhere(t *testing.T) {
	d := newRestartDir(t, "success", nil)
	s, c, _ := d.start()
	postScenario(t, d.url, "name: buyer\nrules:\n  - when: {method: alipay.trade.precreate}\n    then: {buyer: {pay_after_queries: 1}}\n")
	crashAtTrade(s, trade.EventCreated)
	want20000(t, "a precreate whose waiting buyer was not kept", precreate(c, "WAITS-1"))
	if n := waitingBuyers(t, d.url); n != 0 {
		t.Errorf("%d buyers waiting for queries after the plan failed to be kept, want none", n)
	}
}

// With --data, a query whose count the data file failed to keep does not
// count in memory either: the buyer still waits for it.
func TestScenarioQueryCountNotKeptCountsNowhere(t *testing.T) {
	d := newRestartDir(t, "success", nil)
	s, c, _ := d.start()
	postScenario(t, d.url, "name: buyer\nrules:\n  - when: {method: alipay.trade.precreate}\n    then: {buyer: {pay_after_queries: 1}}\n")
	if err := precreate(c, "COUNTS-1"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Counted; not scanned yet, so ACQ.TRADE_NOT_EXIST as production answers.
	var ae *client.Error
	if _, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "COUNTS-1"}); !errors.As(err, &ae) || ae.SubCode != "ACQ.TRADE_NOT_EXIST" {
		t.Fatalf("the first query: %v, want ACQ.TRADE_NOT_EXIST", err)
	}
	if err := s.db.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "COUNTS-1"})
	want20000(t, "the paying query whose count was not kept", err)
	if n := waitingBuyers(t, d.url); n != 1 {
		t.Errorf("%d buyers waiting for queries after a count failed to be kept, want the one", n)
	}
}

// With --data, a query answered 20000 because the waiting buyer's
// payment was not kept leaves the buyer waiting (as a count not kept
// does): the data file fails once the buyer's scan is stored, before the
// payment, and after a restart the buyer pays on a query.
func TestScenarioQueryPaymentNotKeptLeavesTheBuyerWaiting(t *testing.T) {
	d := newRestartDir(t, "success", nil)
	s, c, stop := d.start()
	postScenario(t, d.url, "name: buyer\nrules:\n  - when: {method: alipay.trade.precreate}\n    then: {buyer: {pay_after_queries: 1}}\n")
	if err := precreate(c, "PAYS-1"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "PAYS-1"}); err == nil {
		t.Fatal("the first query counted: want ACQ.TRADE_NOT_EXIST")
	}
	crashAtTrade(s, trade.EventScanned) // the store fails once the buyer's scan is stored, before the payment
	_, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "PAYS-1"})
	want20000(t, "the paying query whose payment was not kept", err)
	stop()

	_, c, _ = d.start()
	var last *client.QueryResponse
	for range 3 {
		last, err = c.Query(ctx, client.QueryRequest{OutTradeNo: "PAYS-1"})
		if err == nil && last.TradeStatus == client.TradeSuccess {
			return
		}
	}
	t.Fatalf("after the 20000 and a restart the trade is %+v %v and no buyer waits to pay it: "+
		"the query answered 20000 used the buyer up", last, err)
}

// With --store, the same: the payment refused, the query answers 20000
// and the buyer pays on the next query.
func TestScenarioQueryPaymentNotKeptLeavesTheBuyerWaitingAcrossReplicas(t *testing.T) {
	dbURL := pgtest.URL(t)
	_, c, base := sharedReplica(t, dbURL, time.Hour, "")
	postScenario(t, base, "name: buyer\nrules:\n  - when: {method: alipay.trade.precreate}\n    then: {buyer: {pay_after_queries: 1}}\n")
	if err := precreate(c, "PAYS-2"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "PAYS-2"}); err == nil {
		t.Fatal("the first query counted: want ACQ.TRADE_NOT_EXIST")
	}
	refuse(t, dbURL, "UPDATE ON alipay_mock_trades FOR EACH ROW")
	_, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "PAYS-2"})
	want20000(t, "the paying query whose payment was not kept", err)
	if _, err := pgtest.Conn(t, dbURL).Exec(ctx, `DROP TRIGGER review_refused ON alipay_mock_trades`); err != nil {
		t.Fatal(err)
	}
	q, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "PAYS-2"})
	if err != nil || q.TradeStatus != client.TradeSuccess {
		t.Fatalf("the query after the store answers again: %+v %v, want TRADE_SUCCESS paid by the buyer still waiting", q, err)
	}
}

// A precreate answered 20000 because one of its scenario buyer's steps
// was not kept plans none of the buyer's plan: no other step, and no
// buyer waiting for queries (planned first, taken back). With --data.
func TestScenarioBuyerStepNotKeptPlansNothingElse(t *testing.T) {
	d := newRestartDir(t, "success", nil)
	s, c, _ := d.start()
	postScenario(t, d.url, "name: buyer\nrules:\n  - when: {method: alipay.trade.precreate}\n    then: {buyer: {scan_after: 1m, pay_after: 2m, pay_after_queries: 1}}\n")
	keep := s.gw.LaterBuyer
	s.gw.LaterBuyer = func(steps []gateway.BuyerStep) error {
		for _, st := range steps {
			if st.Job.What == trade.ActScan {
				return errors.New("test: the scan step is not stored")
			}
		}
		return keep(steps)
	}
	want20000(t, "a precreate whose buyer's scan was not kept", precreate(c, "PLANS-1"))
	advanceClock(t, d.url, "3m")
	wantUnpaid(t, c, "PLANS-1")
}

// With --store, the same: the database refuses the scan step's job, and
// the steps and the waiting buyer are all taken back.
func TestScenarioBuyerStepNotKeptPlansNothingElseAcrossReplicas(t *testing.T) {
	dbURL := pgtest.URL(t)
	_, c, base := sharedReplica(t, dbURL, time.Hour, "")
	postScenario(t, base, "name: buyer\nrules:\n  - when: {method: alipay.trade.precreate}\n    then: {buyer: {scan_after: 1m, pay_after: 2m, pay_after_queries: 1}}\n")
	refuse(t, dbURL, `INSERT ON alipay_mock_jobs FOR EACH ROW WHEN (position('"what":"scan"' in encode(NEW.data, 'escape')) > 0)`)
	want20000(t, "a precreate whose buyer's scan was not kept", precreate(c, "PLANS-2"))
	advanceClock(t, base, "3m")
	wantUnpaid(t, c, "PLANS-2")
}

// wantUnpaid fails the test if a query (two: one a waiting buyer counts)
// finds out's trade paid.
func wantUnpaid(t *testing.T, c *client.Client, out string) {
	t.Helper()
	for range 2 {
		q, err := c.Query(context.Background(), client.QueryRequest{OutTradeNo: out})
		if err == nil && q.TradeStatus == client.TradeSuccess {
			t.Fatalf("the buyer of a precreate answered 20000 (buyer not planned) paid it anyway: %+v", q)
		}
	}
}

func advanceClock(t *testing.T, base, by string) {
	t.Helper()
	resp, err := http.Post(base+"/_mock/clock/advance", "application/json", strings.NewReader(`{"by":"`+by+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("advance: %s", resp.Status)
	}
}

// waitingBuyers is GET /_mock/memory's waiting_buyers.
func waitingBuyers(t *testing.T, base string) int {
	t.Helper()
	resp, err := http.Get(base + "/_mock/memory")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m struct {
		WaitingBuyers int `json:"waiting_buyers"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m.WaitingBuyers
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
// the removal of its record, answers the paid trade, and a restart does
// not bring the paid buyer back (its record is dropped: its trade is
// paid).
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
	q, qerr := c.Query(ctx, client.QueryRequest{OutTradeNo: "PAID-1"})
	stop()

	s, c, _ = d.start()
	after, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "PAID-1"})
	if err != nil || after.TradeStatus != client.TradeSuccess {
		t.Fatalf("after a restart: %+v %v, want the trade paid", after, err)
	}
	var errs []error
	if qerr != nil || q.TradeStatus != client.TradeSuccess {
		errs = append(errs, fmt.Errorf("the query the payment was kept on answered %+v %v, want TRADE_SUCCESS", q, qerr))
	}
	if n := s.waitingBuyers(); n != 0 {
		errs = append(errs, errors.New("a restart brought back the paid buyer"))
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}

// With --store, the same: the database refuses to delete the paid
// buyer's row, and the query answers the paid trade, not 20000.
func TestScenarioQueryPaidBuyerWhoseRemovalFailsAnswersThePaidTradeAcrossReplicas(t *testing.T) {
	dbURL := pgtest.URL(t)
	_, c, base := sharedReplica(t, dbURL, time.Hour, "")
	postScenario(t, base, "name: buyer\nrules:\n  - when: {method: alipay.trade.precreate}\n    then: {buyer: {pay_after_queries: 1}}\n")
	if err := precreate(c, "PAID-2"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "PAID-2"}); err == nil {
		t.Fatal("the first query counted: want ACQ.TRADE_NOT_EXIST")
	}
	refuse(t, dbURL, "DELETE ON alipay_mock_kv FOR EACH ROW WHEN (OLD.kind = 'querypays')")
	q, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "PAID-2"})
	if err != nil || q.TradeStatus != client.TradeSuccess {
		t.Fatalf("the query the payment was kept on: %+v %v, want TRADE_SUCCESS", q, err)
	}
}

// lapseQueryClaims ages every claim on a waiting buyer past its lease, as
// the time a dead or failed payment's claim takes to run out.
func lapseQueryClaims(t *testing.T, dbURL string) {
	t.Helper()
	if _, err := pgtest.Conn(t, dbURL).Exec(context.Background(),
		`UPDATE alipay_mock_kv SET claimed = claimed - interval '1 day' WHERE kind = 'querypays' AND claimed IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
}

// With --store: a payment refused while the database is down, whose
// count back to zero is refused too (the same outage), leaves the row
// claimed; once the claim's lease runs out the buyer pays on a query.
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
	refuse(t, dbURL, "UPDATE ON alipay_mock_trades FOR EACH ROW")
	conn := pgtest.Conn(t, dbURL)
	if _, err := conn.Exec(ctx, `CREATE TRIGGER refused_back BEFORE UPDATE ON alipay_mock_kv FOR EACH ROW
	WHEN (NEW.kind = 'querypays' AND (OLD.data->>'left')::int < 0 AND (NEW.data->>'left')::int = 0) EXECUTE FUNCTION review_refused()`); err != nil {
		t.Fatal(err)
	}
	_, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "DOWN-1"})
	want20000(t, "the paying query whose payment was not kept", err)
	if _, err := conn.Exec(ctx, `DROP TRIGGER review_refused ON alipay_mock_trades; DROP TRIGGER refused_back ON alipay_mock_kv`); err != nil {
		t.Fatal(err)
	}
	lapseQueryClaims(t, dbURL)
	q, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "DOWN-1"})
	if err != nil || q.TradeStatus != client.TradeSuccess {
		t.Fatalf("after the database answers again and the claim ran out: %+v %v; the buyer counted out never pays", q, err)
	}
}

// With --store, a query that counted the buyer out and whose replica
// died before the payment (or an earlier version's row counted below
// zero, with no claim) holds the buyer only until the claim runs out: a
// live claim lets no other query pay, a lapsed one does.
func TestScenarioQueryBuyerClaimedByADeadPaymentPaysAcrossReplicas(t *testing.T) {
	for _, old := range []bool{false, true} {
		dbURL := pgtest.URL(t)
		_, c, base := sharedReplica(t, dbURL, time.Hour, "")
		postScenario(t, base, "name: buyer\nrules:\n  - when: {method: alipay.trade.precreate}\n    then: {buyer: {pay_after_queries: 1}}\n")
		if err := precreate(c, "DEAD-1"); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		if _, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "DEAD-1"}); err == nil {
			t.Fatal("the first query counted: want ACQ.TRADE_NOT_EXIST")
		}
		// The paying query's claim, its payment never made.
		claimed := "clock_timestamp()"
		if old {
			claimed = "NULL"
		}
		conn := pgtest.Conn(t, dbURL)
		if _, err := conn.Exec(ctx, `UPDATE alipay_mock_kv SET data = jsonb_set(data, '{left}', '-1'), claimed = `+claimed+`
			WHERE kind = 'querypays'`); err != nil {
			t.Fatal(err)
		}
		if !old {
			var ae *client.Error
			q, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "DEAD-1"})
			if !errors.As(err, &ae) || ae.SubCode != "ACQ.TRADE_NOT_EXIST" {
				t.Fatalf("a query while the claim holds: %+v %v, want ACQ.TRADE_NOT_EXIST (the claimant pays)", q, err)
			}
			lapseQueryClaims(t, dbURL)
		}
		q, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "DEAD-1"})
		if err != nil || q.TradeStatus != client.TradeSuccess {
			t.Fatalf("earlier version %v: a query once the claim ran out: %+v %v, want TRADE_SUCCESS", old, q, err)
		}
	}
}
