package mock

import (
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
	db.OnError(func(err error) { s.log.Error("state not stored", "err", err) })
	snap, ok, err := db.Clock()
	if err != nil {
		return fmt.Errorf("store: clock: %w", err)
	}
	if ok {
		s.Clock.Restore(snap)
		s.log.Info("clock restored", "now", s.Clock.Now(), "speed", snap.Speed, "frozen", snap.Frozen)
	}
	s.Clock.OnJump(func(sn clock.Snapshot) {
		if err := db.PutClock(sn); err != nil {
			s.log.Error("clock not stored", "err", err)
		}
	})
	if err := db.PutClock(s.Clock.Snapshot()); err != nil {
		return err
	}

	recs, err := db.Apps()
	if err != nil {
		return err
	}
	if err := s.Apps.Restore(recs); err != nil {
		return err
	}
	s.Apps.Persist(db)

	trades, err := db.Trades()
	if err != nil {
		return err
	}
	s.Trades.Restore(trades)
	s.Trades.Persist(db)
	for _, t := range trades {
		s.scheduleTrade(t)
	}

	orders, err := db.Orders()
	if err != nil {
		return err
	}
	s.Coupons.Restore(orders)
	s.Coupons.Persist(db)
	for _, o := range orders {
		s.scheduleOrder(o)
	}

	codes, tokens, err := db.AppAuth()
	if err != nil {
		return err
	}
	s.Auth.Restore(codes, tokens)
	s.Auth.Persist(db)

	ns, err := db.Notifications()
	if err != nil {
		return err
	}
	s.Notifier.Outbox().Persist(db)
	s.Notifier.Restore(ns)
	s.log.Info("state restored", "boot", db.Boots(), "apps", len(recs), "trades", len(trades),
		"red_packets", len(orders), "notifications", len(ns))
	return nil
}
