package trade

import (
	"encoding/json"
	"errors"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/domain"
	"github.com/alipay-mock/alipay-mock/mock/limits"
)

// Options are the switches where the mock can behave like production or
// like the convenient default (docs/differences.md).
type Options struct {
	// ShowUnscanned makes a trade no buyer has acted on yet (an unscanned
	// precreate; a page, wap or app pay no buyer logged in to or scanned)
	// visible at once as WAIT_BUYER_PAY, the simpler flow of Alipay's
	// face-to-face guide. Off by default, as in production: until a buyer
	// acts, query, close and refund answer ACQ.TRADE_NOT_EXIST, cancel
	// answers as for an unknown trade, and no notification is sent for it
	// (docs/differences.md).
	ShowUnscanned bool
	// PasswordThreshold is the barcode pay amount from which the buyer must
	// enter a password, so alipay.trade.pay answers 10003 (production 1000 yuan,
	// sandbox 2000). Zero means the default of 1000 yuan.
	PasswordThreshold amount.Amount
	// CancelWindow is how long after payment alipay.trade.cancel may still
	// refund; later it answers ACQ.TRADE_CANCEL_TIME_OUT. Default 24h.
	CancelWindow time.Duration
	// RefundWindow is how long a paid trade stays refundable before it
	// becomes TRADE_FINISHED. Default 365 days.
	RefundWindow time.Duration
	// Keep is the most trades kept; past it the trades that became final
	// (closed or finished) longest ago go first, then the oldest. 0 keeps
	// every trade.
	Keep int
	// KeepBytes is the most bytes the kept trades hold (Book.Bytes); past
	// it trades go in Keep's order. 0 is no limit.
	KeepBytes int64
	// SettleMaxPercent caps what a trade's settlements may split off, in
	// percent of its total: production's default is 30 (a merchant may
	// have Alipay raise it). 0 means DefaultSettleMaxPercent; at most 100
	// (mock.New refuses more, or less than 0).
	SettleMaxPercent int
}

// DefaultSettleMaxPercent is production's default cap of a trade's
// settlements: 30% of its total_amount.
const DefaultSettleMaxPercent = 30

func (o *Options) defaults() {
	if o.PasswordThreshold == 0 {
		o.PasswordThreshold = amount.MustParse("1000")
	}
	if o.CancelWindow == 0 {
		o.CancelWindow = 24 * time.Hour
	}
	if o.RefundWindow == 0 {
		o.RefundWindow = 365 * 24 * time.Hour
	}
	if o.SettleMaxPercent <= 0 || o.SettleMaxPercent > 100 {
		o.SettleMaxPercent = DefaultSettleMaxPercent
	}
}

// Default lifetimes of unpaid trades when the merchant gives none.
const (
	FaceToFaceTimeout = 3 * time.Hour       // precreate, pay, create
	CashierTimeout    = 15 * 24 * time.Hour // page, wap and app pay
)

// QRLife is how long a precreate's QR code can be scanned, whatever the
// trade's timeouts: "二维码最长有效期是2小时，不管该参数传递的值是多少，超过2小时后
// 二维码都将失效不能再进行扫码支付" (AlipayTradePrecreateModel).
const QRLife = 2 * time.Hour

// ErrQRCodeExpired is the buyer's error for a QR code past QRLife that no
// buyer scanned in time.
var ErrQRCodeExpired = errors.New("trade: the QR code has expired (二维码已失效): a precreate's QR code can be scanned for 2 hours")

// qrDead reports whether t is a precreate no buyer scanned whose QR code
// has died by now. The trade itself is left as it was: unborn for the
// merchant, closing at its own deadline.
func (t *Trade) qrDead(now time.Time) bool {
	return t.Method == "alipay.trade.precreate" && !t.Scanned && !now.Before(t.Created.Add(QRLife))
}

// Ref names a trade by trade_no or out_trade_no; trade_no wins when both are given.
type Ref struct {
	TradeNo    string `json:"trade_no"`
	OutTradeNo string `json:"out_trade_no"`
}

// Book holds every trade of the mock. It is safe for concurrent use; the
// trades it returns are copies.
type Book struct {
	mu      sync.Mutex
	showFor func(appID string) bool
	clock   clock.Clock
	ids     *fixtures.Generator
	opts    Options
	// byOut finds trades by out_trade_no; trades of other apps with the
	// same out_trade_no hang off the first through cell.sameOut.
	byOut  map[string]*cell
	byNo   map[string]*cell
	byQR   map[string]*cell
	byPage map[string]*cell // by cashier token
	// byApp lists each app's trades, so a walk of one app's trades (its
	// payee index's first lookup) passes no other app's.
	byApp    map[string]*appTrades
	observer func(Trade, Event) error
	// tells says which events the observer turns into something that
	// must survive a crash (a notification): each is marked untold in
	// the commit that stores it (persist.go).
	tells   func(Trade, Event) bool
	store   Store
	backend Backend // the truth when replicas share a database (backend.go)
	// touched are trades changed without an event (nothing to tell the
	// observer), still to be written by the current commit.
	touched []string
	// Eviction and paging (keep.go): trades in the order they were made,
	// and the final ones in the order they became final.
	ledger  limits.Ledger[*cell]
	fair    limits.Fair // what eviction takes next (keep.go)
	onEvict func([]Trade)
	// evicting runs an evicted trade's removal with its income moved
	// into the balance (Evicting).
	evicting func(app string, a, frozen amount.Amount, to map[string]amount.Amount, take func())
	// creditRule, received and credited: what settlements paid into the
	// mock's merchants' accounts (credits.go).
	creditRule func(userID string) string
	received   map[string]amount.Amount
	credited   map[*cell]map[string]amount.Amount
	// bytes is what the kept trades hold, the sum of their cells' sizes.
	bytes int64
	// strs and locs number the strings and time zones trades share, for
	// their records (codec.go); scratch is the encoder's buffer; warmed
	// are the cells decoded since the last cool (cell.go).
	strs    strTable
	locs    locTable
	scratch []byte
	warmed  []*cell
	// extras are the rare nested fields of the few trades that have them.
	extras map[*cell]*extras
	// deadlines queue every trade's next deadline (cell.go): one timer
	// for them all instead of one scheduler job per trade.
	deadlines deadlineHeap
	dueCount  int
	reported  int64 // the earliest deadline NextDeadline last told
	onEarlier func()
	// counts are the trades in each status, kept as they change (the
	// dashboard's overview reads them instead of walking the book).
	counts [numStatus]int
	// incomeRule is what a trade brings into its merchant's account (the
	// bills' rule, set by the mock); income is its sum per app, kept as
	// trades change so the balance never walks the book.
	incomeRule func(*Trade) amount.Amount
	income     map[string]amount.Amount
	// frozen is the part of income frozen (Trade.FrozenPart), per app.
	frozen map[string]amount.Amount
	// cover checks that an account covers what a change takes (cover.go).
	cover func(app string, income func(app string) amount.Amount, received func(account string) amount.Amount, need amount.Amount) bool
	// payees are the buyers of each app's paid trades (payees.go).
	payees      map[string]*appPayees
	payeesSweep int // the apps indexed at which sweepPayees next looks
	// halves find the rest of a buyer named by one half (named.go).
	halves domain.Halves
}

