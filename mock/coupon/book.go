package coupon

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/domain"
	"github.com/alipay-mock/alipay-mock/mock/limits"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// Options of the red-packet book.
type Options struct {
	// AutoRefund is how long after payment the unclaimed rest goes back to
	// the sender; default 48h (the self-signed contract's default).
	AutoRefund time.Duration
	// Processing is how long an operation answered with 10003 takes to
	// complete by itself if nobody retries or queries; default 5s.
	Processing time.Duration
	// Keep is the most orders (red packets and claims) kept; past it the
	// orders that became final (finished or closed) longest ago go first,
	// then the oldest. 0 keeps every order.
	Keep int
}

// DefaultPayTimeout applies when pay_timeout is not given.
const DefaultPayTimeout = time.Hour

// PayRequest is the biz_content of app, page and agreement pay.
type PayRequest struct {
	OutOrderNo   string        `json:"out_order_no"`
	OutRequestNo string        `json:"out_request_no"`
	OrderTitle   string        `json:"order_title"`
	Amount       amount.Amount `json:"amount"`
	PayTimeout   string        `json:"pay_timeout"`
	ExtraParam   string        `json:"extra_param"`
	PayerUserID  string        `json:"payer_user_id"` // agreement pay
	// AmountSent is set when the JSON carried amount: a 0 sent is out of
	// range rather than missing.
	AmountSent bool `json:"-"`
}

// UnmarshalJSON reads a PayRequest and notes whether amount was sent.
func (r *PayRequest) UnmarshalJSON(b []byte) error {
	type plain PayRequest
	if err := json.Unmarshal(b, (*plain)(r)); err != nil {
		return err
	}
	r.AmountSent = amount.Sent(b, "amount")
	return nil
}

// DisburseRequest is the biz_content of a claim.
type DisburseRequest struct {
	OutOrderNo       string        `json:"out_order_no"`
	OutRequestNo     string        `json:"out_request_no"`
	DeductAuthNo     string        `json:"deduct_auth_no"`
	DeductOutOrderNo string        `json:"deduct_out_order_no"`
	OrderTitle       string        `json:"order_title"`
	Amount           amount.Amount `json:"amount"`
	PayeeUserID      string        `json:"payee_user_id"`
	PayeeLogonID     string        `json:"payee_logon_id"`
	PayTimeout       string        `json:"pay_timeout"`
	ExtraParam       string        `json:"extra_param"`
	AmountSent       bool          `json:"-"` // as in PayRequest
}

// UnmarshalJSON reads a DisburseRequest and notes whether amount was sent.
func (r *DisburseRequest) UnmarshalJSON(b []byte) error {
	type plain DisburseRequest
	if err := json.Unmarshal(b, (*plain)(r)); err != nil {
		return err
	}
	r.AmountSent = amount.Sent(b, "amount")
	return nil
}

// RefundRequest is the biz_content of alipay.fund.coupon.order.refund.
type RefundRequest struct {
	AuthNo       string        `json:"auth_no"`
	OutRequestNo string        `json:"out_request_no"`
	Amount       amount.Amount `json:"amount"`
	Remark       string        `json:"remark"`
	AmountSent   bool          `json:"-"` // as in PayRequest
}

// UnmarshalJSON reads a RefundRequest and notes whether amount was sent.
func (r *RefundRequest) UnmarshalJSON(b []byte) error {
	type plain RefundRequest
	if err := json.Unmarshal(b, (*plain)(r)); err != nil {
		return err
	}
	r.AmountSent = amount.Sent(b, "amount")
	return nil
}

// QueryRequest names an operation: auth_no + operation_id, or
// out_order_no + out_request_no.
type QueryRequest struct {
	AuthNo       string `json:"auth_no"`
	OperationID  string `json:"operation_id"`
	OutOrderNo   string `json:"out_order_no"`
	OutRequestNo string `json:"out_request_no"`
}

// Result is an order and the operation a call made or found.
type Result struct {
	Order Order
	Op    Operation
	// Repeat is true when the call repeated an earlier identical request.
	Repeat bool
}

type key struct{ app, out string }

type change struct {
	o Order
	e Event
}

// Book holds the red packets and claims. Safe for concurrent use.
type Book struct {
	mu       sync.Mutex
	clock    clock.Clock
	ids      *fixtures.Generator
	opts     Options
	byAuth   map[string]*Order
	byOut    map[key]*Order
	byOutNo  map[string][]*Order // by out_order_no across apps
	claims   map[string][]*Order // claims by the red packet they claim from
	counts   map[OrderStatus]int // red packets by status, kept as they change
	nclaims  int
	byPage   map[string]*Order // by cashier token
	observer func(Order, Event) error
	tells    func(Order, Event) bool // events marked untold in their commit (ObserveStored)
	store    Store
	backend  Backend // the truth when replicas share a database (backend.go)
	ledger   limits.Ledger[*Order]
	fair     limits.Fair // what eviction takes next (keep.go)
	onEvict  func([]Order)
	// evicting runs an evicted red packet's removal with its outlay
	// moved into the balance (Evicting).
	evicting func(app string, a amount.Amount, take func())
	halves   domain.Halves // the rest of a payer or payee named by one half (BuyerHalves)
	// spend takes what a red packet the merchant funds from its balance
	// (SpendFrom).
	spend func(app string, a amount.Amount, apply func()) error

	// outlays is, per app, what the red packets its merchant funded keep
	// out of the balance (Outlay), under its own lock.
	outMu   sync.Mutex
	outlays map[string]amount.Amount
}

