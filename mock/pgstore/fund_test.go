package pgstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

type balanceBody struct {
	Available amount.Amount `json:"available_amount"`
	Freeze    amount.Amount `json:"freeze_amount"`
}

func balanceOn(t *testing.T, m *mocktest.Mock) balanceBody {
	t.Helper()
	var b balanceBody
	m.ControlJSON(http.MethodGet, "/apps/"+keys.DevAppID+"/balance", nil, http.StatusOK, &b)
	return b
}

func transferBiz(out, amt string) string {
	return fmt.Sprintf(`{"out_biz_no":"%s","trans_amount":"%s","product_code":"TRANS_ACCOUNT_NO_PWD","transfer_scene_name":"佣金报酬","biz_scene":"DIRECT_TRANSFER","payee_info":{"identity":"2088000000000777","identity_type":"ALIPAY_USER_ID"}}`, out, amt)
}

// sameEverywhere checks that every replica reports the balance want.
func sameEverywhere(t *testing.T, rs []*mocktest.Mock, want balanceBody) {
	t.Helper()
	for i, r := range rs {
		if got := balanceOn(t, r); got != want {
			t.Fatalf("replica %d: balance %+v, want %+v", i, got, want)
		}
	}
}

func TestReplicasTransfersNeverOverdraw(t *testing.T) {
	rs := replicas(t, 3, mock.Options{FundPublicKey: true})
	rs[0].Control(http.MethodPost, "/apps/"+keys.DevAppID+"/balance", map[string]string{"available_amount": "10.00"}, http.StatusOK)
	got := roundRobin(t, rs, 30, "alipay.fund.trans.uni.transfer", func(i int) string {
		return transferBiz(fmt.Sprintf("OD%d", i), "1.00")
	})
	if n := count(got, ok); n != 10 {
		t.Fatalf("%d transfers of 1.00 from 10.00 succeeded, want 10", n)
	}
	for _, m := range got {
		if !ok(m) && m["sub_code"] != "PAYER_BALANCE_NOT_ENOUGH" {
			t.Fatalf("refused with %v", m)
		}
	}
	sameEverywhere(t, rs, balanceBody{})
	var list []fund.Transfer
	rs[2].ControlJSON(http.MethodGet, "/transfers?app_id="+keys.DevAppID+"&limit=100", nil, http.StatusOK, &list)
	if len(list) != 10 {
		t.Fatalf("%d transfers listed, want 10", len(list))
	}
}

func TestReplicasTransferIsIdempotent(t *testing.T) {
	rs := replicas(t, 3, mock.Options{FundPublicKey: true})
	start := balanceOn(t, rs[0])
	// The same out_biz_no, at once on every replica: one transfer, the
	// repeats with other parameters refused.
	got := roundRobin(t, rs, 30, "alipay.fund.trans.uni.transfer", func(i int) string {
		if i%5 == 4 {
			return transferBiz("SAME", "2.00")
		}
		return transferBiz("SAME", "1.00")
	})
	orders := map[any]int{}
	amounts := map[string]int{}
	for i, m := range got {
		if ok(m) {
			orders[m["order_id"]]++
			amounts[map[bool]string{true: "2.00", false: "1.00"}[i%5 == 4]]++
		} else if m["sub_code"] != "PAYMENT_INFO_INCONSISTENCY" {
			t.Fatalf("refused with %v", m)
		}
	}
	if len(orders) != 1 || len(amounts) != 1 {
		t.Fatalf("one out_biz_no made orders %v with amounts %v", orders, amounts)
	}
	want := amount.MustParse("1.00")
	if amounts["2.00"] > 0 {
		want = amount.MustParse("2.00")
	}
	sameEverywhere(t, rs, balanceBody{Available: start.Available - want})
	// Each replica finds it by out_biz_no, at the same order.
	for _, r := range rs {
		q := r.Call("alipay.fund.trans.common.query", `{"out_biz_no":"SAME","product_code":"TRANS_ACCOUNT_NO_PWD","biz_scene":"DIRECT_TRANSFER"}`)
		if !ok(q) || orders[q["order_id"]] == 0 {
			t.Fatalf("query: %v, orders %v", q, orders)
		}
	}
}

