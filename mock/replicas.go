package mock

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/mock/bill"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/mock/pgstore"
	"github.com/alipay-mock/alipay-mock/mock/trade"
	"github.com/alipay-mock/alipay-mock/mock/userauth"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// sharedPoll is how often a replica looks for due notification attempts
// that no replica planned itself: another's, or a dead one's whose lease
// ran out.
const sharedPoll = 250 * time.Millisecond

// followPoll is how often a replica reads the notifications the others
// wrote, for its lists and long polls.
const followPoll = 100 * time.Millisecond

// share makes a shared database (--store postgres://…) the truth for
// trades, red packets, apps, app authorisations, sign-in's codes and
// tokens, the authorisation pages' forms, royalty relations, the
// notifications' schedule and the clock, so replicas act as one mock
// (docs/replicas.md).
func (s *Server) share(db *pgstore.DB) error {
	db.OnError(func(err error) { s.Log.Error("shared store", "err", err) })

	// Scenario policies for notifications, and buyers who pay after a
	// number of queries: in the database, read by every query, and by
	// every notification while some policy may be stored (a replica that
	// stores one waits until every other heard: pgstore/policies.go).
	s.Notifier.SharePolicies(db)
	s.queryPays = db

	// The clock: the first replica's is everyone's; a change anywhere is
	// heard everywhere.
	sn, err := db.JoinClock(s.Clock.Snapshot())
	if err != nil {
		return err
	}
	var mu sync.Mutex
	heard := sn
	s.Clock.Restore(sn)
	s.Clock.OnJump(func(sn clock.Snapshot) error {
		mu.Lock()
		same := sameSnapshot(sn, heard)
		mu.Unlock()
		if same { // one heard, not a change made here
			return nil
		}
		return db.PutClock(sn) // refused: the clock stays as stored
	})
	ctx, cancel := context.WithCancel(context.Background())
	s.bg.Add(2)
	go func() {
		defer s.bg.Done()
		<-s.stop
		cancel()
	}()
	go func() {
		defer s.bg.Done()
		// usersMissed: sign-in rows announced that could not be read; the
		// next announcement reads them all.
		usersMissed := false
		db.Listen(ctx, func(sn clock.Snapshot) {
			mu.Lock()
			heard = sn
			mu.Unlock()
			if !sameSnapshot(sn, s.Clock.Snapshot()) {
				s.Clock.Restore(sn)
			}
		}, func(kind string) {
			if what, app, ok := db.Forgotten(kind); ok {
				s.forget(what, app)
				return
			}
			if gone, ok := pgstore.JobsGone(kind); ok {
				s.jobsGone(gone)
				return
			}
			if keys, rows := db.UserAuthKeys(kind); rows || kind == pgstore.KindUserAuth {
				usersMissed = s.heardUsers(db, keys, rows && !usersMissed)
				return
			}
			if err := s.reload(db, kind); err != nil {
				s.Log.Error("shared store", "reload", kind, "err", err)
			}
		})
	}()

	// Apps, app authorisations, sign-in's codes and tokens and royalty
	// relations: all in memory, each change written and announced; read
	// again when another replica's is (sign-in's: the rows announced). The
	// authorisations' stores are set
	// first: what Restore drops past its bounds is deleted from the
	// database too.
	s.Auth.Persist(db)
	s.Users.Persist(db)
	for _, k := range []string{pgstore.KindApps, pgstore.KindAppAuth, pgstore.KindUserAuth, pgstore.KindRoyalty} {
		if err := s.reload(db, k); err != nil {
			return err
		}
	}
	s.Apps.Persist(db)
	s.Royalty.Persist(db)
	s.Royalty.Share(db) // relations read at each use, changed under the app's row lock

	// The authorisation pages' consent forms: in the database, so a form
	// one replica showed is answered on any, and spent once.
	forms, err := db.AuthForms()
	if err != nil {
		return err
	}
	s.Users.ShareForms(db, forms)

	// Scenarios: the --scenario files join those in the database; the
	// counters and states of rules that have them are kept there.
	if err := s.Scenarios.Share(db, gateway.Catalogue(), scenarios.ShareOptions{Log: s.Log, KeepUnparsed: true}); err != nil {
		return err
	}
	// Answers queued through the control API: one queue for all.
	if err := s.Faults.Share(db); err != nil {
		return err
	}

	// The journal: one table; entries written in batches off the
	// requests' path.
	if !s.Journal.Options().PerReplica {
		s.Journal.Share(db.Journal())
	}
	// Resets and clears: the others drop what this one deleted.
	s.Forget = s.forgetShared
	// Trades: every operation reads and writes the database, with the
	// income and buyer of each paid trade (the accounts' and transfers').
	db.CountIncome(func(t trade.Trade) amount.Amount { return bill.TradeIncome(&t, s.feeRate) }, s.Apps.Account)
	db.CountCredits(s.creditAccount) // what settlements pay into other mock merchants' accounts
	db.OpenAt(s.Fund.Opening())      // a refund, settlement or red packet the balance cannot cover is refused in its transaction
	// Transfers and accounts: the database is the book; its accounts are
	// the merchants' (an earlier version's, per app, merged first: the
	// apps are registered by now).
	if err := db.UpgradeAccounts(s.Apps.Account, s.Fund.Opening()); err != nil {
		return err
	}
	s.Trades.Use(db.Trades(s.Trades.Deadline))
	s.Fund.Use(db.Fund())
	s.Coupons.Use(db.RedPackets(s.Coupons.Deadline))
	db.Keep(s.Trades.Keep(), s.Coupons.Keep()) // the database holds what --keep-* allow, as --data's file does

	// Notifications: kept in the database, each attempt leased to one replica.
	out := db.Notifications(s.Notifier.Lease())
	s.Notifier.Outbox().Persist(out)
	// Each event that notifies is marked untold in its trade's (red
	// packet's) transaction, and its notification's insert deletes the
	// mark; marks a dead replica left are told by whichever replica's
	// sweep comes first (retellShared).
	s.Trades.ObserveStored(s.tradeEvent, s.tellsTrade)
	s.Coupons.ObserveStored(s.couponEvent, s.Notifier.NotifiesCoupon)
	s.Notifier.Share(out, db.Boots()*1_000_000_000)
	s.FollowNotifications = func() error { return s.followShared(out) }
	s.ReadNotification = out.Notification
	s.Log.Info("shared store", "replica", db.Boots())
	return nil
}

