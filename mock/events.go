package mock

import (
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/bill"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/domain"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// tradeEvent is the trade book's observer: it hands events to the notifier
// and plans async settlements' messages. The trade's deadlines (expiry,
// end of the refund window) are the book's own queue (armTrades).
//
// The error is the notification's (the message plan's) write's: the
// change is then not answered as done.
func (s *Server) tradeEvent(t trade.Trade, e trade.Event) error {
	err := s.notifyTrade(t, e)
	if st, ok := settlesLater(t, e); ok {
		err = errors.Join(err, s.scheduleSettle(t, st, markOf(t, e)...))
	}
	return err
}

// tellsTrade reports whether tradeEvent makes something of e that must
// survive a crash: a notification, or an async settlement's message.
// The trade book calls it under its lock (Hidden reads only the options)
// and marks each such event untold in its commit.
func (s *Server) tellsTrade(t trade.Trade, e trade.Event) bool {
	_, settles := settlesLater(t, e)
	return settles || (!s.Trades.Hidden(t) && s.Notifier.Notifies(t, e))
}

// settlesLater is the async settlement e recorded on t (the trade as e
// left it), whose message is sent when its transfers are done.
func settlesLater(t trade.Trade, e trade.Event) (trade.Settlement, bool) {
	if e.Type != trade.EventSettled || len(t.Settlements) == 0 {
		return trade.Settlement{}, false
	}
	st := t.Settlements[len(t.Settlements)-1]
	return st, st.Mode == "async"
}

// markOf is e's untold mark, which the write that stores what e makes
// clears.
func markOf(t trade.Trade, e trade.Event) []trade.Untold {
	if i, ok := trade.EventIndex(t, e); ok {
		return []trade.Untold{{AppID: t.AppID, TradeNo: t.TradeNo, Event: i}}
	}
	return nil
}

// notifyTrade hands a trade's event to the notifier. A trade no buyer
// scanned does not exist for its merchant in production, so nothing is
// notified for it (docs/differences.md).
func (s *Server) notifyTrade(t trade.Trade, e trade.Event) error {
	if s.Trades.Hidden(t) {
		return nil
	}
	return s.Notifier.TradeEvent(t, e)
}

// retellTrade tells t's event number event, an untold mark's, from the
// trade as that event left it (trade.Trade.AsOf), if it still tells
// (tellsTrade); told says whether it made a notification (or planned a
// settlement's message). An event t does not have tells nothing.
func (s *Server) retellTrade(t trade.Trade, event int) (told bool, err error) {
	if event >= len(t.History) {
		return false, nil
	}
	t = t.AsOf(event)
	if e := t.History[event]; s.tellsTrade(t, e) {
		return true, s.tradeEvent(t, e)
	}
	return false, nil
}

// retellRedPacket is retellTrade for a red packet (coupon.Order.AsOf).
func (s *Server) retellRedPacket(o coupon.Order, event int) (told bool, err error) {
	if event >= len(o.History) {
		return false, nil
	}
	o = o.AsOf(event)
	if e := o.History[event]; s.Notifier.NotifiesCoupon(o, e) {
		return true, s.Notifier.CouponEvent(o, e)
	}
	return false, nil
}

// scheduleSettle plans the message of an async settlement
// (alipay.trade.order.settle.notify) for when its transfers are done. It
// goes to the 应用网关 (app_gateway_url) of the app that called, as the app
// is set up then; an app without one gets none, as in production an app
// that did not set one up or subscribe to the message.
//
// The plan's write (a kept or shared job) clears the settled event's
// untold mark, told. A write that failed is its error, and the mark that
// stays plans the message (--store: a replica's untold sweep; --data: the
// next start), not this process's clock too: two plans could send it
// twice. Without a mark (a start planning it from its trade) a message
// whose write failed is planned in memory only.
func (s *Server) scheduleSettle(t trade.Trade, st trade.Settlement, told ...trade.Untold) error {
	if st.Mode != "async" {
		return nil
	}
	planned, err := s.laterSettle(t, st, told...) // --store: whichever replica is alive then sends it
	if !planned && err == nil {
		planned, err = s.keepSettle(t, st, told...) // --data: kept until it has run
	}
	if planned || (err != nil && len(told) > 0) {
		return err
	}
	s.Sched.Schedule(clock.Job{At: st.DoneAt(), Kind: "settle", Ref: st.SettleNo, Key: t.AppID + "|" + t.OutTradeNo,
		Run: func(at time.Time) []clock.Fired { out, _ := s.settleDone(t, st, at); return out }}) // the store reports failures
	return err
}

// settleDone queues the message of an async settlement whose transfers are
// done; nothing when its trade is gone (reset since). The error is the
// message's write's.
func (s *Server) settleDone(t trade.Trade, st trade.Settlement, at time.Time) ([]clock.Fired, error) {
	if cur, err := s.Trades.Get(t.AppID, t.TradeNo); errors.Is(err, trade.ErrNotFound) || (err == nil && cur.TradeNo != t.TradeNo) {
		return nil, nil
	}
	appID := t.AppID
	if t.ISVAppID != "" {
		appID = t.ISVAppID
	}
	a, ok := s.Apps.Get(appID)
	if !ok || a.AppGatewayURL == "" {
		return []clock.Fired{{At: at, Kind: "settle", Ref: st.SettleNo, Detail: "done; no app_gateway_url, no message sent"}}, nil
	}
	if s.settleMessaged(t.TradeNo, st.SettleNo) { // queued by a run the mock stopped after
		return nil, nil
	}
	if err := s.Notifier.SettleMessage(t, st, appID, a.AppGatewayURL, a.SignType, st.DoneAt()); err != nil {
		return nil, err
	}
	return []clock.Fired{{At: at, Kind: "settle", Ref: st.SettleNo, Detail: "done; message queued for " + a.AppGatewayURL}}, nil
}

// tradeTimer is the one scheduler job behind every trade's deadline
// (expiry while unpaid, the end of the refund window once paid): the trade
// book queues the deadlines (trade.Book.NextDeadline) and the job stands
// at the earliest, so a million trades cost the scheduler one job.
type tradeTimer struct {
	mu    sync.Mutex
	armed bool
	at    time.Time
	gen   uint64 // which arming the job in the scheduler is
}

// tradeDeadlines is the Ref and Key of the trade timer's job.
const tradeDeadlines = "trade-deadlines"

// armTrades puts the trade timer at the book's earliest deadline, or
// takes it off when no trade has one. The book calls it when a change
// moves the earliest deadline, so the clock's next_due is a deadline that
// still stands (a paid trade's expiry is not).
func (s *Server) armTrades() {
	s.tradeTimer.mu.Lock() // first: armings one after the other, each reading the book afresh
	defer s.tradeTimer.mu.Unlock()
	tt := &s.tradeTimer
	at, ok := s.Trades.NextDeadline()
	if !ok {
		if tt.armed {
			s.Sched.Cancel(tradeDeadlines, nil)
			tt.armed = false
		}
		return
	}
	if tt.armed && at.Equal(tt.at) {
		return
	}
	if tt.armed {
		s.Sched.Cancel(tradeDeadlines, nil)
	}
	tt.gen++
	gen := tt.gen
	tt.armed, tt.at = true, at
	s.Sched.Schedule(clock.Job{At: at, Kind: "trade", Ref: tradeDeadlines, Key: tradeDeadlines,
		Run: func(at time.Time) []clock.Fired { return s.runTradeDeadlines(gen, at) }})
}

// runTradeDeadlines settles the trades whose deadline came (every one up
// to the clock, when it jumped past several) and sets the timer for the
// next.
func (s *Server) runTradeDeadlines(gen uint64, at time.Time) []clock.Fired {
	s.tradeTimer.mu.Lock()
	if s.tradeTimer.gen == gen {
		s.tradeTimer.armed = false
	}
	s.tradeTimer.mu.Unlock()
	if now := s.Clock.Now(); now.After(at) {
		at = now
	}
	var out []clock.Fired
	for _, d := range s.Trades.SettleDue(at) {
		out = append(out, clock.Fired{At: d.Event.At, Kind: "trade." + string(d.Event.Type), Ref: d.TradeNo, Detail: string(d.Event.Status)})
	}
	s.armTrades()
	return out
}

// couponEvent is the red-packet book's observer: notifications, and the
// order's next deadline (pay timeout, processing, automatic refund).
// The error is the notification's write's.
func (s *Server) couponEvent(o coupon.Order, e coupon.Event) error {
	err := s.Notifier.CouponEvent(o, e)
	s.scheduleOrder(o)
	return err
}

// scheduleOrder puts a red packet's next deadline on the scheduler.
func (s *Server) scheduleOrder(o coupon.Order) {
	at, ok := s.Coupons.Deadline(o)
	if !ok {
		return
	}
	no := o.AuthNo
	s.Sched.Schedule(clock.Job{At: at, Kind: "red_packet", Ref: no, Key: "coupon|" + no, App: o.AppID,
		Run: func(time.Time) []clock.Fired {
			var out []clock.Fired
			for _, ev := range s.Coupons.Settle(no) {
				out = append(out, clock.Fired{At: ev.At, Kind: "red_packet." + ev.Type, Ref: no, Detail: ev.Detail})
			}
			return out
		}})
}

// tradesEvicted cancels the scheduled jobs of trades no longer kept: the
// deadline and any simulated buyer still to act. Their notifications are
// the outbox's and run their course.
func (s *Server) tradesEvicted(ts []trade.Trade) {
	for _, t := range ts {
		// What the trade brought in stays in the balance, of an app
		// still there (not a made-up merchant nothing names any more).
		// Counted already, pending (Evicting): in the base now, a frozen
		// trade's part staying frozen. With --data the trade's delete put
		// it there (tradesData).
		if s.db == nil {
			in := bill.TradeIncome(&t, s.feeRate)
			s.Fund.EvictedTrade(t.AppID, in, t.FrozenPart(in), s.accountKept(t.AppID))
			s.Fund.EvictedTo(t.AppID, t.Credits(s.creditAccount))
		} else if !s.accountKept(t.AppID) {
			s.Fund.Release(t.AppID)
		}
		key := t.AppID + "|" + t.OutTradeNo
		if s.pg == nil { // with --store the trade lives on in the database, and its buyer acts on it
			cancelBuyers(s.Sched, key, t.TradeNo, t.OutTradeNo)
			s.dropKeptBuyers(t.AppID, t.OutTradeNo, t.TradeNo) // and their records (--data)
			if s.gw != nil {
				s.gw.DropQueryPay(t.AppID, t.OutTradeNo, t.TradeNo)
			}
			if s.queryPaysKept != nil {
				s.queryPaysKept.drop(key, t.TradeNo)
			}
		}
		s.Notifier.DropPolicy(t.AppID, t.OutTradeNo)
		if s.kept != nil {
			s.kept.drop([]string{key})
		}
	}
}

// cancelBuyers takes off the clock the scenario buyer's steps planned for
// the trade (red packet) numbered no, keyed app|out (key): by Ref
// (gateway.BuyerJob.Ref), as a red packet of the same app and number has
// the same key; and the steps planned without a number (kept by an
// earlier version), whose Ref is out.
func cancelBuyers(sched *clock.Scheduler, key, no, out string) {
	buyer := func(j clock.Job) bool { return strings.HasPrefix(j.Kind, "buyer.") && j.Key == key }
	sched.Cancel(no, buyer)
	sched.Cancel(out, buyer)
}

// ordersEvicted does for red packets what tradesEvicted does for trades.
func (s *Server) ordersEvicted(os []coupon.Order) {
	for _, o := range os {
		s.Sched.Cancel(o.AuthNo, func(j clock.Job) bool { return j.Kind == "red_packet" })
		key := o.AppID + "|" + o.OutOrderNo
		if s.pg == nil {
			cancelBuyers(s.Sched, key, o.AuthNo, o.OutOrderNo)
			s.dropKeptBuyers(o.AppID, o.OutOrderNo, o.AuthNo)
		}
		if s.pg == nil && s.db == nil { // what a funded packet kept out stays out: pending (Evicting), in the base now (with --data its delete put it there: couponsData)
			s.Fund.Evicted(o.AppID, -o.DroppedOutlay(), true)
		}
		policy := notify.RedPacketPolicy(o.OutOrderNo) // not the same-numbered trade's
		s.Notifier.DropPolicy(o.AppID, policy)
		if s.kept != nil {
			s.kept.drop([]string{o.AppID + "|" + policy})
		}
	}
}

// wireFund connects the accounts to the rest of the mock: an app's money
// moves in its merchant's account (apps.Registry.Account, the one rule),
// whose income is the payments of the merchant's apps less fees and
// refunds by the bills' rule (bill.TradeIncome, summed per app by the
// trade book as trades change), known
// payees are the buyers of the app's paid trades (an index the trade book
// keeps, or the shared store's with --store; red-packet claims to a logon
// id pay the same), and every transfer's status
// goes to the app gateway as alipay.fund.trans.order.changed.
func (s *Server) wireFund(feeRate int64) {
	s.feeRate = feeRate
	// A settlement to another mock merchant's PID pays into its account
	// (as a transfer to it does: fund.Transfer.PayeeAccount).
	s.Trades.CreditRule(s.creditAccount)
	s.Trades.IncomeRule(func(t *trade.Trade) amount.Amount { return bill.TradeIncome(t, feeRate) })
	s.Fund.AccountsBy(s.Apps.Account)
	s.Fund.MerchantsBy(s.Apps.IsMerchant)
	// What royalty_freeze trades brought in is frozen until their
	// settlement ends (trade.Trade.FrozenPart): out of the available
	// balance, in freeze_amount.
	s.Fund.IncomeFrom(func(account string) (income, frozen amount.Amount) {
		for _, app := range s.Apps.AccountApps(account) {
			in, fr := s.Trades.IncomeParts(app)
			income += in - fr - s.Coupons.Outlay(app)
			frozen += fr
		}
		return income + s.Trades.Received(account), frozen
	})
	if s.pg == nil { // with --store the database keeps every trade and packet
		// An evicted trade's income and a red packet's outlay move into
		// the balance in the step that drops them (fund.Book.Evicting).
		s.Trades.Evicting(s.Fund.EvictingTrade)
		s.Coupons.Evicting(s.Fund.Evicting)
	}
	if s.pg == nil { // with --store the red packet's transaction checks and takes it
		s.Coupons.SpendFrom(func(app string, a amount.Amount, apply func()) error {
			if err := s.Fund.Spend(app, a, apply); err != nil {
				if errors.Is(err, fund.ErrBalanceNotEnough) {
					return coupon.ErrBalanceNotEnough
				}
				return err
			}
			return nil
		})
	}
	// A refund, a cancel's refund or a settlement takes money the balance
	// must cover, checked in the trade's change (under the trade book's
	// lock, then the fund book's): the account's income is its apps'
	// trades', read from the book the check runs under, less what the
	// merchant's own red packets took, read under the fund book's lock
	// (Spend changes it there).
	s.Trades.CoveredBy(func(app string, income func(app string) amount.Amount, received func(string) amount.Amount, need amount.Amount) bool {
		account := s.Apps.Account(app)
		apps := s.Apps.AccountApps(account)
		return s.Fund.Cover(app, func() amount.Amount {
			sum := received(account)
			for _, a := range apps {
				sum += income(a) - s.Coupons.Outlay(a)
			}
			return sum
		}, need)
	})
	s.Fund.KnownPayees(s.knownPayee)
	// A claim pays whom a transfer would, and a buyer named by a logon
	// (or an open id) alone is that user; a user id named alone has the
	// logon it paid the app with, if the mock knows one.
	userOf := func(kind string) func(app, identity string) (fixtures.Buyer, error) {
		return func(app, identity string) (fixtures.Buyer, error) {
			who, err := s.Fund.Payee(app, fund.Participant{Identity: identity, IdentityType: kind})
			if errors.Is(err, trade.ErrStore) {
				return fixtures.Buyer{}, err
			}
			return fixtures.Buyer{UserID: who.UserID, Name: who.Name}, nil
		}
	}
	halves := domain.Halves{LogonUser: userOf(fund.IdentityLogonID), UserLogon: s.userBuyer, OpenUser: userOf(fund.IdentityOpenID)}
	s.Trades.BuyerHalves(halves)
	s.Coupons.BuyerHalves(halves)
	s.Royalty.UserLogons(s.userLogon)
	s.Fund.ObserveStored(s.transferEvent, s.tellsTransfer)
	// A made-up merchant no code or token names any more is out of
	// reach: its account goes (a balance read never opens one).
	s.Auth.OnForget(func(app string) {
		if _, ok := s.Apps.Get(app); !ok {
			s.Fund.Release(app)
		}
	})
	// ... and one a transfer or a balance set opened as it went goes too.
	s.Fund.KeptWhile(s.accountKept)
}

// creditAccount is the account a settlement to user pays into: a mock
// merchant's (its PID), else none.
func (s *Server) creditAccount(user string) string {
	if s.Apps.IsMerchant(user) {
		return user
	}
	return ""
}

// accountKept reports whether the account of an app, or an account, is
// kept: a registered or configured app's, a registered app's merchant's
// (its PID), or that of a merchant a code or token still names.
func (s *Server) accountKept(app string) bool {
	if _, ok := s.Apps.Get(app); ok || s.configured[app] {
		return true
	}
	if apps := s.Apps.AccountApps(app); apps[0] != app {
		return true // a registered merchant's PID
	}
	return s.Auth.Knows(app)
}

// knownPayee finds the buyer of one of the app's paid trades that a payee
// identity names: by user id, by the logon account it paid with, or by its
// open id for the app; an open id the app's sign-in gave names its user.
// A lookup the store failed is its error (20000), never a stranger paid.
func (s *Server) knownPayee(app string, p fund.Participant) (fund.Payee, bool, error) {
	var kind string
	switch p.IdentityType {
	case fund.IdentityUserID:
		kind = trade.ByUserID
	case fund.IdentityLogonID:
		kind = trade.ByAccount
	case fund.IdentityOpenID:
		kind = trade.ByOpenID
	default:
		return fund.Payee{}, false, nil
	}
	var b fixtures.Buyer
	var ok bool
	if s.pg != nil {
		var err error
		if b, ok, err = s.pg.PaidBuyer(app, kind, p.Identity); err != nil {
			return fund.Payee{}, false, err
		}
	} else {
		b, ok = s.Trades.PaidBuyer(app, kind, p.Identity)
	}
	if !ok && kind == trade.ByOpenID {
		// A user the app's sign-in gave the open id (a pair kept):
		// the same user in sign-in, trades and transfers.
		b.UserID, ok = s.Users.SignedIn(app, p.Identity)
	}
	return fund.Payee{UserID: b.UserID, Name: b.Name}, ok, nil
}

// userLogon is the logon account of a user of the app: the one a known
// buyer (knownPayee's) paid with, else fixtures.LogonOf. A lookup the
// store failed is its error (20000).
func (s *Server) userLogon(app, user string) (string, error) {
	b, err := s.userBuyer(app, user)
	if err != nil {
		return "", err
	}
	if b.Account != "" {
		return b.Account, nil
	}
	return fixtures.LogonOf(user), nil
}

// userBuyer is the logon account (Account) and name of a user of the app
// as a known buyer (knownPayee's) paid, or none. A lookup the store
// failed is its error (20000).
func (s *Server) userBuyer(app, user string) (fixtures.Buyer, error) {
	var b fixtures.Buyer
	var ok bool
	if s.pg != nil {
		var err error
		if b, ok, err = s.pg.PaidBuyer(app, trade.ByUserID, user); err != nil {
			return fixtures.Buyer{}, err
		}
	} else {
		b, ok = s.Trades.PaidBuyer(app, trade.ByUserID, user)
	}
	if !ok {
		return fixtures.Buyer{}, nil
	}
	return fixtures.Buyer{Account: b.Account, Name: b.Name}, nil
}

// transferEvent sends a transfer's status to the app gateway and plans
// the end of a DEALING transfer on the scheduler. The error is the
// message's write's.
func (s *Server) transferEvent(t fund.Transfer) error {
	err := s.messageTransfer(t)
	s.scheduleTransfer(t)
	return err
}

// messageTransfer sends t's status to the app gateway of the app that
// called, as the app is set up then; its write clears the status's untold
// mark.
func (s *Server) messageTransfer(t fund.Transfer) error {
	a, ok := s.transferGateway(t)
	if !ok {
		return nil
	}
	var mark []fund.Untold
	if s.pg == nil { // with --store the status's lease stands for the mark (fund.Book.announce)
		mark = []fund.Untold{{AppID: t.AppID, OutBizNo: t.OutBizNo, Event: fund.StatusEvent(t)}}
	}
	return s.Notifier.TransferMessage(t, a.AppID, a.AppGatewayURL, a.SignType, t.Changed, mark...)
}

// tellsTransfer reports whether transferEvent sends a message of t's
// status; the fund book marks each such status untold in its write.
func (s *Server) tellsTransfer(t fund.Transfer) bool {
	_, ok := s.transferGateway(t)
	return ok
}

// transferGateway is the app a transfer's message goes to (the ISV's that
// called, else the transfer's), when it has an app gateway.
func (s *Server) transferGateway(t fund.Transfer) (*apps.App, bool) {
	appID := t.AppID
	if t.ISVAppID != "" {
		appID = t.ISVAppID
	}
	a, ok := s.Apps.Get(appID)
	return a, ok && a.AppGatewayURL != ""
}

// retellTransfer sends the message of t's status event, an untold mark's,
// from the transfer as that status left it (fund.Transfer.AsOf), if it
// still tells; told says whether it made one.
func (s *Server) retellTransfer(t fund.Transfer, event int) (told bool, err error) {
	t, ok := t.AsOf(event)
	if !ok || !s.tellsTransfer(t) {
		return false, nil
	}
	return true, s.messageTransfer(t)
}

// transfersEvicted takes the ends of DEALING transfers no longer kept off
// the clock; their messages are the outbox's and run their course.
func (s *Server) transfersEvicted(ts []fund.Transfer) {
	for _, t := range ts {
		if t.Status == fund.Dealing {
			s.Sched.Cancel(t.OrderID, func(j clock.Job) bool { return j.Kind == "transfer" })
		}
	}
}

// scheduleTransfer puts the end of a DEALING transfer on the scheduler.
func (s *Server) scheduleTransfer(t fund.Transfer) {
	at, ok := fund.Due(t)
	if !ok {
		return
	}
	app, out := t.AppID, t.OutBizNo
	s.Sched.Schedule(clock.Job{At: at, Kind: "transfer", Ref: t.OrderID, Key: app + "|transfer|" + out,
		Run: func(at time.Time) []clock.Fired {
			if x, ok := s.Fund.Settle(app, out); ok {
				return []clock.Fired{{At: at, Kind: "transfer", Ref: x.OrderID, Detail: string(x.Status)}}
			}
			return nil
		}})
}