// SpendFrom sets how a red packet the merchant's own account pays is
// paid: f runs apply, which files the packet, only if the balance of
// app's account covers a, atomically with the account's other
// movements (fund.Book.Spend), else returns why not. Unset (or with a
// backend, whose transaction checks it) nothing is checked.
func (b *Book) SpendFrom(f func(app string, a amount.Amount, apply func()) error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.spend = f
}

// NewBook makes an empty book.
func NewBook(c clock.Clock, ids *fixtures.Generator, opts Options) *Book {
	if opts.AutoRefund <= 0 {
		opts.AutoRefund = 48 * time.Hour
	}
	if opts.Processing <= 0 {
		opts.Processing = 5 * time.Second
	}
	b := &Book{clock: c, ids: ids, opts: opts}
	b.Reset("")
	return b
}

// BuyerHalves sets the mock's rules for the rest of a sender or payee
// named by one half (domain.Halves), the trades' own: a claim's
// payee_logon_id pays the user a transfer to it would (fund.Book.Payee), a
// sender's user id pays with the logon it paid the app with. Unset, each
// is derived. An error (the store's) is the action's answer: a claim's
// packet keeps its money.
func (b *Book) BuyerHalves(h domain.Halves) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.halves = h
}

// buyerHalves reads the rules, for domain.Twice.
func (b *Book) buyerHalves() domain.Halves {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.halves
}

// Observe registers the function told about every change, outside the lock.
func (b *Book) Observe(f func(Order, Event)) {
	if f == nil {
		b.ObserveStored(nil, nil)
		return
	}
	b.ObserveStored(func(o Order, e Event) error { f(o, e); return nil }, nil)
}

// ObserveStored is Observe for an observer that stores what it makes of
// an event (a notification) and reports a failed write, which fails the
// change's answer (trade.ErrStore). With a store, the events tells says
// yes to are marked untold in the change's own commit, and the
// observer's write clears the mark (as trade.Book.ObserveStored).
func (b *Book) ObserveStored(f func(Order, Event) error, tells func(Order, Event) bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.observer, b.tells = f, tells
}

func (b *Book) commit(f func(now time.Time) ([]change, error)) error {
	b.mu.Lock()
	ch, err := f(b.clock.Now())
	b.recount(ch)
	wait := b.write(ch)
	b.noteFinal(ch)
	evicted := b.evict()
	obs, onEvict := b.observer, b.onEvict
	b.mu.Unlock()
	if werr := wait(); werr != nil && err == nil { // on disk before anyone is told
		err = werr
	}
	if obs != nil {
		for _, c := range ch {
			if oerr := obs(c.o, c.e); oerr != nil && err == nil {
				err = trade.ErrStore // the change is stored, what it made is not
			}
		}
	}
	if onEvict != nil && len(evicted) > 0 {
		onEvict(evicted)
	}
	return err
}

