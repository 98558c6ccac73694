package fund

import (
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/clock"
)

// Options are the book's switches.
type Options struct {
	// Keep bounds the transfers kept (0 takes DefaultKeep, negative keeps
	// all); the money of an evicted transfer stays counted.
	Keep int
	// Opening is a new account's balance; 0 takes DefaultOpening.
	Opening amount.Amount
	// SceneOptional accepts a transfer without transfer_scene_name, as
	// production did before December 2025 (--transfer-scene-optional).
	SceneOptional bool
}

// Store keeps transfers and balances across restarts (mock/store.DB).
type Store interface {
	// PutTransfer stores t and waits; untold are its statuses to mark
	// untold in the same commit (ObserveStored).
	PutTransfer(t Transfer, untold ...Untold) error
	RemoveTransfers(ts []Transfer) error
	DeleteTransfers(app string) error
	PutAccount(account string, s Snapshot) error
	DeleteAccount(account string) error
	// UpgradeAccounts stores merged accounts and deletes the per-app
	// accounts of apps (an earlier version's) in one commit.
	UpgradeAccounts(merged map[string]Snapshot, apps []string) error
}

// Snapshot is what is stored of an account besides its transfers.
type Snapshot struct {
	// Base is the balance before any payment or transfer: the opening
	// balance, moved by POST /_mock/apps/{app_id}/balance.
	Base amount.Amount `json:"base"`
	// Evicted is what transfers no longer kept took from the account.
	Evicted amount.Amount `json:"evicted"`
	// Frozen is the part of Base that evicted trades brought in frozen
	// (royalty_freeze, not thawed when dropped): it stays frozen.
	Frozen amount.Amount `json:"frozen,omitempty"`
	// Apps is each app's part of Evicted, of Base and of Frozen (what its
	// evicted trades and packets moved: Book.Evicted), which a reset of
	// the app takes away, leaving the others'.
	Apps map[string]Part `json:"apps,omitempty"`
}

// Part is what one app's evicted transfers took from its account and its
// evicted trades brought in.
type Part struct {
	Evicted  amount.Amount `json:"evicted,omitempty"`
	Credited amount.Amount `json:"credited,omitempty"`
	Frozen   amount.Amount `json:"frozen,omitempty"`
}

