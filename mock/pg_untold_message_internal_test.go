package mock

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// sharedMessageReplica is sharedReplica (its sweep waits an hour: the
// test drives it) with the dev app registered again on it, its
// app_gateway_url (where messages go) at merchant's /gateway.
func sharedMessageReplica(t *testing.T, url string, drop trade.EventType, merchant string) (*Server, *client.Client) {
	t.Helper()
	s, c, base := sharedReplica(t, url, time.Hour, drop)
	body := `{"app_id":"` + keys.DevAppID + `","sign_type":"RSA2","app_gateway_url":"` + merchant + `/gateway","public_key":` +
		strings.ReplaceAll(`"`+string(keys.DevFile("app_public_key.pem"))+`"`, "\n", `\n`) + `}`
	resp, err := http.Post(base+"/_mock/apps", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("POST /_mock/apps: %s", resp.Status)
	}
	return s, c
}

// messages are the stored messages of out (notify.KindMessage) of kind
// msgMethod.
func messages(ns []notify.Notification, msgMethod string) []notify.Notification {
	var out []notify.Notification
	for _, n := range ns {
		if n.Kind == notify.KindMessage && n.Event == msgMethod {
			out = append(out, n)
		}
	}
	return out
}

// An async settlement's transaction marks its settled event untold, and
// the insert of its message's job deletes the mark. A replica that dies
// between the two leaves the mark; another replica's sweep plans the
// message from the trade as the event left it, and sends it when due.
func TestSharedSettleMessageIsSentAfterItsReplicaDiedBeforeItsJob(t *testing.T) {
	url, conn, merchant := sharedStore(t)

	s1, c1 := sharedMessageReplica(t, url, trade.EventSettled, merchant.URL)
	settleNo := settleAsyncShared(t, c1, "DIED-SETTLE", merchant.URL)
	if ns, marks := stored(t, conn, "DIED-SETTLE"); len(messages(ns, notify.SettleNotify)) != 0 || marks != 1 {
		t.Fatalf("the dead replica left %d notifications and %d marks, want no message and 1 mark", len(ns), marks)
	}
	_ = s1.Close()

	s2, c2, _ := sharedReplica(t, url, 0, "")
	waitStored(t, conn, "DIED-SETTLE", 1) // the sweep planned the message: no mark left
	s2.Sched.Advance(trade.AsyncSettleDelay)
	ms := messages(waitStored(t, conn, "DIED-SETTLE", 2), notify.SettleNotify)
	if len(ms) != 1 || !strings.Contains(ms[0].Params["biz_content"], `"settle_no":"`+settleNo+`"`) ||
		ms[0].URL != merchant.URL+"/gateway" {
		t.Fatalf("settle messages %+v, want the settlement's one", ms)
	}

	// A live replica's job insert deletes its mark: nothing for a sweep.
	settleAsyncShared(t, c2, "LIVE-SETTLE", merchant.URL)
	if _, marks := stored(t, conn, "LIVE-SETTLE"); marks != 0 {
		t.Fatalf("a settlement planned its message and left %d marks", marks)
	}
}

// settleAsyncShared pays out (notified to merchant's /notify), binds a
// receiver and settles 3.00 to it async; it returns the settle_no.
func settleAsyncShared(t *testing.T, c *client.Client, out, merchant string) string {
	t.Helper()
	no, err := settleAsyncSharedErr(t, c, out, merchant)
	if err != nil {
		t.Fatal(err)
	}
	return no
}

// settleAsyncSharedErr is settleAsyncShared answering the settlement's
// error.
func settleAsyncSharedErr(t *testing.T, c *client.Client, out, merchant string) (string, error) {
	t.Helper()
	ctx := context.Background()
	const recv = "2088000000000101"
	if _, err := c.RoyaltyRelationBind(ctx, client.RoyaltyRelationRequest{OutRequestNo: "B_" + strings.ReplaceAll(out, "-", "_"),
		ReceiverList: []client.RoyaltyEntity{{Type: client.RoyaltyUserID, Account: recv}}}); err != nil {
		t.Fatal(err)
	}
	payShared(t, c, out, merchant+"/notify")
	q, err := c.Query(ctx, client.QueryRequest{OutTradeNo: out})
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.OrderSettle(ctx, client.OrderSettleRequest{OutRequestNo: "S_" + strings.ReplaceAll(out, "-", "_"), TradeNo: q.TradeNo,
		RoyaltyMode: "async", RoyaltyParameters: []client.RoyaltyParameter{{TransIn: recv, Amount: amount.MustParse("3.00")}}})
	if err != nil {
		return "", err
	}
	return st.SettleNo, nil
}

