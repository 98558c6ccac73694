package fund

import (
	"strings"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
)

// Backend is a database that holds the truth about transfers and accounts
// for several mock processes (replicas) at once (mock/pgstore). It keeps
// the invariants itself, in its transactions: one transfer per (app,
// out_biz_no), an available balance never taken below zero, a DEALING
// transfer changed once, and its income from paid trades (the trade
// book's writes keep it). Accounts are the merchants' (Book.AccountsBy):
// the book names the account each call moves. Without a backend (the default) the book's
// memory is the truth.
type Backend interface {
	// Create makes t, taking t.Out() from account and freezing a
	// DEALING one's amount (a SUCCESS one's goes into t.PayeeAccount, if
	// any), in one transaction, with t's status still to
	// announce (leased to this replica). When the app already has a
	// transfer with t's out_biz_no it returns that one and made false;
	// ErrBalanceNotEnough when the available balance is below t.Out().
	Create(t Transfer, account string, opening amount.Amount) (got Transfer, made bool, err error)
	// Find is a transfer of app ("": of any app) by out_biz_no, or by
	// order_id or pay_fund_order_id.
	Find(app, outBizNo, orderID string) (Transfer, bool, error)
	// Account is an account, and the base its bill starts from (Snapshot.Base,
	// with what trimmed trades and red packets moved: Book.Base).
	Account(account string, opening amount.Amount) (Account, amount.Amount, error)
	// SetBalance makes an account's available balance want.
	SetBalance(account string, want, opening amount.Amount) (Account, error)
	// Reset forgets the transfers of an app, whose money leaves account,
	// and puts the account's base back to the opening balance; every
	// transfer and account for "" (the income of trades still stored
	// stays counted).
	Reset(app, account string) error
	// Page is up to limit of the app's transfers ("": every app's) after
	// position after, oldest first, and the position to go on from.
	Page(app string, after uint64, limit int) ([]Transfer, uint64, error)
	// Count is how many transfers are stored.
	Count() (int, error)
	// Claim leases up to max transfers with work to do at now (the mock's
	// clock) that no live lease holds: a DEALING one that is due, or one
	// whose status was not announced (its replica died first).
	Claim(now time.Time, max int) ([]Job, error)
	// Change writes t, a DEALING transfer that ended, over the stored one
	// if that is still DEALING (false: another replica changed it), moving
	// the money with it in the account it was made in (and, SUCCESS, into
	// t.PayeeAccount); its new status is then to announce, leased here.
	Change(t Transfer) (bool, error)
	// Announced records that t's status was announced and lets go of the
	// lease.
	Announced(t Transfer) error
	// Told reports whether t's status was announced already, though not
	// recorded so (its replica died in between): its message is stored.
	Told(t Transfer) (bool, error)
}

// Job is a transfer Claim leased: Announce when its status's message is
// still to be sent.
type Job struct {
	Transfer
	Announce bool
}

// Use makes a backend the truth from now on; call it before the book is
// used, instead of Persist and Restore.
func (b *Book) Use(be Backend) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.backend = be
}

func (b *Book) shared() Backend {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.backend
}

// transferShared is Transfer with a backend: the database decides whether
// the out_biz_no is new and whether the balance can give the amount.
func (b *Book) transferShared(be Backend, m Merchant, in Request, plan Plan) (Transfer, error) {
	old, ok, err := be.Find(m.AppID, in.OutBizNo, "")
	if err != nil {
		return Transfer{}, err
	}
	if ok {
		return repeat(old, in)
	}
	p := *in.PayeeInfo
	b.mu.Lock()
	payee := b.payee
	b.mu.Unlock()
	who, err := resolve(m.AppID, p, payee)
	if err != nil {
		return Transfer{}, err
	}
	if m.isSelf(p, who) {
		return Transfer{}, ErrPayerPayeeSame
	}
	t := b.newTransfer(m, in, plan, who)
	t.PayeeAccount = b.payeeAccount(who)
	got, made, err := be.Create(*t, b.key(m.AppID), b.opts.Opening)
	if err != nil {
		return Transfer{}, err
	}
	if !made { // a racing repeat, on this replica or another
		return repeat(got, in)
	}
	if err := b.announce(be, got); err != nil {
		return Transfer{}, err // made, its message not stored: result unknown
	}
	return got, nil
}

// repeat answers a repeated out_biz_no: the transfer made, or
// PAYMENT_INFO_INCONSISTENCY for other parameters.
func repeat(old Transfer, in Request) (Transfer, error) {
	if !old.same(in) {
		return Transfer{}, ErrInconsistent
	}
	return old, nil
}

// announce tells the observer about t's status (the message is written),
// then records it announced. A replica that dies before the record, or
// whose message was not written (the error), leaves the transfer to
// another (Sweep), which announces it unless Told finds its message
// (docs/replicas.md).
func (b *Book) announce(be Backend, t Transfer) error {
	b.mu.Lock()
	obs := b.observer
	b.mu.Unlock()
	if obs != nil {
		if err := obs(t); err != nil {
			return err // not recorded: the lease runs out and a sweep announces it
		}
	}
	_ = be.Announced(t) // the store reports failures; the lease then runs out and another replica announces it
	return nil
}