// UnmarshalJSON reads a stored snapshot with its amounts exact (amount.Wide):
// every field, a new one added here too.
func (s *Snapshot) UnmarshalJSON(b []byte) error {
	var w struct {
		Base    amount.Wide     `json:"base"`
		Evicted amount.Wide     `json:"evicted"`
		Frozen  amount.Wide     `json:"frozen"`
		Apps    map[string]Part `json:"apps"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*s = Snapshot{Base: amount.Amount(w.Base), Evicted: amount.Amount(w.Evicted), Frozen: amount.Amount(w.Frozen), Apps: w.Apps}
	return nil
}

// UnmarshalJSON reads a stored part with its amounts exact (amount.Wide).
func (p *Part) UnmarshalJSON(b []byte) error {
	var w struct {
		Evicted  amount.Wide `json:"evicted"`
		Credited amount.Wide `json:"credited"`
		Frozen   amount.Wide `json:"frozen"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*p = Part{Evicted: amount.Amount(w.Evicted), Credited: amount.Amount(w.Credited), Frozen: amount.Amount(w.Frozen)}
	return nil
}

// add adds p to app's part (a new map: a copy of the snapshot stays as it
// was).
func (s *Snapshot) add(app string, p Part) {
	apps := make(map[string]Part, len(s.Apps)+1)
	for k, v := range s.Apps {
		apps[k] = v
	}
	q := apps[app]
	q.Evicted += p.Evicted
	q.Credited += p.Credited
	q.Frozen += p.Frozen
	apps[app] = q
	s.Apps = apps
}

// without is the snapshot after a reset of app: the opening balance, and
// what the other apps' evicted transfers and trades moved.
func (s Snapshot) without(app string, opening amount.Amount) Snapshot {
	out := Snapshot{Base: opening}
	for k, p := range s.Apps {
		if k == app {
			continue
		}
		if out.Apps == nil {
			out.Apps = map[string]Part{}
		}
		out.Apps[k] = p
		out.Base += p.Credited
		out.Evicted += p.Evicted
		out.Frozen += p.Frozen
	}
	return out
}

// acct is an account (AccountsBy): the stored part, and what its kept
// transfers hold (kept as they change, so a balance is never a walk).
type acct struct {
	Snapshot
	out, freeze amount.Amount
	in          amount.Amount // what kept SUCCESS transfers from other merchants brought (PayeeAccount)
	n           int           // kept transfers
	// pending is what evicted trades and red packets moved out of the
	// income (Evicting) and their removal's write has not yet put in
	// Base (Evicted), by app: counted in the balance, not written.
	pending map[string]amount.Amount
	// pendingFrozen is the part of pending frozen (EvictingTrade), by app.
	pendingFrozen map[string]amount.Amount
	gone          bool // released while transfers were kept: goes with the last
}

// empty reports whether nothing kept moves the account.
func (a *acct) empty() bool {
	return a.n == 0 && a.in == 0 && len(a.pending) == 0 && len(a.pendingFrozen) == 0
}

// Merchant is who pays: the app the transfer is kept under, the ISV app
// that called for it, the merchant's user id and its logon id
// (seller_email, "" when unknown).
type Merchant struct {
	AppID, ISVAppID, UserID, Email string
}

// isSelf reports whether payee p, found to be who, is the merchant's own
// account: by user id, its open id for the app or its logon id.
func (m Merchant) isSelf(p Participant, who Payee) bool {
	return who.UserID == m.UserID ||
		(p.IdentityType == IdentityOpenID && p.Identity == fixtures.OpenID(m.AppID, m.UserID)) ||
		(p.IdentityType == IdentityLogonID && m.Email != "" && strings.EqualFold(p.Identity, m.Email))
}

// Book is every account and every app's transfers.
type Book struct {
	mu    sync.Mutex
	clock clock.Clock
	ids   *fixtures.Generator
	opts  Options

	// accountOf is the account an app's money moves in (AccountsBy).
	accountOf func(app string) string
	accounts  map[string]*acct     // by account
	byOut     map[string]*Transfer // app|out_biz_no
	byOrder   map[string]*Transfer // order_id and pay_fund_order_id
	order     []*Transfer          // by creation
	seq       int
	// credits counts changes of a base outside a transfer (Credit,
	// SetBalance, Reset), and the income a trade's change takes (Cover):
	// income read before one may count a trade twice, or money spent.
	credits uint64

	store    Store
	backend  Backend // the truth when replicas share a database (backend.go)
	observer func(Transfer) error
	// tells says which statuses the observer turns into a message that
	// must survive a crash: each is marked untold in the transfer's write
	// (persist.go).
	tells  func(Transfer) bool
	income func(account string) (income, frozen amount.Amount)
	payee  func(app string, p Participant) (Payee, bool, error)
	// onEvict is told, outside the lock, about transfers eviction dropped.
	onEvict func([]Transfer)
	// kept says whether an app's account is kept (KeptWhile).
	kept func(app string) bool
	// merchant says whether a user id is a mock merchant's account
	// (MerchantsBy): a transfer to it reaches that account.
	merchant func(userID string) bool
}

// NewBook makes an empty book.
func NewBook(c clock.Clock, ids *fixtures.Generator, opts Options) *Book {
	if opts.Keep == 0 {
		opts.Keep = DefaultKeep
	}
	if opts.Opening == 0 {
		opts.Opening = DefaultOpening
	}
	b := &Book{clock: c, ids: ids, opts: opts}
	b.Reset("")
	return b
}

// AccountsBy sets which account an app's money moves in (the merchant's,
// mock/apps Registry.Account); unset, each app is its own. Call it before
// the book is used.
func (b *Book) AccountsBy(f func(app string) string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.accountOf = f
}

// key is the account app's money moves in; keyLocked is key with the lock
// held (accountOf takes no lock of the book's). key asks accountOf outside
// the lock: with a shared store it may read the app's record.
func (b *Book) key(app string) string {
	b.mu.Lock()
	f := b.accountOf
	b.mu.Unlock()
	if f == nil || app == "" {
		return app
	}
	return f(app)
}

func (b *Book) keyLocked(app string) string {
	if b.accountOf == nil || app == "" {
		return app
	}
	return b.accountOf(app)
}

// ObserveStored registers the function told about every new transfer and
// change of status, outside the lock: it stores what it makes of it (a
// message) and reports a failed write, and the change is then answered as
// not stored. With a store, the statuses tells says yes to are marked
// untold in the transfer's own write, and the observer's write clears the
// mark, so a crash between the two leaves the mark and the start makes
// what was lost (Untold). With a backend, the status's lease does that
// (announce).
func (b *Book) ObserveStored(f func(Transfer) error, tells func(Transfer) bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.observer, b.tells = f, tells
}

// OnEvict registers a function told, outside the book's lock, about the
// transfers eviction dropped (the mock takes a DEALING one's end off the
// clock).
func (b *Book) OnEvict(f func([]Transfer)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.onEvict = f
}

// KeptWhile sets what says whether an app's account is kept (a made-up
// merchant's only while something names it): a transfer or a balance set
// asks it, outside the lock, once it may have opened the account, and
// releases an account no longer kept (recheck).
func (b *Book) KeptWhile(f func(app string) bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.kept = f
}

// recheck releases app's account when it is no longer kept: the merchant's
// last token may have gone, releasing the account, between the caller's
// check and the write that opened it again. The write came first, under
// the lock, so a release after this ask finds the account; one before it
// is seen here.
func (b *Book) recheck(app string) {
	b.mu.Lock()
	kept := b.kept
	b.mu.Unlock()
	if kept != nil && !kept(app) {
		b.Release(app)
	}
}

// MerchantsBy sets which user ids are the mock's merchants' accounts
// (apps.Registry.IsMerchant): a transfer to one pays into that account.
// Call it before the book is used.
func (b *Book) MerchantsBy(f func(userID string) bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.merchant = f
}

// payeeAccount is the mock merchant's account who names, "" for any other
// user.
func (b *Book) payeeAccount(who Payee) string {
	b.mu.Lock()
	f := b.merchant
	b.mu.Unlock()
	if f != nil && f(who.UserID) {
		return who.UserID
	}
	return ""
}

// IncomeFrom sets what the payments of an account's apps brought in,
// less fees and refunds (the bills' rule, mock/bill.Income), and less
// what of it is frozen; and that frozen part (its apps' kept
// royalty_freeze trades not yet thawed: Balance adds it to freeze_amount).
// Both come from one read, so a thaw between two reads cannot count the
// money in both. f is called outside the book's lock.
func (b *Book) IncomeFrom(f func(account string) (income, frozen amount.Amount)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.income = f
}

// KnownPayees sets how an identity is found among the users the mock
// knows (the buyers of the app's trades). Its error (the store's) is the
// transfer's answer: no one is paid.
func (b *Book) KnownPayees(f func(app string, p Participant) (Payee, bool, error)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.payee = f
}

// Persist writes every later change through to s.
func (b *Book) Persist(s Store) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.store = s
}