// Payments, refunds and transfers spread over the replicas give every
// replica the balance one in-memory mock reaches with the same calls: the
// income of each trade counted once.
func TestReplicasBalanceCountsEachPaymentOnce(t *testing.T) {
	rs := replicas(t, 3, mock.Options{FundPublicKey: true})
	one := mocktest.New(t, mock.Options{FundPublicKey: true})
	calls := []struct{ method, biz string }{}
	for i := 0; i < 9; i++ {
		calls = append(calls, struct{ method, biz string }{"alipay.trade.pay",
			fmt.Sprintf(`{"out_trade_no":"B%d","scene":"bar_code","auth_code":"28391234567890123%d","total_amount":"%d.37","subject":"s"}`, i, i, 10+i)})
	}
	calls = append(calls,
		struct{ method, biz string }{"alipay.trade.refund", `{"out_trade_no":"B1","refund_amount":"3.11","out_request_no":"r1"}`},
		struct{ method, biz string }{"alipay.trade.refund", `{"out_trade_no":"B2","refund_amount":"12.37","out_request_no":"r2"}`},
		struct{ method, biz string }{"alipay.fund.trans.uni.transfer", transferBiz("T1", "7.70")},
	)
	for i, c := range calls {
		if r := rs[i%3].Call(c.method, c.biz); !ok(r) {
			t.Fatalf("%s on replica %d: %v", c.method, i%3, r)
		}
		if r := one.Call(c.method, c.biz); !ok(r) {
			t.Fatalf("%s in memory: %v", c.method, r)
		}
	}
	want := balanceOn(t, one)
	if want.Available == fund.DefaultOpening {
		t.Fatal("the payments moved no money")
	}
	sameEverywhere(t, rs, want)
	// A balance set on one replica is what every replica moves from.
	rs[1].Control(http.MethodPost, "/apps/"+keys.DevAppID+"/balance", map[string]string{"available_amount": "100.00"}, http.StatusOK)
	one.Control(http.MethodPost, "/apps/"+keys.DevAppID+"/balance", map[string]string{"available_amount": "100.00"}, http.StatusOK)
	pay(t, rs[2], "AFTER", "20.00")
	pay(t, one, "AFTER", "20.00")
	sameEverywhere(t, rs, balanceOn(t, one))
	// Reset on one replica: every replica is back at the opening balance.
	rs[0].Control(http.MethodPost, "/reset?app_id="+keys.DevAppID, nil, http.StatusOK)
	sameEverywhere(t, rs, balanceBody{Available: fund.DefaultOpening})
}

// A buyer who paid on one replica is a known payee on another: a wrong
// name is refused.
func TestReplicasKnowThePayersOfEveryReplica(t *testing.T) {
	rs := replicas(t, 3, mock.Options{FundPublicKey: true})
	pay(t, rs[0], "KNOWN", "5.00")
	var tr struct {
		Buyer struct {
			UserID string `json:"buyer_id"`
			Name   string `json:"name"`
		} `json:"buyer"`
	}
	rs[1].ControlJSON(http.MethodGet, "/trades/KNOWN?app_id="+keys.DevAppID, nil, http.StatusOK, &tr)
	if tr.Buyer.UserID == "" || tr.Buyer.Name == "" {
		t.Fatalf("trade's buyer: %+v", tr)
	}
	biz := func(out, name string) string {
		return fmt.Sprintf(`{"out_biz_no":"%s","trans_amount":"1.00","product_code":"TRANS_ACCOUNT_NO_PWD","biz_scene":"DIRECT_TRANSFER","transfer_scene_name":"佣金报酬","payee_info":{"identity":"%s","identity_type":"ALIPAY_USER_ID","name":"%s"}}`, out, tr.Buyer.UserID, name)
	}
	if r := rs[2].Call("alipay.fund.trans.uni.transfer", biz("K1", tr.Buyer.Name+"x")); r["sub_code"] != "PAYEE_USER_INFO_ERROR" {
		t.Fatalf("a wrong name for a buyer paid on another replica: %v", r)
	}
	if r := rs[1].Call("alipay.fund.trans.uni.transfer", biz("K2", tr.Buyer.Name)); !ok(r) {
		t.Fatalf("the right name: %v", r)
	}
}