// NewBook makes an empty book.
func NewBook(c clock.Clock, ids *fixtures.Generator, opts Options) *Book {
	opts.defaults()
	b := &Book{clock: c, ids: ids, opts: opts}
	b.reset("")
	return b
}

// Observe registers a function called after every state change, outside
// the book's lock (the notifier listens here).
func (b *Book) Observe(f func(Trade, Event)) {
	if f == nil {
		b.ObserveStored(nil, nil)
		return
	}
	b.ObserveStored(func(t Trade, e Event) error { f(t, e); return nil }, nil)
}

// ObserveStored is Observe for an observer that stores what it makes of
// an event (the notifier: a notification) and reports a failed write: the
// change is then answered as not stored (ErrStore). With a store, the
// events tells says yes to are marked untold in the change's own commit,
// and the observer's write clears the mark (mock/store), so a crash
// between the two leaves the mark, and the start makes what was lost
// (Untold).
func (b *Book) ObserveStored(f func(Trade, Event) error, tells func(Trade, Event) bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.observer, b.tells = f, tells
}

// Options returns the options in force.
func (b *Book) Options() Options { return b.opts }

type change struct {
	t Trade
	e Event
}

// commit runs f under the lock, waits outside it until what f changed is
// on disk (with --data), then tells the observer about the events it
// produced, in order.
func (b *Book) commit(f func(now time.Time) ([]change, error)) error { return b.commitAck(nil, f) }

// commitAck is commit that, given an ack and a store, returns f's result
// at once and leaves the wait and the observer to ack (domain.Ack): the
// caller answers only after ack.Wait, which fails when the change could
// not be stored and the call had succeeded.
func (b *Book) commitAck(ack *domain.Ack, f func(now time.Time) ([]change, error)) error {
	b.mu.Lock()
	changes, err := f(b.clock.Now())
	b.recount(changes)
	wait := b.write(changes)
	b.noteFinal(changes)
	evicted, earlier := b.trim()
	obs, onEvict, onEarlier := b.observer, b.onEvict, b.onEarlier
	// A pass to be run again (domain.ErrAsk) leaves nothing to the ack:
	// the pass that answers does.
	deferred := ack != nil && b.store != nil && !errors.Is(err, domain.ErrAsk)
	b.mu.Unlock()
	if earlier && onEarlier != nil {
		onEarlier()
	}
	done := func() error {
		werr := wait() // on disk before anyone is told
		if obs != nil {
			for _, c := range changes {
				if oerr := obs(c.t, c.e); oerr != nil && werr == nil {
					werr = ErrStore // the change is stored, what it made is not
				}
			}
		}
		if onEvict != nil && len(evicted) > 0 {
			onEvict(evicted)
		}
		return werr
	}
	if deferred {
		ack.Defer(func() error {
			if werr := done(); werr != nil && err == nil {
				return werr
			}
			return nil
		})
		return err
	}
	if werr := done(); werr != nil && err == nil {
		err = werr
	}
	return err
}

func (b *Book) reset(app string) {
	if app == "" {
		for _, c := range b.warmed {
			c.gone = true
		}
		b.warmed = b.warmed[:0]
		b.ledger.Each(0, func(_ uint64, c *cell) bool {
			c.gone = true
			return true
		})
		b.byOut = map[string]*cell{}
		b.strs.reset()
		b.locs.reset()
		b.deadlines, b.dueCount = nil, 0 // reported stays: unlockMoved tells the change
		b.extras = map[*cell]*extras{}
		b.byNo = map[string]*cell{}
		b.byQR = map[string]*cell{}
		b.byPage = map[string]*cell{}
		b.byApp = map[string]*appTrades{}
		b.ledger.Clear()
		b.fair.Clear()
		b.bytes = 0
		b.counts = [numStatus]int{}
		b.income = map[string]amount.Amount{}
		b.frozen = map[string]amount.Amount{}
		b.payees = map[string]*appPayees{}
		return
	}
	var gone []*cell
	b.ledger.Each(0, func(_ uint64, c *cell) bool {
		if b.appOf(c) == app {
			gone = append(gone, c)
		}
		return true
	})
	for _, c := range gone {
		t := b.warm(c)
		b.unindex(t)
		b.setDue(c, 0)
		b.resize(c, 0)
		delete(b.extras, c)
		c.gone = true
	}
	b.ledger.Retain(func(c *cell) bool { return !c.gone })
	b.cool()
	delete(b.payees, app)
}

// Reset forgets every trade, or only those of one app. It reports the
// store's failure to delete them; memory forgets them anyway (with a
// shared store, what the database kept is read back).
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
	b.reset(app)
	if b.store != nil {
		err = errors.Join(err, b.store.DeleteTrades(app))
	}
	b.unlockMoved()
	return err
}

// unlockMoved unlocks the book after a reset and, when the earliest
// deadline is no longer the one last reported, tells OnEarlierDeadline's
// function (outside the lock), so the mock's timer stands at a deadline
// that still exists, or at none.
func (b *Book) unlockMoved() {
	moved, f := b.earliest() != b.reported, b.onEarlier
	b.mu.Unlock()
	if moved && f != nil {
		f()
	}
}

// settle applies the passage of time to a trade: unpaid trades past their
// expiry close, paid ones past the refund window finish.
func (b *Book) settle(t *Trade, now time.Time) []change {
	switch {
	case t.Status == WaitBuyerPay && !now.Before(t.Expires):
		t.Status = Closed
		at := t.Expires
		t.Closed = &at
		e := t.record(at, EventExpired, 0, "unpaid trade timed out")
		return []change{{t.clone(), e}}
	case t.Status == Success && t.Paid != nil && !now.Before(t.Paid.Add(b.opts.RefundWindow)):
		t.Status = Finished
		// What was left frozen is unfrozen: no settlement can take it now
		// (inferred: production's automatic unfreeze, AUTO_SETTLE_FINISH).
		t.thaw(t.Paid.Add(b.opts.RefundWindow))
		e := t.record(t.Paid.Add(b.opts.RefundWindow), EventFinished, 0, "refund period over")
		return []change{{t.clone(), e}}
	}
	return nil
}

// Settle applies the clock to one trade (the scheduler calls it at the
// trade's deadlines) and returns the events that fired.
func (b *Book) Settle(app, tradeNo string) []Event {
	return b.settleOne(app, tradeNo, nil)
}

