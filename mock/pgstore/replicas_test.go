package pgstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/appauth"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/pgstore"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// replicas starts n mocks on one new database, each on its own port (and
// each on a manual clock at mocktest.Epoch: the first one's becomes the
// shared clock).
func replicas(t *testing.T, n int, opts mock.Options) []*mocktest.Mock {
	t.Helper()
	rs, _ := replicasAt(t, n, opts)
	return rs
}

func replicasAt(t *testing.T, n int, opts mock.Options) ([]*mocktest.Mock, string) {
	t.Helper()
	url := pgURL(t)
	out := make([]*mocktest.Mock, n)
	for i := range out {
		o := opts
		o.Store = url
		out[i] = mocktest.New(t, o)
	}
	return out, url
}

// clocksRead waits until every replica's clock reads want: a change made
// on one replica reaches the others through an announcement.
func clocksRead(t *testing.T, rs []*mocktest.Mock, want time.Time) {
	t.Helper()
	for i, r := range rs {
		for {
			moved := r.Clock.Moved()
			if r.Clock.Now().Equal(want) {
				break
			}
			select {
			case <-moved:
			case <-time.After(mocktest.Timeout):
				t.Fatalf("replica %d reads %v, want %v", i, r.Clock.Now(), want)
			}
		}
	}
}

func pgURL(t testing.TB) string {
	t.Helper()
	return pgtest.URL(t)
}

// openDB opens the store at url as a replica does, closed when the test
// ends.
func openDB(t testing.TB, url string) *pgstore.DB {
	t.Helper()
	db, err := pgstore.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// try is a signed gateway call for goroutines: it returns an error instead
// of failing the test.
func try(m *mocktest.Mock, method, biz string, edit func(map[string]string)) (map[string]any, error) {
	resp, err := http.PostForm(m.URL+"/gateway.do", mocktest.Form(m.Params(method, biz, edit)))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, body)
	}
	r, err := sign.ParseResponse(body, method)
	if err != nil {
		return nil, fmt.Errorf("%v in %s", err, body)
	}
	if r.Sign == "" || sign.Verify(m.Srv.AlipayPublicKey(), sign.RSA2, r.Raw, r.Sign) != nil {
		return nil, fmt.Errorf("unsigned or badly signed answer: %s", body)
	}
	var out map[string]any
	return out, json.Unmarshal(r.Raw, &out)
}

// roundRobin makes n calls at once, call i on replica i mod len(rs), and
// returns the answers in order.
func roundRobin(t *testing.T, rs []*mocktest.Mock, n int, method string, biz func(i int) string) []map[string]any {
	t.Helper()
	out := make([]map[string]any, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			out[i], errs[i] = try(rs[i%len(rs)], method, biz(i), nil)
		}(i)
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s call %d: %v", method, i, err)
		}
	}
	return out
}

func count(ms []map[string]any, f func(map[string]any) bool) int {
	n := 0
	for _, m := range ms {
		if f(m) {
			n++
		}
	}
	return n
}

func ok(m map[string]any) bool { return m["code"] == "10000" }

func TestReplicasActAsOneMock(t *testing.T) {
	rs := replicas(t, 3, mock.Options{})
	// Made on one, seen, paid and refunded on the others.
	if pre := rs[0].Call("alipay.trade.precreate", `{"out_trade_no":"R1","total_amount":"9.00","subject":"s"}`); !ok(pre) {
		t.Fatalf("precreate: %v", pre)
	}
	rs[1].Control(http.MethodPost, "/trades/R1/pay", nil, http.StatusOK)
	q := rs[2].Call("alipay.trade.query", `{"out_trade_no":"R1"}`)
	no, _ := q["trade_no"].(string)
	if q["trade_status"] != "TRADE_SUCCESS" || no == "" {
		t.Fatalf("query on another replica: %v", q)
	}
	if r := rs[0].Call("alipay.trade.refund", `{"out_trade_no":"R1","refund_amount":"9.00","out_request_no":"a"}`); !ok(r) {
		t.Fatalf("refund: %v", r)
	}
	if q := rs[1].Call("alipay.trade.query", `{"trade_no":"`+no+`"}`); q["trade_status"] != "TRADE_CLOSED" {
		t.Fatalf("after a full refund on another replica: %v", q)
	}
}

