package pgstore_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/control"
	"github.com/alipay-mock/alipay-mock/mock/journal"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/pgstore"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// entry is a journal entry as the control API gives it.
type entry struct {
	ID       int               `json:"id"`
	Method   string            `json:"method"`
	Params   map[string]string `json:"params"`
	Verified bool              `json:"verified"`
	Response string            `json:"response"`
}

// journalOf lists one replica's journal, newest first.
func journalOf(m *mocktest.Mock, query string) []entry {
	var list []entry
	m.ControlJSON(http.MethodGet, "/journal?"+query, nil, http.StatusOK, &list)
	return list
}

// waitJournal waits until m's journal lists n entries (entries are written
// after their answer leaves, in batches).
func waitJournal(t *testing.T, m *mocktest.Mock, n int) []entry {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		list := journalOf(m, "")
		if len(list) == n {
			return list
		}
		if time.Now().After(deadline) {
			t.Fatalf("journal lists %d entries, want %d", len(list), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestReplicasShareTheJournal(t *testing.T) {
	rs := replicas(t, 3, mock.Options{Journal: journal.Options{MaxEntries: 6}})
	// Four requests on two replicas; the third, which served none, lists them all.
	for i := 0; i < 4; i++ {
		rs[i%2].Call("alipay.trade.query", `{"out_trade_no":"J`+strconv.Itoa(i)+`"}`)
	}
	all := waitJournal(t, rs[2], 4)
	seen := map[string]bool{}
	for _, e := range all {
		seen[e.Params["biz_content"]] = true
		if e.Method != "alipay.trade.query" || !e.Verified || e.Response == "" {
			t.Fatalf("entry as read on another replica: %+v", e)
		}
	}
	if len(seen) != 4 {
		t.Fatalf("want the four requests, got %v", seen)
	}
	// Pages on one replica walk every entry once, newest first; an entry
	// is read by id on any replica.
	var ids []int
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 4 {
			t.Fatal("pages never end")
		}
		path := "/journal?limit=3"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		b := rs[1].Control(http.MethodGet, path, nil, http.StatusOK)
		var page []entry
		if err := json.Unmarshal(b, &page); err != nil {
			t.Fatal(err)
		}
		for _, e := range page {
			ids = append(ids, e.ID)
		}
		cursor = nextCursor(t, rs[1], path)
		if cursor == "" {
			break
		}
	}
	if len(ids) != 4 {
		t.Fatalf("pages gave %v", ids)
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] >= ids[i-1] {
			t.Fatalf("not newest first: %v", ids)
		}
	}
	var one entry
	rs[0].ControlJSON(http.MethodGet, "/journal/"+strconv.Itoa(ids[3]), nil, http.StatusOK, &one)
	if one.ID != ids[3] || one.Method != "alipay.trade.query" {
		t.Fatalf("entry by id: %+v", one)
	}
	// The bound (--journal-entries) holds for the table: the newest six.
	for i := 4; i < 10; i++ {
		rs[i%3].Call("alipay.trade.query", `{"out_trade_no":"J`+strconv.Itoa(i)+`"}`)
	}
	// Replicas write their entries a few milliseconds after the answer, and
	// trim after they write, so two replicas' entries may be listed in
	// either order, and an older entry until the last write's trim: wait
	// for the six newest and nothing else, on every replica.
	deadline := time.Now().Add(15 * time.Second)
	for _, r := range rs {
		for {
			n, all := 0, journalOf(r, "")
			for _, e := range all {
				if no, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(e.Params["biz_content"], `{"out_trade_no":"J`), `"}`)); no >= 4 {
					n++
				}
			}
			if n == 6 && len(all) == 6 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of the six newest requests listed, %d entries kept, want 6", n, len(all))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// Failed signatures are found by filter on every replica.
	bad := rs[0].Params("alipay.trade.query", `{"out_trade_no":"JBAD"}`, func(p map[string]string) { p["sign"] = "AAAA" })
	rs[0].Post(bad)
	deadline = time.Now().Add(15 * time.Second)
	for len(journalOf(rs[1], "failed=true")) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the failed request is not listed on another replica")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Cleared on one, empty on all.
	rs[1].Control(http.MethodDelete, "/journal", nil, http.StatusOK)
	for i, r := range rs {
		if got := journalOf(r, ""); len(got) != 0 {
			t.Fatalf("replica %d still lists %d entries after a clear", i, len(got))
		}
	}
}

// nextCursor is the X-Next-Cursor of a GET on path.
func nextCursor(t *testing.T, m *mocktest.Mock, path string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, m.URL+"/_mock"+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header.Get("X-Next-Cursor")
}

func TestReplicasSeeAResetAtOnce(t *testing.T) {
	merchant := mocktest.NewMerchant(t, "success")
	rs := replicas(t, 2, mock.Options{})
	payTo := func(m *mocktest.Mock, out string) {
		t.Helper()
		r, err := try(m, "alipay.trade.pay", `{"out_trade_no":"`+out+`","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`,
			func(p map[string]string) { p["notify_url"] = merchant.URL })
		if err != nil || !ok(r) {
			t.Fatalf("pay %s: %v %v", out, r, err)
		}
	}
	payTo(rs[0], "RS1")
	// Replica B knows the trade and lists its notification.
	rs[1].WaitNotifications(notify.Filter{OutTradeNo: "RS1"}, 1)
	rs[1].Control(http.MethodGet, "/trades/RS1", nil, http.StatusOK)

	// Reset on A: B's very next reads show the reset state.
	rs[0].Control(http.MethodPost, "/reset", nil, http.StatusOK)
	var list []notify.Notification
	rs[1].ControlJSON(http.MethodGet, "/notifications", nil, http.StatusOK, &list)
	if len(list) != 0 {
		t.Fatalf("replica B lists %d notifications right after a reset on A", len(list))
	}
	rs[1].Control(http.MethodGet, "/trades/RS1", nil, http.StatusNotFound)
	if n := rs[1].Srv.Trades.Len(); n != 0 {
		t.Fatalf("replica B keeps %d trades in memory after a reset on A", n)
	}

	// A clear of notifications on B: gone from A at once too, and what is
	// written afterwards is listed again.
	payTo(rs[1], "RS2")
	rs[0].WaitNotifications(notify.Filter{OutTradeNo: "RS2"}, 1)
	rs[1].Control(http.MethodDelete, "/notifications", nil, http.StatusOK)
	rs[0].ControlJSON(http.MethodGet, "/notifications", nil, http.StatusOK, &list)
	if len(list) != 0 {
		t.Fatalf("replica A lists %d notifications right after a clear on B", len(list))
	}
	payTo(rs[1], "RS3")
	rs[0].WaitNotifications(notify.Filter{OutTradeNo: "RS3"}, 1)
}

// settleAsync pays out, binds a receiver and settles 1.00 to it async on
// m; it returns the settle_no.
func settleAsync(t *testing.T, m *mocktest.Mock, out string) string {
	t.Helper()
	paid := m.Call("alipay.trade.pay", `{"out_trade_no":"`+out+`","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`)
	if !ok(paid) {
		t.Fatalf("pay: %v", paid)
	}
	if b := m.Call("alipay.trade.royalty.relation.bind", `{"out_request_no":"B`+out+`","receiver_list":[{"type":"userId","account":"2088000000000002"}]}`); !ok(b) {
		t.Fatalf("bind: %v", b)
	}
	s := m.Call("alipay.trade.order.settle", `{"out_request_no":"ST`+out+`","trade_no":"`+paid["trade_no"].(string)+
		`","royalty_mode":"async","royalty_parameters":[{"trans_in":"2088000000000002","amount":"1.00"}]}`)
	if !ok(s) {
		t.Fatalf("settle: %v", s)
	}
	return s["settle_no"].(string)
}

// withAppGateway registers the dev app again on m with app_gateway_url u
// and waits until every replica knows it (at once since control reads
// catch up, but a wait keeps the test about the message).
func withAppGateway(t *testing.T, rs []*mocktest.Mock, u string) {
	t.Helper()
	body := map[string]string{"app_id": keys.DevAppID, "public_key": string(keys.DevFile("app_public_key.pem")),
		"sign_type": "RSA2", "app_gateway_url": u}
	rs[0].Control(http.MethodPost, "/apps", body, http.StatusCreated)
	deadline := time.Now().Add(15 * time.Second)
	for _, r := range rs {
		for {
			var list []map[string]any
			r.ControlJSON(http.MethodGet, "/apps", nil, http.StatusOK, &list)
			found := false
			for _, a := range list {
				found = found || (a["app_id"] == keys.DevAppID && a["app_gateway_url"] == u)
			}
			if found {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("replica %s does not know the app gateway: %v", r.URL, list)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func TestReplicasSendADeadReplicasSettleMessage(t *testing.T) {
	gw := mocktest.NewMerchant(t, "success")
	rs := replicas(t, 3, mock.Options{})
	withAppGateway(t, rs, gw.URL+"/gateway")
	settleNo := settleAsync(t, rs[0], "SD1")
	rs[0].Srv.Close() // the replica that took the settlement is gone
	rs[1].Advance("4s")
	rs[2].Advance("1s") // done now: one of the live replicas sends it
	waitCalls(t, gw, 1)
	c := gw.Calls()[0]
	if c.Form.Get("msg_method") != notify.SettleNotify || !strings.Contains(c.Form.Get("biz_content"), settleNo) {
		t.Fatalf("message: %v", c.Form)
	}
	rs[1].WaitNotifications(notify.Filter{OutTradeNo: "SD1", State: notify.Delivered}, 1)
	if n := len(gw.Calls()); n != 1 {
		t.Fatalf("the message was sent %d times, want once", n)
	}
}

func TestReplicasRunADeadReplicasSimulatedBuyer(t *testing.T) {
	rs := replicas(t, 3, mock.Options{})
	rs[0].Control(http.MethodPost, "/scenarios?name=slow",
		"rules:\n  - name: r\n    when: {method: alipay.trade.precreate}\n    then: {buyer: {scan_after: 10s, pay_after: 30s}}\n", http.StatusCreated)
	if r := rs[0].Call("alipay.trade.precreate", `{"out_trade_no":"SB1","total_amount":"2.00","subject":"s"}`); !ok(r) {
		t.Fatalf("precreate: %v", r)
	}
	rs[0].Srv.Close() // the replica that planned the buyer is gone
	rs[1].Advance("31s")
	deadline := time.Now().Add(15 * time.Second)
	for {
		q := rs[2].Call("alipay.trade.query", `{"out_trade_no":"SB1"}`)
		if q["trade_status"] == "TRADE_SUCCESS" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the dead replica's simulated buyer never paid: %v", q)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestReplicaThatMissedAResetForgetsWhenItListensAgain(t *testing.T) {
	merchant := mocktest.NewMerchant(t, "success")
	url := pgURL(t)
	// Replica B names its connections, so the test can drop its listener only.
	bURL := url + "?application_name=replica_b"
	if strings.Contains(url, "?") {
		bURL = url + "&application_name=replica_b"
	}
	rs := []*mocktest.Mock{mocktest.New(t, mock.Options{Store: url}), mocktest.New(t, mock.Options{Store: bURL})}
	if r, err := try(rs[0], "alipay.trade.pay", `{"out_trade_no":"MR1","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`,
		func(p map[string]string) { p["notify_url"] = merchant.URL }); err != nil || !ok(r) {
		t.Fatalf("pay: %v %v", r, err)
	}
	rs[1].WaitNotifications(notify.Filter{OutTradeNo: "MR1"}, 1)
	// Drop B's listening connection, and reset on A while B does not listen.
	ctx := context.Background()
	conn := pgtest.Conn(t, url)
	if _, err := conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE query LIKE 'LISTEN %' AND application_name = 'replica_b'`); err != nil {
		t.Fatal(err)
	}
	rs[0].Control(http.MethodPost, "/reset", nil, http.StatusOK)
	// Replica B listens again within a second or so, and drops its copy.
	outbox := rs[1].Srv.Notifier.Outbox()
	wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if !outbox.WaitFunc(wctx, func() bool { return len(outbox.List(notify.Filter{})) == 0 }) {
		t.Fatalf("replica B keeps %d notifications a reset deleted while it was not listening", len(outbox.List(notify.Filter{})))
	}
}

func TestReplicasApplyAScenariosNotificationPolicyWhereverTheBuyerPays(t *testing.T) {
	merchant := mocktest.NewMerchant(t, "success")
	rs := replicas(t, 2, mock.Options{})
	rs[0].Control(http.MethodPost, "/scenarios?name=quiet",
		"rules:\n  - name: r\n    when: {method: alipay.trade.precreate, biz: {out_trade_no: PQ1}}\n    then: {notify: {suppress: true}}\n", http.StatusCreated)
	r, err := try(rs[0], "alipay.trade.precreate", `{"out_trade_no":"PQ1","total_amount":"1.00","subject":"s"}`,
		func(p map[string]string) { p["notify_url"] = merchant.URL })
	if err != nil || !ok(r) {
		t.Fatalf("precreate: %v %v", r, err)
	}
	// The buyer pays on the other replica, which builds the notification.
	rs[1].Control(http.MethodPost, "/trades/PQ1/pay", nil, http.StatusOK)
	got := rs[1].WaitNotifications(notify.Filter{OutTradeNo: "PQ1"}, 1)
	if got[0].State != notify.Suppressed {
		t.Fatalf("the scenario's suppress did not hold on the replica the buyer paid through: %+v", got[0])
	}
	// A trade the rule does not name is notified as usual.
	r, err = try(rs[0], "alipay.trade.precreate", `{"out_trade_no":"PQ2","total_amount":"1.00","subject":"s"}`,
		func(p map[string]string) { p["notify_url"] = merchant.URL })
	if err != nil || !ok(r) {
		t.Fatalf("precreate: %v %v", r, err)
	}
	rs[1].Control(http.MethodPost, "/trades/PQ2/pay", nil, http.StatusOK)
	waitCalls(t, merchant, 1)
	if c := merchant.Calls(); len(c) != 1 || c[0].Form.Get("out_trade_no") != "PQ2" {
		t.Fatalf("merchant got %d notifications, want PQ2's only", len(c))
	}
}

func TestReplicasSendASettleMessageOnce(t *testing.T) {
	gw := mocktest.NewMerchant(t, "success")
	rs := replicas(t, 3, mock.Options{})
	withAppGateway(t, rs, gw.URL+"/gateway")
	settleAsync(t, rs[0], "SO1")
	rs[1].Advance("5s") // on another replica: the one that planned it sends it
	rs[2].WaitNotifications(notify.Filter{OutTradeNo: "SO1", State: notify.Delivered}, 1)
	var list []notify.Notification
	rs[2].ControlJSON(http.MethodGet, "/notifications?out_trade_no=SO1", nil, http.StatusOK, &list)
	if len(list) != 1 || len(gw.Calls()) != 1 {
		t.Fatalf("%d messages listed, %d sent; want one", len(list), len(gw.Calls()))
	}
}

func TestReplicasCountABuyersQueriesTogether(t *testing.T) {
	rs := replicas(t, 3, mock.Options{})
	rs[0].Control(http.MethodPost, "/scenarios?name=polls",
		"rules:\n  - name: r\n    when: {method: alipay.trade.create}\n    then: {buyer: {pay_after_queries: 2}}\n", http.StatusCreated)
	if r := rs[0].Call("alipay.trade.create", `{"out_trade_no":"QP1","total_amount":"1.00","subject":"s","buyer_id":"2088102177846880"}`); !ok(r) {
		t.Fatalf("create: %v", r)
	}
	// Two queries on two other replicas see the trade waiting; the third,
	// wherever it lands, sees it paid.
	for i, want := range []string{"WAIT_BUYER_PAY", "WAIT_BUYER_PAY", "TRADE_SUCCESS"} {
		q := rs[(i+1)%3].Call("alipay.trade.query", `{"out_trade_no":"QP1"}`)
		if q["trade_status"] != want {
			t.Fatalf("query %d: %v, want %s", i+1, q["trade_status"], want)
		}
	}
}

// A job whose planner's lease lapsed and that was then claimed, even by
// the planner itself, is no longer the planner's scheduler's to run: the
// claim runs it, once.
func TestClaimedJobIsNotTakenByItsPlanner(t *testing.T) {
	_, url := replicasAt(t, 1, mock.Options{})
	db := openDB(t, url)
	// Due long after the replica's clock (wall time), which claims what is
	// due: only this test's claims, at at, see it.
	at := time.Date(2190, 1, 2, 3, 4, 5, 0, time.UTC)
	j := pgstore.Job{ID: "test/claimed", Kind: "test", AppID: "2021000000000009", Due: at, Data: []byte("{}")}
	if put, err := db.PutJob(j, 0); err != nil || !put { // a lease that has lapsed already
		t.Fatalf("put: %v %v", put, err)
	}
	got, err := db.ClaimJobs(at, 10, time.Minute)
	if err != nil || len(got) != 1 || got[0].ID != j.ID {
		t.Fatalf("claimed %v, %v; want the job", got, err)
	}
	if mine, err := db.TakeJob(j.ID, time.Minute); err != nil || mine {
		t.Fatalf("the planner took a claimed job: %v %v", mine, err)
	}
	if err := db.DoneJob(j.ID); err != nil {
		t.Fatal(err)
	}
}

// TestReplicasJournalKeepsItsByteBound: the shared journal's bound on
// bytes (--journal-max-bytes), applied once a replica wrote a twentieth of
// it, holds for the table: 2 MiB of requests through two replicas leave at
// most 1 MiB of entries, the newest.
func TestReplicasJournalKeepsItsByteBound(t *testing.T) {
	const budget = 1 << 20
	rs := replicas(t, 2, mock.Options{Journal: journal.Options{MaxBytes: budget}})
	pad := strings.Repeat("A", 64<<10)
	const requests = 32 // 64 KiB each
	for i := 0; i < requests; i++ {
		rs[i%2].Call("alipay.trade.query", `{"out_trade_no":"JB`+strconv.Itoa(i)+`","pad":"`+pad+`"}`)
		if i%4 == 3 {
			// Paced: a writer more than its queue's bound (a quarter of
			// the journal's, at least 1 MiB) behind drops entries by
			// design, and on a loaded machine it can be.
			waitListed(t, rs[0], `"JB`+strconv.Itoa(i)+`"`)
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		var mem control.Memory
		rs[0].ControlJSON(http.MethodGet, "/memory", nil, http.StatusOK, &mem)
		last := 0 // of the two last requests, listed among the newest
		for _, e := range journalOf(rs[1], "limit=4") {
			if b := e.Params["biz_content"]; strings.Contains(b, `"JB30"`) || strings.Contains(b, `"JB31"`) {
				last++
			}
		}
		if last == 2 && mem.Journal.Bytes <= budget && mem.Journal.Entries >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the journal holds %d entries in %d bytes (bound %d); %d of the last two listed", mem.Journal.Entries, mem.Journal.Bytes, budget, last)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Whatever a request sends as app_id or method, and whatever a control
// request names, the shared journal keeps it and the store stays healthy:
// a NUL or invalid UTF-8, which no text column holds, once failed the
// whole batch it was written in and marked the replica failing.
func TestReplicasJournalTakesAnyAppIDAndMethod(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	for _, p := range []map[string]string{{"app_id": "\x00", "method": "alipay.trade.query"},
		{"app_id": "\xff\xfe", "method": "x\x00y"}} {
		if b := rs[0].Post(p); !strings.Contains(string(b), `"code"`) {
			t.Fatalf("answer to %q: %s", p, b)
		}
	}
	rs[0].Call("alipay.trade.query", `{"out_trade_no":"J-after"}`)
	all := waitJournal(t, rs[1], 3)
	if all[0].Params["biz_content"] != `{"out_trade_no":"J-after"}` || all[2].Params["app_id"] != "\x00" {
		t.Fatalf("entries: %+v", all)
	}
	rs[1].Control(http.MethodGet, "/journal?app_id=%00&method=x%00y", nil, http.StatusOK)
	rs[1].Control(http.MethodDelete, "/notifications?app_id=%00", nil, http.StatusBadRequest) // refused as read, in every mode
	rs[1].Control(http.MethodDelete, "/notifications?app_id="+strings.Repeat("9", 9000), nil, http.StatusOK)
	for _, r := range rs {
		var h struct {
			Status string `json:"status"`
		}
		r.ControlJSON(http.MethodGet, "/health", nil, http.StatusOK, &h)
		if h.Status != "ok" {
			t.Fatalf("health: %+v", h)
		}
	}
}

// When the database fails, the journal's reads say so: the control API
// answers 503 with its error body, the dashboard an error page (and its
// overview the error in place of the counts), never an empty journal, as
// if nothing had been recorded.
func TestReplicasJournalReadsReportAFailingDatabase(t *testing.T) {
	rs, url := replicasAt(t, 1, mock.Options{})
	m := rs[0]
	m.Call("alipay.trade.query", `{"out_trade_no":"JF1"}`)
	id := waitJournal(t, m, 1)[0].ID
	// Break the journal's table under the running mock, then mend it.
	ctx := context.Background()
	conn := pgtest.Conn(t, url)
	if _, err := conn.Exec(ctx, `ALTER TABLE alipay_mock_journal RENAME TO alipay_mock_journal_away`); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/journal", "/journal?failed=true", "/journal/" + strconv.Itoa(id), "/memory"} {
		var e control.Error
		m.ControlJSON(http.MethodGet, path, nil, http.StatusServiceUnavailable, &e)
		if !strings.Contains(e.Error, "journal could not be read") || !strings.Contains(e.Error, "alipay_mock_journal") {
			t.Errorf("GET /_mock%s: error %q, want the store's failure", path, e.Error)
		}
	}
	for _, path := range []string{"/ui/journal", "/ui/journal/" + strconv.Itoa(id)} {
		if page := string(m.Control(http.MethodGet, path, nil, http.StatusServiceUnavailable)); !strings.Contains(page, "journal could not be read") {
			t.Errorf("GET /_mock%s: the page does not say the journal could not be read:\n%s", path, page)
		}
	}
	if page := string(m.Control(http.MethodGet, "/ui", nil, http.StatusOK)); !strings.Contains(page, `id="journal-error"`) || strings.Contains(page, `id="journal-total"`) {
		t.Errorf("the overview does not show the journal's failure in place of its counts")
	}
	// A clear the database failed says so (the entry is still listed below).
	m.Control(http.MethodDelete, "/journal", nil, http.StatusServiceUnavailable)
	if _, err := conn.Exec(ctx, `ALTER TABLE alipay_mock_journal_away RENAME TO alipay_mock_journal`); err != nil {
		t.Fatal(err)
	}
	if list := journalOf(m, ""); len(list) != 1 || list[0].ID != id {
		t.Fatalf("after the database mended, the journal lists %+v", list)
	}
	// Mended, the same clear answers 200 and clears.
	m.Control(http.MethodDelete, "/journal", nil, http.StatusOK)
	if list := journalOf(m, ""); len(list) != 0 {
		t.Fatalf("after a clear that worked, the journal lists %+v", list)
	}
}

// A policy stored through one replica's gateway applies to a notification
// another replica queues for a gateway request at once: no control-API
// request (which catches up on what other replicas announced) comes
// between. The replica storing it waits until every other replica heard.
func TestReplicasApplyAPolicyStoredOnAnotherReplicaToItsGatewayRequests(t *testing.T) {
	merchant := mocktest.NewMerchant(t, "success")
	rs := replicas(t, 2, mock.Options{})
	rs[0].Control(http.MethodPost, "/scenarios?name=quiet",
		"rules:\n  - name: r\n    when: {method: alipay.trade.create, biz: {out_trade_no: PG1}}\n    then: {notify: {suppress: true}, buyer: {pay_after_queries: 1}}\n", http.StatusCreated)
	r, err := try(rs[0], "alipay.trade.create", `{"out_trade_no":"PG1","total_amount":"1.00","subject":"s","buyer_id":"2088102146225135"}`,
		func(p map[string]string) { p["notify_url"] = merchant.URL })
	if err != nil || !ok(r) {
		t.Fatalf("create: %v %v", r, err)
	}
	// The buyer pays on replica B's second query, and B queues the notification.
	for i := 0; i < 2; i++ {
		if q := rs[1].Call("alipay.trade.query", `{"out_trade_no":"PG1"}`); q["code"] != "10000" {
			t.Fatalf("query: %v", q)
		}
	}
	got := rs[1].WaitNotifications(notify.Filter{OutTradeNo: "PG1"}, 1)
	if got[0].State != notify.Suppressed {
		t.Fatalf("the policy stored on replica A did not hold on replica B's gateway request: %+v", got[0])
	}
}

// While no scenario policy is stored, a notification costs no read of
// the policies; once one is, they are read, and after a reset not again.
func TestReplicasReadNoPolicyWhileNoneIsStored(t *testing.T) {
	merchant := mocktest.NewMerchant(t, "success")
	rs := replicas(t, 2, mock.Options{})
	precreate := func(out string) {
		t.Helper()
		r, err := try(rs[0], "alipay.trade.precreate", `{"out_trade_no":"`+out+`","total_amount":"1.00","subject":"s"}`,
			func(p map[string]string) { p["notify_url"] = merchant.URL })
		if err != nil || !ok(r) {
			t.Fatalf("precreate %s: %v %v", out, r, err)
		}
	}
	pgstore.PolicyReads()
	for i, m := range []*mocktest.Mock{rs[0], rs[1], rs[1]} {
		out := "NP" + strconv.Itoa(i)
		precreate(out)
		m.Control(http.MethodPost, "/trades/"+out+"/pay", nil, http.StatusOK)
		m.WaitNotifications(notify.Filter{OutTradeNo: out}, 1)
	}
	if n := pgstore.PolicyReads(); n != 0 {
		t.Fatalf("%d policy reads for 3 notifications with no policy stored", n)
	}
	rs[0].Control(http.MethodPost, "/scenarios?name=quiet",
		"rules:\n  - name: r\n    when: {method: alipay.trade.precreate, biz: {out_trade_no: NPQ}}\n    then: {notify: {suppress: true}}\n", http.StatusCreated)
	precreate("NPQ")
	rs[1].Control(http.MethodPost, "/trades/NPQ/pay", nil, http.StatusOK)
	if got := rs[1].WaitNotifications(notify.Filter{OutTradeNo: "NPQ"}, 1); got[0].State != notify.Suppressed {
		t.Fatalf("the scenario's suppress did not hold: %+v", got[0])
	}
	if n := pgstore.PolicyReads(); n == 0 {
		t.Fatal("no policy read while a policy is stored")
	}
	rs[0].Control(http.MethodPost, "/reset", nil, http.StatusOK)
	for i, m := range []*mocktest.Mock{rs[0], rs[1]} {
		out := "NR" + strconv.Itoa(i)
		precreate(out)
		m.Control(http.MethodPost, "/trades/"+out+"/pay", nil, http.StatusOK)
		m.WaitNotifications(notify.Filter{OutTradeNo: out}, 1)
	}
	if n := pgstore.PolicyReads(); n != 0 {
		t.Fatalf("%d policy reads after a reset deleted every policy", n)
	}
}

// A replica storing a policy goes on only once every replica that knew of
// none let go of the lock it held for that belief: here a replica that
// never hears (the test's own connection holding the lock shared) holds
// the request up until it lets go.
func TestReplicaStoringAPolicyWaitsForEveryReplicaToHear(t *testing.T) {
	rs, url := replicasAt(t, 1, mock.Options{})
	ctx := context.Background()
	deaf := pgtest.Conn(t, url)
	if _, err := deaf.Exec(ctx, `SELECT pg_advisory_lock_shared(7262865)`); err != nil {
		t.Fatal(err)
	}
	rs[0].Control(http.MethodPost, "/scenarios?name=quiet",
		"rules:\n  - name: r\n    when: {method: alipay.trade.precreate, biz: {out_trade_no: PW1}}\n    then: {notify: {suppress: true}}\n", http.StatusCreated)
	answered := make(chan error, 1)
	go func() {
		_, err := try(rs[0], "alipay.trade.precreate", `{"out_trade_no":"PW1","total_amount":"1.00","subject":"s"}`, nil)
		answered <- err
	}()
	// The request waits for the lock (PostgreSQL lists it waiting) and has not answered.
	deadline := time.Now().Add(mocktest.Timeout)
	for {
		var waiting int
		if err := deaf.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 7262865 AND NOT granted`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		select {
		case err := <-answered:
			t.Fatalf("the request that stored a policy answered (%v) while a replica that knew of none had not heard", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the request that stored a policy never waited for the lock")
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case err := <-answered:
		t.Fatalf("the request answered (%v) while it waited for the lock", err)
	default:
	}
	if _, err := deaf.Exec(ctx, `SELECT pg_advisory_unlock_shared(7262865)`); err != nil {
		t.Fatal(err)
	}
	if err := <-answered; err != nil {
		t.Fatal(err)
	}
}

// The journal's count of bytes follows every write, trim and clear, on
// every replica, so the bound on bytes reads the whole table only when it
// is exceeded (summing every entry's size at each trim cost the database
// more than writing the entries); a start makes the count again from the
// table, as a database written by an older build has none.
func TestReplicasJournalCountsItsBytes(t *testing.T) {
	const budget = 1 << 20
	rs, url := replicasAt(t, 2, mock.Options{Journal: journal.Options{MaxEntries: 30, MaxBytes: budget}})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn := pgtest.Conn(t, url)
	check := func(when string) {
		t.Helper()
		if counted, stored := journalCounts(t, ctx, conn); counted != stored {
			t.Fatalf("%s: %d bytes counted, %d stored", when, counted, stored)
		}
	}
	pgstore.JournalByteTrims()
	for i := 0; i < 80; i++ { // small entries: trimmed by count only
		app := ""
		if i%3 == 0 {
			app = "2021000000000009" // an app of its own, cleared below
		}
		rs[i%2].Post(rs[i%2].Params("alipay.trade.query", `{"out_trade_no":"JC`+strconv.Itoa(i)+`"}`, func(p map[string]string) {
			if app != "" {
				p["app_id"] = app // unknown: refused, and journaled
			}
		}))
	}
	waitJournal(t, rs[0], 30)
	check("after trims by count")
	if n := pgstore.JournalByteTrims(); n != 0 {
		t.Fatalf("%d trims summed every size while the journal held far less than its bound", n)
	}
	rs[1].Control(http.MethodDelete, "/journal?app_id=2021000000000009", nil, http.StatusOK)
	check("after one app's entries were cleared")
	pad := strings.Repeat("A", 64<<10)
	for i := 0; i < 24; i++ { // 1.5 MiB: over the bound
		rs[i%2].Call("alipay.trade.query", `{"out_trade_no":"JB`+strconv.Itoa(i)+`","pad":"`+pad+`"}`)
		if i%4 == 3 {
			waitListed(t, rs[0], `"JB`+strconv.Itoa(i)+`"`) // paced, as in TestReplicasJournalKeepsItsByteBound
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		var stored int64
		if err := conn.QueryRow(ctx, `SELECT coalesce(sum(size), 0) FROM alipay_mock_journal`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		// The last request is among the four made since the last pace
		// (JB20–JB23): two replicas write in their own time, each in
		// batches, so JB20 and JB22 may land after JB21 and JB23.
		last := false
		for _, e := range journalOf(rs[0], "limit=4") {
			last = last || strings.Contains(e.Params["biz_content"], `"JB23"`)
		}
		if stored <= budget && last {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the journal holds %d bytes (bound %d)", stored, budget)
		}
		time.Sleep(20 * time.Millisecond)
	}
	check("after trims by bytes")
	if n := pgstore.JournalByteTrims(); n == 0 {
		t.Fatal("no trim by bytes")
	}
	// A count left wrong (an older build beside this one writes and trims
	// without counting) is mended: too high, by the first trim; below zero
	// too; too low, within a few hundred trims.
	for _, wrong := range []string{"n + 1000000000", "-1", "n - 1"} {
		if _, err := conn.Exec(ctx, `UPDATE alipay_mock_counts SET n = `+wrong+` WHERE kind = 'journal'`); err != nil {
			t.Fatal(err)
		}
		for i := 0; ; i++ {
			rs[0].Call("alipay.trade.query", `{"out_trade_no":"JR`+strconv.Itoa(i)+`"}`)
			counted, stored := journalCounts(t, ctx, conn)
			if counted == stored {
				break
			}
			if i == 12*pgstore.RecountEvery {
				t.Fatalf("a count set to %s: %d bytes counted, %d stored after %d requests", wrong, counted, stored, i)
			}
		}
	}
	if _, err := conn.Exec(ctx, `DELETE FROM alipay_mock_counts WHERE kind = 'journal'`); err != nil {
		t.Fatal(err)
	}
	mocktest.New(t, mock.Options{Store: url})
	check("after a start on a database with no count")
}

// journalCounts is the journal's count of bytes and the sum of its
// entries' sizes.
func journalCounts(t *testing.T, ctx context.Context, conn *pgx.Conn) (counted, stored int64) {
	t.Helper()
	if err := conn.QueryRow(ctx, `SELECT (SELECT coalesce(sum(n), 0) FROM alipay_mock_counts WHERE kind = 'journal'),
		(SELECT coalesce(sum(size), 0) FROM alipay_mock_journal)`).Scan(&counted, &stored); err != nil {
		t.Fatal(err)
	}
	return counted, stored
}

// waitListed waits until m's journal lists, among its newest entries, one
// whose biz_content contains text.
func waitListed(t *testing.T, m *mocktest.Mock, text string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		for _, e := range journalOf(m, "limit=4") {
			if strings.Contains(e.Params["biz_content"], text) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the journal does not list %s", text)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A trim by count reads only the ids above where the replica last cut;
// an entry that is below a cut when it commits (another replica's, written
// late) still goes, at the latest at the trim that reads them all.
func TestJournalTrimsAnEntryCommittedBelowItsCut(t *testing.T) {
	url := pgURL(t)
	db := openDB(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn := pgtest.Conn(t, url)
	j := db.Journal()
	o := journal.Options{MaxEntries: 5}
	stored := func() (n, low int) {
		t.Helper()
		if err := conn.QueryRow(ctx, `SELECT count(*), coalesce(min(id), 0) FROM alipay_mock_journal`).Scan(&n, &low); err != nil {
			t.Fatal(err)
		}
		return n, low
	}
	add := func() {
		t.Helper()
		if err := j.AppendJournal([]journal.Entry{{HTTPMethod: "POST", Method: "alipay.trade.query", AppID: "2021000000000001"}}); err != nil {
			t.Fatal(err)
		}
		if err := j.TrimJournal(o); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 20; i++ {
		add()
		if n, _ := stored(); n > 5 {
			t.Fatalf("%d entries kept, bound 5", n)
		}
	}
	// id 1 went long ago: an entry with it is below every cut. It is
	// counted, as a replica's write counts its entries.
	if _, err := conn.Exec(ctx, `WITH d AS (INSERT INTO alipay_mock_journal (id, app_id, method, failed, size, data)
		SELECT 1, app_id, method, failed, size, data FROM alipay_mock_journal ORDER BY id DESC LIMIT 1 RETURNING size)
		UPDATE alipay_mock_counts SET n = n + (SELECT size FROM d) WHERE kind = 'journal' AND shard = 0`); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		add()
		if counted, bytes := journalCounts(t, ctx, conn); counted != bytes {
			t.Fatalf("after trim %d: %d bytes counted, %d stored", i, counted, bytes)
		}
		n, low := stored()
		if low != 1 {
			if n != 5 {
				t.Fatalf("%d entries kept, bound 5", n)
			}
			break
		}
		if i == pgstore.RecountEvery {
			t.Fatalf("an entry below the cut is kept after %d trims", i)
		}
	}
}