// settleOne is Settle; with ack (and --data) it leaves the wait for the
// disk, and the observer, to ack.Wait.
func (b *Book) settleOne(app, tradeNo string, ack *domain.Ack) []Event {
	var fired []Event
	err := b.commitOn(Lookup{App: app, Ref: Ref{TradeNo: tradeNo}, ack: ack}, func(now time.Time) ([]change, error) {
		t := b.warm(b.byNo[tradeNo])
		if t == nil || t.AppID != app {
			return nil, nil
		}
		ch := b.settle(t, now)
		for _, c := range ch {
			fired = append(fired, c.e)
		}
		return ch, nil
	})
	if err != nil && b.backend != nil {
		// Not committed: the database still has the deadline due, and a
		// sweep that counted these events as done would read it again
		// and again while the database refuses the write.
		return nil
	}
	return fired
}

// Deadline is when time alone next changes a trade: expiry while unpaid,
// the end of the refund window once paid. ok is false for final states.
func (b *Book) Deadline(t Trade) (at time.Time, ok bool) { return b.deadline(&t) }

// ShowsUnscanned reports whether an app's trades no buyer has acted on are
// visible (Options.ShowUnscanned, or the app's own setting).
func (b *Book) ShowsUnscanned(app string) bool {
	if b.showFor != nil {
		return b.showFor(app)
	}
	return b.opts.ShowUnscanned
}

// ShowUnscannedFor makes f decide Options.ShowUnscanned per app (the apps
// file's show_unscanned). Call it before the book is used; f is called
// under the book's lock and must not call back into the book.
func (b *Book) ShowUnscannedFor(f func(appID string) bool) { b.showFor = f }

// Hidden reports whether a trade does not exist for its merchant yet: a
// precreate, page, wap or app pay trade no buyer acted on, unless the app
// shows such trades. Nothing is notified for a hidden trade.
func (b *Book) Hidden(t Trade) bool {
	return t.unscanned() && !b.ShowsUnscanned(t.AppID)
}

// WaitsForBuyer reports whether t is a trade production creates only when
// a buyer acts: alipay.trade.precreate when the QR code is scanned, page
// pay when the buyer scans the cashier's code or logs in, wap and app pay
// when the buyer logs in or enters the password (Alipay support's
// 交易状态问题解析, https://developer.aliyun.com/article/707649).
func WaitsForBuyer(method string) bool {
	switch method {
	case "alipay.trade.precreate", "alipay.trade.page.pay", "alipay.trade.wap.pay", "alipay.trade.app.pay":
		return true
	}
	return false
}

// unscanned reports whether t waits for a buyer no one has been yet.
func (t *Trade) unscanned() bool {
	return WaitsForBuyer(t.Method) && !t.Scanned
}

// Unscanned reports whether t waits for a buyer no one has been yet: it
// does not exist for its merchant (unless the app shows such trades), and
// eviction counts it apart (keep.go).
func (t Trade) Unscanned() bool { return t.unscanned() }

// lookup finds a trade of an app and settles it. Trades no buyer acted on
// do not exist yet, as in production, unless the app shows them.
func (b *Book) lookup(app string, ref Ref, now time.Time) (*Trade, []change, error) {
	t, ch, err := b.lookupAll(app, ref, now)
	if err == nil && t.unscanned() && !b.ShowsUnscanned(app) {
		// What settling it changed (a timeout closed it) is still kept.
		return nil, ch, ErrTradeNotExist
	}
	return t, ch, err
}

// lookupAll is lookup that also finds trades no buyer acted on.
func (b *Book) lookupAll(app string, ref Ref, now time.Time) (*Trade, []change, error) {
	var t *Trade
	if ref.TradeNo != "" {
		t = b.warm(b.byNo[ref.TradeNo])
		if t != nil && t.AppID != app {
			t = nil
		}
	} else if ref.OutTradeNo != "" {
		t = b.outTrade(app, ref.OutTradeNo)
	} else {
		return nil, nil, InvalidParameter("out_trade_no和trade_no不能同时为空")
	}
	if t == nil {
		return nil, nil, ErrTradeNotExist
	}
	return t, b.settle(t, now), nil
}

// wall is the wall clock's reading when the book's clock is anchored to one
// (clock.Sim), else now.
func (b *Book) wall(now time.Time) time.Time {
	if w, ok := b.clock.(interface{ Wall() time.Time }); ok {
		return w.Wall()
	}
	return now
}

func (b *Book) open(m domain.Merchant, o *Order, c domain.Context, method string, now time.Time, def time.Duration) (*Trade, error) {
	ck, err := b.checkOpen(m, o, c, method, now, def)
	if err != nil {
		return nil, err
	}
	return b.opened(m, o, c, method, now, ck), nil
}

// checked is what checkOpen found an order to open with.
type checked struct {
	exp                     time.Time
	royaltyInfo, settleInfo json.RawMessage
}

// checkOpen checks what opening o needs, whatever its buyer, changing
// nothing: create runs it before it finds a named buyer's other half, so
// an order refused for itself is refused even when that lookup fails.
func (b *Book) checkOpen(m domain.Merchant, o *Order, c domain.Context, method string, now time.Time, def time.Duration) (checked, error) {
	var ck checked
	var err error
	if ck.exp, err = o.expiry(now, b.wall(now), c.Stamped, def); err != nil {
		return ck, err
	}
	if err := checkProductCode(method, o.ProductCode); err != nil {
		return ck, err
	}
	if err := checkSeller(m, o); err != nil {
		return ck, err
	}
	if ck.royaltyInfo, err = keepObject("royalty_info", o.RoyaltyInfo); err != nil {
		return ck, err
	}
	ck.settleInfo, err = keepObject("settle_info", o.SettleInfo)
	return ck, err
}

// opened opens the trade checkOpen checked.
func (b *Book) opened(m domain.Merchant, o *Order, c domain.Context, method string, now time.Time, ck checked) *Trade {
	exp, royaltyInfo, settleInfo := ck.exp, ck.royaltyInfo, ck.settleInfo
	seller := m.Seller
	goods, omitted := keepGoods(o.GoodsDetail)
	t := &Trade{
		Goods: goods, GoodsOmitted: omitted,
		AppID: m.AppID, ISVAppID: m.ISVAppID, TradeNo: b.ids.TradeNo(now), OutTradeNo: o.OutTradeNo, Method: method,
		ProductCode: o.ProductCode, Status: WaitBuyerPay, Subject: o.Subject, Body: o.Body,
		Total: o.TotalAmount, Discountable: o.DiscountableAmount, Undiscountable: o.UndiscountableAmount,
		RoyaltyInfo: royaltyInfo, SettleInfo: settleInfo,
		Seller:         seller,
		PassbackParams: o.PassbackParams, MerchantOrderNo: o.MerchantOrderNo, SysServiceProviderID: o.ExtendParams.SysServiceProviderID,
		RoyaltyFreeze: o.ExtendParams.RoyaltyFreeze == "true",
		NotifyURL:     c.NotifyURL, ReturnURL: c.ReturnURL, QuitURL: quitURL(method, o.QuitURL),
		Charset: sign.Charset(string(c.Charset)), SignType: sign.Type(string(c.SignType)),
		StoreID: o.StoreID, OperatorID: o.OperatorID, TerminalID: o.TerminalID, OpenID: c.OpenID,
		Created: now, Expires: exp, CashierToken: b.ids.Secret(),
		Vouchers: b.voucher(c.Voucher, o.TotalAmount, now),
	}
	b.add(t)
	return t
}