// Reset forgets all orders, or one app's. It reports the store's failure
// to delete them; memory forgets them anyway.
func (b *Book) Reset(app string) error {
	// The database first, outside the lock: a transaction holding row
	// locks may be waiting for the book's lock.
	b.mu.Lock()
	be := b.backend
	b.mu.Unlock()
	var err error
	if be != nil {
		err = be.Reset(app)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.store != nil {
		err = errors.Join(err, b.store.DeleteOrders(app))
	}
	b.reset(app)
	return err
}

// reset forgets from memory all orders, or one app's; b.mu is held.
func (b *Book) reset(app string) {
	if app == "" {
		b.byAuth, b.byOut, b.byPage = map[string]*Order{}, map[key]*Order{}, map[string]*Order{}
		b.byOutNo, b.claims, b.counts, b.nclaims = map[string][]*Order{}, map[string][]*Order{}, map[OrderStatus]int{}, 0
		b.ledger.Clear()
		b.fair.Clear()
		b.outMu.Lock()
		b.outlays = map[string]amount.Amount{}
		b.outMu.Unlock()
		return
	}
	var gone []*Order
	b.ledger.Each(0, func(_ uint64, o *Order) bool {
		if o.AppID == app {
			gone = append(gone, o)
		}
		return true
	})
	for _, o := range gone {
		b.unindex(o)
	}
	b.ledger.Retain(func(o *Order) bool { return o.AppID != app })
}

// authNo is a fund authorisation number: date, "11" and 18 digits.
func (b *Book) authNo(now time.Time) string {
	no := b.ids.TradeNo(now)
	return no[:8] + "11" + no[10:]
}

func (b *Book) operationID(now time.Time) string {
	no := b.ids.TradeNo(now)
	return no[:8] + "20" + no[10:]
}

// checkAmount checks a required amount; sent tells a 0 sent (out of
// range) from one left out (missing).
func checkAmount(a amount.Amount, sent bool) error {
	if a == 0 && !sent {
		return InvalidParameter("amount不能为空且必须大于0")
	}
	if !a.InRange() {
		return InvalidParameter("amount取值范围[0.01,100000000.00]")
	}
	return nil
}

// checkLengths refuses text fields past their maximum length (in
// characters): no public source gives these for red packets, so they follow
// the fund family's usual String(n) sizes (inferred). They bound what one
// order can make the mock hold. order_title and remark have the SDK's
// bound instead (checkWidth).
func checkLengths(fields ...string) error {
	for i := 0; i+2 < len(fields); i += 3 {
		name, v, max := fields[i], fields[i+1], fields[i+2]
		n, _ := strconv.Atoi(max)
		if utf8.RuneCountInString(v) > n {
			return InvalidParameter(name + "长度不能超过" + max)
		}
	}
	return nil
}

// MaxWidth is the SDK models' bound of a red packet's order_title and a
// refund's remark: "长度不超过100个字母或50个汉字"
// (AlipayFundCouponOrder{AgreementPay,AppPay,PagePay,Disburse,Refund}Model).
const MaxWidth = 100

// checkWidth refuses v past MaxWidth, a letter (ASCII) counting one and
// any other character two: its length in GBK bytes for Chinese text.
func checkWidth(name, v string) error {
	n := 0
	for _, r := range v {
		n++
		if r >= utf8.RuneSelf {
			n++
		}
	}
	if n > MaxWidth {
		return InvalidParameter(name + "长度不能超过100个字母或50个汉字")
	}
	return nil
}

func checkNos(outOrderNo, outRequestNo string) error {
	switch {
	case outOrderNo == "":
		return InvalidParameter("out_order_no不能为空")
	case outRequestNo == "":
		return InvalidParameter("out_request_no不能为空")
	case len(outOrderNo) > 64 || len(outRequestNo) > 64:
		return InvalidParameter("out_order_no和out_request_no长度不能超过64")
	}
	return nil
}

// payTimeout reads pay_timeout: 1m to 7d, whole m/h/d units.
func payTimeout(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return now.Add(DefaultPayTimeout), nil
	}
	t, err := trade.ParseTimeout("pay_timeout", s, now)
	if d := t.Sub(now); err != nil || d <= 0 || d > 7*24*time.Hour || s == "1c" {
		return time.Time{}, InvalidParameter("pay_timeout取值范围1m～7d，单位m/h/d，不能有小数")
	}
	return t, nil
}

// AgreementPay is the method of a red packet its sender paid when the
// merchant made it (payer_user_id).
const AgreementPay = "alipay.fund.coupon.order.agreement.pay"

// Pay opens a red packet: app and page pay wait for the sender to pay in
// the Alipay app or cashier; agreement pay (payer_user_id) is paid at once.
// processing makes the payment answer 10003: it completes on a retry, a
// query, or by itself after Options.Processing.
func (b *Book) Pay(m domain.Merchant, r PayRequest, c domain.Context, method string, processing bool) (Result, error) {
	agreement := method == AgreementPay
	var first domain.Ask
	if agreement && fixtures.IsUserID(r.PayerUserID) { // its logon found before the commit
		first = domain.AskLogon(m.AppID, r.PayerUserID)
	}
	return domain.Twice(b.buyerHalves, first, func(known domain.Ask, ask *domain.Ask) (Result, error) {
		return b.payOnce(m, r, c, method, agreement, processing, known, ask)
	})
}