// Restore replaces the book's contents with stored ones, oldest first, at
// most Keep transfers (the money of those left out stays counted).
// perApp are the accounts an earlier version kept for each app: each
// joins its app's account (AccountsBy) with its offset from the opening
// balance, so a merchant of one app keeps its balance, one of several the
// opening balance plus each app's offset; the store then holds the merged
// accounts instead.
func (b *Book) Restore(accounts, perApp map[string]Snapshot, ts []Transfer) []Transfer {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reset("", "")
	for k, s := range accounts {
		b.accounts[k] = &acct{Snapshot: s}
	}
	if len(perApp) > 0 {
		merged := map[string]Snapshot{}
		var apps []string
		for app, s := range perApp {
			a := b.account(b.keyLocked(app))
			a.Base += s.Base - b.opts.Opening
			a.Evicted += s.Evicted
			merged[b.keyLocked(app)] = a.Snapshot
			apps = append(apps, app)
		}
		if b.store != nil {
			_ = b.store.UpgradeAccounts(merged, apps) // not written: merged again at the next start
		}
	}
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].Created.Before(ts[j].Created) })
	for i := range ts {
		t := ts[i]
		b.add(&t)
	}
	b.evict()
	out := make([]Transfer, len(b.order))
	for i, t := range b.order {
		out[i] = *t
	}
	return out
}