// messagesFor are the alipay.fund.trans.order.changed messages a gateway
// received for out_biz_no, by status.
func messagesFor(gw *mocktest.Merchant, out string) []string {
	var st []string
	for _, c := range gw.Calls() {
		if c.Form.Get("msg_method") != "alipay.fund.trans.order.changed" {
			continue
		}
		var biz struct {
			OutBizNo string `json:"out_biz_no"`
			Status   string `json:"status"`
		}
		if json.Unmarshal([]byte(c.Form.Get("biz_content")), &biz) == nil && biz.OutBizNo == out {
			st = append(st, biz.Status)
		}
	}
	return st
}

// waitFor polls f until it holds, failing after a minute.
func waitFor(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func gatewayApp(t *testing.T, m *mocktest.Mock, gw *mocktest.Merchant) {
	t.Helper()
	m.Control(http.MethodPost, "/apps", map[string]string{"app_id": keys.DevAppID, "public_key": string(keys.DevFile("app_public_key.pem")),
		"sign_type": "RSA2", "app_gateway_url": gw.URL + "/gateway"}, http.StatusCreated)
}

// A DEALING transfer ends once, whichever replica sees the clock reach its
// end, with one message for each of its statuses.
func TestReplicasEndADealingTransferOnce(t *testing.T) {
	gw := mocktest.NewMerchant(t, "success")
	rs, url := replicasAt(t, 3, mock.Options{FundPublicKey: true})
	gatewayApp(t, rs[0], gw)
	waitFor(t, "the app on every replica", func() bool {
		for _, r := range rs {
			if a, ok := r.Srv.Apps.Get(keys.DevAppID); !ok || a.AppGatewayURL == "" {
				return false
			}
		}
		return true
	})
	start := balanceOn(t, rs[0])
	if r := rs[1].Call("alipay.fund.trans.uni.transfer", transferBiz("DL", "30001.00")); r["status"] != "DEALING" {
		t.Fatalf("magic DEALING amount: %v", r)
	}
	dealing := amount.MustParse("30001.00")
	sameEverywhere(t, rs, balanceBody{Available: start.Available - dealing, Freeze: dealing})
	// Received in order only if DEALING's is out before the clock moves:
	// replicas deliver independently, as Alipay promises no order either.
	waitFor(t, "the DEALING message", func() bool { return len(messagesFor(gw, "DL")) >= 1 })
	rs[2].Advance("6m")
	q := `{"out_biz_no":"DL","product_code":"TRANS_ACCOUNT_NO_PWD","biz_scene":"DIRECT_TRANSFER"}`
	waitFor(t, "SUCCESS and its message", func() bool {
		return rs[0].Call("alipay.fund.trans.common.query", q)["status"] == "SUCCESS" && len(messagesFor(gw, "DL")) >= 2
	})
	sameEverywhere(t, rs, balanceBody{Available: start.Available - dealing})
	rs[0].Advance("1m")
	if got := settled(t, url, "DL"); strings.Join(got, ",") != "DEALING,SUCCESS" {
		t.Fatalf("messages stored %v, want DEALING then SUCCESS once each", got)
	}
	if got := messagesFor(gw, "DL"); strings.Join(got, ",") != "DEALING,SUCCESS" {
		t.Fatalf("messages received %v, want DEALING then SUCCESS once each", got)
	}
}

// settled waits until the database holds no transfer work (no status to
// announce, no DEALING transfer) and returns the transfer messages it
// stores for out_biz_no, by status: with nothing left to do, no replica
// can change the transfer or write a message for it again.
func settled(t *testing.T, url, out string) []string {
	t.Helper()
	ctx := context.Background()
	conn := pgtest.Conn(t, url)
	waitFor(t, "no transfer work left", func() bool {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM alipay_mock_transfers WHERE announce OR status = 'DEALING'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 0
	})
	rows, err := conn.Query(ctx, `SELECT data FROM alipay_mock_notifications`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	// Ids are each replica's own, so they do not order messages made on
	// different replicas: the mock clock's time each was made does.
	type msg struct {
		at     time.Time
		status string
	}
	var ms []msg
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			t.Fatal(err)
		}
		n, err := notify.Unmarshal(data)
		if err != nil {
			t.Fatal(err)
		}
		if n.Event == notify.TransferChanged && n.OutTradeNo == out {
			ms = append(ms, msg{n.Created, n.TradeStatus})
		}
	}
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].at.Before(ms[j].at) })
	st := make([]string, len(ms))
	for i, m := range ms {
		st[i] = m.status
	}
	return st
}