func (b *Book) payOnce(m domain.Merchant, r PayRequest, c domain.Context, method string, agreement, processing bool, known domain.Ask, ask *domain.Ask) (Result, error) {
	var res Result
	err := b.commitOn([]Key{{App: m.AppID, OutOrderNo: r.OutOrderNo}}, func(now time.Time) ([]change, error) {
		payerAccount := ""
		if agreement && fixtures.IsUserID(r.PayerUserID) {
			var err error
			if payerAccount, err = b.halves.LogonOfUser(m.AppID, r.PayerUserID, known, ask); err != nil {
				return nil, err
			}
		}
		if err := checkNos(r.OutOrderNo, r.OutRequestNo); err != nil {
			return nil, err
		}
		if r.OrderTitle == "" {
			return nil, InvalidParameter("order_title不能为空")
		}
		if err := checkWidth("order_title", r.OrderTitle); err != nil {
			return nil, err
		}
		if err := checkLengths("extra_param", r.ExtraParam, "1024", "payer_user_id", r.PayerUserID, "28"); err != nil {
			return nil, err
		}
		if err := checkAmount(r.Amount, r.AmountSent); err != nil {
			return nil, err
		}
		if agreement && r.PayerUserID == "" {
			return nil, InvalidParameter("payer_user_id不能为空")
		}
		if agreement && !fixtures.IsUserID(r.PayerUserID) {
			return nil, InvalidParameter("payer_user_id格式错误")
		}
		exp, err := payTimeout(r.PayTimeout, now)
		if err != nil {
			return nil, err
		}
		fp := fmt.Sprintf("pay|%s|%d|%s", r.OutRequestNo, r.Amount, r.PayerUserID)
		if o := b.byOut[key{m.AppID, r.OutOrderNo}]; o != nil {
			ch := b.settle(o, now)
			op := o.opByRequest(r.OutRequestNo)
			if o.Claim || op == nil {
				return ch, ErrOutOrderNoUsed
			}
			if op.fingerprint != fp {
				return ch, ErrDiscordant
			}
			ch = append(ch, b.complete(o, op, now)...)
			res = Result{Order: o.clone(), Op: *op, Repeat: true}
			return ch, nil
		}
		o := &Order{
			AppID: m.AppID, AuthNo: b.authNo(now), OutOrderNo: r.OutOrderNo, Title: r.OrderTitle, Method: method,
			Amount: r.Amount, Status: OrderInit, ExtraParam: r.ExtraParam,
			NotifyURL: c.NotifyURL, ReturnURL: c.ReturnURL, Charset: c.Charset, SignType: c.SignType,
			Created: now, Expires: exp, CashierToken: b.ids.Secret(),
		}
		o.Operations = append(o.Operations, Operation{OperationID: b.operationID(now), OutRequestNo: r.OutRequestNo,
			Type: Pay, Amount: r.Amount, Status: OpInit, Created: now, NotifyURL: c.NotifyURL, fingerprint: fp})
		o.MerchantFunded = agreement && m.Seller.UserID != "" && r.PayerUserID == m.Seller.UserID
		if o.MerchantFunded && b.spend != nil && b.backend == nil {
			if err := b.spend(m.AppID, r.Amount, func() { b.add(o) }); err != nil {
				return nil, err
			}
		} else {
			b.add(o)
		}
		if agreement {
			o.Payer = fixtures.Buyer{UserID: r.PayerUserID, LogonID: fixtures.MaskLogon(payerAccount), Account: payerAccount}
			if processing {
				done := now.Add(b.opts.Processing)
				o.Operations[0].DoneAt = &done
			}
		}
		ch := []change{o.event(now, EventCreated, o.Operations[0].OperationID, method)}
		if agreement && !processing {
			ch = append(ch, b.paid(o, now))
		}
		res = Result{Order: o.clone(), Op: o.Operations[0]}
		return ch, nil
	})
	return res, err
}

// paid moves an order from INIT to AUTHORIZED: the sender's money is in.
func (b *Book) paid(o *Order, now time.Time) change {
	op := &o.Operations[0]
	op.Status, op.Trans, op.DoneAt = OpSuccess, &now, nil
	o.Status, o.Rest, o.Paid = OrderAuthorized, o.Amount, &now
	refund := now.Add(b.opts.AutoRefund)
	o.RefundAt = &refund
	switch {
	case o.Payer.UserID == "" && o.Payer.LogonID != "": // named by its logon alone, its user not found: derived
		o.Payer.UserID = fixtures.UserIDOf(o.Payer.Account)
	case o.Payer.UserID == "": // a made-up sender
		o.Payer = b.ids.Buyer()
	case o.Payer.LogonID == "": // named by its user id alone: its logon derived, as a trade buyer's
		account := fixtures.LogonOf(o.Payer.UserID)
		o.Payer.LogonID, o.Payer.Account = fixtures.MaskLogon(account), account
	}
	return o.event(now, EventPaid, op.OperationID, "sender paid "+o.Amount.String())
}

// complete finishes a processing operation early: a retry or a query
// tells the outcome, and from then on it is final.
func (b *Book) complete(o *Order, op *Operation, now time.Time) []change {
	if op.Status != OpInit || op.DoneAt == nil {
		return nil
	}
	if op.Type == Pay && !o.Claim {
		return []change{b.paid(o, now)}
	}
	op.Status, op.Trans, op.DoneAt = OpSuccess, &now, nil
	return []change{o.event(now, EventCompleted, op.OperationID, string(op.Type)+" completed")}
}