// runShared starts what a replica runs in the background; Close stops it:
// the sweep of trades' and red packets' deadlines, the sweep of untold
// marks, the planned jobs, the delivery of due attempts, and the outbox
// following every replica's notifications (and bounding the pending ones).
func (s *Server) runShared() {
	out := s.pg.Notifications(s.Notifier.Lease())
	grace := untoldGrace
	s.bg.Add(5)
	go func() {
		defer s.bg.Done()
		s.sweepTrades()
	}()
	go func() {
		defer s.bg.Done()
		s.retellShared(grace)
	}()
	go func() {
		defer s.bg.Done()
		s.runJobs(s.gw)
	}()
	go func() {
		defer s.bg.Done()
		s.Notifier.RunShared(s.stop, sharedPoll, func(error) {}) // the store reports failures
	}()
	go func() {
		defer s.bg.Done()
		t := time.NewTicker(followPoll)
		defer t.Stop()
		for {
			_ = s.followShared(out) // the store reports failures
			// The pending bound, on what every replica made (the store
			// reports failures).
			s.Notifier.BoundShared(func(error) {})
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
}

// followPage is how many notifications a follow reads at a time.
const followPage = 500

// followShared takes up the notifications any replica wrote since this
// one last followed them: every follow poll, and before a control-API read
// of the notifications (Deps.FollowNotifications), so that the read shows
// every notification stored before it came.
func (s *Server) followShared(out *pgstore.Outbox) error {
	s.followMu.Lock()
	defer s.followMu.Unlock()
	if s.refollow.Swap(false) {
		s.follow = pgstore.Follow{}
	}
	return out.Changed(&s.follow, followPage, s.Notifier.Follow)
}

// heardUsers takes up an announcement of sign-in's codes and tokens: only
// the rows it names when rowsOnly (nothing was missed before), else all of
// them again. It reports whether this failed, so the next announcement
// reads all of them again.
func (s *Server) heardUsers(db *pgstore.DB, keys []string, rowsOnly bool) (missed bool) {
	var err error
	if rowsOnly {
		var ch userauth.Changes
		if ch, err = db.UserAuthChanges(keys); err == nil {
			s.Users.Heard(ch)
		}
	} else {
		err = s.reload(db, pgstore.KindUserAuth)
	}
	if err != nil {
		s.Log.Error("shared store", "reload", pgstore.KindUserAuth, "err", err)
	}
	return err != nil
}

// reload reads one kind of state another replica changed.
func (s *Server) reload(db *pgstore.DB, kind string) error {
	switch kind {
	case pgstore.KindApps:
		recs, err := db.Apps()
		if err != nil {
			return err
		}
		return s.Apps.Restore(recs)
	case pgstore.KindAppAuth:
		codes, tokens, err := db.AppAuth()
		if err != nil {
			return err
		}
		s.Auth.Restore(codes, tokens)
	case pgstore.KindUserAuth:
		codes, tokens, err := db.UserAuth()
		if err != nil {
			return err
		}
		s.Users.Restore(codes, tokens)
	case pgstore.KindScenarios:
		st, err := db.Scenarios()
		if err != nil {
			return err
		}
		s.Scenarios.Refresh(st)
	case pgstore.KindFaults:
		st, err := db.Faults()
		if err != nil {
			return err
		}
		s.Faults.Refresh(st)
	case pgstore.KindRoyalty:
		rels, err := db.Relations()
		if err != nil {
			return err
		}
		s.Royalty.Restore(rels)
	}
	return nil
}

// sweepTrades applies the trades', red packets' and transfers' deadlines that have come, whichever
// replica made the trade (each plans its own on its scheduler too; a dead
// one's are applied here): every poll and whenever the clock moves. Every
// replica sweeps; the row lock lets one change a trade, the others find
// nothing left to do. An advance on this replica does not wait for it: it
// applies them itself before it answers (sweepDue, clock.Scheduler.Elsewhere).
func (s *Server) sweepTrades() {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		moved := s.Clock.Moved()
		_, _ = s.sweepDue(s.Clock.Now()) // the store reports failures
		select {
		case <-s.stop:
			return
		case <-moved:
		case <-t.C:
		}
	}
}

// sweepDue applies the deadlines stored in the database that have come at
// now and returns what it changed, as the scheduler's jobs report it. A
// row another replica is settling is waited for (its row lock), so what
// it changed is committed when this returns. The error is a failed read
// of what is due.
func (s *Server) sweepDue(now time.Time) ([]clock.Fired, error) {
	var out []clock.Fired
	var failed error
	for {
		due, err := s.pg.DueTrades(now, 200)
		if err != nil || len(due) == 0 {
			failed = err
			break
		}
		changed := 0
		for _, d := range due {
			for _, e := range s.Trades.Settle(d[0], d[1]) {
				out = append(out, clock.Fired{At: e.At, Kind: "trade." + string(e.Type), Ref: d[1], Detail: string(e.Status)})
				changed++
			}
		}
		if changed == 0 {
			break // due rows another replica is settling: next round
		}
	}
	for s.Fund.Sweep(64) > 0 { // due DEALING transfers, statuses a dead replica did not announce
	}
	for {
		due, err := s.pg.DueRedPackets(now, 200)
		if err != nil || len(due) == 0 {
			failed = errors.Join(failed, err)
			break
		}
		changed := 0
		for _, no := range due {
			for _, e := range s.Coupons.Settle(no) {
				out = append(out, clock.Fired{At: e.At, Kind: "red_packet." + e.Type, Ref: no, Detail: e.Detail})
				changed++
			}
		}
		if changed == 0 {
			break
		}
	}
	return out, failed
}

// untoldPoll is how often a replica looks for untold marks left past
// their grace (pgstore.UntoldGrace).
const untoldPoll = 5 * time.Second

// untoldBatch is how many marks a sweep claims at a time: few, so that
// their lease (10 s) rarely runs out while it tells them. One that does
// is claimed again, but tells nothing twice: a notification is stored
// only by the statement that deletes its mark (pgstore's Outbox).
const untoldBatch = 10

// untoldGrace is pgstore.UntoldGrace; internal tests shorten it.
var untoldGrace = pgstore.UntoldGrace

// retellShared makes the notifications a replica that died between a
// trade's (red packet's) transaction and its notification's insert did
// not store: at start and every untoldPoll, it claims the marks older
// than grace (leased, so one replica tells each) and tells each event
// from the trade as that event left it (trade.Trade.AsOf,
// coupon.Order.AsOf), as --data's start does (retell). The notification's
// insert deletes the mark, and stores nothing if another replica's insert
// deleted it first (a live replica that stalled past the grace, or a
// sweep whose lease ran out): each event is told once.
func (s *Server) retellShared(grace time.Duration) {
	t := time.NewTicker(untoldPoll)
	defer t.Stop()
	for {
		for {
			us, err := s.pg.ClaimUntold(grace, untoldBatch)
			if err != nil || len(us) == 0 {
				break
			}
			made := 0
			for _, u := range us {
				if s.retellMark(u) {
					made++
				}
			}
			s.Log.Warn("notifications a replica did not store made again", "events", len(us), "notifications", made)
		}
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
	}
}

// retellMark tells the event u marks, if it still notifies, and deletes
// the mark. A read or write that fails leaves the mark: its lease runs
// out and a sweep tries again.
func (s *Server) retellMark(u pgstore.Untold) bool {
	told := false
	if u.RedPacket {
		o, ok, err := s.pg.StoredRedPacket(u.Key)
		if err != nil {
			return false
		}
		if ok && o.AppID == u.AppID {
			if told, err = s.retellRedPacket(o, u.Event); err != nil {
				return false
			}
		}
	} else {
		t, ok, err := s.pg.StoredTrade(u.Key)
		if err != nil {
			return false
		}
		if ok && t.AppID == u.AppID {
			if told, err = s.retellTrade(t, u.Event); err != nil {
				return false
			}
		}
	}
	_ = s.pg.ForgetUntold(u) // its notification's insert deleted it, or none was made; the store reports failures
	return told
}

func sameSnapshot(a, b clock.Snapshot) bool {
	return a.Base.Equal(b.Base) && a.Anchor.Equal(b.Anchor) && a.Speed == b.Speed && a.Frozen == b.Frozen
}

// SharedStore names the shared database (--store) without its password,
// or is empty.
func (s *Server) SharedStore() string {
	if s.pg == nil {
		return ""
	}
	return s.pg.String()
}