// A transfer whose replica died after making it, before announcing it,
// is announced by another once its lease ran out.
func TestReplicasAnnounceADeadReplicasTransfer(t *testing.T) {
	gw := mocktest.NewMerchant(t, "success")
	rs, url := replicasAt(t, 2, mock.Options{})
	gatewayApp(t, rs[0], gw)
	db := openDB(t, url)
	// What a replica does before it dies: the transfer committed, its
	// message not yet queued.
	at := rs[0].Clock.Now()
	tr := fund.Transfer{AppID: keys.DevAppID, OutBizNo: "GHOST", OrderID: "20261206110070000006000000001",
		PayFundOrderID: "20261206110070001506000000001", Amount: amount.MustParse("3.00"), ProductCode: fund.ProductNoPwd,
		BizScene: fund.SceneDirect, Payee: fund.Participant{Identity: "2088000000000777", IdentityType: fund.IdentityUserID},
		PayeeUserID: "2088000000000777", Status: fund.Success, Created: at, Changed: at}
	start := balanceOn(t, rs[1])
	if _, made, err := db.Fund().Create(tr, rs[0].Srv.Apps.Account(keys.DevAppID), fund.DefaultOpening); err != nil || !made {
		t.Fatalf("create: %v %v", made, err)
	}
	sameEverywhere(t, rs, balanceBody{Available: start.Available - tr.Amount})
	waitFor(t, "the dead replica's message", func() bool { return len(messagesFor(gw, "GHOST")) > 0 })
	if got := settled(t, url, "GHOST"); len(got) != 1 || got[0] != "SUCCESS" {
		t.Fatalf("messages stored %v, want one SUCCESS", got)
	}
	if got := messagesFor(gw, "GHOST"); len(got) != 1 {
		t.Fatalf("messages received %v, want one", got)
	}
}

// A transfer that fails moves no money, so it answers FAIL even from an
// empty account, as in memory (a refund can no longer take one below
// zero: TestReplicasRefundAndSettlementNeedTheBalance).
func TestReplicasFailedTransferNeedsNoBalance(t *testing.T) {
	rs := replicas(t, 2, mock.Options{FundPublicKey: true})
	one := mocktest.New(t, mock.Options{FundPublicKey: true})
	raw := func(m *mocktest.Mock) string {
		return string(m.Control(http.MethodGet, "/apps/"+keys.DevAppID+"/balance", nil, http.StatusOK))
	}
	for _, m := range []*mocktest.Mock{rs[0], one} {
		pay(t, m, "NEG", "10.00")
		m.Control(http.MethodPost, "/apps/"+keys.DevAppID+"/balance", map[string]string{"available_amount": "0.00"}, http.StatusOK)
	}
	want := raw(one)
	if !strings.Contains(want, `"available_amount":"0.00"`) {
		t.Fatalf("the balance set to 0 is %s: nothing tested", want)
	}
	same := func() {
		t.Helper()
		for i, r := range rs {
			if got := raw(r); got != want {
				t.Fatalf("replica %d: %s, want %s", i, got, want)
			}
		}
	}
	same()
	for _, m := range []*mocktest.Mock{rs[1], one} {
		if r := m.Call("alipay.fund.trans.uni.transfer", transferBiz("NEGF", "30002.00")); r["status"] != "FAIL" {
			t.Fatalf("magic FAIL from a negative balance: %v", r)
		}
		if r := m.Call("alipay.fund.trans.uni.transfer", transferBiz("NEGS", "1.00")); r["sub_code"] != "PAYER_BALANCE_NOT_ENOUGH" {
			t.Fatalf("a transfer from a negative balance: %v", r)
		}
	}
	same()
}