func TestReplicasOneTradePerOutTradeNo(t *testing.T) {
	rs := replicas(t, 3, mock.Options{})
	got := roundRobin(t, rs, 30, "alipay.trade.precreate", func(int) string {
		return `{"out_trade_no":"DUP","total_amount":"1.00","subject":"s"}`
	})
	nos := map[any]int{}
	for _, m := range got {
		if !ok(m) {
			t.Fatalf("a repeat of the same order failed: %v", m)
		}
		nos[m["trade_no"]]++
	}
	if len(nos) != 1 {
		t.Fatalf("one out_trade_no made %d trades: %v", len(nos), nos)
	}
	// Another order under the same number is refused on every replica.
	got = roundRobin(t, rs, 6, "alipay.trade.precreate", func(int) string {
		return `{"out_trade_no":"DUP","total_amount":"2.00","subject":"s"}`
	})
	if n := count(got, ok); n != 0 {
		t.Fatalf("%d replicas took a different order under a used out_trade_no", n)
	}
}

func pay(t *testing.T, m *mocktest.Mock, out, total string) {
	t.Helper()
	r := m.Call("alipay.trade.pay", `{"out_trade_no":"`+out+`","scene":"bar_code","auth_code":"283912345678901234","total_amount":"`+total+`","subject":"s"}`)
	if !ok(r) {
		t.Fatalf("pay: %v", r)
	}
}

func TestReplicasNeverOverRefund(t *testing.T) {
	rs := replicas(t, 3, mock.Options{})
	pay(t, rs[0], "OVER", "100.00")
	got := roundRobin(t, rs, 30, "alipay.trade.refund", func(i int) string {
		return fmt.Sprintf(`{"out_trade_no":"OVER","refund_amount":"10.00","out_request_no":"r%d"}`, i)
	})
	if n := count(got, ok); n != 10 {
		t.Fatalf("%d refunds of 10.00 on a 100.00 trade succeeded, want 10", n)
	}
	for _, m := range got {
		if !ok(m) && m["sub_code"] != "ACQ.TRADE_STATUS_ERROR" && m["sub_code"] != "ACQ.REFUND_AMOUNT_EXCEED" {
			t.Fatalf("refused with %v", m)
		}
	}
	for _, r := range rs {
		q := r.Call("alipay.trade.fastpay.refund.query", `{"out_trade_no":"OVER","out_request_no":"r0"}`)
		if !ok(q) {
			t.Fatalf("refund query: %v", q)
		}
		if q := r.Call("alipay.trade.query", `{"out_trade_no":"OVER"}`); q["trade_status"] != "TRADE_CLOSED" {
			t.Fatalf("fully refunded trade: %v", q)
		}
	}
}

func TestReplicasRefundIsIdempotent(t *testing.T) {
	rs := replicas(t, 3, mock.Options{})
	pay(t, rs[1], "IDEM", "50.00")
	got := roundRobin(t, rs, 24, "alipay.trade.refund", func(int) string {
		return `{"out_trade_no":"IDEM","refund_amount":"5.00","out_request_no":"same"}`
	})
	if n := count(got, ok); n != 24 {
		t.Fatalf("%d of 24 repeats of one refund succeeded: %v", n, got)
	}
	if n := count(got, func(m map[string]any) bool { return m["fund_change"] == "Y" }); n != 1 {
		t.Fatalf("%d repeats moved money, want 1", n)
	}
	q := rs[2].Call("alipay.trade.refund", `{"out_trade_no":"IDEM","refund_amount":"45.00","out_request_no":"rest"}`)
	if !ok(q) || q["refund_fee"] != "50.00" {
		t.Fatalf("the rest after one 5.00 refund: %v", q)
	}
}

