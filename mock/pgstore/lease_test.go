package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// A replica making an attempt renews its lease (notify's RunShared does,
// while it delivers): a lease that would have lapsed is held again, so no
// other replica claims the attempt; one another replica claimed since, or
// one let go when its attempt was written back, is left alone.
func TestRenewedNotificationLeaseIsNotClaimed(t *testing.T) {
	_, url := replicasAt(t, 1, mock.Options{})
	a, b := openDB(t, url).Notifications(time.Minute), openDB(t, url).Notifications(time.Minute)
	conn := pgtest.Conn(t, url)
	ctx := context.Background()
	// Due long after the replica's clock (wall time), which claims what is
	// due: only this test's claims, at at, see it.
	at := time.Date(2190, 1, 2, 3, 4, 5, 0, time.UTC)
	n := notify.Notification{ID: "ntf_lease_1", AppID: "2021000000000009", OutTradeNo: "LEASE-1", State: notify.Pending, NextAttempt: &at}
	if err := a.PutNotification(n)(); err != nil {
		t.Fatal(err)
	}
	if got, err := a.Claim(at, 10); err != nil || len(got) != 1 {
		t.Fatalf("a claimed %d, %v", len(got), err)
	}
	lapse := func() {
		t.Helper()
		if _, err := conn.Exec(ctx, `UPDATE alipay_mock_notifications SET lease_until = clock_timestamp() - interval '1 second' WHERE id = $1`, n.ID); err != nil {
			t.Fatal(err)
		}
	}
	owner := func() (o *string) {
		t.Helper()
		if err := conn.QueryRow(ctx, `SELECT lease_owner FROM alipay_mock_notifications WHERE id = $1`, n.ID).Scan(&o); err != nil {
			t.Fatal(err)
		}
		return o
	}
	lapse()
	if err := a.Renew([]string{n.ID}); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Claim(at, 10); err != nil || len(got) != 0 {
		t.Fatalf("b claimed %d (%v) an attempt a renewed", len(got), err)
	}
	// Lapsed and claimed by b: a's renewal no longer takes it back.
	lapse()
	if got, err := b.Claim(at, 10); err != nil || len(got) != 1 {
		t.Fatalf("b claimed %d, %v; want the lapsed attempt", len(got), err)
	}
	mine := owner()
	if err := a.Renew([]string{n.ID}); err != nil {
		t.Fatal(err)
	}
	if o := owner(); o == nil || mine == nil || *o != *mine {
		t.Fatalf("lease owner %v after a's renewal, want b's %v", o, mine)
	}
	// Written back (its lease let go): a renewal leases nothing.
	if err := b.PutNotification(n.AsWriteBack())(); err != nil {
		t.Fatal(err)
	}
	if err := b.Renew([]string{n.ID}); err != nil {
		t.Fatal(err)
	}
	if o := owner(); o != nil {
		t.Fatalf("lease owner %q after the write-back and a renewal, want none", *o)
	}
}
