package mock_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/store"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// An async settlement's message (alipay.trade.order.settle.notify) whose
// settlement fell due while the mock was down is sent at start, as a
// notification due while down is (docs/persistence.md), and only once:
// a second restart sends it again neither.
func TestSettleMessageDueWhileDownIsSentAtStart(t *testing.T) {
	dir := t.TempDir()
	m1 := mocktest.New(t, mock.Options{DataDir: dir})
	gw := mocktest.NewMerchant(t, "success")
	registerDevApp(t, m1, gw.URL+"/gateway", http.StatusCreated)
	settleAsync(t, m1, "RVBSETTLE")
	settledAt := m1.Clock.Now()
	if err := m1.Srv.Close(); err != nil {
		t.Fatal(err)
	}

	// The data directory as a mock left it whose clock ran at wall speed
	// and that was stopped an hour ago (the settlement was due 5 s later).
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutClock(clock.Snapshot{Base: settledAt, Anchor: time.Now().Add(-time.Hour), Speed: 1}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	m2 := mocktest.New(t, mock.Options{DataDir: dir})
	m2.ControlJSON(http.MethodPost, "/clock", map[string]any{"speed": 0}, http.StatusOK, nil)
	m2.Advance("1s") // run whatever is due
	var list []notify.Notification
	m2.ControlJSON(http.MethodGet, "/notifications?out_trade_no=RVBSETTLE", nil, http.StatusOK, &list)
	if len(list) != 1 || list[0].Kind != notify.KindMessage {
		t.Fatalf("settle message after a restart past its due time: %d in the outbox (want 1 message), %d calls to the app gateway",
			len(list), len(gw.Calls()))
	}
	if err := m2.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	m3 := mocktest.New(t, mock.Options{DataDir: dir})
	m3.Advance("1m")
	m3.ControlJSON(http.MethodGet, "/notifications?out_trade_no=RVBSETTLE", nil, http.StatusOK, &list)
	if len(list) != 1 {
		t.Fatalf("after a second restart: %d settle messages in the outbox, want the one", len(list))
	}
}

// A scenario's simulated buyer (then.buyer) planned for a trade is kept
// with --data: after a restart on the same directory, with the same
// scenario file loaded again (Options.Scenarios, as --scenario), the
// buyer pays when planned.
func TestScenarioBuyerActsAfterRestart(t *testing.T) {
	dir := t.TempDir()
	file := example(t, "qr-pay-on-clock.yaml")
	m1 := mocktest.New(t, mock.Options{DataDir: dir, Scenarios: file()})
	expect(t, m1.Call("alipay.trade.precreate", `{"out_trade_no":"CLOCK-RVB","total_amount":"9.99","subject":"s"}`), "code", "10000")
	if err := m1.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	m2 := mocktest.New(t, mock.Options{DataDir: dir, Scenarios: file()})
	m2.Advance("30s")
	q := m2.Call("alipay.trade.query", `{"out_trade_no":"CLOCK-RVB"}`)
	if q["trade_status"] != "TRADE_SUCCESS" {
		t.Fatalf("30 s after the precreate the scenario's buyer should have paid (pay_after 20s); after a restart: %v %v %v",
			q["code"], q["sub_code"], q["trade_status"])
	}
}

// A reset forgets the buyer steps kept with --data as it takes them off
// the clock: a restart plans none of them again.
func TestResetForgetsKeptBuyerSteps(t *testing.T) {
	dir := t.TempDir()
	file := example(t, "qr-pay-on-clock.yaml")
	m1 := mocktest.New(t, mock.Options{DataDir: dir, Scenarios: file()})
	expect(t, m1.Call("alipay.trade.precreate", `{"out_trade_no":"CLOCK-RESET","total_amount":"9.99","subject":"s"}`), "code", "10000")
	m1.Control(http.MethodPost, "/reset", nil, http.StatusOK)
	if err := m1.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	m2 := mocktest.New(t, mock.Options{DataDir: dir, Scenarios: file()})
	var c struct {
		Pending int `json:"pending_jobs"`
	}
	m2.ControlJSON(http.MethodGet, "/clock", nil, http.StatusOK, &c)
	if c.Pending != 0 {
		t.Errorf("after a reset and a restart %d jobs are planned, want none", c.Pending)
	}
}

// A scenario buyer who pays after a number of queries (pay_after_queries)
// counts them across a restart on the same --data directory: three
// queries see WAIT_BUYER_PAY, one before the restart and two after it,
// and the fourth pays.
func TestScenarioQueryCountingBuyerSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	file := example(t, "qr-pay-after-polls.yaml")
	query := func(m *mocktest.Mock) any {
		return m.Call("alipay.trade.query", `{"out_trade_no":"POLLPAY-RESTART"}`)["trade_status"]
	}
	m1 := mocktest.New(t, mock.Options{DataDir: dir, Scenarios: file()})
	expect(t, m1.Call("alipay.trade.precreate", `{"out_trade_no":"POLLPAY-RESTART","total_amount":"9.99","subject":"s"}`), "code", "10000")
	m1.Advance("1s") // the buyer scans
	if got := query(m1); got != "WAIT_BUYER_PAY" {
		t.Fatalf("query 1: %v", got)
	}
	if err := m1.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	m2 := mocktest.New(t, mock.Options{DataDir: dir, Scenarios: file()})
	for i := 2; i <= 3; i++ {
		if got := query(m2); got != "WAIT_BUYER_PAY" {
			t.Fatalf("query %d after the restart: %v, want WAIT_BUYER_PAY", i, got)
		}
	}
	if got := query(m2); got != "TRADE_SUCCESS" {
		t.Fatalf("query 4 after the restart: %v, want TRADE_SUCCESS (the buyer pays on the 4th query)", got)
	}
}