// quitURL is the quit_url a trade keeps: wap pay's only, the one cashier
// with a quit button (AlipayTradeWapPayModel); others ignore it.
func quitURL(method, u string) string {
	if method != "alipay.trade.wap.pay" {
		return ""
	}
	return strings.Clone(u)
}

// checkSeller refuses a seller_id that is not the merchant's own: production
// answers ACQ.INVALID_RECEIVE_ACCOUNT (收款账户不支持, "确认seller_id…是否在签约中
// 设置了收款权限"); the mock's merchants have one receiving account each.
func checkSeller(m domain.Merchant, o *Order) error {
	if o.SellerID != "" && o.SellerID != m.Seller.UserID {
		return ErrInvalidReceiveAccount
	}
	return nil
}

// existing applies the rules for a repeated out_trade_no: the same order
// by the same method while unpaid is the same trade; a paid or closed one
// is an error, and so is another order, or the order of another method (a
// precreate over a page pay trade would answer a QR code no page shows),
// but for a barcode pay of a precreated order, both face-to-face
// (inferred: docs/differences.md).
func existing(t *Trade, o *Order, method string) error {
	switch t.Status {
	case Success, Finished:
		return ErrTradeHasSuccess
	case Closed:
		return ErrTradeHasClose
	}
	if t.fingerprintOf() != o.fingerprint() {
		return ErrContextInconsistent
	}
	if t.Method != method && (method != "alipay.trade.pay" || t.Method != "alipay.trade.precreate") {
		return ErrContextInconsistent
	}
	return nil
}

// Precreate opens a QR-code trade (alipay.trade.precreate). A repeat of the
// same order returns the same trade and QR code.
func (b *Book) Precreate(m domain.Merchant, o Order, c domain.Context) (Trade, error) {
	var out Trade
	err := b.commitOn(Lookup{App: m.AppID, Ref: Ref{OutTradeNo: o.OutTradeNo}, Create: true, ack: c.Ack}, func(now time.Time) ([]change, error) {
		if err := o.normalise(true); err != nil {
			return nil, err
		}
		if isSellerLogon(m.Seller, o.BuyerLogonID) {
			return nil, ErrBuyerSellerEqual
		}
		if t := b.outTrade(m.AppID, o.OutTradeNo); t != nil {
			ch := b.settle(t, now)
			if err := existing(t, &o, "alipay.trade.precreate"); err != nil {
				return ch, err
			}
			out = t.clone()
			return ch, nil
		}
		var qrExp time.Time
		if o.QRCodeTimeoutExpress != "" {
			var err error
			if qrExp, err = ParseTimeout("qr_code_timeout_express", o.QRCodeTimeoutExpress, now); err != nil {
				return nil, err
			}
		}
		t, err := b.open(m, &o, c, "alipay.trade.precreate", now, FaceToFaceTimeout)
		if err != nil {
			return nil, err
		}
		if !qrExp.IsZero() && qrExp.Before(t.Expires) {
			t.Expires = qrExp
		}
		t.QRToken = b.ids.QRToken()
		b.byQR[t.QRToken] = t.c
		t.BuyerLogonRequired = strings.Clone(o.BuyerLogonID)
		e := t.record(now, EventCreated, t.Total, "precreate: QR code issued")
		out = t.clone()
		return []change{{out, e}}, nil
	})
	return out, err
}

// Create opens a trade whose buyer is known (alipay.trade.create). A
// buyer named by one half has the other derived, as a page's, and one
// named by an open id alone both (named.go).
func (b *Book) Create(m domain.Merchant, o Order, c domain.Context) (Trade, error) {
	return domain.Twice(b.buyerHalves, domain.Ask{}, func(known domain.Ask, ask *domain.Ask) (Trade, error) {
		return b.createOnce(m, o, c, known, ask)
	})
}

func (b *Book) createOnce(m domain.Merchant, o Order, c domain.Context, known domain.Ask, ask *domain.Ask) (Trade, error) {
	var out Trade
	err := b.commitOn(Lookup{App: m.AppID, Ref: Ref{OutTradeNo: o.OutTradeNo}, Create: true, ack: c.Ack}, func(now time.Time) ([]change, error) {
		if err := o.normalise(true); err != nil {
			return nil, err
		}
		if o.BuyerID == "" && o.BuyerOpenID == "" && o.BuyerLogonID == "" {
			return nil, InvalidParameter("buyer_id和buyer_open_id不能同时为空")
		}
		// buyer_id is a user id, "2088开头的16位纯数字" (create's model);
		// the sub_msg is inferred.
		if o.BuyerID != "" && !fixtures.IsUserID(o.BuyerID) {
			return nil, InvalidParameter("buyer_id必须是2088开头的16位纯数字")
		}
		if err := checkSeller(m, &o); err != nil {
			return nil, err
		}
		if o.BuyerID != "" && o.BuyerID == m.Seller.UserID || isSellerLogon(m.Seller, o.BuyerLogonID) ||
			o.BuyerOpenID != "" && o.BuyerOpenID == fixtures.OpenID(m.AppID, m.Seller.UserID) {
			return nil, ErrBuyerSellerEqual
		}
		if t := b.outTrade(m.AppID, o.OutTradeNo); t != nil {
			ch := b.settle(t, now)
			if err := existing(t, &o, "alipay.trade.create"); err != nil {
				return ch, err
			}
			out = t.clone()
			return ch, nil
		}
		// The order's own checks first: a lookup that fails does not hide
		// a refusal no retry would change.
		ck, err := b.checkOpen(m, &o, c, "alipay.trade.create", now, FaceToFaceTimeout)
		if err != nil {
			return nil, err
		}
		var logonUser string // the user of a logon named alone
		if o.BuyerID == "" && o.BuyerLogonID != "" {
			var err error
			if logonUser, err = b.halves.UserOfLogon(m.AppID, o.BuyerLogonID, known, ask); err != nil {
				return nil, err
			}
			if m.Seller.UserID != "" && logonUser == m.Seller.UserID {
				return nil, ErrBuyerSellerEqual
			}
		}
		var userLogon string // the logon of a user id named alone
		if o.BuyerID != "" && o.BuyerLogonID == "" {
			var err error
			if userLogon, err = b.halves.LogonOfUser(m.AppID, o.BuyerID, known, ask); err != nil {
				return nil, err
			}
		}
		var openUser, openLogon string // the buyer of an open id named alone
		if o.BuyerID == "" && o.BuyerLogonID == "" {
			var err error
			if openUser, openLogon, err = b.halves.BuyerOfOpen(m.AppID, o.BuyerOpenID, known, ask); err != nil {
				return nil, err
			}
			if m.Seller.UserID != "" && openUser == m.Seller.UserID {
				return nil, ErrBuyerSellerEqual
			}
		}
		t := b.opened(m, &o, c, "alipay.trade.create", now, ck)
		t.Scanned = true
		t.Buyer = b.ids.Buyer()
		t.BuyerOpenID = o.BuyerOpenID
		switch {
		case o.BuyerID != "" && o.BuyerLogonID != "":
			t.Buyer.UserID = o.BuyerID
			t.Buyer.Account, t.Buyer.LogonID = o.BuyerLogonID, fixtures.MaskLogon(o.BuyerLogonID)
		case o.BuyerID != "": // its logon derived, binding no one
			t.Buyer.UserID, t.Buyer.Account, t.Buyer.LogonID = o.BuyerID, userLogon, fixtures.MaskLogon(userLogon)
			t.Buyer.Name = b.halves.NameOf(m.AppID, o.BuyerID, known)
			t.BuyerLogonDrawn = true
		case o.BuyerLogonID != "": // its user derived, binding no one
			t.Buyer.UserID = logonUser
			t.Buyer.Account, t.Buyer.LogonID = o.BuyerLogonID, fixtures.MaskLogon(o.BuyerLogonID)
			t.Buyer.Name = b.halves.NameOf(m.AppID, logonUser, known)
			t.BuyerIDDrawn = o.BuyerOpenID == ""
		default: // an open id alone: its user and that user's logon, derived
			t.Buyer.UserID = openUser
			t.Buyer.Account, t.Buyer.LogonID = openLogon, fixtures.MaskLogon(openLogon)
			t.Buyer.Name = b.halves.NameOf(m.AppID, openUser, known)
			t.BuyerLogonDrawn = true
		}
		e := t.record(now, EventCreated, t.Total, "create: waiting for the buyer")
		out = t.clone()
		return []change{{out, e}}, nil
	})
	return out, err
}