// settle applies the clock: unpaid orders close at their pay timeout,
// processing operations complete, unclaimed money goes back.
func (b *Book) settle(o *Order, now time.Time) []change {
	var ch []change
	for i := range o.Operations {
		op := &o.Operations[i]
		if op.Status == OpInit && op.DoneAt != nil && !now.Before(*op.DoneAt) {
			ch = append(ch, b.complete(o, op, *op.DoneAt)...) // it happened at its own time
		}
	}
	switch {
	case o.Status == OrderInit && o.Operations[0].DoneAt == nil && !now.Before(o.Expires):
		o.Status = OrderClosed
		o.Operations[0].Status = OpClosed
		ch = append(ch, o.event(o.Expires, EventClosed, o.Operations[0].OperationID, "pay_timeout: never paid"))
	case o.Status == OrderAuthorized && o.RefundAt != nil && !now.Before(*o.RefundAt):
		at := *o.RefundAt
		op := Operation{OperationID: b.operationID(at), OutRequestNo: "AUTO" + o.AuthNo, Type: Refund, Amount: o.Rest,
			Status: OpSuccess, Created: at, Trans: &at, Auto: true, NotifyURL: o.NotifyURL, Remark: "红包超时未领取，自动退回"}
		o.Operations = append(o.Operations, op)
		o.Rest, o.Status, o.RefundAt = 0, OrderFinish, nil
		ch = append(ch, o.event(at, EventRefunded, op.OperationID, "unclaimed "+op.Amount.String()+" returned automatically"))
	}
	return ch
}

// Deadline is when time alone next changes an order.
func (b *Book) Deadline(o Order) (time.Time, bool) {
	var at time.Time
	for _, op := range o.Operations {
		if op.Status == OpInit && op.DoneAt != nil && (at.IsZero() || op.DoneAt.Before(at)) {
			at = *op.DoneAt
		}
	}
	var next time.Time
	switch {
	case o.Status == OrderInit:
		next = o.Expires
	case o.Status == OrderAuthorized && o.RefundAt != nil:
		next = *o.RefundAt
	}
	if !next.IsZero() && (at.IsZero() || next.Before(at)) {
		at = next
	}
	return at, !at.IsZero()
}

// Settle applies the clock to one order; the scheduler calls it.
func (b *Book) Settle(authNo string) []Event {
	var out []Event
	err := b.commitOn([]Key{{AuthNo: authNo}}, func(now time.Time) ([]change, error) {
		o := b.byAuth[authNo]
		if o == nil {
			return nil, nil
		}
		ch := b.settle(o, now)
		for _, c := range ch {
			out = append(out, c.e)
		}
		return ch, nil
	})
	if err != nil && b.backend != nil {
		return nil // not committed: still due in the database (trade.Book.Settle)
	}
	return out
}

func (b *Book) packet(app, authNo, outOrderNo string) (*Order, error) {
	var o *Order
	if authNo != "" {
		o = b.byAuth[authNo]
	} else if outOrderNo != "" {
		o = b.byOut[key{app, outOrderNo}]
	}
	if o == nil || o.AppID != app || o.Claim {
		return nil, ErrOrderNotExist
	}
	return o, nil
}

// Disburse pays a claim out of a red packet to a payee. A claim is its own
// fund order (out_order_no); it never takes more than the packet holds.
func (b *Book) Disburse(m domain.Merchant, r DisburseRequest, c domain.Context, processing bool) (Result, error) {
	var first domain.Ask
	if r.PayeeUserID == "" && fixtures.IsLogonID(r.PayeeLogonID) { // its user found before the commit
		first = domain.AskUser(m.AppID, r.PayeeLogonID)
	}
	return domain.Twice(b.buyerHalves, first, func(known domain.Ask, ask *domain.Ask) (Result, error) {
		return b.disburseOnce(m, r, c, processing, known, ask)
	})
}

