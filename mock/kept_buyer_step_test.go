package mock_test

import (
	"bytes"
	"errors"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/store"
)

// A scenario buyer an older build planned (kept in --data, or in --store
// by an older replica) names its buyer_logon_id as that build took it
// ("some-buyer"). The new logon rule (fixtures.Buyer.Check in
// trade.Book.Act) refuses it when the step runs, so the trade the
// scenario was to pay stays WAIT_BUYER_PAY until it times out, and
// nothing says so but the step's fired detail. The CHANGELOG says such
// stored scenarios are "logged and dropped"; the buyer steps they already
// planned must still act (the name was taken when planned), or be dropped
// with a log, not silently stop paying.
func TestKeptBuyerStepOfAnOlderBuildStillPays(t *testing.T) {
	dir := t.TempDir()
	m1 := mocktest.New(t, mock.Options{DataDir: dir})
	m1.Control(http.MethodPost, "/scenarios?name=later",
		"rules:\n  - name: r\n    when: {method: alipay.trade.precreate}\n    then: {buyer: {pay_after: 10m, buyer_logon_id: \"13800138979\"}}\n", http.StatusCreated)
	expect(t, m1.Call("alipay.trade.precreate", `{"out_trade_no":"RX-J1","total_amount":"1.00","subject":"s"}`), "code", "10000")
	if err := m1.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	js, err := db.Jobs()
	n := 0
	for i := range js {
		if bytes.Contains(js[i].Data, []byte("13800138979")) {
			js[i].Data = bytes.ReplaceAll(js[i].Data, []byte("13800138979"), []byte("some-buyer"))
			n++
		}
	}
	if err := errors.Join(err, db.PutJobs(js), db.Close()); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatalf("no kept buyer step names the logon: %d jobs", len(js))
	}
	m2 := mocktest.New(t, mock.Options{DataDir: dir})
	m2.Advance("11m")
	if r := m2.Call("alipay.trade.query", `{"out_trade_no":"RX-J1"}`); r["trade_status"] != "TRADE_SUCCESS" {
		t.Errorf("a kept scenario buyer step naming some-buyer (an older build's): the trade is %v %v %v after its pay_after, want TRADE_SUCCESS (it stays unpaid: the step is refused)", r["code"], r["sub_code"], r["trade_status"])
	}
}