// Reset forgets an app's transfers, whose money leaves its account, and
// puts the account's base back to the opening balance (what its other
// apps' payments and transfers moved, kept or evicted, stays); every account and
// transfer for "". It reports the store's failure to delete them; memory
// forgets them anyway.
func (b *Book) Reset(app string) error {
	var err error
	k := b.key(app)
	if be := b.shared(); be != nil {
		err = be.Reset(app, k)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	changed := b.reset(app, k)
	if b.store != nil {
		for _, kk := range changed {
			err = errors.Join(err, b.store.PutAccount(kk, b.accounts[kk].Snapshot))
		}
		err = errors.Join(err, b.store.DeleteTransfers(app))
		if a := b.accounts[k]; app != "" && a != nil {
			err = errors.Join(err, b.store.PutAccount(k, a.Snapshot))
		} else {
			err = errors.Join(err, b.store.DeleteAccount(k))
		}
	}
	return err
}

// Forget drops an app's transfers and balance, or every app's for "",
// from memory only: another replica reset them in the shared store.
func (b *Book) Forget(app string) {
	k := b.key(app)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.reset(app, k)
}

// reset forgets app's transfers and its account k's base, or everything
// for ""; the lock is held. The account stays while transfers of its
// other apps hold part of it. It returns the other accounts it changed.
func (b *Book) reset(app, k string) (changed []string) {
	b.credits++
	if app == "" {
		b.accounts = map[string]*acct{}
		b.byOut = map[string]*Transfer{}
		b.byOrder = map[string]*Transfer{}
		b.order = nil
		return nil
	}
	kept := b.order[:0]
	for _, t := range b.order {
		if t.AppID == app {
			b.unindex(t)
			b.hold(t, -1)
			continue
		}
		kept = append(kept, t)
	}
	clear(b.order[len(kept):])
	b.order = kept
	if a := b.accounts[k]; a != nil {
		a.Snapshot = a.without(app, b.opts.Opening)
		delete(a.pending, app)
		delete(a.pendingFrozen, app)
		if a.empty() && a.Apps == nil {
			delete(b.accounts, k)
		}
	}
	// What app's evicted transfers brought other merchants goes with it,
	// as its kept ones' does (hold): their accounts keep that part under
	// app's id.
	for kk, a := range b.accounts {
		if kk == k {
			continue
		}
		delete(a.pending, app) // what app's evicting trades paid it (EvictingTrade's to)
		if a.dropPart(app) {
			changed = append(changed, kk)
		}
	}
	return changed
}

// dropPart takes app's part (Apps) out of another merchant's account:
// what app's evicted transfers brought it. It reports whether there was one.
func (s *Snapshot) dropPart(app string) bool {
	p, ok := s.Apps[app]
	if !ok {
		return false
	}
	s.Evicted -= p.Evicted
	s.Base -= p.Credited
	s.Frozen -= p.Frozen
	apps := make(map[string]Part, len(s.Apps))
	for k, v := range s.Apps {
		if k != app {
			apps[k] = v
		}
	}
	if len(apps) == 0 {
		apps = nil
	}
	s.Apps = apps
	return true
}

func outKey(app, out string) string { return app + "|" + out }

func (b *Book) add(t *Transfer) {
	b.seq++
	t.seq = b.seq
	b.byOut[outKey(t.AppID, t.OutBizNo)] = t
	b.byOrder[t.OrderID] = t
	if t.PayFundOrderID != "" {
		b.byOrder[t.PayFundOrderID] = t
	}
	b.order = append(b.order, t)
	if t.acct == "" {
		t.acct = b.keyLocked(t.AppID)
	}
	b.hold(t, 1)
}

// hold counts (sign 1) or uncounts (-1) what t holds of its account, and
// what it brought the payee merchant's (SUCCESS only: money arrives when
// the transfer succeeds). The lock is held.
func (b *Book) hold(t *Transfer, sign amount.Amount) {
	b.account(t.acct).hold(*t, sign)
	if t.PayeeAccount != "" && t.Status == Success {
		b.account(t.PayeeAccount).in += sign * t.Amount
	}
}

// hold counts (sign 1) or uncounts (-1) what t holds of the account.
func (a *acct) hold(t Transfer, sign amount.Amount) {
	a.n += int(sign)
	a.out += sign * t.Out()
	if t.Status == Dealing {
		a.freeze += sign * t.Amount
	}
}

func (b *Book) unindex(t *Transfer) {
	delete(b.byOut, outKey(t.AppID, t.OutBizNo))
	delete(b.byOrder, t.OrderID)
	if t.PayFundOrderID != "" {
		delete(b.byOrder, t.PayFundOrderID)
	}
}

// evict drops transfers while the book holds more than Keep, as the trade
// book does: the oldest final ones, else the oldest (DEALING ones, which
// a standing clock never ends), and returns them. What a dropped
// transfer took stays counted in its account's Evicted; a DEALING one
// counts as it was planned to end (REFUND gives its money back). The
// lock is held.
func (b *Book) evict() []Transfer {
	if b.opts.Keep < 0 || len(b.order) <= b.opts.Keep {
		return nil
	}
	var gone []Transfer
	over := len(b.order) - b.opts.Keep
	for _, finalOnly := range []bool{true, false} {
		kept := b.order[:0]
		for _, t := range b.order {
			if over > 0 && (t.Final() || !finalOnly) {
				over--
				b.unindex(t)
				b.hold(t, -1)
				a := b.account(t.acct)
				end := *t
				if end.Status == Dealing {
					ended(&end)
				}
				if o := end.Out(); o != 0 {
					a.Evicted += o
					a.add(t.AppID, Part{Evicted: o})
				}
				if end.PayeeAccount != "" && end.Status == Success {
					// What it brought stays, as the payer app's part of the
					// payee's account: a reset of the payer's app takes it
					// back, as it does a kept transfer's (reset).
					p := b.account(end.PayeeAccount)
					p.Evicted -= end.Amount
					p.add(t.AppID, Part{Evicted: -end.Amount})
				}
				if a.gone && a.empty() {
					delete(b.accounts, t.acct)
					if b.store != nil {
						_ = b.store.DeleteAccount(t.acct)
					}
				}
				gone = append(gone, *t)
				continue
			}
			kept = append(kept, t)
		}
		clear(b.order[len(kept):])
		b.order = kept
	}
	if b.store != nil && len(gone) > 0 {
		_ = b.store.RemoveTransfers(gone)
		for k := range accountsOf(gone) {
			if a := b.accounts[k]; a != nil {
				_ = b.store.PutAccount(k, a.Snapshot)
			}
		}
	}
	return gone
}

func accountsOf(ts []Transfer) map[string]bool {
	m := map[string]bool{}
	for _, t := range ts {
		m[t.acct] = true
		if t.PayeeAccount != "" {
			m[t.PayeeAccount] = true
		}
	}
	return m
}

// Len is how many transfers the book holds.
func (b *Book) Len() int {
	if be := b.shared(); be != nil {
		n, _ := be.Count()
		return n
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.order)
}

// Opening is the balance an account opens with.
func (b *Book) Opening() amount.Amount { return b.opts.Opening }

// Keep is the most transfers the book holds; 0 is no limit.
func (b *Book) Keep() int { return max(b.opts.Keep, 0) }

// peek is an account as it stands, the opening balance when none was
// opened: a read keeps nothing (a made-up merchant's balance read leaves
// no entry behind). The lock is held.
func (b *Book) peek(k string) acct {
	if a := b.accounts[k]; a != nil {
		return *a
	}
	return acct{Snapshot: Snapshot{Base: b.opts.Opening}}
}

// Release lets go of an app's account, as if never opened: the mock calls
// it when nothing names a merchant an authorisation made up any more (no
// code or token is kept), which nothing can then reach. While transfers of
// the app are kept, the account goes with the last of them.
func (b *Book) Release(app string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.backend != nil {
		return // the database's rows, not memory's
	}
	b.release(b.keyLocked(app))
}

// release lets go of an account; the lock is held.
func (b *Book) release(k string) {
	a := b.accounts[k]
	switch {
	case a == nil:
	case !a.empty():
		a.gone = true
	default:
		delete(b.accounts, k)
		if b.store != nil {
			_ = b.store.DeleteAccount(k) // a failed delete is the store's to report
		}
	}
}

// Prune releases the accounts keep says no to (at a start: those of the
// made-up merchants nothing names any more).
func (b *Book) Prune(keep func(account string) bool) {
	b.mu.Lock()
	var ks []string
	for k := range b.accounts {
		ks = append(ks, k)
	}
	b.mu.Unlock()
	for _, k := range ks {
		if !keep(k) {
			b.mu.Lock()
			if b.backend == nil {
				b.release(k)
			}
			b.mu.Unlock()
		}
	}
}

// account is an account, opened with the opening balance: what writes to
// it. The lock is held.
func (b *Book) account(k string) *acct {
	a := b.accounts[k]
	if a == nil {
		a = &acct{Snapshot: Snapshot{Base: b.opts.Opening}}
		b.accounts[k] = a
	}
	return a
}

// balance is an account: base, plus income (what is available of it),
// less what transfers took; DEALING money is frozen, and so is what
// evicted frozen trades brought in (Snapshot.Frozen, pending or not).
// The lock is held; income was read before taking it. Freeze counts
// only those: the caller adds the kept trades' frozen income.
func (b *Book) balance(k string, income amount.Amount) Account {
	a := b.peek(k)
	fr := a.Frozen + sum(a.pendingFrozen)
	return Account{Available: a.Base + a.pended() + income - a.Evicted - a.out + a.in - fr, Freeze: a.freeze + fr}
}

// pended is the account's pending sum.
func (a *acct) pended() amount.Amount { return sum(a.pending) }

func sum(m map[string]amount.Amount) amount.Amount {
	var n amount.Amount
	for _, p := range m {
		n += p
	}
	return n
}

// lockWithIncome reads the account's income and returns it with the lock
// held, no base having changed since it was read: a trade evicted
// meanwhile is counted once, in its base (Book.Evicting), not also in the income
// read before.
func (b *Book) lockWithIncome(k string) amount.Amount {
	in, _ := b.lockWithParts(k)
	return in
}

// lockWithParts is lockWithIncome with the frozen part of the income,
// read with it.
func (b *Book) lockWithParts(k string) (in, frozen amount.Amount) {
	for {
		b.mu.Lock()
		g, f := b.credits, b.income
		b.mu.Unlock()
		if f != nil {
			in, frozen = f(k)
		}
		b.mu.Lock()
		if b.credits == g {
			return in, frozen
		}
		b.mu.Unlock()
	}
}

// Balance is the account app's money moves in (its merchant's), now. An
// error is the store's failure: not the opening balance, which the
// account may no longer have.
func (b *Book) Balance(app string) (Account, error) {
	k := b.key(app)
	if be := b.shared(); be != nil {
		a, _, err := be.Account(k, b.opts.Opening)
		if err != nil {
			return Account{}, err
		}
		return a, nil
	}
	in, fr := b.lockWithParts(k)
	defer b.mu.Unlock()
	a := b.balance(k, in)
	a.Freeze += fr
	return a, nil
}

// Base is the balance of app's account before the payments and transfers
// it keeps (the bills' opening balance): its base less what transfers no
// longer kept took, so that a bill of what is kept ends at the balance. An
// error is the store's failure, as for Balance.
func (b *Book) Base(app string) (amount.Amount, error) {
	k := b.key(app)
	if be := b.shared(); be != nil {
		_, base, err := be.Account(k, b.opts.Opening)
		if err != nil {
			return 0, err
		}
		return base, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	a := b.peek(k)
	return a.Base + a.pended() - a.Evicted, nil
}

// SetBalance makes the available balance of app's account want, whatever
// its payments and transfers so far: later ones move it from there.
func (b *Book) SetBalance(app string, want amount.Amount) (Account, error) {
	if want < 0 || want > MaxAmount*100 {
		return Account{}, InvalidParameter("balance out of range")
	}
	k := b.key(app)
	if be := b.shared(); be != nil {
		return be.SetBalance(k, want, b.opts.Opening)
	}
	defer b.recheck(app) // after the unlock
	in, fr := b.lockWithParts(k)
	defer b.mu.Unlock()
	a := b.account(k)
	now := b.balance(k, in)
	next := a.Snapshot
	next.Base += want - now.Available
	if b.store != nil {
		if err := b.store.PutAccount(k, next); err != nil {
			return Account{}, err // memory stays as the file has it
		}
	}
	a.Snapshot = next
	b.credits++
	out := b.balance(k, in)
	out.Freeze += fr
	return out, nil
}

// Cover reports whether the balance of app's account, its income being
// what income returns (called under this book's lock: the caller sums it
// from the trade book's, under that book's lock, which it holds), covers
// need, which a refund or settlement is about to take. A yes counts as a
// change of income: a transfer that read the income before it reads it
// again (lockWithIncome), so the two never spend the same money. With a
// backend the database checks, in the change's transaction.
func (b *Book) Cover(app string, income func() amount.Amount, need amount.Amount) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.backend != nil {
		return true
	}
	if b.balance(b.keyLocked(app), income()).Available < need {
		return false
	}
	b.credits++
	return true
}

// Evicting runs take, which drops a trade or red packet whose income (a)
// leaves the income (IncomeFrom) with it, and counts a in app's balance
// in the same locked step: every check sees the money once, never in both
// or in neither. It stays pending, unwritten, until Dropped (with a store)
// or Evicted (without) puts it in the base.
// Lock order: the caller holds the trade or coupon book's lock (as Cover's
// and Spend's callers do), this takes the fund book's, and take may take
// the coupon book's outlays lock (outMu), which nothing holding it leaves
// for the fund book's: coupon.mu -> trade.mu -> fund.mu -> outMu.
func (b *Book) Evicting(app string, a amount.Amount, take func()) {
	b.EvictingTrade(app, a, 0, nil, take)
}

// EvictingTrade is Evicting for a trade whose income a has a part frozen
// (royalty_freeze, not thawed): that part stays frozen in the balance.
// to is what the trade's settlements paid into other merchants' accounts
// (trade.Trade.Credits), which stays there as app's part of each.
func (b *Book) EvictingTrade(app string, a, frozen amount.Amount, to map[string]amount.Amount, take func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	take()
	if b.backend != nil {
		return // the database keeps every trade and packet
	}
	if a != 0 || frozen != 0 {
		acc := b.account(b.keyLocked(app))
		addTo(&acc.pending, app, a)
		addTo(&acc.pendingFrozen, app, frozen)
		b.credits++
	}
	for k, x := range to {
		if x != 0 {
			addTo(&b.account(k).pending, app, x)
			b.credits++
		}
	}
}

// addTo adds a to (*m)[app], deleting an entry back at zero.
func addTo(m *map[string]amount.Amount, app string, a amount.Amount) {
	if a == 0 {
		return
	}
	if *m == nil {
		*m = map[string]amount.Amount{}
	}
	if (*m)[app] += a; (*m)[app] == 0 {
		delete(*m, app)
	}
}

// Evicted moves a of app's pending (Evicting) into its base, once the
// trade or packet is dropped, without a store; kept false (the account is
// no longer kept) drops it instead. A reset of the app since took the
// pending away: nothing is moved then.
func (b *Book) Evicted(app string, a amount.Amount, kept bool) {
	b.EvictedTrade(app, a, 0, kept)
}

// EvictedTrade is Evicted for what EvictingTrade counted: the frozen
// part goes into Frozen with the rest into the base.
func (b *Book) EvictedTrade(app string, a, frozen amount.Amount, kept bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.backend != nil {
		return
	}
	k, ok := b.unpend(b.keyLocked(app), app, a, frozen)
	if !ok {
		return
	}
	if !kept {
		b.release(k) // opened again by Evicting, or held while pending
		return
	}
	b.credit(k, app, a, frozen)
	if b.store != nil {
		_ = b.store.PutAccount(k, b.accounts[k].Snapshot)
	}
}

// Credit is what one dropped trade or red packet moved into its app's
// balance (Evicting's a), and the part of it frozen (EvictingTrade's
// frozen); or, with Account, what the trade's settlements paid into that
// other merchant's account (EvictingTrade's to), kept there as App's part.
type Credit struct {
	App     string
	Amount  amount.Amount
	Frozen  amount.Amount
	Account string
}

// EvictedTo is Evicted for what EvictingTrade counted in other
// merchants' accounts (to): in their bases now, as app's part.
func (b *Book) EvictedTo(app string, to map[string]amount.Amount) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.backend != nil {
		return
	}
	for k, x := range to {
		if _, ok := b.unpend(k, app, x, 0); ok {
			b.credit(k, app, x, 0)
			if b.store != nil {
				_ = b.store.PutAccount(k, b.accounts[k].Snapshot)
			}
		}
	}
}