func TestReplicasShareTheClock(t *testing.T) {
	rs := replicas(t, 3, mock.Options{})
	rs[1].Advance("90m")
	want := mocktest.Epoch.Add(90 * time.Minute)
	clocksRead(t, rs, want)
	// A deadline judged on the shared clock: an unpaid trade made on one
	// replica expires for the others after an advance on a third.
	rs[0].Call("alipay.trade.create", `{"out_trade_no":"EXP","total_amount":"1.00","subject":"s","buyer_id":"2088102177846880","timeout_express":"5m"}`)
	rs[2].Advance("6m")
	clocksRead(t, rs[1:2], want.Add(6*time.Minute))
	if q := rs[1].Call("alipay.trade.query", `{"out_trade_no":"EXP"}`); q["trade_status"] != "TRADE_CLOSED" {
		t.Fatalf("expired trade: %v", q)
	}
}

func TestReplicasDeliverEachNotificationOnce(t *testing.T) {
	merchant := mocktest.NewMerchant(t, "fail")
	rs, url := replicasAt(t, 3, mock.Options{})
	const n = 12
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r, err := try(rs[i%3], "alipay.trade.pay", fmt.Sprintf(`{"out_trade_no":"N%d","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`, i),
				func(p map[string]string) { p["notify_url"] = merchant.URL })
			if err == nil && !ok(r) {
				err = fmt.Errorf("%v", r)
			}
			errs[i] = err
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// Every attempt fails: n first attempts, then n second ones 4 minutes
	// later on the shared clock, each made by one replica.
	waitCalls(t, merchant, n)
	waitIdle(t, url, n)
	rs[2].Advance("4m")
	waitCalls(t, merchant, 2*n)
	waitIdle(t, url, n)
	per := map[string]int{}
	for _, c := range merchant.Calls() {
		per[c.Form.Get("out_trade_no")]++
	}
	if len(per) != n {
		t.Fatalf("notified %d trades, want %d: %v", len(per), n, per)
	}
	for out, k := range per {
		if k != 2 {
			// Which attempt went twice: each call's notify_time is its attempt's.
			var sent []string
			for _, c := range merchant.Calls() {
				if c.Form.Get("out_trade_no") == out {
					sent = append(sent, c.Form.Get("notify_time")+" "+c.Form.Get("notify_id"))
				}
			}
			t.Fatalf("%s was sent %d times, want 2 (one per attempt): %v; its calls: %q", out, k, per, sent)
		}
	}
	// Every replica's outbox (its lists and long polls) shows every
	// notification with both attempts, whichever replica made them.
	for i, r := range rs {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		outbox := r.Srv.Notifier.Outbox()
		var list []notify.Notification
		done := outbox.WaitFunc(ctx, func() bool {
			list = outbox.List(notify.Filter{})
			if len(list) != n {
				return false
			}
			for _, nf := range list {
				if len(nf.Attempts) != 2 {
					return false
				}
			}
			return true
		})
		cancel()
		if !done {
			t.Fatalf("replica %d lists %d notifications: %+v", i, len(list), list)
		}
	}
}