// Cashier opens (or finds again) the trade behind a page, wap or app pay
// request when the buyer lands on the cashier. It stays hidden from the
// merchant until a buyer logs in, scans or pays (Hidden).
func (b *Book) Cashier(m domain.Merchant, o Order, c domain.Context, method string) (Trade, error) {
	var out Trade
	err := b.commitOn(Lookup{App: m.AppID, Ref: Ref{OutTradeNo: o.OutTradeNo}, Create: true}, func(now time.Time) ([]change, error) {
		if err := o.normalise(true); err != nil {
			return nil, err
		}
		if t := b.outTrade(m.AppID, o.OutTradeNo); t != nil {
			ch := b.settle(t, now)
			if err := existing(t, &o, method); err != nil {
				return ch, err
			}
			out = t.clone()
			return ch, nil
		}
		t, err := b.open(m, &o, c, method, now, CashierTimeout)
		if err != nil {
			return nil, err
		}
		e := t.record(now, EventCreated, t.Total, method+": waiting for a buyer to log in")
		out = t.clone()
		return []change{{out, e}}, nil
	})
	return out, err
}

var authCodePattern = regexp.MustCompile(`^(2[5-9]|30)[0-9]{14,22}$`)

// faceTokenPattern is a face payment's auth_code (scene security_code):
// "刷脸标识串（fp开头的35位字符串）" (AlipayTradePayModel); letters and digits
// only, as a barcode is digits only (inferred: docs/gateway.md).
var faceTokenPattern = regexp.MustCompile(`^fp[0-9A-Za-z]{33}$`)

// PayResult is the outcome of a barcode payment.
type PayResult struct {
	Trade Trade
	// Waiting is true when the buyer must confirm with a password: the
	// gateway answers 10003 and the merchant polls.
	Waiting bool
}

// Pay takes a barcode payment (alipay.trade.pay): paid at once, or waiting
// for the buyer's password above the threshold.
func (b *Book) Pay(m domain.Merchant, o Order, c domain.Context) (PayResult, error) {
	var res PayResult
	err := b.commitOn(Lookup{App: m.AppID, Ref: Ref{OutTradeNo: o.OutTradeNo}, Create: true, ack: c.Ack}, func(now time.Time) ([]change, error) {
		if err := o.normalise(false); err != nil {
			return nil, err
		}
		if o.Scene == "" {
			o.Scene = "bar_code" // "默认值为bar_code" (AlipayTradePayModel)
		}
		switch {
		case o.Scene != "bar_code" && o.Scene != "security_code" && o.Scene != "wave_code":
			return nil, InvalidParameter("scene取值为bar_code或security_code")
		case o.AuthCode == "":
			return nil, InvalidParameter("auth_code不能为空")
		case !authCodePattern.MatchString(o.AuthCode) && !(o.Scene == "security_code" && faceTokenPattern.MatchString(o.AuthCode)):
			return nil, ErrAuthCodeInvalid
		}
		var changes []change
		t := b.outTrade(m.AppID, o.OutTradeNo)
		if t != nil {
			changes = b.settle(t, now)
			if err := existing(t, &o, "alipay.trade.pay"); err != nil {
				return changes, err
			}
			if err := codeMayPay(t, o.AuthCode); err != nil {
				return changes, err
			}
			if t.AuthCode != "" {
				// Paid by barcode before and still waiting for the
				// password: a repeat answers as the first did and records
				// nothing, so repeats never grow the trade.
				res = PayResult{Trade: t.clone(), Waiting: true}
				return changes, nil
			}
		} else {
			var err error
			if t, err = b.open(m, &o, c, "alipay.trade.pay", now, FaceToFaceTimeout); err != nil {
				return nil, err
			}
			changes = append(changes, change{t.clone(), t.record(now, EventCreated, t.Total, "barcode pay")})
		}
		t.Scanned = true
		t.AuthCode = o.AuthCode
		t.Buyer = fixtures.CodeBuyer(o.AuthCode)
		if t.Total >= b.opts.PasswordThreshold || c.Password {
			res.Waiting = true
			e := t.record(now, EventPaying, t.Total, "waiting for the buyer's password")
			res.Trade = t.clone()
			return append(changes, change{res.Trade, e}), nil
		}
		e := b.pay(t, now)
		res.Trade = t.clone()
		return append(changes, change{res.Trade, e}), nil
	})
	return res, err
}

// codeMayPay refuses the barcode of a buyer who may not pay t, a trade
// opened before: another than the one t is bound to (a code awaiting the
// password, a scan of its QR code; inferred: docs/differences.md), or than
// the one its precreate named in buyer_logon_id. A code's buyer comes from
// the code (fixtures.CodeBuyer).
func codeMayPay(t *Trade, code string) error {
	if code == t.AuthCode {
		return nil
	}
	buyer := fixtures.CodeBuyer(code)
	if (t.bound() && buyer.UserID != t.Buyer.UserID) || (t.BuyerLogonRequired != "" && buyer.Account != t.BuyerLogonRequired) {
		return ErrBuyerNotMatch
	}
	return nil
}

