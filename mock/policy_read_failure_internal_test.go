package mock

// A notification policy the store failed to read or to keep.

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

// A scenario's then.notify (here suppress) is stored by the replica that
// set it; the replica that makes the notification reads it. When that
// read fails, no other policy (this replica's memory, which has none)
// stands in: the payment is answered 20000, no notification is made, and
// the event's untold mark stays. The sweep's retell leaves the mark while
// the policy still cannot be read, and once it can, makes the
// notification as the scenario said (suppressed).
func TestPolicyReadFailureIsAStoreFailureAndTheSweepTellsItLater(t *testing.T) {
	url, conn, merchant := sharedStore(t)
	ctx := context.Background()

	s1, _, _ := sharedReplica(t, url, time.Hour, "")
	s2, c2, _ := sharedReplica(t, url, time.Hour, "")
	app := s1.DevClientConfig().AppID
	s1.Notifier.SetPolicy(app, "HELD", notify.Policy{Suppress: true})

	// From now on the stored policy cannot be read: its row no longer
	// decodes (a superuser's cluster ignores row security, so this stands
	// for any failed read: Policy returns an error either way).
	if tag, err := conn.Exec(ctx, `UPDATE alipay_mock_kv SET data = '"unreadable"' WHERE kind = 'policies'`); err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("%v %v", tag, err)
	}
	if _, ok, err := s1.pg.Policy(app, "HELD"); err == nil {
		t.Fatalf("the policy read: %v, want an error", ok)
	}
	_, err := c2.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "HELD",
		TotalAmount: amount.MustParse("10.00"), Subject: "held"}, Scene: "bar_code", AuthCode: "283912345678901234"},
		client.WithNotifyURL(merchant.URL+"/notify"))
	if err == nil || !strings.Contains(err.Error(), "20000") {
		t.Fatalf("the payment whose notification's policy was not read: %v, want 20000", err)
	}
	if ns, marks := stored(t, conn, "HELD"); len(ns) != 0 || marks != 1 {
		t.Fatalf("stored %d notifications and %d marks, want none and the payment's mark", len(ns), marks)
	}

	// The sweep's retell cannot read the policy either: the mark stays.
	us, err := s2.pg.ClaimUntold(0, 100)
	if err != nil || len(us) != 1 {
		t.Fatalf("claimed %v %v", us, err)
	}
	if s2.retellMark(us[0]) {
		t.Fatal("the retell made a notification without its policy")
	}
	if ns, marks := stored(t, conn, "HELD"); len(ns) != 0 || marks != 1 {
		t.Fatalf("after the failed retell: %d notifications and %d marks, want none and the mark", len(ns), marks)
	}

	// Readable again (and the lease run out): the retell makes it, held back.
	s1.Notifier.SetPolicy(app, "HELD", notify.Policy{Suppress: true})
	if _, err := conn.Exec(ctx, `UPDATE alipay_mock_untold SET lease_until = clock_timestamp() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	if us, err = s2.pg.ClaimUntold(0, 100); err != nil || len(us) != 1 {
		t.Fatalf("claimed %v %v", us, err)
	}
	if !s2.retellMark(us[0]) {
		t.Fatal("the retell made no notification")
	}
	ns, marks := stored(t, conn, "HELD")
	if len(ns) != 1 || ns[0].State != notify.Suppressed || marks != 0 {
		t.Fatalf("after the retell: %d notifications (%v) and %d marks, want one suppressed and no mark", len(ns), ns, marks)
	}
}

// A scenario's then.notify the store fails to keep is not in force (only
// what the store keeps is read back), so the call it matched does not run
// without it: it answers 20000 and makes nothing, rather than a payment
// whose notification the scenario said to suppress is sent.
func TestPolicyWriteFailureIsAStoreFailure(t *testing.T) {
	url, conn, merchant := sharedStore(t)
	_, c, base := sharedReplica(t, url, time.Hour, "")
	postScenario(t, base, `name: quiet
rules:
  - name: quiet
    when: {method: alipay.trade.pay}
    then: {notify: {suppress: true}}
`)
	if _, err := conn.Exec(context.Background(), `
CREATE FUNCTION policy_not_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'the policy is not written';
END $$;
CREATE TRIGGER policy_not_kept BEFORE INSERT ON alipay_mock_kv
	FOR EACH ROW WHEN (NEW.kind = 'policies') EXECUTE FUNCTION policy_not_kept();`); err != nil {
		t.Fatal(err)
	}
	_, err := c.Pay(context.Background(), client.PayRequest{Order: client.Order{OutTradeNo: "QUIET-1",
		TotalAmount: amount.MustParse("10.00"), Subject: "q"}, Scene: "bar_code", AuthCode: "283912345678901234"},
		client.WithNotifyURL(merchant.URL+"/notify"))
	if err == nil || !strings.Contains(err.Error(), "20000") {
		t.Fatalf("the pay whose scenario policy was not stored: %v, want 20000", err)
	}
	if ns, marks := stored(t, conn, "QUIET-1"); len(ns) != 0 || marks != 0 {
		t.Fatalf("the pay that did not run left %d notifications (%+v) and %d marks", len(ns), ns, marks)
	}
	if _, err := c.Query(context.Background(), client.QueryRequest{OutTradeNo: "QUIET-1"}); err == nil || !strings.Contains(err.Error(), "TRADE_NOT_EXIST") {
		t.Fatalf("query after the pay that did not run: %v, want ACQ.TRADE_NOT_EXIST", err)
	}
}