// waitIdle waits until the database holds n pending notifications, none of
// them leased or due before its second attempt: every attempt made so far
// is written back.
func waitIdle(t *testing.T, url string, n int) {
	t.Helper()
	ctx := context.Background()
	conn := pgtest.Conn(t, url)
	deadline := time.Now().Add(15 * time.Second)
	for {
		var idle int
		err := conn.QueryRow(ctx, `SELECT count(*) FROM alipay_mock_notifications
			WHERE state = 'pending' AND lease_owner IS NULL AND next_at IS NOT NULL`).Scan(&idle)
		if err != nil {
			t.Fatal(err)
		}
		if idle == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d idle pending notifications, want %d", idle, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitCalls waits until the merchant got at least n requests.
func waitCalls(t *testing.T, m *mocktest.Merchant, n int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for len(m.Calls()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("merchant got %d requests, want %d", len(m.Calls()), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestReplicasShareAppsAndAuthorisations(t *testing.T) {
	rs, url := replicasAt(t, 3, mock.Options{})
	// An app registered on one replica is known to the others.
	pem := string(keys.PublicPEM(&keys.DevAppPrivateKey().PublicKey))
	const app = "2021000000000042"
	rs[0].Control(http.MethodPost, "/apps", map[string]string{"app_id": app, "public_key": pem, "sign_type": "RSA2"}, http.StatusCreated)
	deadline := time.Now().Add(10 * time.Second)
	for _, r := range rs {
		for {
			if _, ok := r.Srv.Apps.Get(app); ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the app registered on one replica is unknown to another")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	q, err := try(rs[2], "alipay.trade.query", `{"out_trade_no":"nothing"}`, func(p map[string]string) { p["app_id"] = app })
	if err != nil || q["sub_code"] != "ACQ.TRADE_NOT_EXIST" {
		t.Fatalf("the new app on another replica: %v %v", q, err)
	}
	seller := rs[0].Srv.Apps.All()
	for _, r := range rs[1:] {
		for i, a := range r.Srv.Apps.All() {
			if a.AppID != seller[i].AppID || a.Seller != seller[i].Seller {
				t.Fatalf("replicas disagree on app %s: %+v and %+v", a.AppID, a.Seller, seller[i].Seller)
			}
		}
	}

	// An app_auth_code made on one replica is spent once, whichever
	// replicas race to exchange it, and the token works on every replica.
	var code struct {
		Code string `json:"app_auth_code"`
	}
	rs[0].ControlJSON(http.MethodPost, "/app-auth-codes", map[string]string{"app_id": keys.DevAppID}, http.StatusCreated, &code)
	got := roundRobin(t, rs, 12, "alipay.open.auth.token.app", func(int) string {
		return `{"grant_type":"authorization_code","code":"` + code.Code + `"}`
	})
	var token, refresh string
	for _, m := range got {
		if ok(m) {
			if token != "" {
				t.Fatalf("one app_auth_code exchanged twice: %v", got)
			}
			token, _ = m["app_auth_token"].(string)
			refresh, _ = m["app_refresh_token"].(string)
		} else if m["sub_code"] != "AUTH_CODE_NOT_VALID" {
			t.Fatalf("a losing exchange: %v", m)
		}
	}
	if token == "" {
		t.Fatalf("no exchange succeeded: %v", got)
	}
	for _, r := range rs {
		q, err := try(r, "alipay.trade.query", `{"out_trade_no":"nothing"}`, func(p map[string]string) { p["app_auth_token"] = token })
		if err != nil || q["sub_code"] != "ACQ.TRADE_NOT_EXIST" {
			t.Fatalf("the token on a replica: %v %v", q, err)
		}
	}
	// Its refresh token works for every replica that races to use it
	// (each use a new pair: a lost answer's retry), and the tokens it
	// replaced are kept while their refresh tokens work.
	got = roundRobin(t, rs, 12, "alipay.open.auth.token.app", func(int) string {
		return `{"grant_type":"refresh_token","refresh_token":"` + refresh + `"}`
	})
	if n := count(got, ok); n != 12 {
		t.Fatalf("one app_refresh_token used %d times of 12: %v", n, got)
	}
	// Ten minutes on, the first token is past its grace on every replica;
	// its refresh token still works.
	rs[0].Advance("10m")
	for i, r := range rs {
		r.Control(http.MethodGet, "/clock", nil, http.StatusOK) // a control call waits for the clock's announcement
		q, err := try(r, "alipay.trade.query", `{"out_trade_no":"nothing"}`, func(p map[string]string) { p["app_auth_token"] = token })
		if err != nil || q["sub_code"] != "aop.invalid-app-auth-token" {
			t.Fatalf("replica %d: the token past its grace: %v %v", i, q, err)
		}
	}
	if m := rs[1].Call("alipay.open.auth.token.app", `{"grant_type":"refresh_token","refresh_token":"`+refresh+`"}`); !ok(m) {
		t.Fatalf("refresh: %v", m)
	}
	ctx := context.Background()
	conn := pgtest.Conn(t, url)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM alipay_mock_kv WHERE kind = $1 AND k LIKE 'token/%'`, pgstore.KindAppAuth).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 14 {
		t.Errorf("the database keeps %d tokens, want 14 (the first, 12 from the race, the last)", n)
	}
}

// Tokens past their end (their refresh token's term and
// appauth.ExpiredKept) go from the database wherever they stand: an older
// token still in use does not hold them.
func TestReplicasDropDeadTokensBehindALiveOne(t *testing.T) {
	rs, url := replicasAt(t, 2, mock.Options{})
	exchange := func() (token, refresh string) {
		t.Helper()
		var code struct {
			Code string `json:"app_auth_code"`
		}
		rs[0].ControlJSON(http.MethodPost, "/app-auth-codes", map[string]string{"app_id": keys.DevAppID}, http.StatusCreated, &code)
		m := rs[0].Call("alipay.open.auth.token.app", `{"grant_type":"authorization_code","code":"`+code.Code+`"}`)
		if !ok(m) {
			t.Fatalf("exchange: %v", m)
		}
		return m["app_auth_token"].(string), m["app_refresh_token"].(string)
	}
	keeper, _ := exchange()
	_, refresh := exchange()
	for i := 0; i < 6; i++ {
		m := rs[i%2].Call("alipay.open.auth.token.app", `{"grant_type":"refresh_token","refresh_token":"`+refresh+`"}`)
		if !ok(m) {
			t.Fatalf("refresh %d: %v", i, m)
		}
		refresh = m["app_refresh_token"].(string)
	}
	ctx := context.Background()
	conn := pgtest.Conn(t, url)
	stored := func() int {
		t.Helper()
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM alipay_mock_kv WHERE kind = $1 AND k LIKE 'token/%'`, pgstore.KindAppAuth).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := stored(); n != 8 {
		t.Fatalf("the database keeps %d tokens within the grace, want 8", n)
	}
	rs[0].Advance(strconv.Itoa(int((appauth.RefreshLifetime + appauth.ExpiredKept).Hours())) + "h")
	var mem struct {
		Tokens struct{ Count int } `json:"app_auth_tokens"`
	}
	rs[0].ControlJSON(http.MethodGet, "/memory", nil, http.StatusOK, &mem)
	if mem.Tokens.Count != 2 || stored() != 2 {
		t.Fatalf("past the refresh terms: %d tokens in memory, %d in the database; want 2 (the oldest and the last)", mem.Tokens.Count, stored())
	}
	rs[1].Control(http.MethodGet, "/clock", nil, http.StatusOK) // a control call waits for the clock's announcement: the request is signed at the advanced time
	q, err := try(rs[1], "alipay.trade.query", `{"out_trade_no":"nothing"}`, func(p map[string]string) { p["app_auth_token"] = keeper })
	if err != nil || q["sub_code"] != "ACQ.TRADE_NOT_EXIST" {
		t.Fatalf("the oldest token on the other replica: %v %v", q, err)
	}
}

func TestReplicasRedPacketNeverPaysOutMoreThanItHolds(t *testing.T) {
	rs := replicas(t, 3, mock.Options{FundPublicKey: true})
	m := rs[0].Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"RP","out_request_no":"RP-pay","order_title":"红包","amount":"100.00","payer_user_id":"2088102000000001"}`)
	authNo, _ := m["auth_no"].(string)
	if !ok(m) || authNo == "" {
		t.Fatalf("red packet: %v", m)
	}
	got := roundRobin(t, rs, 24, "alipay.fund.coupon.order.disburse", func(i int) string {
		return fmt.Sprintf(`{"out_order_no":"RP-C%d","out_request_no":"1","deduct_auth_no":"%s","amount":"9.00","payee_user_id":"2088102000000101"}`, i, authNo)
	})
	if n := count(got, ok); n != 11 {
		t.Fatalf("%d claims of 9.00 paid out of a 100.00 packet, want 11", n)
	}
	// The rest, 1.00, refunded by one out_request_no repeated on every
	// replica: one refund.
	got = roundRobin(t, rs, 6, "alipay.fund.coupon.order.refund", func(int) string {
		return `{"auth_no":"` + authNo + `","out_request_no":"back","amount":"1.00"}`
	})
	ops := map[any]bool{}
	for _, m := range got {
		if !ok(m) {
			t.Fatalf("a repeat of one refund: %v", m)
		}
		ops[m["operation_id"]] = true
	}
	if len(ops) != 1 {
		t.Fatalf("one out_request_no made %d refunds", len(ops))
	}
	var p map[string]any
	rs[2].ControlJSON(http.MethodGet, "/red-packets/"+authNo, nil, http.StatusOK, &p)
	if p["rest_amount"] != "0.00" || p["status"] != "FINISH" {
		t.Fatalf("the emptied packet on another replica: %v", p)
	}
}

// The bound on one red packet's claims holds across replicas racing for
// it, and the row --store keeps is the bounded packet.
func TestReplicasRedPacketStaysBounded(t *testing.T) {
	rs, url := replicasAt(t, 3, mock.Options{FundPublicKey: true})
	m := rs[0].Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"RPB","out_request_no":"RPB-pay","order_title":"红包","amount":"100.00","payer_user_id":"2088102000000001"}`)
	authNo, _ := m["auth_no"].(string)
	if !ok(m) || authNo == "" {
		t.Fatalf("red packet: %v", m)
	}
	const over = 12
	got := roundRobin(t, rs, coupon.MaxClaims+over, "alipay.fund.coupon.order.disburse", func(i int) string {
		return fmt.Sprintf(`{"out_order_no":"RPB-C%d","out_request_no":"1","deduct_auth_no":"%s","amount":"0.01","payee_user_id":"2088102000000101"}`, i, authNo)
	})
	refused := count(got, func(m map[string]any) bool { return m["sub_code"] == "INVALID_PARAMETER" })
	if n := count(got, ok); n != coupon.MaxClaims || refused != over {
		t.Fatalf("%d claims paid and %d refused of %d, want %d and %d", n, refused, len(got), coupon.MaxClaims, over)
	}
	ctx := context.Background()
	conn := pgtest.Conn(t, url)
	var data []byte
	if err := conn.QueryRow(ctx, `SELECT data FROM alipay_mock_red_packets WHERE auth_no = $1`, authNo).Scan(&data); err != nil {
		t.Fatal(err)
	}
	o, err := coupon.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	claimed := 0
	for _, e := range o.History {
		if e.Type == coupon.EventClaimed {
			claimed++
		}
	}
	if claimed != coupon.MaxClaims || o.Rest != amount.MustParse("99.00") {
		t.Fatalf("the stored packet: %d claims, rest %s; want %d, 99.00", claimed, o.Rest, coupon.MaxClaims)
	}
}

func TestReplicasShareScenarios(t *testing.T) {
	rs := replicas(t, 3, mock.Options{})
	pay(t, rs[0], "SC", "1.00")
	// A rule that acts twice, added on one replica: twice in all, whichever
	// replicas the calls reach.
	rs[1].Control(http.MethodPost, "/scenarios?name=twice",
		"rules:\n  - name: r\n    when: {method: alipay.trade.query}\n    then: {respond: {code: \"20000\"}}\n    times: 2\n", http.StatusCreated)
	deadline := time.Now().Add(10 * time.Second)
	for _, r := range rs {
		for len(r.Srv.Scenarios.List()[""]) < 2 { // the magic amounts and this one
			if time.Now().After(deadline) {
				t.Fatal("a replica did not take up the scenario")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	got := roundRobin(t, rs, 9, "alipay.trade.query", func(int) string { return `{"out_trade_no":"SC"}` })
	if n := count(got, func(m map[string]any) bool { return m["code"] == "20000" }); n != 2 {
		t.Fatalf("a rule with times: 2 acted %d times across replicas", n)
	}
	if n := count(got, ok); n != 7 {
		t.Fatalf("%d real answers after the rule was used up, want 7", n)
	}
	// Cleared on one replica, gone on all.
	rs[2].Control(http.MethodDelete, "/scenarios", nil, http.StatusOK)
	for _, r := range rs {
		for len(r.Srv.Scenarios.List()[""]) != 1 {
			if time.Now().After(deadline) {
				t.Fatal("a replica kept a cleared scenario")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// Each replica parses a shared scenario once, and keeps the parse only
// while the state in force uses it: every distinct upload stayed in every
// replica's memory for life (~2 MB per 0.9 MB upload), even once deleted.
func TestReplicasForgetScenarioTextsNoLongerUsed(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	deadline := time.Now().Add(10 * time.Second)
	waitFor := func(what string, n int) {
		t.Helper()
		for _, r := range rs {
			for len(r.Srv.Scenarios.List()[""]) != n { // the magic amounts and the uploads
				if time.Now().After(deadline) {
					t.Fatalf("a replica did not take up %s", what)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
	for i := range 6 {
		rs[i%2].Control(http.MethodPost, fmt.Sprintf("/scenarios?name=s%d", i),
			fmt.Sprintf("rules:\n  - when: {method: alipay.trade.query, biz: {out_trade_no: Q%d}}\n    then: {delay: 1s}\n", i), http.StatusCreated)
	}
	waitFor("the uploads", 7)
	for i, r := range rs {
		if n := r.Srv.Scenarios.ParsedFiles(); n > 6 {
			t.Errorf("replica %d keeps %d parsed files for 6 uploads", i, n)
		}
	}
	parsed := func(want int) {
		t.Helper()
		for i, r := range rs {
			for r.Srv.Scenarios.ParsedFiles() > want {
				if time.Now().After(deadline) {
					t.Fatalf("replica %d keeps %d parsed files, want at most %d (those in force)", i, r.Srv.Scenarios.ParsedFiles(), want)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
	// Replaced (PUT) six times: one file in force, one kept.
	for i := range 6 {
		rs[i%2].Control(http.MethodPut, fmt.Sprintf("/scenarios?name=r%d", i),
			fmt.Sprintf("rules:\n  - when: {method: alipay.trade.query, biz: {out_trade_no: R%d}}\n    then: {delay: 2s}\n", i), http.StatusOK)
	}
	waitFor("the replacements", 2)
	parsed(1)
	// Cleared: none.
	rs[0].Control(http.MethodDelete, "/scenarios", nil, http.StatusOK)
	waitFor("the clearing", 1)
	parsed(0)
}

func TestReplicasApplyADeadReplicasDeadlines(t *testing.T) {
	merchant := mocktest.NewMerchant(t, "success")
	rs := replicas(t, 3, mock.Options{Notify: notify.Options{Closed: notify.Always}})
	r, err := try(rs[0], "alipay.trade.create", `{"out_trade_no":"DL","total_amount":"1.00","subject":"s","buyer_id":"2088102177846880","timeout_express":"5m"}`,
		func(p map[string]string) { p["notify_url"] = merchant.URL })
	if err != nil || !ok(r) {
		t.Fatalf("create: %v %v", r, err)
	}
	rs[0].Srv.Close() // the replica that planned the expiry is gone
	rs[1].Advance("6m")
	waitCalls(t, merchant, 1)
	c := merchant.Calls()[0]
	if c.Form.Get("out_trade_no") != "DL" || c.Form.Get("trade_status") != "TRADE_CLOSED" {
		t.Fatalf("notification: %v", c.Form)
	}
}

func TestReplicasApplyADeadReplicasRedPacketDeadlines(t *testing.T) {
	rs, url := replicasAt(t, 3, mock.Options{FundPublicKey: true})
	// The page pay request lands the sender on the cashier: an unpaid packet.
	rs[0].Post(rs[0].Params("alipay.fund.coupon.order.page.pay", `{"out_order_no":"RPT","out_request_no":"RPT-pay","order_title":"红包","amount":"3.00","pay_timeout":"5m"}`, nil))
	rs[0].Srv.Close() // the replica that planned the pay timeout is gone
	// Applied by a live replica without anyone reading the packet: the
	// stored order is closed and has no deadline left.
	ctx := context.Background()
	conn := pgtest.Conn(t, url)
	var made int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM alipay_mock_red_packets WHERE deadline IS NOT NULL`).Scan(&made); err != nil || made != 1 {
		t.Fatalf("%d unpaid red packets with a deadline, want 1 (%v)", made, err)
	}
	rs[1].Advance("6m")
	deadline := time.Now().Add(15 * time.Second)
	for {
		var pending int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM alipay_mock_red_packets WHERE deadline IS NOT NULL`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the dead replica's pay timeout was not applied")
		}
		time.Sleep(20 * time.Millisecond)
	}
	var p map[string]any
	rs[2].ControlJSON(http.MethodGet, "/red-packets/RPT", nil, http.StatusOK, &p)
	if p["status"] != "CLOSED" {
		t.Fatalf("red packet after its pay timeout: %v", p)
	}
}

func TestReplicasShareQueuedAnswers(t *testing.T) {
	rs := replicas(t, 3, mock.Options{})
	pay(t, rs[0], "FQ", "1.00")
	rs[2].Control(http.MethodPost, "/faults", map[string]any{"method": "alipay.trade.query", "code": "20000", "times": 2}, http.StatusCreated)
	deadline := time.Now().Add(10 * time.Second)
	for _, r := range rs {
		for len(r.Srv.Faults.List()) != 1 {
			if time.Now().After(deadline) {
				t.Fatal("a replica did not hear of the queued answer")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	got := roundRobin(t, rs, 9, "alipay.trade.query", func(int) string { return `{"out_trade_no":"FQ"}` })
	if n := count(got, func(m map[string]any) bool { return m["code"] == "20000" }); n != 2 {
		t.Fatalf("an answer queued for 2 requests answered %d across replicas", n)
	}
	for _, r := range rs {
		for len(r.Srv.Faults.List()) != 0 {
			if time.Now().After(deadline) {
				t.Fatal("a replica still lists the used-up answer")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// Two replicas take the same new orders at once: one of each pair of
// inserts fails on the unique key, in a batch with other orders' inserts
// (lone.go), and must fail alone: every order is made once, and both its
// answers carry that trade's QR code.
func TestReplicasConcurrentNewOrdersFailAlone(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	const orders = 60
	got := roundRobin(t, rs, 2*orders, "alipay.trade.precreate", func(i int) string {
		return fmt.Sprintf(`{"out_trade_no":"PAIR%d","total_amount":"1.00","subject":"s"}`, i/2)
	})
	codes := map[string]bool{}
	for k := 0; k < orders; k++ {
		a, b := got[2*k], got[2*k+1]
		if !ok(a) || !ok(b) {
			t.Fatalf("order %d: %v / %v", k, a, b)
		}
		// The code is the replica's URL and the trade's token.
		ta, tb := path.Base(fmt.Sprint(a["qr_code"])), path.Base(fmt.Sprint(b["qr_code"]))
		if a["qr_code"] == nil || ta != tb || codes[ta] {
			t.Fatalf("order %d answered %v and %v", k, a["qr_code"], b["qr_code"])
		}
		codes[ta] = true
		var tr struct {
			OutTradeNo string `json:"out_trade_no"`
			Status     string `json:"status"`
		}
		rs[k%2].ControlJSON(http.MethodGet, fmt.Sprintf("/trades/PAIR%d", k), nil, http.StatusOK, &tr)
		if tr.OutTradeNo != fmt.Sprintf("PAIR%d", k) {
			t.Fatalf("order %d stored as %+v", k, tr)
		}
	}
}