func (b *Book) pay(t *Trade, now time.Time) Event {
	t.Status = Success
	t.Scanned = true
	paid := now
	t.Paid = &paid
	if t.Buyer.UserID == "" {
		t.Buyer = b.ids.Buyer()
	}
	return t.record(now, EventPaid, t.Total, "buyer paid")
}

// Query returns a trade (alipay.trade.query).
func (b *Book) Query(app string, ref Ref) (Trade, error) {
	var out Trade
	err := b.commitOn(Lookup{App: app, Ref: ref, Read: true}, func(now time.Time) ([]change, error) {
		t, ch, err := b.lookup(app, ref, now)
		if err != nil {
			return ch, err
		}
		out = t.clone()
		return ch, nil
	})
	return out, err
}

// CancelResult is what alipay.trade.cancel reports.
type CancelResult struct {
	Trade     *Trade // nil when no trade was found
	Action    string // "close", "refund" or "" when nothing was done
	RetryFlag string // "Y" or "N"
}

// Cancel undoes a face-to-face trade (alipay.trade.cancel): an unpaid trade
// closes, a paid one is refunded in full. Cancelling an unknown trade
// succeeds with no action, so a merchant can cancel after a lost pay answer.
func (b *Book) Cancel(app string, ref Ref) (CancelResult, error) {
	res := CancelResult{RetryFlag: "N"}
	err := b.commitOn(Lookup{App: app, Ref: ref, Short: ErrSellerBalanceNotEnough}, func(now time.Time) ([]change, error) {
		t, ch, err := b.lookupAll(app, ref, now)
		if errors.Is(err, ErrTradeNotExist) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if t.unscanned() && !b.ShowsUnscanned(app) {
			// The trade does not exist for the merchant yet: the answer is
			// an unknown trade's (no trade_no, no action), and the QR code
			// or cashier is closed so no buyer can pay after the merchant
			// gave up (inferred: docs/differences.md).
			if t.Status != WaitBuyerPay {
				return ch, nil
			}
			t.Status = Closed
			t.Closed = &now
			t.CancelAction = "close"
			e := t.record(now, EventClosed, 0, "cancelled by the merchant before any buyer came")
			return append(ch, change{t.clone(), e}), nil
		}
		var e Event
		switch t.Status {
		case Finished:
			return ch, ErrTradeHasFinished
		case Closed:
			if t.CancelAction == "" {
				if t.Refunded() > 0 {
					return ch, ErrRefundFee
				}
				t.CancelAction = "close"
				b.touched = append(b.touched, t.TradeNo)
			}
			c := t.clone()
			res.Trade, res.Action = &c, t.CancelAction
			return ch, nil
		case WaitBuyerPay:
			t.Status = Closed
			t.Closed = &now
			t.CancelAction = "close"
			e = t.record(now, EventClosed, 0, "cancelled by the merchant")
		case Success:
			if now.Sub(*t.Paid) > b.opts.CancelWindow {
				return ch, ErrCancelTimeout
			}
			if t.Refunded() > 0 {
				return ch, ErrRefundFee
			}
			rest := t.Total
			ref := Refund{OutRequestNo: t.OutTradeNo, Amount: rest, At: now, Cancel: true, RoyaltyBack: t.autoBack(rest, now)}
			next := t.clone()
			next.Refunds = append(next.Refunds, ref)
			next.thaw(now)
			if err := b.covers(t, &next, ErrSellerBalanceNotEnough); err != nil {
				return ch, err
			}
			t.Refunds = append(t.Refunds, ref)
			t.Status = Closed
			t.Closed = &now
			t.thaw(now)
			t.CancelAction = "refund"
			e = t.record(now, EventRefunded, rest, "cancelled by the merchant: full refund")
		}
		c := t.clone()
		res.Trade, res.Action = &c, t.CancelAction
		return append(ch, change{c, e}), nil
	})
	return res, err
}

// Close closes an unpaid trade (alipay.trade.close).
func (b *Book) Close(app string, ref Ref, operator string) (Trade, error) {
	// The history keeps it: bounded as an order's is.
	if err := checkLength("operator_id", MaxOperatorID, operator); err != nil {
		return Trade{}, err
	}
	var out Trade
	err := b.commitOn(Lookup{App: app, Ref: ref}, func(now time.Time) ([]change, error) {
		t, ch, err := b.lookup(app, ref, now)
		if err != nil {
			return ch, err
		}
		if t.Status != WaitBuyerPay {
			return ch, ErrTradeStatus
		}
		t.Status = Closed
		t.Closed = &now
		detail := "closed by the merchant"
		if operator != "" {
			detail += " (operator " + operator + ")"
		}
		e := t.record(now, EventClosed, 0, detail)
		out = t.clone()
		return append(ch, change{out, e}), nil
	})
	return out, err
}

// RefundRequest is the biz_content of alipay.trade.refund.
type RefundRequest struct {
	Ref
	RefundAmount amount.Amount `json:"refund_amount"`
	OutRequestNo string        `json:"out_request_no"`
	RefundReason string        `json:"refund_reason"`
	OperatorID   string        `json:"operator_id"`
	StoreID      string        `json:"store_id"`
	TerminalID   string        `json:"terminal_id"`
	// QueryOptions names the optional fields the answer should carry.
	QueryOptions []string `json:"query_options"`
	// RefundRoyaltyParameters take settled money back from receivers.
	RefundRoyaltyParameters []RoyaltyParam `json:"refund_royalty_parameters"`
	// AmountSent is set when the JSON carried refund_amount, so that a 0
	// sent is out of range rather than missing.
	AmountSent bool `json:"-"`
}

// UnmarshalJSON reads a RefundRequest and notes whether refund_amount was sent.
func (r *RefundRequest) UnmarshalJSON(b []byte) error {
	type plain RefundRequest
	if err := json.Unmarshal(b, (*plain)(r)); err != nil {
		return err
	}
	r.AmountSent = amount.Sent(b, "refund_amount")
	return nil
}

// RefundResult is what alipay.trade.refund reports.
type RefundResult struct {
	Trade Trade
	// FundChange is false when this call repeated an earlier refund.
	FundChange bool
	Refund     Refund
}