func (b *Book) disburseOnce(m domain.Merchant, r DisburseRequest, c domain.Context, processing bool, known domain.Ask, ask *domain.Ask) (Result, error) {
	var res Result
	err := b.commitOn([]Key{packetKey(m.AppID, r.DeductAuthNo, r.DeductOutOrderNo), {App: m.AppID, OutOrderNo: r.OutOrderNo}}, func(now time.Time) ([]change, error) {
		payeeID := r.PayeeUserID
		if payeeID == "" && fixtures.IsLogonID(r.PayeeLogonID) {
			var err error
			if payeeID, err = b.halves.UserOfLogon(m.AppID, r.PayeeLogonID, known, ask); err != nil {
				return nil, err
			}
		}
		if err := checkNos(r.OutOrderNo, r.OutRequestNo); err != nil {
			return nil, err
		}
		if r.DeductAuthNo == "" && r.DeductOutOrderNo == "" {
			return nil, InvalidParameter("deduct_auth_no和deduct_out_order_no不能同时为空")
		}
		if r.PayeeUserID == "" && r.PayeeLogonID == "" {
			return nil, InvalidParameter("payee_user_id和payee_logon_id不能同时为空")
		}
		if err := checkWidth("order_title", r.OrderTitle); err != nil {
			return nil, err
		}
		if err := checkLengths("extra_param", r.ExtraParam, "1024",
			"payee_user_id", r.PayeeUserID, "28", "payee_logon_id", r.PayeeLogonID, "100"); err != nil {
			return nil, err
		}
		if r.PayeeUserID != "" && !fixtures.IsUserID(r.PayeeUserID) {
			return nil, InvalidParameter("payee_user_id格式错误")
		}
		if r.PayeeLogonID != "" && !fixtures.IsLogonID(r.PayeeLogonID) {
			return nil, InvalidParameter("payee_logon_id格式错误")
		}
		if err := checkAmount(r.Amount, r.AmountSent); err != nil {
			return nil, err
		}
		if r.PayTimeout != "" {
			if _, err := payTimeout(r.PayTimeout, now); err != nil {
				return nil, err
			}
		}
		p, err := b.packet(m.AppID, r.DeductAuthNo, r.DeductOutOrderNo)
		if err != nil {
			return nil, err
		}
		ch := b.settle(p, now)
		fp := fmt.Sprintf("disburse|%s|%s|%d|%s|%s", p.AuthNo, r.OutRequestNo, r.Amount, r.PayeeUserID, r.PayeeLogonID)
		if o := b.byOut[key{m.AppID, r.OutOrderNo}]; o != nil {
			op := o.opByRequest(r.OutRequestNo)
			if !o.Claim || op == nil {
				return ch, ErrOutOrderNoUsed
			}
			if op.fingerprint != fp {
				return ch, ErrDiscordant
			}
			ch = append(ch, b.complete(o, op, now)...)
			res = Result{Order: o.clone(), Op: *op, Repeat: true}
			return ch, nil
		}
		if p.Status != OrderAuthorized {
			return ch, ErrOrderStatus
		}
		if r.Amount > p.Rest {
			return ch, ErrRestNotEnough
		}
		if p.claims() >= MaxClaims {
			return ch, InvalidParameter("红包领取次数超过上限")
		}
		payee := fixtures.Buyer{UserID: payeeID, Account: r.PayeeLogonID, LogonID: fixtures.MaskLogon(r.PayeeLogonID)}
		if payee.UserID == p.Payer.UserID || (r.PayeeLogonID != "" && r.PayeeLogonID == p.Payer.Account) {
			return ch, ErrPayerPayeeSame
		}
		title := r.OrderTitle
		if title == "" {
			title = p.Title
		}
		claim := &Order{
			AppID: m.AppID, AuthNo: b.authNo(now), OutOrderNo: r.OutOrderNo, Title: title,
			Method: "alipay.fund.coupon.order.disburse", Claim: true, Amount: r.Amount, Status: OrderFinish,
			Payer: p.Payer, Payee: &payee, DeductAuthNo: p.AuthNo, ExtraParam: r.ExtraParam,
			NotifyURL: c.NotifyURL, Charset: c.Charset, SignType: c.SignType, Created: now, Expires: now,
		}
		op := Operation{OperationID: b.operationID(now), OutRequestNo: r.OutRequestNo, Type: Pay, Amount: r.Amount,
			Status: OpSuccess, Created: now, Trans: &now, NotifyURL: c.NotifyURL, fingerprint: fp}
		if processing {
			done := now.Add(b.opts.Processing)
			op.Status, op.Trans, op.DoneAt = OpInit, nil, &done
		}
		claim.Operations = []Operation{op}
		claim.Paid = &now
		b.add(claim)
		p.Rest -= r.Amount
		if p.Rest == 0 {
			p.Status, p.RefundAt = OrderFinish, nil
		}
		ch = append(ch,
			p.eventOf(Event{At: now, Type: EventClaimed, OperationID: op.OperationID, Amount: r.Amount,
				Detail: fmt.Sprintf("%s claimed by %s (%s)", r.Amount, payee.UserID, claim.AuthNo)}),
			claim.event(now, EventClaimed, op.OperationID, "paid to "+payee.UserID))
		res = Result{Order: claim.clone(), Op: op}
		return ch, nil
	})
	return res, err
}

// Refund returns money that is left in a red packet to the sender; never
// more than what remains.
func (b *Book) Refund(m domain.Merchant, r RefundRequest, c domain.Context, processing bool) (Result, error) {
	var res Result
	err := b.commitOn([]Key{{AuthNo: r.AuthNo}}, func(now time.Time) ([]change, error) {
		if r.AuthNo == "" {
			return nil, InvalidParameter("auth_no不能为空")
		}
		if r.OutRequestNo == "" || len(r.OutRequestNo) > 64 {
			return nil, InvalidParameter("out_request_no不能为空且长度不能超过64")
		}
		if err := checkWidth("remark", r.Remark); err != nil {
			return nil, err
		}
		if err := checkAmount(r.Amount, r.AmountSent); err != nil {
			return nil, err
		}
		o, err := b.packet(m.AppID, r.AuthNo, "")
		if err != nil {
			return nil, err
		}
		ch := b.settle(o, now)
		fp := fmt.Sprintf("refund|%s|%d", r.OutRequestNo, r.Amount)
		if op := o.opByRequest(r.OutRequestNo); op != nil {
			if op.fingerprint != fp {
				return ch, ErrDiscordant
			}
			ch = append(ch, b.complete(o, op, now)...)
			res = Result{Order: o.clone(), Op: *op, Repeat: true}
			return ch, nil
		}
		if o.Status != OrderAuthorized {
			return ch, ErrOrderStatus
		}
		if r.Amount > o.Rest {
			return ch, ErrRestNotEnough
		}
		if o.refunds() >= MaxRefunds {
			return ch, InvalidParameter("红包退回次数超过上限")
		}
		op := Operation{OperationID: b.operationID(now), OutRequestNo: r.OutRequestNo, Type: Refund, Amount: r.Amount,
			Status: OpSuccess, Created: now, Trans: &now, Remark: r.Remark, NotifyURL: c.NotifyURL, fingerprint: fp}
		if processing {
			done := now.Add(b.opts.Processing)
			op.Status, op.Trans, op.DoneAt = OpInit, nil, &done
		}
		o.Operations = append(o.Operations, op)
		o.Rest -= r.Amount
		if o.Rest == 0 {
			o.Status, o.RefundAt = OrderFinish, nil
		}
		ch = append(ch, o.event(now, EventRefunded, op.OperationID, r.Amount.String()+" returned to the sender"))
		res = Result{Order: o.clone(), Op: op}
		return ch, nil
	})
	return res, err
}