// A settle message is never queued twice: should the mock stop after a
// settlement's message was queued but before its job's record went (here
// the record is put back by hand), the job finds the message in the
// outbox at start and queues none.
func TestSettleMessageQueuedOnceWhenItsJobOutlivesIt(t *testing.T) {
	dir := t.TempDir()
	m1 := mocktest.New(t, mock.Options{DataDir: dir})
	gw := mocktest.NewMerchant(t, "success")
	registerDevApp(t, m1, gw.URL+"/gateway", http.StatusCreated)
	tradeNo, settleNo := settleAsync(t, m1, "SETTLEONCE")
	m1.Advance("10s")
	if err := m1.Srv.Close(); err != nil {
		t.Fatal(err)
	}

	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	trades, err := db.Trades()
	if err != nil {
		t.Fatal(err)
	}
	var job store.Job
	for _, tr := range trades {
		if tr.TradeNo != tradeNo {
			continue
		}
		data, err := json.Marshal(map[string]any{"app_id": tr.AppID, "trade_no": tr.TradeNo, "out_trade_no": tr.OutTradeNo, "settlement": tr.Settlements[0]})
		if err != nil {
			t.Fatal(err)
		}
		job = store.Job{ID: "settle/" + settleNo, Kind: "settle", AppID: tr.AppID, Due: tr.Settlements[0].DoneAt(), Data: data}
	}
	if job.ID == "" {
		t.Fatal("the settled trade is not stored")
	}
	if err := db.PutJob(job); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	m2 := mocktest.New(t, mock.Options{DataDir: dir})
	m2.Advance("1s") // the job put back is past due: it runs
	var list []notify.Notification
	m2.ControlJSON(http.MethodGet, "/notifications?out_trade_no=SETTLEONCE", nil, http.StatusOK, &list)
	if len(list) != 1 {
		t.Fatalf("%d settle messages once the job put back ran, want the one queued before", len(list))
	}
}

// With --data the buyers waiting for queries are as bounded as in memory:
// no more than the trades kept (evicted ones go, and the trim at start
// keeps to the limit), none after a reset; GET /_mock/memory counts them.
func TestKeptWaitingBuyersAreBoundedByTheTradesKept(t *testing.T) {
	dir := t.TempDir()
	waiting := func(m *mocktest.Mock) int {
		var mem struct {
			WaitingBuyers int `json:"waiting_buyers"`
		}
		m.ControlJSON(http.MethodGet, "/memory", nil, http.StatusOK, &mem)
		return mem.WaitingBuyers
	}
	o := mock.Options{DataDir: dir}
	o.Trades.Keep = 3
	m1 := mocktest.New(t, o)
	m1.Control(http.MethodPost, "/scenarios?name=polls",
		"rules:\n  - name: r\n    when: {method: alipay.trade.precreate}\n    then: {buyer: {pay_after_queries: 5}}\n", http.StatusCreated)
	for i := 0; i < 10; i++ {
		expect(t, m1.Call("alipay.trade.precreate", `{"out_trade_no":"KB`+strconv.Itoa(i)+`","total_amount":"1.00","subject":"s"}`), "code", "10000")
	}
	if n := waiting(m1); n != 3 {
		t.Fatalf("%d buyers waiting with 3 trades kept", n)
	}
	if err := m1.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	o.Trades.Keep = 2
	m2 := mocktest.New(t, o)
	if n := waiting(m2); n != 2 {
		t.Fatalf("%d buyers waiting after a restart keeping 2 trades", n)
	}
	m2.Control(http.MethodPost, "/reset", nil, http.StatusOK)
	if n := waiting(m2); n != 0 {
		t.Fatalf("%d buyers waiting after a reset", n)
	}
}

// example loads scenarios/examples/name afresh at each call, as a start
// (and each restart) reads its --scenario files.
func example(t testing.TB, name string) func() []*scenarios.File {
	return func() []*scenarios.File {
		t.Helper()
		fs, err := scenarios.LoadPath("../scenarios/examples/"+name, nil)
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}
}