// A transfer whose replica died after writing its message, before
// recording that, is not announced twice: the replica that takes it over
// finds the message.
func TestReplicasAnnounceATransferOnceAfterItsReplicaDied(t *testing.T) {
	gw := mocktest.NewMerchant(t, "success")
	rs, url := replicasAt(t, 2, mock.Options{FundPublicKey: true})
	gatewayApp(t, rs[0], gw)
	if r := rs[0].Call("alipay.fund.trans.uni.transfer", transferBiz("TOLD", "2.00")); !ok(r) {
		t.Fatalf("transfer: %v", r)
	}
	if got := settled(t, url, "TOLD"); len(got) != 1 {
		t.Fatalf("messages stored %v, want one", got)
	}
	// What a replica that died between the two leaves behind.
	ctx := context.Background()
	conn := pgtest.Conn(t, url)
	if _, err := conn.Exec(ctx, `UPDATE alipay_mock_transfers SET announce = true, lease_until = NULL WHERE out_biz_no = 'TOLD'`); err != nil {
		t.Fatal(err)
	}
	if got := settled(t, url, "TOLD"); len(got) != 1 || got[0] != "SUCCESS" {
		t.Fatalf("messages stored %v, want one SUCCESS", got)
	}
}

// A reset of an app and the end of one of its DEALING transfers (Change:
// the transfer's row, then its account's) take their rows in one order:
// a transaction holding the transfer's row, as Change does, while the
// reset waits for it, then updates the account's row and ends; the reset
// then ends too. In the opposite order the two deadlock (40P01) and one
// of them fails.
func TestResetAndATransfersEndTakeRowsInOneOrder(t *testing.T) {
	rs, url := replicasAt(t, 1, mock.Options{})
	if r := rs[0].CertApp().Call("alipay.fund.trans.uni.transfer", transferBiz("LO-1", "10.00")); !ok(r) {
		t.Fatalf("transfer: %v", r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, watch := pgtest.Conn(t, url), pgtest.Conn(t, url)
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit, a no-op
	var account string
	if err := tx.QueryRow(ctx, `UPDATE alipay_mock_transfers SET status = status WHERE out_biz_no = 'LO-1' RETURNING account`).Scan(&account); err != nil {
		t.Fatal(err)
	}
	done := make(chan int, 1)
	go func() {
		resp, err := http.Post(rs[0].URL+"/_mock/reset?app_id="+keys.DevCertAppID, "", nil)
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	waitFor(t, "the reset to wait for the transfer's row", func() bool {
		var n int
		err := watch.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'DELETE FROM alipay_mock_transfers%'`).Scan(&n)
		return err == nil && n > 0
	})
	if _, err := tx.Exec(ctx, `UPDATE alipay_mock_fund_merchants SET frozen = frozen WHERE account = $1`, account); err != nil {
		t.Fatalf("the transfer's end, after its row: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if code := <-done; code != http.StatusOK {
		t.Fatalf("the reset answered %d", code)
	}
	if b := balanceOn(t, rs[0]); b.Available != fund.DefaultOpening {
		t.Errorf("after the reset: balance %s, want the opening %s", b.Available, fund.DefaultOpening)
	}
}