// Refund refunds part or all of a paid trade (alipay.trade.refund).
// Refunds are idempotent by out_request_no; their sum never exceeds the
// total; a full refund closes the trade.
func (b *Book) Refund(app string, r RefundRequest) (RefundResult, error) {
	var res RefundResult
	err := b.commitOn(Lookup{App: app, Ref: r.Ref, Short: ErrSellerBalanceNotEnough}, func(now time.Time) ([]change, error) {
		if r.RefundAmount == 0 && !r.AmountSent {
			return nil, InvalidParameter("refund_amount不能为空")
		}
		if !r.RefundAmount.InRange() {
			return nil, InvalidParameter("refund_amount取值范围[0.01,100000000]")
		}
		if len(r.OutRequestNo) > 64 {
			return nil, InvalidParameter("out_request_no长度不能超过64")
		}
		if utf8.RuneCountInString(r.RefundReason) > 256 {
			return nil, InvalidParameter("refund_reason长度不能超过256")
		}
		if err := checkRoyaltyBack(r.RefundRoyaltyParameters); err != nil {
			return nil, err
		}
		t, ch, err := b.lookup(app, r.Ref, now)
		if err != nil {
			return ch, err
		}
		reqNo := r.OutRequestNo
		if reqNo == "" {
			reqNo = t.OutTradeNo
		}
		if prev := t.FindRefund(reqNo); prev != nil {
			if prev.Amount != r.RefundAmount {
				return ch, ErrDiscordantRepeat
			}
			res = RefundResult{Trade: t.clone(), Refund: *prev}
			return ch, nil
		}
		switch t.Status {
		case WaitBuyerPay:
			return ch, ErrTradeStatus
		case Finished:
			return ch, ErrTradeHasFinished
		case Closed:
			return ch, ErrTradeStatus
		}
		// Production's answers (developer.aliyun.com/article/707486): no
		// out_request_no and not the total, or more than the total with one.
		if r.OutRequestNo == "" && r.RefundAmount != t.Total {
			return ch, ErrRefundNotTotal
		}
		if r.RefundAmount > t.Total {
			return ch, ErrRefundFee
		}
		if t.Refunded()+r.RefundAmount > t.Total {
			return ch, ErrRefundAmountExceed
		}
		var back []RoyaltyBack
		if t.FaceToFace() {
			if len(r.RefundRoyaltyParameters) > 0 {
				return ch, ErrRoyaltyBackFaceToFace
			}
			back = t.autoBack(t.Refunded()+r.RefundAmount, now)
		} else if back, err = t.royaltyBack(r.RefundRoyaltyParameters, now); err != nil {
			return ch, err
		}
		if len(t.Refunds) >= MaxRefunds {
			return ch, InvalidParameter("同一笔交易的退款次数超过上限")
		}
		ref := Refund{OutRequestNo: reqNo, Amount: r.RefundAmount, Reason: r.RefundReason, At: now, RoyaltyBack: back}
		next := t.clone()
		next.Refunds = append(next.Refunds, ref)
		if next.Refunded() == next.Total {
			next.thaw(now) // refunded in full: nothing is left to settle
		}
		if err := b.covers(t, &next, ErrSellerBalanceNotEnough); err != nil {
			return ch, err
		}
		t.Refunds = append(t.Refunds, ref)
		if t.Refunded() == t.Total {
			t.Status = Closed
			t.Closed = &now
			t.thaw(now)
		}
		e := t.record(now, EventRefunded, r.RefundAmount, "refund "+reqNo)
		res = RefundResult{Trade: t.clone(), FundChange: true, Refund: ref}
		return append(ch, change{res.Trade, e}), nil
	})
	return res, err
}

// RefundQuery finds one refund of a trade (alipay.trade.fastpay.refund.query).
// The refund is nil when the trade exists but has no refund by that number.
func (b *Book) RefundQuery(app string, ref Ref, outRequestNo string) (Trade, *Refund, error) {
	var out Trade
	var found *Refund
	err := b.commitOn(Lookup{App: app, Ref: ref, Read: true}, func(now time.Time) ([]change, error) {
		if outRequestNo == "" {
			return nil, InvalidParameter("out_request_no不能为空")
		}
		t, ch, err := b.lookup(app, ref, now)
		if err != nil {
			return ch, err
		}
		out = t.clone()
		if r := t.FindRefund(outRequestNo); r != nil {
			c := *r
			found = &c
		}
		return ch, nil
	})
	return out, found, err
}

// BuyerAction is what the simulated buyer does.
type BuyerAction string

// Buyer actions of the control API and the cashier page.
const (
	ActScan  BuyerAction = "scan"
	ActPay   BuyerAction = "pay"
	ActFail  BuyerAction = "fail"
	ActClose BuyerAction = "close"
)

// ErrNotFound is the control API's error for an unknown trade.
var ErrNotFound = errors.New("trade: no such trade")

// Act performs a buyer action on a trade found by out_trade_no, trade_no
// or QR token, in any app when app is empty. buyer may be nil (a new
// buyer is made) or partly filled. It is for the owner's control API: the
// buyer pages act through ActOnPage.
func (b *Book) Act(app, ref string, act BuyerAction, buyer *fixtures.Buyer) (Trade, error) {
	return b.act(Lookup{App: app, Any: ref}, func() (*Trade, error) { return b.find(app, ref) }, act, buyer, true)
}

// ActPlanned is Act for a scenario's planned buyer, whose shape was
// checked when it was planned, maybe by an older build's rule: not checked
// again, so a step kept across an upgrade still acts.
func (b *Book) ActPlanned(app, ref string, act BuyerAction, buyer *fixtures.Buyer) (Trade, error) {
	return b.act(Lookup{App: app, Any: ref}, func() (*Trade, error) { return b.find(app, ref) }, act, buyer, false)
}

// Page is a buyer page: the page behind a precreate qr_code or the cashier.
type Page string

// Buyer pages.
const (
	PageQR      Page = "qr"
	PageCashier Page = "cashier"
)

// byToken finds the trade behind a page's token, and nothing else: no
// out_trade_no or trade_no, which merchants and notifications show.
func (b *Book) byToken(p Page, token string) (*Trade, error) {
	var t *Trade
	switch p {
	case PageQR:
		t = b.warm(b.byQR[token])
	case PageCashier:
		t = b.warm(b.byPage[token])
	}
	if t == nil || token == "" {
		return nil, ErrNotFound
	}
	return t, nil
}

// OnPage returns the trade behind a buyer page's token, settled; with
// ErrQRCodeExpired for a QR code no buyer can scan any more.
func (b *Book) OnPage(p Page, token string) (Trade, error) {
	var out Trade
	err := b.commitOn(Lookup{Page: p, Token: token, Read: true}, func(now time.Time) ([]change, error) {
		t, err := b.byToken(p, token)
		if err != nil {
			return nil, err
		}
		ch := b.settle(t, now)
		out = t.clone()
		if p == PageQR && t.Status == WaitBuyerPay && t.qrDead(now) {
			return ch, ErrQRCodeExpired
		}
		return ch, nil
	})
	return out, err
}

// ActOnPage is Act for the buyer on a page, who knows only its token.
func (b *Book) ActOnPage(p Page, token string, act BuyerAction, buyer *fixtures.Buyer) (Trade, error) {
	return b.act(Lookup{Page: p, Token: token}, func() (*Trade, error) { return b.byToken(p, token) }, act, buyer, true)
}

// act is a buyer's action; check is whether buyer is new input to check.
func (b *Book) act(l Lookup, find func() (*Trade, error), act BuyerAction, buyer *fixtures.Buyer, check bool) (Trade, error) {
	// A half the buyer was named without is found outside the lock (named.go).
	return domain.Twice(b.buyerHalves, domain.Ask{}, func(known domain.Ask, ask *domain.Ask) (Trade, error) {
		return b.actOnce(l, find, act, buyer, check, known, ask)
	})
}

