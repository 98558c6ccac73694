package pgstore_test

import (
	"context"
	"net/http"
	"syscall"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// The advisory locks a replica's listener holds shared while it believes
// no policy is stored, no answer queued (pgstore's policiesLock, faultsLock).
const (
	policiesLock = 7262865
	faultsLock   = 7262869
)

// hungListener starts a replica on url whose listener can be made to hang:
// hang stops its listening backend (SIGSTOP), which must hold lock shared
// (the replica believes none of its rows stored), and returns a resume,
// also run when the test ends.
func hungListener(t *testing.T, url string) (*mocktest.Mock, func(lock int) (resume func())) {
	t.Helper()
	m := mocktest.New(t, mock.Options{Store: url + "&application_name=hung_listener"})
	return m, func(lock int) func() {
		t.Helper()
		var pid int
		if err := pgtest.Conn(t, url).QueryRow(context.Background(), `SELECT l.pid FROM pg_locks l JOIN pg_stat_activity s ON s.pid = l.pid
			WHERE l.locktype = 'advisory' AND l.classid = 0 AND l.objid = $1 AND l.mode = 'ShareLock' AND s.application_name = 'hung_listener'`,
			lock).Scan(&pid); err != nil {
			t.Fatalf("the replica's listener holds no lock %d: %v", lock, err)
		}
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		resumed := false
		resume := func() {
			if !resumed {
				resumed = true
				_ = syscall.Kill(pid, syscall.SIGCONT)
			}
		}
		t.Cleanup(resume)
		return resume
	}
}

// A replica whose listener hangs holding its belief that no answer is
// queued holds up a POST /_mock/faults on another replica (5 s), and then
// does not answer the next gateway request as if none were queued: its
// listener has vouched for nothing since, so it looks in the queue.
func TestReplicaWhoseListenerHangsLooksInTheQueue(t *testing.T) {
	url := pgURL(t)
	a := mocktest.New(t, mock.Options{Store: url})
	b, hang := hungListener(t, url)
	pay(t, a, "FS", "1.00")
	b.Control(http.MethodGet, "/faults", nil, http.StatusOK) // b's listener has checked its beliefs
	if r := b.Call("alipay.trade.query", `{"out_trade_no":"FS"}`); r["code"] != "10000" {
		t.Fatalf("query before: %v", r)
	}
	resume := hang(faultsLock)
	a.Control(http.MethodPost, "/faults", `{"method":"alipay.trade.query","code":"40004","sub_code":"ACQ.TRADE_NOT_EXIST"}`, http.StatusCreated)
	r := b.Call("alipay.trade.query", `{"out_trade_no":"FS"}`)
	resume()
	if r["sub_code"] != "ACQ.TRADE_NOT_EXIST" {
		t.Errorf("b, its listener hung, answered %v after an answer was queued on a, not the queued answer", r)
	}
}

// So with a scenario's notification policy: a replica whose listener hangs
// believing none is stored reads the policy stored on another replica,
// once that replica's request returned, for a notification it queues.
func TestReplicaWhoseListenerHangsReadsThePolicies(t *testing.T) {
	merchant := mocktest.NewMerchant(t, "success")
	url := pgURL(t)
	a := mocktest.New(t, mock.Options{Store: url})
	b, hang := hungListener(t, url)
	a.Control(http.MethodPost, "/scenarios?name=quiet",
		"rules:\n  - name: r\n    when: {method: alipay.trade.create, biz: {out_trade_no: PH1}}\n    then: {notify: {suppress: true}, buyer: {pay_after_queries: 1}}\n", http.StatusCreated)
	b.Control(http.MethodGet, "/scenarios", nil, http.StatusOK) // b heard the scenario
	resume := hang(policiesLock)
	r, err := try(a, "alipay.trade.create", `{"out_trade_no":"PH1","total_amount":"1.00","subject":"s","buyer_id":"2088102146225135"}`,
		func(p map[string]string) { p["notify_url"] = merchant.URL })
	if err != nil || !ok(r) {
		t.Fatalf("create: %v %v", r, err)
	}
	// The buyer pays on b's second query, and b queues the notification.
	for i := 0; i < 2; i++ {
		if q := b.Call("alipay.trade.query", `{"out_trade_no":"PH1"}`); q["code"] != "10000" {
			t.Fatalf("query: %v", q)
		}
	}
	resume()
	if got := b.WaitNotifications(notify.Filter{OutTradeNo: "PH1"}, 1); got[0].State != notify.Suppressed {
		t.Errorf("b, its listener hung, queued the notification without the policy stored on a: %s", got[0].State)
	}
}