// Dropped is Evicted for a store: it moves each credit from its app's
// pending into its base (its frozen part into Frozen, as EvictedTrade
// does) and, in the same locked step, calls write with the accounts that
// changed, for the store to delete the dropped records and write those
// accounts in one commit. A crash then leaves the records and the bases
// without their money, or neither: counted once. The account of a
// merchant no longer kept is let go after (Release).
func (b *Book) Dropped(cs []Credit, write func(accounts map[string]Snapshot)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var changed map[string]Snapshot
	for _, c := range cs {
		if b.backend != nil {
			break
		}
		k := c.Account
		if k == "" {
			k = b.keyLocked(c.App)
		}
		k, ok := b.unpend(k, c.App, c.Amount, c.Frozen)
		if !ok {
			continue
		}
		b.credit(k, c.App, c.Amount, c.Frozen)
		if changed == nil {
			changed = map[string]Snapshot{}
		}
		changed[k] = b.accounts[k].Snapshot
	}
	write(changed)
}

// unpend takes a, and its frozen part, out of app's pending in account k
// (EvictingTrade) and returns k, false when both are 0 or a reset took
// the pending away. The lock is held.
func (b *Book) unpend(k, app string, a, frozen amount.Amount) (string, bool) {
	if a == 0 && frozen == 0 {
		return "", false
	}
	acc := b.accounts[k]
	if acc == nil {
		return "", false
	}
	_, ok := acc.pending[app]
	_, okf := acc.pendingFrozen[app]
	if !ok && !okf {
		return "", false
	}
	addTo(&acc.pending, app, -a)
	addTo(&acc.pendingFrozen, app, -frozen)
	b.credits++
	return k, true
}