// Query finds an operation (alipay.fund.coupon.operation.query). A
// processing operation is final once queried.
func (b *Book) Query(app string, q QueryRequest) (Result, error) {
	var res Result
	err := b.commitOn([]Key{queryKey(app, q)}, func(now time.Time) ([]change, error) {
		var o *Order
		var op *Operation
		switch {
		case q.AuthNo != "" && q.OperationID != "":
			if o = b.byAuth[q.AuthNo]; o != nil && o.AppID == app {
				op = o.Op(q.OperationID)
			}
		case q.OutOrderNo != "" && q.OutRequestNo != "":
			if o = b.byOut[key{app, q.OutOrderNo}]; o != nil {
				op = o.opByRequest(q.OutRequestNo)
			}
		default:
			return nil, InvalidParameter("auth_no和operation_id，或out_order_no和out_request_no，必须成对传入")
		}
		if o == nil || o.AppID != app {
			return nil, ErrOrderNotExist
		}
		ch := b.settle(o, now)
		if op == nil {
			return ch, ErrOperationNotExist
		}
		ch = append(ch, b.complete(o, op, now)...)
		res = Result{Order: o.clone(), Op: *op}
		return ch, nil
	})
	return res, err
}

// ErrNotFound is the control API's error for an unknown red packet.
var ErrNotFound = errors.New("coupon: no such red packet")

func (b *Book) find(app, ref string) (*Order, error) {
	if o := b.byAuth[ref]; o != nil && (app == "" || o.AppID == app) {
		return o, nil
	}
	var hit *Order
	for _, o := range b.byOutNo[ref] {
		if app == "" || o.AppID == app {
			if hit != nil {
				return nil, trade.ErrAmbiguous
			}
			hit = o
		}
	}
	if hit == nil {
		return nil, ErrNotFound
	}
	return hit, nil
}

// byToken finds the red packet behind a cashier token, and nothing else.
func (b *Book) byToken(token string) (*Order, error) {
	if o := b.byPage[token]; o != nil && token != "" {
		return o, nil
	}
	return nil, ErrNotFound
}

// SenderPay is the simulated sender paying an app or page pay order in the
// Alipay app; payer may be nil. It is for the owner's control API: the
// cashier page pays through SenderPayOnPage.
func (b *Book) SenderPay(app, ref string, payer *fixtures.Buyer) (Order, error) {
	return b.senderPay([]Key{{App: app, Any: ref}}, func() (*Order, error) { return b.find(app, ref) }, payer, true)
}

// SenderPayPlanned is SenderPay for a scenario's planned sender, whose
// shape was checked when it was planned, maybe by an older build's rule:
// not checked again, so a step kept across an upgrade still pays.
func (b *Book) SenderPayPlanned(app, ref string, payer *fixtures.Buyer) (Order, error) {
	return b.senderPay([]Key{{App: app, Any: ref}}, func() (*Order, error) { return b.find(app, ref) }, payer, false)
}

// SenderPayOnPage is SenderPay for the sender on the cashier page, who
// knows only its token.
func (b *Book) SenderPayOnPage(token string, payer *fixtures.Buyer) (Order, error) {
	return b.senderPay([]Key{{Token: token}}, func() (*Order, error) { return b.byToken(token) }, payer, true)
}

// senderPay is the sender paying the order find finds, as payer with the
// half it was named without (namedPayer); check is whether payer is new
// input to check.
func (b *Book) senderPay(keys []Key, find func() (*Order, error), payer *fixtures.Buyer, check bool) (Order, error) {
	var refused error
	if check {
		refused = checkPayer(payer)
	}
	return domain.Twice(b.buyerHalves, domain.Ask{}, func(known domain.Ask, ask *domain.Ask) (Order, error) {
		named := payer
		name := func(o *Order) (err error) {
			named, err = b.namedPayer(o.AppID, payer, known, ask)
			return err
		}
		pays := func(o *Order, now time.Time) change { return b.senderPays(named)(o, now) }
		return b.sender(keys, find, name, pays, refused)
	})
}

