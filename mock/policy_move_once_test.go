package mock_test

import (
	"net/http"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/store"
)

// A policy this version keeps under a bare number is a trade's: a restart
// with --data does not take it for an earlier version's red-packet policy
// and copy it to a kept red packet of the same app and number
// (docs/persistence.md).
func TestTradePolicyIsNotCopiedToSameNumberedRedPacketAtRestart(t *testing.T) {
	dir := t.TempDir()
	m1 := mocktest.New(t, mock.Options{DataDir: dir})
	m1.Control(http.MethodPost, "/scenarios?name=quiet-trade",
		"rules:\n  - name: r\n    when: {method: alipay.trade.precreate}\n    then: {notify: {suppress: true}}\n", http.StatusCreated)
	expect(t, m1.Call("alipay.trade.precreate", `{"out_trade_no":"MV-SAME","total_amount":"9.90","subject":"s"}`), "code", "10000")
	refund := payAndRefundLater(t, m1, "MV-SAME") // a red packet of the same number, no scenario
	// Control, before any restart: a red packet of a suppressed trade's
	// number is told as usual.
	expect(t, m1.Call("alipay.trade.precreate", `{"out_trade_no":"MV-SAME2","total_amount":"9.90","subject":"s"}`), "code", "10000")
	payAndRefundLater(t, m1, "MV-SAME2")(m1)
	for _, n := range m1.WaitNotifications(notify.Filter{OutTradeNo: "MV-SAME2"}, 2) {
		if n.State == notify.Suppressed {
			t.Fatalf("control: red packet MV-SAME2's %s notification is suppressed before any restart", n.Event)
		}
	}
	if err := m1.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	// Twice: the second start is no first start of the directory either.
	for i := range 2 {
		m := mocktest.New(t, mock.Options{DataDir: dir})
		if i == 1 {
			refund(m)
			for _, n := range m.WaitNotifications(notify.Filter{OutTradeNo: "MV-SAME"}, 2) {
				if n.State == notify.Suppressed {
					t.Errorf("red packet MV-SAME's %s notification is suppressed: after a restart it took the policy of the trade of the same number", n.Event)
				}
			}
		}
		if err := m.Srv.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// A data directory an earlier version wrote, which kept a red packet's
// policy under its bare out_order_no (and has no mark that the move was
// made), has it moved to the red packet's own name at its next start, once:
// a later trade policy of the same number stays the trade's.
func TestEarlierVersionsRedPacketPolicyMovesOnce(t *testing.T) {
	dir := t.TempDir()
	m1 := mocktest.New(t, mock.Options{DataDir: dir})
	refundOld := payAndRefundLater(t, m1, "MV-OLD")
	refundNew := payAndRefundLater(t, m1, "MV-NEW")
	if err := m1.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	// What the earlier version left: the policy under the bare number, no mark.
	db, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutPolicy(keys.DevAppID, "MV-OLD", notify.Policy{Suppress: true}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	unmarkPoliciesMoved(t, dir)

	m2 := mocktest.New(t, mock.Options{DataDir: dir})
	refundOld(m2)
	if n := refundOf(t, m2, "MV-OLD"); n.State != notify.Suppressed {
		t.Errorf("red packet MV-OLD's refund is %s: the earlier version's policy of it was not moved to it", n.State)
	}
	// This version's trade policy under MV-NEW's number.
	m2.Control(http.MethodPost, "/scenarios?name=quiet-trade",
		"rules:\n  - name: r\n    when: {method: alipay.trade.precreate}\n    then: {notify: {suppress: true}}\n", http.StatusCreated)
	expect(t, m2.Call("alipay.trade.precreate", `{"out_trade_no":"MV-NEW","total_amount":"9.90","subject":"s"}`), "code", "10000")
	if err := m2.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	m3 := mocktest.New(t, mock.Options{DataDir: dir})
	refundNew(m3)
	if n := refundOf(t, m3, "MV-NEW"); n.State == notify.Suppressed {
		t.Errorf("red packet MV-NEW's refund is suppressed: the second start moved the trade's policy to it again")
	}
}

func refundOf(t *testing.T, m *mocktest.Mock, out string) notify.Notification {
	t.Helper()
	for _, n := range m.WaitNotifications(notify.Filter{OutTradeNo: out}, 2) {
		if n.Event == "refunded" {
			return n
		}
	}
	t.Fatalf("red packet %s: no refund notification", out)
	return notify.Notification{}
}

// unmarkPoliciesMoved takes from the closed data directory dir the mark an
// earlier version's file lacks: its red-packet policies were never moved.
func unmarkPoliciesMoved(t *testing.T, dir string) {
	t.Helper()
	b, err := bolt.Open(filepath.Join(dir, store.FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("meta")).Delete([]byte("policies_moved")) }); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
}