// credit puts a, app's money, in the base of account k, and its frozen
// part in Frozen. The lock is held.
func (b *Book) credit(k, app string, a, frozen amount.Amount) {
	acc := b.accounts[k]
	acc.Base += a
	acc.Frozen += frozen
	acc.add(app, Part{Credited: a, Frozen: frozen})
}

// Spend runs apply, which takes a from app's account elsewhere (a red
// packet the merchant funds, counted in the income: IncomeFrom), if the
// available balance covers a, else answers ErrBalanceNotEnough. It runs
// under the book's lock, as a transfer's check and take do, so neither
// spends money the other took.
func (b *Book) Spend(app string, a amount.Amount, apply func()) error {
	k := b.key(app)
	in := b.lockWithIncome(k)
	defer b.mu.Unlock()
	if b.balance(k, in).Available < a {
		return ErrBalanceNotEnough
	}
	apply()
	b.credits++ // the income changed: a transfer that read it before reads it again
	return nil
}

// Transfer pays in.TransAmount from m's account to the payee, as plan
// says (a zero Plan is SUCCESS at once). A repeat of an out_biz_no with
// the same parameters answers the transfer made; with others
// PAYMENT_INFO_INCONSISTENCY.
func (b *Book) Transfer(m Merchant, in Request, plan Plan) (Transfer, error) {
	if err := check(in, b.opts.SceneOptional); err != nil {
		return Transfer{}, err
	}
	if be := b.shared(); be != nil {
		return b.transferShared(be, m, in, plan)
	}
	b.mu.Lock()
	if old := b.byOut[outKey(m.AppID, in.OutBizNo)]; old != nil {
		defer b.mu.Unlock()
		return repeat(*old, in)
	}
	payee := b.payee
	b.mu.Unlock()

	p := *in.PayeeInfo
	who, err := resolve(m.AppID, p, payee)
	if err != nil {
		return Transfer{}, err
	}
	if m.isSelf(p, who) {
		return Transfer{}, ErrPayerPayeeSame
	}
	payeeAcct := b.payeeAccount(who)
	k := b.key(m.AppID)
	income := b.lockWithIncome(k)
	if old := b.byOut[outKey(m.AppID, in.OutBizNo)]; old != nil { // a racing repeat
		defer b.mu.Unlock()
		return repeat(*old, in)
	}
	if plan.Status != Fail && b.balance(k, income).Available < in.TransAmount {
		b.mu.Unlock()
		return Transfer{}, ErrBalanceNotEnough
	}
	t := b.newTransfer(m, in, plan, who)
	t.acct, t.PayeeAccount = k, payeeAcct
	b.add(t)
	out := *t
	var err2 error
	if b.store != nil {
		if err2 = b.store.PutTransfer(out, b.untold(out)...); err2 != nil {
			// Not on disk: not made. The caller hears 系统繁忙 and a
			// repeat of the out_biz_no makes it again.
			b.unindex(t)
			b.hold(t, -1)
			b.order = b.order[:len(b.order)-1]
		}
	}
	gone := b.evict()
	obs, onEvict := b.observer, b.onEvict
	b.mu.Unlock()
	b.recheck(m.AppID)
	if onEvict != nil && len(gone) > 0 {
		onEvict(gone)
	}
	if err2 != nil {
		return Transfer{}, err2
	}
	if obs != nil {
		if err := obs(out); err != nil {
			return Transfer{}, err // made and stored, its message not: result unknown
		}
	}
	return out, nil
}

