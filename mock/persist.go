package mock

import (
	"errors"
	"fmt"
	"sync"

	"github.com/alipay-mock/alipay-mock/mock/bill"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/mock/trade"
	"github.com/alipay-mock/alipay-mock/scenarios"

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
	// The clock's hook runs under the clock's lock: it queues the reading
	// without waiting (refusing it only when the data file is closed), so
	// clock readers never wait for the disk and an advance's stops share
	// commits. What the jobs and requests of the new reading change is
	// queued after it, so never on disk before it. The change then waits
	// once, outside the lock, for the last reading queued (OnSettle): one
	// not on disk puts the clock back and the change is answered 503.
	// Every run of the scheduler (which each clock change through the
	// control API and the dashboard ends with) waits until what its jobs
	// changed is on disk before it answers. The store logs failures
	// (OnError).
	var clockMu sync.Mutex
	var clockQueued func() error // nil once waited for: it holds its batch
	var clockSeq int
	s.Clock.OnJump(func(sn clock.Snapshot) error {
		wait, err := db.QueueClock(sn)
		if err != nil {
			return err
		}
		clockMu.Lock()
		clockQueued, clockSeq = wait, clockSeq+1
		clockMu.Unlock()
		return nil
	})
	s.Clock.OnSettle(func() error {
		clockMu.Lock()
		wait, seq := clockQueued, clockSeq
		clockMu.Unlock()
		if wait == nil {
			return nil
		}
		err := wait()
		clockMu.Lock()
		if err == nil && seq == clockSeq {
			clockQueued = nil
		}
		clockMu.Unlock()
		return err
	})
	s.Sched.AfterRun(func() { _ = db.Sync() })
	if err := db.PutClock(s.Clock.Snapshot()); err != nil {
		return err
	}

	// The scenarios in force, with their counters and states: the stored
	// ones, and the files given at start that are not among them.
	ks, err := newKeptScenarios(db)
	if err != nil {
		return err
	}
	if err := s.Scenarios.Share(ks, gateway.Catalogue(), scenarios.ShareOptions{Log: s.Log}); err != nil {
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

	codes, tokens, err := db.AppAuth()
	if err != nil {
		return err
	}
	// Authorisations before balances: the accounts of made-up merchants
	// they no longer name go. Persist first: what Restore drops is
	// deleted from the file too.
	s.Auth.Persist(db)
	s.Auth.Restore(codes, tokens)

	// Balances before trades: what trades evicted at start brought in is
	// credited to them.
	accounts, perApp, transfers, err := db.Transfers()
	if err != nil {
		return err
	}
	s.Fund.Persist(db)
	keptTransfers := s.Fund.Restore(accounts, perApp, transfers)
	s.Fund.Prune(s.accountKept)
	for _, t := range keptTransfers {
		s.scheduleTransfer(t) // a DEALING one due while the mock was down ends at once, after retell
	}

	trades, err := db.Trades()
	if err != nil {
		return err
	}
	// Persist first: what Restore evicts past --keep-trades is deleted
	// from the file too, so the store is trimmed at every start.
	s.Trades.Persist(tradesData{db, s})
	kept := s.Trades.Restore(trades)
	s.armTrades() // the deadlines of the trades kept

	orders, err := db.Orders()
	if err != nil {
		return err
	}
	s.Coupons.Persist(couponsData{db, s})
	keptOrders := s.Coupons.Restore(orders)
	for _, o := range keptOrders {
		s.scheduleOrder(o)
	}

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
	last, err := db.LastNotificationID()
	if err != nil {
		return err
	}
	s.Notifier.Outbox().Persist(db)
	s.Notifier.Restore(ns)
	s.Notifier.Numbered(last) // a cleared notification's id is not handed out again

	// What the start keeps, read from what it loaded: nothing in restore
	// looks a trade or red packet up in the books, which would apply the
	// clock (and notify) before what a crash lost is retold below.
	ka := keptOf(kept, keptOrders, keptTransfers)
	s.keepPoliciesOfKept(ka)
	if s.queryPaysKept, err = newKeptQueryPays(db); err != nil {
		return err
	}
	s.keepQueryPaysOfKept(ka)

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
	s.Trades.ObserveStored(s.tradeEvent, s.tellsTrade)
	s.Coupons.ObserveStored(s.couponEvent, s.Notifier.NotifiesCoupon)
	if err := s.retell(db, ka); err != nil {
		return err
	}
	s.Log.Info("state restored", "boot", db.Boots(), "apps", len(recs), "trades", len(kept),
		"red_packets", len(keptOrders), "notifications", s.Notifier.Outbox().Len(),
		"evicted", len(trades)-len(kept)+len(orders)-len(keptOrders)+len(ns)-s.Notifier.Outbox().Len())
	return nil
}

// tradesData is the data directory as the trade book writes to it: the
// trades eviction drops are deleted in one commit with the accounts their
// income moves into (fund.Book.Dropped), so a crash between the two
// cannot lose the money, nor count it twice.
type tradesData struct {
	*store.DB
	s *Server
}

// RemoveTrades deletes evicted trades with the bases that take their
// income, and its frozen part (trade.Store); the trade book calls it under its lock, after
// Evicting counted each one's income pending.
func (d tradesData) RemoveTrades(ts []trade.Trade) error {
	cs := make([]fund.Credit, 0, len(ts))
	for i := range ts {
		in := bill.TradeIncome(&ts[i], d.s.feeRate)
		// A frozen trade's part stays frozen (fund.Snapshot.Frozen).
		cs = append(cs, fund.Credit{App: ts[i].AppID, Amount: in, Frozen: ts[i].FrozenPart(in)})
		// What its settlements paid other merchants stays in their accounts.
		for k, x := range ts[i].Credits(d.s.creditAccount) {
			cs = append(cs, fund.Credit{App: ts[i].AppID, Amount: x, Account: k})
		}
	}
	var err error
	d.s.Fund.Dropped(cs, func(accounts map[string]fund.Snapshot) { err = d.RemoveTradesCrediting(ts, accounts) })
	return err
}

// couponsData is tradesData for red packets: what a merchant-funded
// packet keeps out leaves the base in its delete's commit.
type couponsData struct {
	*store.DB
	s *Server
}

// RemoveOrders deletes evicted red packets with the bases their outlay
// leaves (coupon.Store).
func (d couponsData) RemoveOrders(os []coupon.Order) error {
	cs := make([]fund.Credit, len(os))
	for i := range os {
		cs[i] = fund.Credit{App: os[i].AppID, Amount: -os[i].DroppedOutlay()}
	}
	var err error
	d.s.Fund.Dropped(cs, func(accounts map[string]fund.Snapshot) { err = d.RemoveOrdersCrediting(os, accounts) })
	return err
}

// keptAtStart is what a start kept of the trades, red packets and
// transfers it loaded, as stored: by app|out_trade_no (out_order_no), and
// by app|trade_no (auth_no, out_biz_no) for retell.
type keptAtStart struct {
	trades    map[string]string // app|out_trade_no → trade_no
	orders    map[string]bool   // app|out_order_no
	byNo      map[string]trade.Trade
	packets   map[string]coupon.Order
	transfers map[string]fund.Transfer
}

func keptOf(ts []trade.Trade, os []coupon.Order, xs []fund.Transfer) keptAtStart {
	k := keptAtStart{trades: make(map[string]string, len(ts)), orders: make(map[string]bool, len(os)),
		byNo: make(map[string]trade.Trade, len(ts)), packets: make(map[string]coupon.Order, len(os)),
		transfers: make(map[string]fund.Transfer, len(xs))}
	for _, x := range xs {
		k.transfers[x.AppID+"|"+x.OutBizNo] = x
	}
	for _, t := range ts {
		k.trades[t.AppID+"|"+t.OutTradeNo] = t.TradeNo
		k.byNo[t.AppID+"|"+t.TradeNo] = t
	}
	for _, o := range os {
		k.orders[o.AppID+"|"+o.OutOrderNo] = true
		k.packets[o.AppID+"|"+o.AuthNo] = o
	}
	return k
}

// retell makes the notifications a crash lost: each event still marked
// untold is a stored trade's (red packet's, transfer's) whose
// notification (message, settlement's plan) was not stored (the mock
// stopped between the two commits), so it is told now, with the trade as
// that event left it (trade.Trade.AsOf, coupon.Order.AsOf,
// fund.Transfer.AsOf), each one's in the order its events happened
// (store.Untold).
// It reads the trades as stored, not through the books, and runs before
// anything in the start looks one up: a lookup applies the clock, and what
// fell due while the mock was down (a red packet's automatic refund,
// TRADE_FINISHED) would be notified first, and the event told as the
// clock left it. Once all are retold, the clock is applied to those
// trades and red packets, so what fell due follows at once.
// Marks of trades no longer kept, or of events that notify nothing, are
// dropped.
func (s *Server) retell(db *store.DB, kept keptAtStart) error {
	m, err := db.Untold()
	if err != nil || m.Len() == 0 {
		return err
	}
	marks, packets := m.Trades, m.RedPackets
	made := 0
	for _, u := range m.Transfers {
		x, ok := kept.transfers[u.AppID+"|"+u.OutBizNo]
		if !ok {
			continue
		}
		told, err := s.retellTransfer(x, u.Event)
		if err != nil {
			return fmt.Errorf("store: message of transfer %s: %w", x.OutBizNo, err)
		}
		if told {
			made++
		}
	}
	for _, u := range packets {
		o, ok := kept.packets[u.AppID+"|"+u.AuthNo]
		if !ok {
			continue
		}
		told, err := s.retellRedPacket(o, u.Event)
		if err != nil {
			return fmt.Errorf("store: notification of red packet %s: %w", o.AuthNo, err)
		}
		if told {
			made++
		}
	}
	for _, u := range marks {
		t, ok := kept.byNo[u.AppID+"|"+u.TradeNo]
		if !ok {
			continue
		}
		told, err := s.retellTrade(t, u.Event)
		if err != nil {
			return fmt.Errorf("store: notification of trade %s: %w", t.TradeNo, err)
		}
		if told {
			made++
		}
	}
	s.Log.Warn("notifications the last run did not store made again", "events", m.Len(), "notifications", made)
	if err := db.ForgetUntold(m); err != nil {
		return err
	}
	// What fell due for them while the mock was down, after what it retold
	// (a lookup settles; its notifications are marked as any).
	for _, u := range packets {
		if _, ok := kept.packets[u.AppID+"|"+u.AuthNo]; ok {
			_, _ = s.Coupons.Get(u.AppID, u.AuthNo)
		}
	}
	for _, u := range marks {
		if _, ok := kept.byNo[u.AppID+"|"+u.TradeNo]; ok {
			_, _ = s.Trades.Get(u.AppID, u.TradeNo)
		}
	}
	return nil
}

// StoreStats are the data directory's group-commit counts (zero without
// --data): how many fsyncs the changes shared.
func (s *Server) StoreStats() store.Stats {
	if s.db == nil {
		return store.Stats{}
	}
	return s.db.Stats()
}
