package mock

// The --store sweep of untold marks tells each event once.

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// A live replica stalls between its trade's commit and its
// notification's insert past the grace; another replica's sweep claims
// the mark; the stalled insert then commits (deleting the mark); the
// sweep goes on: its insert finds the mark gone and stores nothing, so
// the merchant gets one notification.
func TestSweepMakesNothingWhenTheLiveInsertLandedAfterItsClaim(t *testing.T) {
	url, conn, merchant := sharedStore(t)

	s1, c1, _ := sharedReplica(t, url, time.Hour, "")
	type held struct {
		tr trade.Trade
		e  trade.Event
	}
	var stalled []held
	s1.Trades.ObserveStored(func(tr trade.Trade, e trade.Event) error {
		if e.Type == trade.EventPaid {
			stalled = append(stalled, held{tr, e}) // the replica stalls here
			return nil
		}
		return s1.tradeEvent(tr, e)
	}, s1.tellsTrade)
	payShared(t, c1, "STALLED", merchant.URL+"/notify")
	if len(stalled) != 1 {
		t.Fatalf("%d stalled events", len(stalled))
	}

	s2, _, _ := sharedReplica(t, url, time.Hour, "") // its own sweep waits an hour: the test drives it
	us, err := s2.pg.ClaimUntold(0, 100)             // the sweep claims the mark, past its grace
	if err != nil || len(us) != 1 {
		t.Fatalf("claimed %v %v", us, err)
	}
	// The stalled replica wakes: its insert commits and deletes the mark.
	if err := s1.tradeEvent(stalled[0].tr, stalled[0].e); err != nil {
		t.Fatal(err)
	}
	// The sweep goes on with the mark it claimed.
	s2.retellMark(us[0])

	ns, marks := stored(t, conn, "STALLED")
	if len(ns) != 1 || marks != 0 {
		t.Fatalf("%d notifications of one payment stored (ids %v), %d marks; want 1 and none", len(ns), ids(ns), marks)
	}
}

func ids(ns []notify.Notification) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.ID+"/"+n.Event)
	}
	return out
}

// A live replica's notification insert fails (the store's failure: the
// pay is answered 20000, the trade is paid, the mark stays); no row holds
// that notification and no replica would attempt it (the shared schedule
// is the database's), so the replica drops it from memory; the sweep
// tells the event, and the replica lists that one notification only.
func TestFailedInsertLeavesOnlyTheRetoldNotification(t *testing.T) {
	url, conn, merchant := sharedStore(t)
	ctx := context.Background()

	s1, c1, _ := sharedReplica(t, url, time.Hour, "")
	// The notification's insert fails, as while the database is unreachable
	// for a moment; the replica makes no further write of it.
	failNextNotificationInsert(t, conn)
	err := payOnce(c1, "PHANTOM", merchant.URL+"/notify")
	t.Logf("pay answered: %v", err)
	if ns, marks := stored(t, conn, "PHANTOM"); len(ns) != 0 || marks != 1 {
		t.Fatalf("after the failed insert: %d notifications (%v %+v), %d marks; want none and 1", len(ns), ids(ns), ns, marks)
	}
	// The trigger let the next insert through: the sweep tells the event.
	us, err := s1.pg.ClaimUntold(0, 100)
	if err != nil || len(us) != 1 {
		t.Fatalf("claimed %v %v", us, err)
	}
	s1.retellMark(us[0])
	if ns, marks := stored(t, conn, "PHANTOM"); len(ns) != 1 || marks != 0 {
		t.Fatalf("after the sweep: %d notifications, %d marks; want 1 and none", len(ns), marks)
	}
	// The stored one is delivered; the one only memory holds is not, ever.
	waitAMinute(t, func() bool {
		var state string
		if err := conn.QueryRow(ctx, `SELECT state FROM alipay_mock_notifications`).Scan(&state); err != nil {
			t.Fatal(err)
		}
		return state != string(notify.Pending)
	}, func() string { return "the stored notification was not delivered" })
	mem := s1.Notifier.Outbox().List(notify.Filter{OutTradeNo: "PHANTOM"})
	if len(mem) != 1 {
		var states []string
		for _, n := range mem {
			states = append(states, n.ID+"/"+string(n.State))
		}
		t.Fatalf("the replica lists %d notifications of one payment (%v), want 1 (the stored one)", len(mem), states)
	}
}

func payOnce(c *client.Client, out, notifyURL string) error {
	_, err := c.Pay(context.Background(), client.PayRequest{Order: client.Order{OutTradeNo: out,
		TotalAmount: amount.MustParse("10.00"), Subject: "phantom"}, Scene: "bar_code", AuthCode: "283912345678901234"},
		client.WithNotifyURL(notifyURL))
	return err
}

// A sweeper slowed past its lease (10 s, untoldLease; each retell is up
// to two statements of 30 s, opTimeout) has its marks claimed again by
// another: the first insert to delete the mark tells the event, the
// other stores nothing. (The lease's passing is simulated by moving
// lease_until back.)
func TestSweeperSlowerThanItsLeaseTellsOnce(t *testing.T) {
	url, conn, merchant := sharedStore(t)

	s1, c1, _ := sharedReplica(t, url, time.Hour, trade.EventPaid) // dies before the notification
	payShared(t, c1, "SLOW-SWEEP", merchant.URL+"/notify")
	_ = s1.Close()
	s2, _, _ := sharedReplica(t, url, time.Hour, "")
	s3, _, _ := sharedReplica(t, url, time.Hour, "")
	us2, err := s2.pg.ClaimUntold(0, 100)
	if err != nil || len(us2) != 1 {
		t.Fatalf("claimed %v %v", us2, err)
	}
	// s2 is slow: its 10 s lease runs out.
	if _, err := conn.Exec(context.Background(), `UPDATE alipay_mock_untold SET lease_until = clock_timestamp() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	us3, err := s3.pg.ClaimUntold(0, 100)
	if err != nil || len(us3) != 1 {
		t.Fatalf("claimed %v %v", us3, err)
	}
	s3.retellMark(us3[0])
	s2.retellMark(us2[0]) // s2 wakes and goes on with its batch
	if ns, marks := stored(t, conn, "SLOW-SWEEP"); len(ns) != 1 || marks != 0 {
		t.Fatalf("%d notifications of one payment stored (ids %v), %d marks; want 1 and none", len(ns), ids(ns), marks)
	}
}

// failNextNotificationInsert makes the next insert of a new notification
// fail, as while the database is unreachable for a moment (a write of one
// stored, an attempt's record, goes through).
func failNextNotificationInsert(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), `
CREATE SEQUENCE untold_fail; -- nextval is not rolled back with the failed insert
CREATE FUNCTION untold_fail_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM alipay_mock_notifications WHERE id = NEW.id) THEN
		IF nextval('untold_fail') <= 1 THEN
			RAISE EXCEPTION 'test: the insert fails';
		END IF;
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER untold_fail_once BEFORE INSERT ON alipay_mock_notifications
	FOR EACH ROW EXECUTE FUNCTION untold_fail_once();`); err != nil {
		t.Fatal(err)
	}
}