// Payee is the user a payee identity names, as a transfer to it pays:
// one the mock knows (KnownPayees), else a fake user stable for the
// identity. Red-packet claims to a logon id pay the same user.
func (b *Book) Payee(app string, p Participant) (Payee, error) {
	b.mu.Lock()
	payee := b.payee
	b.mu.Unlock()
	return resolve(app, p, payee)
}

// resolve finds the user a payee identity names: one the mock knows,
// whose name must match when given, or any well-shaped identity (a fake
// user; docs/transfers.md).
func resolve(app string, p Participant, known func(string, Participant) (Payee, bool, error)) (Payee, error) {
	if !wellShaped(p) {
		return Payee{}, ErrPayeeNotExist
	}
	if known != nil {
		who, ok, err := known(app, p)
		if err != nil {
			return Payee{}, err
		}
		if ok {
			if p.Name != "" && who.Name != "" && p.Name != who.Name {
				return Payee{}, ErrPayeeUserInfo
			}
			return who, nil
		}
	}
	if p.IdentityType == IdentityUserID {
		return Payee{UserID: p.Identity}, nil
	}
	// A fake user: an id stable for the identity.
	return Payee{UserID: fixtures.UserIDOf(p.Identity)}, nil
}

// Query finds a transfer of the app: by pay_fund_order_id, else order_id,
// else out_biz_no (with product_code and biz_scene), as the model says.
func (b *Book) Query(app string, q QueryRequest) (Transfer, error) {
	if q.OutBizNo != "" && q.PayFundOrderID == "" && q.OrderID == "" && (q.ProductCode == "" || q.BizScene == "") {
		return Transfer{}, InvalidParameter("传入out_biz_no时product_code和biz_scene不能为空")
	}
	b.mu.Lock()
	be := b.backend
	if be != nil {
		b.mu.Unlock()
		return queryShared(be, app, q)
	}
	defer b.mu.Unlock()
	var t *Transfer
	switch {
	case q.PayFundOrderID != "":
		t = b.byOrder[q.PayFundOrderID]
		if t != nil && t.PayFundOrderID != q.PayFundOrderID {
			t = nil
		}
	case q.OrderID != "":
		t = b.byOrder[q.OrderID]
		if t != nil && t.OrderID != q.OrderID {
			t = nil
		}
	case q.OutBizNo != "":
		if q.ProductCode == "" || q.BizScene == "" {
			return Transfer{}, InvalidParameter("传入out_biz_no时product_code和biz_scene不能为空")
		}
		t = b.byOut[outKey(app, q.OutBizNo)]
		if t != nil && (t.ProductCode != q.ProductCode || t.BizScene != q.BizScene) {
			t = nil
		}
	default:
		return Transfer{}, InvalidParameter("out_biz_no、order_id和pay_fund_order_id不能同时为空")
	}
	if t == nil || t.AppID != app {
		return Transfer{}, ErrOrderNotExist
	}
	return *t, nil
}