func (b *Book) actOnce(l Lookup, find func() (*Trade, error), act BuyerAction, buyer *fixtures.Buyer, check bool, known domain.Ask, ask *domain.Ask) (Trade, error) {
	var out Trade
	err := b.commitOn(l, func(now time.Time) ([]change, error) {
		t, err := find() // first, so an unknown token is not found whatever the action
		if err != nil {
			return nil, err
		}
		switch act {
		case ActScan, ActPay, ActFail, ActClose:
		default:
			out = t.clone()
			return nil, errors.New("trade: unknown buyer action " + string(act))
		}
		ch := b.settle(t, now)
		if buyer != nil && check {
			if err := buyer.Check(); err != nil { // what a page, the control API or a new scenario names
				out = t.clone()
				return ch, err
			}
		}
		if t.Status != WaitBuyerPay {
			out = t.clone()
			return ch, &apierr.Error{Code: apierr.CodeBusiness, Msg: apierr.Msg(apierr.CodeBusiness), SubCode: "ACQ.TRADE_STATUS_ERROR", SubMsg: ErrTradeStatus.SubMsg + ": " + string(t.Status)}
		}
		if t.qrDead(now) { // no buyer reaches the trade any more
			out = t.clone()
			return ch, ErrQRCodeExpired
		}
		if buyer != nil && t.bound() && !t.isBuyer(*buyer) {
			out = t.clone()
			return ch, ErrBuyerNotMatch
		}
		if (act == ActScan && t.Scanned) || (act == ActFail && t.buyerEvents() >= MaxBuyerEvents) {
			// Scanned already, or failed often enough: nothing new to
			// record, so a page visited again and again does not grow
			// the trade.
			out = t.clone()
			return ch, nil
		}
		var logonUser string // the user of a logon named alone
		if account := namedAccount(t, buyer); account != "" {
			var err error
			if logonUser, err = b.halves.UserOfLogon(t.AppID, account, known, ask); err != nil {
				out = t.clone()
				return ch, err
			}
		}
		var userLogon string // the logon of a user id named alone
		if user := namedUser(t, buyer); user != "" {
			var err error
			if userLogon, err = b.halves.LogonOfUser(t.AppID, user, known, ask); err != nil {
				out = t.clone()
				return ch, err
			}
		}
		if t.Seller.UserID != "" && (logonUser == t.Seller.UserID || buyer != nil && buyer.UserID == t.Seller.UserID) ||
			buyer != nil && isSellerLogon(t.Seller, buyer.LogonID) { // a seller cannot pay its own trade
			out = t.clone()
			return ch, ErrBuyerSellerEqual
		}
		if req := t.BuyerLogonRequired; req != "" {
			if buyer != nil && buyer.LogonID != "" && buyer.LogonID != req {
				out = t.clone()
				return ch, ErrBuyerNotMatch
			}
			if t.Buyer.LogonID == "" {
				t.Buyer.Account, t.Buyer.LogonID = req, fixtures.MaskLogon(req)
			}
		}
		if buyer != nil {
			if buyer.UserID != "" {
				t.Buyer.UserID = buyer.UserID
				t.BuyerIDDrawn = false
			}
			if buyer.LogonID != "" {
				t.Buyer.Account, t.Buyer.LogonID = buyer.LogonID, fixtures.MaskLogon(buyer.LogonID)
				t.BuyerLogonDrawn = false
			}
		}
		if t.Buyer.UserID == "" {
			if t.Buyer.LogonID != "" { // named by its logon alone: derived, not drawn
				if logonUser == "" {
					logonUser = fixtures.UserIDOf(t.Buyer.Account)
				}
				t.Buyer.UserID = logonUser
				t.BuyerIDDrawn = true
			} else { // no one named: a new buyer
				t.Buyer = b.ids.Buyer()
				t.BuyerLogonDrawn = true
			}
		}
		if t.Buyer.LogonID == "" { // named by its user id alone: its logon derived
			account := userLogon
			if account == "" {
				account = fixtures.LogonOf(t.Buyer.UserID)
			}
			t.Buyer.LogonID, t.Buyer.Account = fixtures.MaskLogon(account), account
			t.BuyerLogonDrawn = true
		}
		var e Event
		switch act {
		case ActScan:
			t.Scanned = true
			what := "buyer scanned the QR code"
			if t.Method != "alipay.trade.precreate" {
				what = "buyer logged in at the cashier"
			}
			e = t.record(now, EventScanned, 0, what)
		case ActPay:
			e = b.pay(t, now)
		case ActFail:
			t.Scanned = true
			e = t.record(now, EventFailed, 0, "buyer's payment failed")
		case ActClose:
			// A cancel before any buyer logged in or scanned leaves the
			// trade as unborn as it was: hidden, closed, told to no one.
			t.Status = Closed
			t.Closed = &now
			e = t.record(now, EventClosed, 0, "buyer cancelled the payment")
		}
		out = t.clone()
		return append(ch, change{out, e}), nil
	})
	return out, err
}

func (b *Book) find(app, ref string) (*Trade, error) {
	if c := b.byNo[ref]; c != nil && (app == "" || b.appOf(c) == app) {
		return b.warm(c), nil
	}
	if c := b.byQR[ref]; c != nil && (app == "" || b.appOf(c) == app) {
		return b.warm(c), nil
	}
	if app != "" {
		if t := b.outTrade(app, ref); t != nil {
			return t, nil
		}
		return nil, ErrNotFound
	}
	hit := b.byOut[ref]
	if hit == nil {
		return nil, ErrNotFound
	}
	if hit.sameOut != nil {
		return nil, ErrAmbiguous
	}
	return b.warm(hit), nil
}

// ErrAmbiguous is returned when an out_trade_no names trades of several apps.
var ErrAmbiguous = errors.New("trade: out_trade_no used by several apps; give app_id")

// Get returns one trade for the control API, settled against the clock.
func (b *Book) Get(app, ref string) (Trade, error) {
	var out Trade
	err := b.commitOn(Lookup{App: app, Any: ref, Read: true}, func(now time.Time) ([]change, error) {
		t, err := b.find(app, ref)
		if err != nil {
			return nil, err
		}
		ch := b.settle(t, now)
		out = t.clone()
		return ch, nil
	})
	return out, err
}

// Filter selects trades for listing.
type Filter struct {
	AppID  string
	Status Status
}

// List returns the trades matching f, oldest first. It walks the book a
// chunk at a time (see Page), so the lock is never held for the whole list.
// The error is the store's (see Page).
func (b *Book) List(f Filter) ([]Trade, error) {
	out := []Trade{}
	var at uint64
	for {
		page, next, err := b.Page(f, at, chunk, false)
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
		return out[i].TradeNo < out[j].TradeNo
	})
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}