// A settlement whose message's job the database refused answers 20000
// and plans no message on its replica's clock: the untold mark it left
// plans the message (a replica's sweep), which is sent once.
func TestSharedSettleMessageWhoseJobInsertFailedIsLeftToTheSweep(t *testing.T) {
	url, conn, merchant := sharedStore(t)

	s1, c1 := sharedMessageReplica(t, url, "", merchant.URL)
	refuse(t, url, "INSERT ON alipay_mock_jobs FOR EACH ROW")
	_, err := settleAsyncSharedErr(t, c1, "JOBLESS-SETTLE", merchant.URL)
	want20000(t, "a settlement whose message's job was refused", err)
	s1.Sched.Advance(trade.AsyncSettleDelay)
	if ns, marks := stored(t, conn, "JOBLESS-SETTLE"); len(messages(ns, notify.SettleNotify)) != 0 || marks != 1 {
		t.Fatalf("after its job was refused: %d settle messages, %d marks; want none and the mark (no plan on the replica's clock)",
			len(messages(ns, notify.SettleNotify)), marks)
	}
	if _, err := conn.Exec(context.Background(), `DROP TRIGGER review_refused ON alipay_mock_jobs`); err != nil {
		t.Fatal(err)
	}

	s2, _, _ := sharedReplica(t, url, 0, "")
	waitStored(t, conn, "JOBLESS-SETTLE", 1) // the sweep planned the message: no mark left
	s2.Sched.Advance(trade.AsyncSettleDelay)
	waitStored(t, conn, "JOBLESS-SETTLE", 2)
	s1.Sched.Advance(time.Minute)
	if ms := messages(waitStored(t, conn, "JOBLESS-SETTLE", 2), notify.SettleNotify); len(ms) != 1 {
		t.Fatalf("settle messages: %d, want the one the sweep planned", len(ms))
	}
}

// With --store a transfer's status is leased, not marked, to the replica
// that made it until its message is written. A message whose insert
// fails is not recorded as announced: the transfer is answered 20000 and,
// its lease run out, a sweep writes the message, once.
func TestSharedTransferMessageWhoseInsertFailedIsWrittenByTheSweep(t *testing.T) {
	url, conn, merchant := sharedStore(t)
	ctx := context.Background()

	s1, c1 := sharedMessageReplica(t, url, "", merchant.URL)
	failNextNotificationInsert(t, conn)
	_, err := c1.Transfer(ctx, client.TransferRequest{TransferSceneName: "佣金报酬", OutBizNo: "FAILED-TX", TransAmount: amount.MustParse("1.00"),
		OrderTitle: "t", PayeeInfo: client.Participant{Identity: "2088000000000201", IdentityType: client.PayeeUserID}})
	wantResultUnknown(t, err, "the transfer")
	if ns, _ := stored(t, conn, "FAILED-TX"); len(ns) != 0 {
		t.Fatalf("after the failed insert: %d messages stored, want none", len(ns))
	}
	// Its lease runs out (made to at once here) and a sweep announces it.
	if _, err := conn.Exec(ctx, `UPDATE alipay_mock_transfers SET lease_until = clock_timestamp() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	s1.Fund.Sweep(64)
	s1.Fund.Sweep(64) // a second sweep finds nothing more to announce
	ns, _ := stored(t, conn, "FAILED-TX")
	if ms := messages(ns, notify.TransferChanged); len(ms) != 1 || ms[0].TradeStatus != "SUCCESS" || ms[0].URL != merchant.URL+"/gateway" {
		t.Fatalf("the transfer's messages after the sweep: %+v, want its SUCCESS once", ns)
	}
}

// A settlement's message whose insert failed (left out of memory, as any
// notification not stored with --store) does not take its job with it:
// the job is let go, and once its lease ran out a replica runs it again
// and the message is stored, once.
func TestSharedSettleMessageWhoseInsertFailedIsMadeAgain(t *testing.T) {
	url, conn, merchant := sharedStore(t)
	ctx := context.Background()

	s1, c1 := sharedMessageReplica(t, url, "", merchant.URL)
	settleNo := settleAsyncShared(t, c1, "FAILED-SETTLE", merchant.URL)
	failNextNotificationInsert(t, conn)
	s1.Sched.Advance(trade.AsyncSettleDelay)
	if ns, _ := stored(t, conn, "FAILED-SETTLE"); len(messages(ns, notify.SettleNotify)) != 0 {
		t.Fatalf("the message's insert failed, yet %d are stored", len(messages(ns, notify.SettleNotify)))
	}
	// Its lease runs out (made to at once here): a replica's poll runs it again.
	if _, err := conn.Exec(ctx, `UPDATE alipay_mock_jobs SET lease_until = clock_timestamp() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	var ns []notify.Notification
	var jobs int
	waitAMinute(t, func() bool {
		// The job first, then the messages: the job goes after its message
		// is stored, so messages read before the count could miss it.
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM alipay_mock_jobs`).Scan(&jobs); err != nil {
			t.Fatal(err)
		}
		ns, _ = stored(t, conn, "FAILED-SETTLE")
		return jobs == 0
	}, func() string {
		return fmt.Sprintf("the job is still planned (%d), %d messages", jobs, len(messages(ns, notify.SettleNotify)))
	})
	if ms := messages(ns, notify.SettleNotify); len(ms) != 1 || !strings.Contains(ms[0].Params["biz_content"], `"settle_no":"`+settleNo+`"`) {
		t.Fatalf("settle messages once its job was done: %+v, want the settlement's one", ms)
	}
}