// SenderCloseOnPage is SenderClose on the cashier page.
func (b *Book) SenderCloseOnPage(token string) (Order, error) {
	return b.sender([]Key{{Token: token}}, func() (*Order, error) { return b.byToken(token) }, nil, senderCloses, nil)
}

// OnPage returns the red packet behind a cashier token, settled.
func (b *Book) OnPage(token string) (Order, error) {
	var out Order
	err := b.commitOn([]Key{{Token: token}}, func(now time.Time) ([]change, error) {
		o, err := b.byToken(token)
		if err != nil {
			return nil, err
		}
		ch := b.settle(o, now)
		out = o.clone()
		return ch, nil
	})
	return out, err
}

// namedPayer is payer with the half it was named without, for the red
// packet's app: the user of a logon (the user a claim to it pays) or the
// logon of a user id (domain.Halves), as a trade's buyer named so.
// Anything else goes on as it came. The lock is held.
func (b *Book) namedPayer(app string, payer *fixtures.Buyer, known domain.Ask, ask *domain.Ask) (*fixtures.Buyer, error) {
	if payer == nil || (payer.UserID == "") == (payer.LogonID == "") || checkPayer(payer) != nil {
		return payer, nil
	}
	named := *payer
	var err error
	if payer.UserID == "" {
		named.UserID, err = b.halves.UserOfLogon(app, payer.LogonID, known, ask)
	} else {
		named.LogonID, err = b.halves.LogonOfUser(app, payer.UserID, known, ask)
	}
	if err != nil {
		return nil, err
	}
	return &named, nil
}

func (b *Book) senderPays(payer *fixtures.Buyer) func(*Order, time.Time) change {
	return func(o *Order, now time.Time) change {
		if payer != nil {
			o.Payer = *payer
			if payer.LogonID != "" {
				o.Payer.Account, o.Payer.LogonID = payer.LogonID, fixtures.MaskLogon(payer.LogonID)
			}
		}
		return b.paid(o, now)
	}
}

// SenderClose is the sender giving up on paying: the order closes.
func (b *Book) SenderClose(app, ref string) (Order, error) {
	return b.sender([]Key{{App: app, Any: ref}}, func() (*Order, error) { return b.find(app, ref) }, nil, senderCloses, nil)
}

func senderCloses(o *Order, now time.Time) change {
	o.Status = OrderClosed
	o.Operations[0].Status = OpClosed
	return o.event(now, EventClosed, o.Operations[0].OperationID, "sender gave up")
}

// checkPayer is why a named payer cannot pay (fixtures.Buyer.Check).
func checkPayer(payer *fixtures.Buyer) error {
	if payer == nil {
		return nil
	}
	return payer.Check()
}

// sender applies what the simulated sender does to an order still
// waiting for payment; name (may be nil) first finds what the sender
// names for the order found (domain.ErrAsk stops the pass), and refused
// (a bad payer) answers it once the order is found.
func (b *Book) sender(keys []Key, find func() (*Order, error), name func(*Order) error, act func(*Order, time.Time) change, refused error) (Order, error) {
	var out Order
	err := b.commitOn(keys, func(now time.Time) ([]change, error) {
		o, err := find()
		if err != nil {
			return nil, err
		}
		if name != nil {
			if err := name(o); err != nil {
				return nil, err
			}
		}
		ch := b.settle(o, now)
		if refused != nil {
			out = o.clone()
			return ch, refused
		}
		if o.Status != OrderInit {
			out = o.clone()
			return ch, ErrOrderStatus
		}
		ch = append(ch, act(o, now))
		out = o.clone()
		return ch, nil
	})
	return out, err
}

// Get returns one order for the control API.
func (b *Book) Get(app, ref string) (Order, error) {
	var out Order
	err := b.commitOn([]Key{{App: app, Any: ref}}, func(now time.Time) ([]change, error) {
		o, err := b.find(app, ref)
		if err != nil {
			return nil, err
		}
		ch := b.settle(o, now)
		out = o.clone()
		return ch, nil
	})
	return out, err
}

// List returns the orders of an app (all apps when empty), oldest first,
// read a page at a time so the lock is never held for the whole list. The
// error is the store's (see Page).
func (b *Book) List(app string) ([]Order, error) {
	var out []Order
	var at uint64
	for {
		page, next, err := b.Page(app, "", at, 256, false)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == 0 {
			break
		}
		at = next
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.Before(out[j].Created)
		}
		return out[i].AuthNo < out[j].AuthNo
	})
	return out, nil
}

// packetKey names the red packet a claim is paid from (see packet).
func packetKey(app, authNo, outOrderNo string) Key {
	if authNo != "" {
		return Key{AuthNo: authNo}
	}
	return Key{App: app, OutOrderNo: outOrderNo}
}

// queryKey names the order Query reads.
func queryKey(app string, q QueryRequest) Key {
	if q.AuthNo != "" && q.OperationID != "" {
		return Key{AuthNo: q.AuthNo}
	}
	return Key{App: app, OutOrderNo: q.OutOrderNo}
}