// settleShared is Settle with a backend: the change is made by whichever
// replica's conditional write comes first.
func (b *Book) settleShared(be Backend, app, out string) (Transfer, bool) {
	t, ok, err := be.Find(app, out, "")
	if err != nil || !ok {
		return Transfer{}, false
	}
	return b.end(be, t)
}

// end makes a due DEALING transfer SUCCESS or REFUND in the database and
// announces it, if this replica made the change.
func (b *Book) end(be Backend, t Transfer) (Transfer, bool) {
	if t.Status != Dealing || t.Due == nil || b.clock.Now().Before(*t.Due) {
		return Transfer{}, false
	}
	ended(&t)
	if won, err := be.Change(t); err != nil || !won {
		return Transfer{}, false
	}
	_ = b.announce(be, t) // the store reports failures
	return t, true
}

// ended moves a due DEALING transfer to the status it was planned to end in.
func ended(t *Transfer) {
	t.Status, t.Changed = t.Next, *t.Due
	t.Next, t.Due = "", nil
	if t.Status == Refund {
		t.ErrorCode, t.FailReason = FailCode, FailReason
	}
}

// Sweep does, on a replica, the transfers' work that has come, whichever
// replica made them: statuses not yet announced (their replica died
// first) and DEALING transfers that are due. It returns how many jobs it
// did. Without a backend it does nothing (the scheduler does it).
func (b *Book) Sweep(max int) int {
	be := b.shared()
	if be == nil {
		return 0
	}
	jobs, err := be.Claim(b.clock.Now(), max)
	if err != nil {
		return 0
	}
	for _, j := range jobs {
		if j.Announce {
			if told, err := be.Told(j.Transfer); err != nil {
				continue // the lease runs out; tried again then
			} else if told {
				_ = be.Announced(j.Transfer)
			} else {
				_ = b.announce(be, j.Transfer) // the store reports failures
			}
		}
		b.end(be, j.Transfer)
	}
	return len(jobs)
}

// cloneInfos copies report infos out of the request's buffers.
func cloneInfos(in []SceneReportInfo) []SceneReportInfo {
	if len(in) == 0 {
		return nil
	}
	out := make([]SceneReportInfo, len(in))
	for i, x := range in {
		out[i] = SceneReportInfo{InfoType: strings.Clone(x.InfoType), InfoContent: strings.Clone(x.InfoContent)}
	}
	return out
}

// newTransfer is the transfer in asks for, as plan says.
func (b *Book) newTransfer(m Merchant, in Request, plan Plan, who Payee) *Transfer {
	p := *in.PayeeInfo
	now := b.clock.Now()
	t := &Transfer{AppID: m.AppID, ISVAppID: m.ISVAppID, OutBizNo: strings.Clone(in.OutBizNo),
		OrderID: b.ids.FundOrderID(now), Amount: in.TransAmount, ProductCode: in.ProductCode, BizScene: in.BizScene,
		OrderTitle: strings.Clone(in.OrderTitle), Remark: strings.Clone(in.Remark), PassbackParams: strings.Clone(in.PassbackParams),
		SceneName: strings.Clone(in.SceneName), SceneReportInfos: cloneInfos(in.SceneReportInfos),
		Payee:       Participant{Identity: strings.Clone(p.Identity), IdentityType: p.IdentityType, Name: strings.Clone(p.Name)},
		PayeeUserID: who.UserID, Payer: m.UserID, Created: now, Changed: now}
	switch plan.Status {
	case Fail:
		t.Status, t.ErrorCode, t.FailReason = Fail, FailCode, FailReason
	case Dealing, Refund:
		after := plan.After
		if after <= 0 {
			after = DefaultDealing
		}
		due := now.Add(after)
		t.Status, t.Due, t.Next = Dealing, &due, Success
		if plan.Status == Refund {
			t.Next = Refund
		}
		t.PayFundOrderID = b.ids.FundOrderID(now)
	default:
		t.Status = Success
		t.PayFundOrderID = b.ids.FundOrderID(now)
	}
	return t
}

// pageShared is Page with a backend.
func pageShared(be Backend, app string, after uint64, limit int) ([]Transfer, uint64, error) {
	ts, next, err := be.Page(app, after, limit)
	if err != nil {
		return nil, 0, err // not an empty list: the database did not answer
	}
	if ts == nil {
		ts = []Transfer{}
	}
	return ts, next, nil
}

// queryShared is Query with a backend.
func queryShared(be Backend, app string, q QueryRequest) (Transfer, error) {
	var t Transfer
	var ok bool
	var err error
	switch {
	case q.PayFundOrderID != "":
		t, ok, err = be.Find(app, "", q.PayFundOrderID)
		ok = ok && t.PayFundOrderID == q.PayFundOrderID
	case q.OrderID != "":
		t, ok, err = be.Find(app, "", q.OrderID)
		ok = ok && t.OrderID == q.OrderID
	case q.OutBizNo != "":
		t, ok, err = be.Find(app, q.OutBizNo, "")
		ok = ok && t.ProductCode == q.ProductCode && t.BizScene == q.BizScene
	default:
		return Transfer{}, InvalidParameter("out_biz_no、order_id和pay_fund_order_id不能同时为空")
	}
	if err != nil {
		return Transfer{}, err
	}
	if !ok || t.AppID != app {
		return Transfer{}, ErrOrderNotExist
	}
	return t, nil
}