// Account answers alipay.fund.account.query for the merchant m: only its
// own balance account (the user id, or its open id for the app).
func (b *Book) Account(m Merchant, q AccountRequest) (Account, error) {
	switch {
	case q.AccountType == "":
		return Account{}, InvalidParameter("account_type不能为空")
	case q.AccountType != AccountType:
		return Account{}, InvalidParameter("account_type只支持ACCTRANS_ACCOUNT")
	case q.AlipayUserID == "" && q.AlipayOpenID == "":
		return Account{}, InvalidParameter("alipay_user_id和alipay_open_id不能同时为空")
	case q.AlipayUserID != "" && q.AlipayUserID != m.UserID,
		q.AlipayUserID == "" && q.AlipayOpenID != fixtures.OpenID(m.AppID, m.UserID):
		return Account{}, InvalidParameter("只能查询调用方自己的账户")
	}
	return b.Balance(m.AppID)
}

// Settle ends the app's DEALING transfer out_biz_no when it is due: it
// becomes SUCCESS, or REFUND with its money back. It returns the changed
// transfer, if any.
func (b *Book) Settle(app, out string) (Transfer, bool) {
	if be := b.shared(); be != nil {
		return b.settleShared(be, app, out)
	}
	b.mu.Lock()
	t := b.byOut[outKey(app, out)]
	now := b.clock.Now()
	if t == nil || t.Status != Dealing || t.Due == nil || now.Before(*t.Due) {
		b.mu.Unlock()
		return Transfer{}, false
	}
	b.hold(t, -1)
	ended(t)
	b.hold(t, 1)
	out2 := *t
	if b.store != nil {
		_ = b.store.PutTransfer(out2, b.untold(out2)...) // the store reports failures
	}
	obs := b.observer
	b.mu.Unlock()
	if obs != nil {
		_ = obs(out2) // the store reports failures
	}
	return out2, true
}

// List is the app's transfers ("" for every app's), oldest first.
func (b *Book) List(app string) []Transfer {
	if be := b.shared(); be != nil {
		var out []Transfer
		for after := uint64(0); ; {
			ts, next, err := be.Page(app, after, 1000)
			out = append(out, ts...)
			if err != nil || next == 0 {
				return out
			}
			after = next
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []Transfer
	for _, t := range b.order {
		if app == "" || t.AppID == app {
			out = append(out, *t)
		}
	}
	return out
}

// Get is a transfer of the app by out_biz_no or order_id; the error is
// the database's (--store), never "no such transfer" in its place.
func (b *Book) Get(app, ref string) (Transfer, bool, error) {
	if be := b.shared(); be != nil {
		t, ok, err := be.Find(app, ref, "")
		if err == nil && !ok {
			t, ok, err = be.Find(app, "", ref)
		}
		if err != nil {
			return Transfer{}, false, err
		}
		return t, ok, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.byOut[outKey(app, ref)]
	if t == nil {
		t = b.byOrder[ref]
	}
	if t == nil || (app != "" && t.AppID != app) {
		return Transfer{}, false, nil
	}
	return *t, true, nil
}

// Due is when a DEALING transfer ends.
func Due(t Transfer) (time.Time, bool) {
	if t.Status != Dealing || t.Due == nil {
		return time.Time{}, false
	}
	return *t.Due, true
}

// Page is up to limit of the app's transfers ("" for every app's) after
// position after, oldest first, and the position to go on from (0 when
// there are no more). The error is the database's (--store), never an
// empty page in its place.
func (b *Book) Page(app string, after uint64, limit int) ([]Transfer, uint64, error) {
	if be := b.shared(); be != nil {
		return pageShared(be, app, after, limit)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	out := []Transfer{}
	// b.order is in the order of seq (add appends, eviction and reset keep
	// the order): a page starts where after ends, not at the first.
	from := sort.Search(len(b.order), func(i int) bool { return uint64(b.order[i].seq) > after })
	for _, t := range b.order[from:] {
		if app != "" && t.AppID != app {
			continue
		}
		if len(out) == limit {
			return out, uint64(out[len(out)-1].seq), nil
		}
		out = append(out, *t)
	}
	return out, 0, nil
}
