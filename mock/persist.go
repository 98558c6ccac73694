package mock

import (
	"errors"
	"fmt"

	"github.com/alipay-mock/alipay-mock/mock/clock"

	"github.com/alipay-mock/alipay-mock/mock/store"
)

// restore loads what a data directory holds and makes every later change
// write through to it: the clock first, so deadlines are judged on it, then
// apps, trades, red packets and notifications, whose deadlines and pending
// attempts go back on the scheduler (those that fell due while the mock was
// down run at once).
func (s *Server) restore(db *store.DB) error {
	db.OnError(func(err error) { s.Log.Error("state not stored", "err", err) })
	snap, ok, err := db.Clock()
	if err != nil {
		return fmt.Errorf("store: clock: %w", err)
	}
	if ok {
		s.Clock.Restore(snap)
		s.Log.Info("clock restored", "now", s.Clock.Now(), "speed", snap.Speed, "frozen", snap.Frozen)
	}
	// The clock's hook runs under the clock's lock: it queues the reading,
	// and every run of the scheduler (which each clock change through the
	// control API and the dashboard ends with) waits until what it queued
	// and what its jobs changed is on disk before it answers. The store
	// logs failures (OnError).
	s.Clock.OnJump(func(sn clock.Snapshot) { db.QueueClock(sn) })
	s.Sched.AfterRun(func() { _ = db.Sync() })
	if err := db.PutClock(s.Clock.Snapshot()); err != nil {
		return err
	}

	// Scenario notification policies first: what the books evict below
	// drops its policy.
	if s.kept, err = newKeptPolicies(db); err != nil {
		return err
	}
	s.Notifier.SharePolicies(s.kept)

	recs, err := db.Apps()
	if err != nil {
		return err
	}
	if err := s.Apps.Restore(recs); err != nil {
		return err
	}
	s.Apps.Persist(db)

	// Balances before trades: what trades evicted at start brought in is
	// credited to them.
	accounts, transfers, err := db.Transfers()
	if err != nil {
		return err
	}
	s.Fund.Persist(db)
	for _, t := range s.Fund.Restore(accounts, transfers) {
		s.scheduleTransfer(t) // a DEALING one due while the mock was down ends at once
	}

	trades, err := db.Trades()
	if err != nil {
		return err
	}
	// Persist first: what Restore evicts past --keep-trades is deleted
	// from the file too, so the store is trimmed at every start.
	s.Trades.Persist(db)
	kept := s.Trades.Restore(trades)
	s.armTrades() // the deadlines of the trades kept

	orders, err := db.Orders()
	if err != nil {
		return err
	}
	s.Coupons.Persist(db)
	keptOrders := s.Coupons.Restore(orders)
	for _, o := range keptOrders {
		s.scheduleOrder(o)
	}

	codes, tokens, err := db.AppAuth()
	if err != nil {
		return err
	}
	// Persist first: what Restore drops is deleted from the file too.
	s.Auth.Persist(db)
	s.Auth.Restore(codes, tokens)

	ucodes, utokens, err := db.UserAuth()
	if err != nil {
		return err
	}
	// Persist first: what Restore evicts past the book's bounds is deleted
	// from the file too.
	s.Users.Persist(db)
	s.Users.Restore(ucodes, utokens)

	rels, err := db.Relations()
	if err != nil {
		return err
	}
	s.Royalty.Restore(rels)
	s.Royalty.Persist(db)

	ns, err := db.Notifications()
	if err != nil {
		return err
	}
	s.Notifier.Outbox().Persist(db)
	s.Notifier.Restore(ns)

	s.keepPoliciesOfKept()
	if s.queryPaysKept, err = newKeptQueryPays(db); err != nil {
		return err
	}
	s.keepQueryPaysOfKept()

	// After the outbox: a settle message's job looks there for a message
	// queued before a stop.
	if err := s.restoreJobs(db, kept, keptOrders); err != nil {
		return err
	}
	s.ForgetKept = func(app string) error {
		s.buyersKept.forget(app)
		return errors.Join(db.DeleteJobs(app), s.queryPaysKept.forget(app))
	}
	// After the policies (a scenario may keep a trade silent) and the jobs.
	// From now on each trade event that notifies is marked untold in its
	// trade's commit, until its notification's write clears the mark.
	s.Trades.ObserveStored(s.tradeEvent, s.notifiesTrade)
	s.Coupons.ObserveStored(s.couponEvent, s.Notifier.NotifiesCoupon)
	if err := s.retell(db); err != nil {
		return err
	}
	s.Log.Info("state restored", "boot", db.Boots(), "apps", len(recs), "trades", len(kept),
		"red_packets", len(keptOrders), "notifications", s.Notifier.Outbox().Len(),
		"evicted", len(trades)-len(kept)+len(orders)-len(keptOrders)+len(ns)-s.Notifier.Outbox().Len())
	return nil
}

// retell makes the notifications a crash lost: each event still marked
// untold is a stored trade's whose notification was not stored (the mock
// stopped between the two commits), so it is notified now, with the
// trade as that event left it (trade.AsOf).
// Marks of trades no longer kept, or of events that notify nothing, are
// dropped.
func (s *Server) retell(db *store.DB) error {
	marks, packets, err := db.Untold()
	if err != nil || len(marks)+len(packets) == 0 {
		return err
	}
	made := 0
	for _, u := range packets {
		// A red packet's, from the order as stored.
		o, err := s.Coupons.Get(u.AppID, u.AuthNo)
		if err != nil || o.AuthNo != u.AuthNo || u.Event >= len(o.History) {
			continue
		}
		if e := o.History[u.Event]; s.Notifier.NotifiesCoupon(o, e) {
			if err := s.Notifier.CouponEvent(o, e); err != nil {
				return fmt.Errorf("store: notification of red packet %s: %w", o.AuthNo, err)
			}
			made++
		}
	}
	for _, u := range marks {
		t, err := s.Trades.Get(u.AppID, u.TradeNo)
		if err != nil || t.TradeNo != u.TradeNo || u.Event >= len(t.History) {
			continue
		}
		t = t.AsOf(u.Event)
		if e := t.History[u.Event]; s.notifiesTrade(t, e) {
			if err := s.notifyTrade(t, e); err != nil {
				return fmt.Errorf("store: notification of trade %s: %w", t.TradeNo, err)
			}
			made++
		}
	}
	s.Log.Warn("notifications the last run did not store made again", "events", len(marks)+len(packets), "notifications", made)
	return db.ForgetUntold(marks, packets)
}

// StoreStats are the data directory's group-commit counts (zero without
// --data): how many fsyncs the changes shared.
func (s *Server) StoreStats() store.Stats {
	if s.db == nil {
		return store.Stats{}
	}
	return s.db.Stats()
}
