// Package notify delivers Alipay's asynchronous notifications: a signed
// form POSTed to the order's notify_url, retried on production's schedule
// until the merchant answers "success" (white space around it aside).
// Attempts run on the mock's clock through its scheduler, and every byte
// sent and received is kept in the outbox.
package notify

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay"
	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// DefaultSchedule is the wait after each failed attempt: 8 attempts in
// about 25 hours, at 4m, 10m, 10m, 1h, 2h, 6h, 15h
// (https://opendocs.alipay.com/open/270/105902, 异步通知说明).
var DefaultSchedule = []time.Duration{
	4 * time.Minute, 10 * time.Minute, 10 * time.Minute,
	time.Hour, 2 * time.Hour, 6 * time.Hour, 15 * time.Hour,
}

// Options configure delivery.
type Options struct {
	// Schedule is the wait after each failed attempt; default DefaultSchedule.
	Schedule []time.Duration
	// Timeout bounds one attempt, in wall time; default 5s.
	Timeout time.Duration
	// Closed and Finished say which trades get TRADE_CLOSED notices (an
	// unpaid trade closed or expired, a full refund) and TRADE_FINISHED
	// notices; the default is production's, by product (notifiesType).
	Closed, Finished Trigger
	// UserAgent of the notifier's requests.
	UserAgent string
	// Transport carries the requests; default a fresh http.Transport.
	Transport http.RoundTripper
	// Keep is the most final notifications (delivered, given up,
	// suppressed) kept with their attempts; past it those that became
	// final longest ago go. Pending ones are not evicted (MaxPending
	// bounds them). 0 keeps all.
	Keep int
	// MaxPending bounds the pending notifications: one made (or sent
	// again) past it gives up the oldest other at once (bound.go; with a
	// shared store, BoundShared after each follow). 0 is no bound.
	MaxPending int
	// Log receives one info line per delivery attempt; nil logs nothing.
	Log *slog.Logger
}

// Trigger is which trades get a notice production sends for some products
// only.
type Trigger uint8

const (
	// ByProduct is production's default for the trade's product.
	ByProduct Trigger = iota
	// Always notifies for every product.
	Always
	// Never notifies no product.
	Never
)

// UserAgent is what production's notifier sends.
const UserAgent = "Mozilla/4.0"

// MarkerHeader marks every request the mock makes itself, so its own
// control API and buyer pages can refuse them: a notify_url is chosen by
// whoever signs a request, and must not let them drive the mock.
const MarkerHeader = "X-Alipay-Mock-Notifier"

const maxResponse = 1 << 10

// maxResponseHeader bounds the headers of a merchant's answer (net/http's
// default is 10 MB).
const maxResponseHeader = 64 << 10

// Notifier turns trade events into notifications and delivers them.
type Notifier struct {
	opts     Options
	key      *rsa.PrivateKey
	sched    *clock.Scheduler
	ids      *fixtures.Generator
	outbox   *Outbox
	http     *http.Client
	seq      atomic.Int64
	policies sync.Map        // app|out_trade_no (or out_order_no) → Policy
	shared   *shared         // set when replicas share the schedule (shared.go)
	pshared  *sharedPolicies // set when replicas share the policies (policies.go)
}

// Policy bends the notifications of one trade or red packet (a scenario's
// then.notify).
type Policy struct {
	Suppress     bool          // kept in the outbox as suppressed, never sent
	Delay        time.Duration // first attempt this much later, on the clock
	Duplicate    int           // send this many extra copies
	Reorder      bool          // hold it back a minute so later ones overtake it
	BadSignature bool          // a signature that does not verify
	URL          string        // send here instead of notify_url
}

// SetPolicy sets the policy for the notifications of app's out_trade_no
// (or out_order_no) from now on. An error is the store's: with a store,
// only what it keeps is read back, so the policy is not in force.
func (n *Notifier) SetPolicy(app, out string, p Policy) error {
	if n.pshared != nil { // only the store's copy is read (PolicyOf)
		return n.putShared(app, out, p)
	}
	n.policies.Store(app+"|"+out, p)
	return nil
}

// DropPolicy forgets the policy of one trade or red packet (one no longer
// kept).
func (n *Notifier) DropPolicy(app, out string) { n.policies.Delete(app + "|" + out) }

// DeletePolicy forgets the policy of one trade or red packet, in the
// shared store too: a scenario set it for a call that made nothing.
func (n *Notifier) DeletePolicy(app, out string) error {
	var err error
	if ps := n.pshared; ps != nil {
		err = ps.st.DeletePolicy(app, out)
	}
	n.DropPolicy(app, out)
	return err
}

// ClearPolicies forgets every policy of an app, or all; it reports the
// shared store's failure to delete them (memory forgets them anyway).
func (n *Notifier) ClearPolicies(app string) error {
	err := n.clearShared(app)
	n.ForgetPolicies(app)
	return err
}

// ForgetPolicies drops from memory every policy of an app, or all.
func (n *Notifier) ForgetPolicies(app string) {
	n.policies.Range(func(k, _ any) bool {
		if app == "" || strings.HasPrefix(k.(string), app+"|") {
			n.policies.Delete(k)
		}
		return true
	})
}

// New makes a notifier that signs with key and runs on sched.
func New(key *rsa.PrivateKey, sched *clock.Scheduler, ids *fixtures.Generator, outbox *Outbox, opts Options) *Notifier {
	if opts.Schedule == nil {
		opts.Schedule = DefaultSchedule
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	if opts.UserAgent == "" {
		opts.UserAgent = UserAgent
	}
	outbox.SetKeep(opts.Keep)
	n := &Notifier{
		opts: opts, key: key, sched: sched, ids: ids, outbox: outbox,
		http: NewHTTPClient(opts.Timeout, opts.Transport),
	}
	outbox.OnGiveUp(n.gaveUp)
	outbox.SetMaxPending(opts.MaxPending)
	return n
}

// gaveUp takes the planned attempts of the notifications the pending
// bound gave up off the clock, and logs each (the first few of a start
// that gives up many, then their number).
func (n *Notifier) gaveUp(gone []Notification) {
	const logged = 10
	for i, nf := range gone {
		// Not one sent again since: its new plan stands (an old job of
		// it finds its generation gone and does nothing).
		n.sched.Cancel(nf.ID, func(j clock.Job) bool { return j.Kind == "notify" && !n.outbox.isPending(j.Ref) })
		if n.opts.Log != nil && i < logged {
			n.opts.Log.Warn("notification given up: pending bound reached", "id", nf.ID, "app_id", nf.AppID,
				"out_trade_no", nf.OutTradeNo, "event", nf.Event, "attempts", nf.made(), "max_pending", n.opts.MaxPending)
		}
	}
	if n.opts.Log != nil && len(gone) > logged {
		n.opts.Log.Warn("notifications given up: pending bound reached", "more", len(gone)-logged, "max_pending", n.opts.MaxPending)
	}
}

// NewHTTPClient is the notifier's HTTP client: attempts bounded by
// timeout, no redirect followed, the answer's headers bounded. A nil
// transport is a fresh one.
func NewHTTPClient(timeout time.Duration, tr http.RoundTripper) *http.Client {
	if tr == nil {
		// A merchant's answer is read bounded: headers to maxResponseHeader,
		// the body to maxResponse (the rest drained up to 1 MiB, then cut).
		tr = &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second,
			MaxResponseHeaderBytes: maxResponseHeader}
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		// A redirect is not "success": production does not follow them.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Answer is what a merchant's endpoint answered one POST.
type Answer struct {
	Status   int    // 0 when there was no answer
	Body     string // at most 1 KiB
	Err      error  // no whole answer: refused, timed out, cut (Status and Body hold what came)
	OK       bool   // HTTP 200 and "success", white space around it aside, within 1 KiB
	Duration time.Duration
}

// Post sends one form body as the notifier does: POST, the form's
// charset in Content-Type, production's User-Agent, the MarkerHeader
// (the mock's own surfaces refuse it), and reads the answer bounded.
func Post(ctx context.Context, c *http.Client, url, body, charset, userAgent string) (a Answer) {
	start := time.Now() // latency is wall time, not the mock clock
	defer func() { a.Duration = time.Since(start) }()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		a.Err = err
		return a
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset="+charset)
	if userAgent == "" {
		userAgent = UserAgent
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set(MarkerHeader, "1")
	resp, err := c.Do(req)
	if err != nil {
		a.Err = err
		return a
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err == nil {
		_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	}
	resp.Body.Close()
	long := len(b) > maxResponse // never success, white space or not
	if long {
		b = b[:maxResponse]
	}
	a.Status, a.Body = resp.StatusCode, string(b)
	if err != nil {
		// Cut short (or timed out) before its end: what arrived may be
		// "success" but is not the whole answer, so it is none.
		a.Err = err
		return a
	}
	a.OK = resp.StatusCode == http.StatusOK && !long && answersSuccess(a.Body)
	return a
}

// answersSuccess reports whether a merchant's answer is success: the seven
// characters with nothing but white space around them (inferred: Alipay's
// JSP demos answer out.println("success") after page directives' line
// breaks). White space is what Java's String.trim takes away, a character
// up to U+0020: not a byte order mark, a no-break or a full-width space.
func answersSuccess(body string) bool {
	return strings.TrimFunc(body, func(r rune) bool { return r <= ' ' }) == "success"
}

// Timeout is the wall-time limit of one attempt in force.
func (n *Notifier) Timeout() time.Duration { return n.opts.Timeout }

// Outbox is where notifications are kept.
func (n *Notifier) Outbox() *Outbox { return n.outbox }

// Schedule is the retry schedule in force.
func (n *Notifier) Schedule() []time.Duration { return n.opts.Schedule }

// TradeEvent is the trade book's observer: it notifies where production
// would and when the trade has a notify_url. The error is the store's:
// reading the policy or writing the notification (--data, --store).
func (n *Notifier) TradeEvent(t trade.Trade, e trade.Event) error {
	if t.NotifyURL == "" {
		return nil
	}
	p, ok := n.params(t, e)
	if !ok {
		return nil
	}
	nf := &Notification{Kind: KindNotification, AppID: t.AppID, OutTradeNo: t.OutTradeNo, TradeNo: t.TradeNo, Event: string(e.Type),
		TradeStatus: p["trade_status"], URL: t.NotifyURL, Created: e.At}
	if i, ok := trade.EventIndex(t, e); ok {
		nf.event = i + 1
	}
	return n.enqueue(nf, p, t.Charset, t.SignType, t.AppID+"|"+t.OutTradeNo)
}

// Notifies reports whether TradeEvent makes a notification of e, without
// drawing its notify_id.
func (n *Notifier) Notifies(t trade.Trade, e trade.Event) bool {
	return t.NotifyURL != "" && n.notifiesType(t, e)
}

// byProduct are production's default triggers past TRADE_SUCCESS, by
// product_code (Alipay support's 交易状态问题解析,
// https://developer.aliyun.com/article/707649, 三: APP支付 TRADE_SUCCESS,
// TRADE_CLOSED and TRADE_FINISHED; 手机网站支付 TRADE_SUCCESS and
// TRADE_CLOSED; 当面付 and 电脑网站支付 TRADE_SUCCESS only). Products it
// does not name (JSAPI_PAY, OFFLINE_PAYMENT, …) are taken as 当面付
// (inferred).
var byProduct = map[string]struct{ closed, finished bool }{
	"QUICK_MSECURITY_PAY": {closed: true, finished: true},
	"QUICK_WAP_WAY":       {closed: true},
}

// notifiesType reports whether production notifies e of t (t as e left
// it): payments and refunds that leave the trade TRADE_SUCCESS always;
// TRADE_CLOSED (a close, an expiry, a full refund) and TRADE_FINISHED as
// --notify-closed and --notify-finished say, by default as the trade's
// product does. One rule for the notification and its untold mark.
func (n *Notifier) notifiesType(t trade.Trade, e trade.Event) bool {
	switch {
	case e.Type == trade.EventPaid, e.Type == trade.EventRefunded && e.Status != trade.Closed:
		return true
	case e.Type == trade.EventRefunded, e.Type == trade.EventClosed, e.Type == trade.EventExpired:
		return n.opts.Closed.on(byProduct[product(t)].closed)
	case e.Type == trade.EventFinished:
		return n.opts.Finished.on(byProduct[product(t)].finished)
	}
	return false
}

// on is the trigger's answer for a trade whose product's default is deflt.
func (g Trigger) on(deflt bool) bool {
	switch g {
	case Always:
		return true
	case Never:
		return false
	}
	return deflt
}

// product is t's product_code: the order's, else the one its page method
// takes.
func product(t trade.Trade) string {
	if t.ProductCode != "" {
		return t.ProductCode
	}
	m, _ := alipay.Lookup(t.Method)
	return m.ProductCode
}

// CouponEvent is the red-packet book's observer: a notification for every
// fund operation that succeeds, to the notify_url of the request that made
// it (the order's for Alipay's own automatic refund).
// The error is the store's: reading the policy or writing the
// notification (--data, --store).
func (n *Notifier) CouponEvent(o coupon.Order, e coupon.Event) error {
	op, url, ok := couponTarget(o, e)
	if !ok {
		return nil
	}
	p := n.couponParams(o, *op, e)
	packet := o.AuthNo
	if o.Claim {
		packet = o.DeductAuthNo
	}
	nf := &Notification{Kind: KindNotification, AppID: o.AppID, OutTradeNo: o.OutOrderNo, TradeNo: o.AuthNo, Event: e.Type,
		TradeStatus: string(op.Status), URL: url, Created: e.At, packet: true}
	if i, ok := coupon.EventIndex(o, e); ok {
		nf.event = i + 1
	}
	return n.enqueue(nf, p, o.Charset, o.SignType, "coupon|"+packet)
}

// NotifiesCoupon reports whether CouponEvent makes a notification of e.
func (n *Notifier) NotifiesCoupon(o coupon.Order, e coupon.Event) bool {
	_, _, ok := couponTarget(o, e)
	return ok
}

// couponTarget is the operation a red packet's event notifies and where,
// or false when it notifies nothing.
func couponTarget(o coupon.Order, e coupon.Event) (*coupon.Operation, string, bool) {
	switch e.Type {
	case coupon.EventPaid, coupon.EventClaimed, coupon.EventRefunded, coupon.EventCompleted:
	default:
		return nil, "", false
	}
	op := o.Op(e.OperationID)
	if op == nil || op.Status != coupon.OpSuccess {
		return nil, "", false
	}
	if e.Type == coupon.EventClaimed && !o.Claim {
		return nil, "", false // the claim's own order notifies; the packet's entry is its history
	}
	url := op.NotifyURL
	if url == "" && op.Auto {
		url = o.NotifyURL // Alipay's own refund tells the order's URL
	}
	return op, url, url != ""
}

// enqueue signs the parameters, fixes the form every attempt sends (each
// with its own notify_time and signature, see sendForm), and plans the
// first attempt at the event's time (plus a policy's delay), or now if
// that has passed: an event told at a start, made while the mock was
// down, is sent then, and its retries count from then. key orders
// notifications that must not overtake each other.
func (n *Notifier) enqueue(nf *Notification, p map[string]string, charset sign.Charset, signType sign.Type, key string) error {
	var pol Policy
	if nf.Kind != KindMessage {
		// A scenario's then.notify bends notify_url's notifications only.
		// A policy the store could not read fails the notification as a
		// store failure: made without it, one a scenario held back would
		// be sent (with --store the event's untold mark stays for the sweep).
		var err error
		if pol, _, err = n.PolicyOf(nf.AppID, policyName(nf)); err != nil {
			if n.opts.Log != nil {
				n.opts.Log.Error("notification policy not read", "app_id", nf.AppID, "out_trade_no", nf.OutTradeNo, "err", err)
			}
			return err
		}
	}
	if pol.URL != "" {
		nf.URL = pol.URL
	}
	nf.badSig = pol.BadSignature
	now := n.sched.Clock().Now()
	nf.madeAt = now
	at := nf.Created.Add(pol.Delay)
	if now.After(at) {
		at = now
	}
	f, body, err := n.sendForm(nf.Kind, p, charset, signType, nf.badSig, at)
	if err != nil {
		if n.opts.Log != nil { // not made: say so rather than drop it unseen
			n.opts.Log.Error("notification not made", "app_id", nf.AppID, "out_trade_no", nf.OutTradeNo, "err", err)
		}
		return nil
	}
	nf.NotifyID, nf.Charset, nf.Params, nf.Body, nf.State = f.Params["notify_id"], string(f.Charset), f.Params, body, Pending
	if pol.Reorder {
		// Only this one is held back, so the next one overtakes it.
		at, key = at.Add(time.Minute), key+"|reordered"
		pol.Reorder = false
		if err := n.SetPolicy(nf.AppID, policyName(nf), pol); err != nil && n.opts.Log != nil {
			// Still kept as reordering: the next one is held back too.
			n.opts.Log.Error("notification policy not stored", "app_id", nf.AppID, "out_trade_no", nf.OutTradeNo, "err", err)
		}
	}
	var werr error
	for i := 0; i <= pol.Duplicate; i++ {
		c := *nf
		c.ID, c.key = fmt.Sprintf("ntf_%06d", n.seq.Add(1)), key
		if pol.Suppress {
			c.State = Suppressed
		}
		if i > 0 {
			c.event = 0 // the first copy's write took the mark
		}
		if n.shared != nil && !pol.Suppress {
			// Planned in its first write, the only one not made under
			// a lease (WriteBack).
			c.NextAttempt = &at
		}
		err := n.outbox.add(&c)
		if errors.Is(err, ErrToldElsewhere) {
			return nil // another replica's notification tells the event
		}
		if err != nil && werr == nil {
			werr = err // delivery goes on in memory; the store reports failures
		}
		if err != nil && n.shared != nil {
			return werr // not stored, not kept (add): the sweep tells the event
		}
		switch {
		case pol.Suppress:
		case n.shared != nil:
			n.shared.poke()
		default:
			n.schedule(c.ID, key, at)
		}
	}
	return werr
}

// timeField is the field that carries when an attempt is sent:
// notify_time in a notification, utc_timestamp (milliseconds since the
// epoch) in a message.
func timeField(kind string) string {
	if kind == KindMessage {
		return "utc_timestamp"
	}
	return "notify_time"
}

// sendForm is the form of one attempt sent at the clock time at: the
// notification's parameters with notify_time set to at ("通知的发送时间",
// the time it is sent: seed 001's notification table), or a message's
// utc_timestamp, signed afresh; a signature that does not verify when
// bad. notify_id and every other field stay as they were. An empty
// charset or sign type is UTF-8, RSA2.
func (n *Notifier) sendForm(kind string, params map[string]string, cs sign.Charset, st sign.Type, bad bool, at time.Time) (Form, string, error) {
	p := make(map[string]string, len(params)+1)
	for k, v := range params {
		if k != "sign" && k != "sign_type" {
			p[k] = v
		}
	}
	if kind == KindMessage {
		p["utc_timestamp"] = strconv.FormatInt(at.UnixMilli(), 10)
	} else {
		p["notify_time"] = timestamp.Format(at)
	}
	f, err := SignForm(p, n.key, cs, st)
	if err != nil {
		return Form{}, "", err
	}
	if bad {
		p["sign"], _ = sign.SignString(n.key, f.SignType, f.Charset, "tampered "+sign.NotifyContent(p))
	}
	body, err := f.Encode()
	return f, body, err
}

// couponParams are the fields of a fund operation notification. No source
// shows production's red-packet notices; these follow the fund
// authorisation family (notify_type fund_auth_freeze for the sender's
// payment, fund_auth_pay for a claim, fund_auth_unfreeze for a refund).
func (n *Notifier) couponParams(o coupon.Order, op coupon.Operation, e coupon.Event) map[string]string {
	typ := "fund_auth_freeze"
	switch {
	case op.Type == coupon.Refund:
		typ = "fund_auth_unfreeze"
	case o.Claim:
		typ = "fund_auth_pay"
	}
	p := map[string]string{
		"notify_time": timestamp.Format(e.At), "notify_type": typ, "notify_id": n.ids.NotifyID(e.At),
		"app_id": o.AppID, "auth_app_id": o.AppID, "version": "1.0",
		"auth_no": o.AuthNo, "out_order_no": o.OutOrderNo, "operation_id": op.OperationID,
		"out_request_no": op.OutRequestNo, "operation_type": string(op.Type), "amount": op.Amount.String(),
		"status": string(op.Status), "gmt_create": timestamp.Format(op.Created), "order_title": o.Title,
		"payer_user_id": o.Payer.UserID, "payer_logon_id": o.Payer.LogonID, "extra_param": o.ExtraParam,
		"total_freeze_amount": o.Amount.String(), "rest_amount": o.Rest.String(),
		"total_unfreeze_amount": o.TotalRefunded().String(),
		"total_pay_amount":      (o.Amount - o.Rest - o.TotalRefunded()).String(),
	}
	if op.Trans != nil {
		p["gmt_trans"] = timestamp.Format(*op.Trans)
	}
	if o.Payee != nil {
		p["payee_user_id"], p["payee_logon_id"] = o.Payee.UserID, o.Payee.LogonID
	}
	if o.Claim {
		p["deduct_auth_no"] = o.DeductAuthNo
		p["rest_amount"] = "0.00"
		p["total_pay_amount"] = o.Amount.String()
	}
	return p
}

// schedule plans the next attempt. Each plan gets a new generation, so a
// resend supersedes an attempt already planned.
func (n *Notifier) schedule(id, key string, at time.Time) {
	var gen int
	n.outbox.update(id, func(nf *Notification) {
		nf.gen++
		gen = nf.gen
		nf.NextAttempt = &at
	})
	n.plan(id, key, gen, at)
	n.outbox.wake()
}

// Planned reports whether notification id's next attempt is planned where
// it is kept: on this process's clock, or, with replicas, in the store.
func (n *Notifier) Planned(id string) bool { return n.shared != nil || n.sched.Planned(id) }

// plan puts attempt gen of a notification on the scheduler.
func (n *Notifier) plan(id, key string, gen int, at time.Time) {
	if n.shared != nil { // the store holds the plan (NextAttempt)
		n.shared.poke()
		return
	}
	n.sched.Schedule(clock.Job{At: at, Kind: "notify", Ref: id, Key: key,
		Run: func(at time.Time) []clock.Fired { return n.attempt(id, key, gen, at) }})
}

// Clear drops app's notifications (every app's when app is empty) and
// takes their planned attempts off the clock, so its next job is one that
// still stands. It reports the store's failure to delete them; memory and
// the clock forget them anyway.
func (n *Notifier) Clear(app string) error {
	err := n.outbox.Clear(app, n.seq.Load)
	n.sched.CancelWhere(func(j clock.Job) bool {
		if j.Kind != "notify" {
			return false
		}
		return !n.outbox.has(j.Ref) // under the scheduler's lock: no wait for the store, no rebuilt bodies
	})
	return err
}

// ErrNoNotification is Resend's answer for an id no notification has;
// any other error is the store's.
var ErrNoNotification = errors.New("no notification")

// Resend delivers a notification again now, whatever its state, and
// starts the retry schedule over if that attempt fails.
func (n *Notifier) Resend(id string) error {
	if n.shared != nil {
		return n.resendShared(id)
	}
	var key string
	ok := n.outbox.update(id, func(nf *Notification) {
		nf.State, nf.Reason = Pending, ""
		nf.round = nf.made()
		key = nf.schedKey()
	})
	if !ok {
		return fmt.Errorf("%w %s", ErrNoNotification, id)
	}
	n.schedule(id, key, n.sched.Clock().Now())
	return nil
}

// attempt makes one delivery attempt at the clock time at.
func (n *Notifier) attempt(id, key string, gen int, at time.Time) []clock.Fired {
	nf, ok := n.outbox.get(id)
	if !ok || nf.State != Pending || nf.gen != gen || !n.outbox.takeOff(id, gen) {
		return nil
	}
	a := Attempt{N: nf.made() + 1, At: at}
	f, body, err := n.sendForm(nf.Kind, nf.Params, sign.Charset(nf.Charset), sign.Type(nf.Params["sign_type"]), nf.badSig, at)
	if err != nil { // the same parameters signed and encoded when queued
		f, body = Form{Params: nf.Params}, nf.Body
	}
	a.NotifyTime, a.Sign = f.Params[timeField(nf.Kind)], f.Params["sign"]
	ans := Post(context.Background(), n.http, nf.URL, body, sign.Charset(nf.Charset).Wire(), n.opts.UserAgent)
	a.Status, a.Response, a.OK = ans.Status, ans.Body, ans.OK
	a.LatencyMS = float64(ans.Duration.Microseconds()) / 1000
	if ans.Err != nil { // Go's error may quote a merchant's status line whole (up to maxResponseHeader)
		a.Error = ErrorText(ans.Err, maxResponse)
	}
	if a.Response == "success" {
		a.Response = "success" // one copy for every delivered attempt
	}
	var next *time.Time
	var state State
	var nextGen int
	n.outbox.update(id, func(nf *Notification) {
		nf.landed()
		if nf.gen != gen {
			// Superseded while in flight (a resend planned another
			// attempt): kept in the history, but the newer plan stands,
			// and a resend's round starts after it.
			if nf.round == nf.made() {
				nf.round++
			}
			nf.keep(a)
			nf.Params, nf.Body = f.Params, body
			state = nf.State
			return
		}
		nf.keep(a)
		nf.Params, nf.Body = f.Params, body // the last attempt's form
		failed := nf.made() - nf.round      // failures in this round
		switch {
		case a.OK:
			nf.State, nf.NextAttempt = Delivered, nil
		case failed > len(n.opts.Schedule):
			nf.State, nf.NextAttempt = GivenUp, nil
		default:
			t := at.Add(n.opts.Schedule[failed-1])
			// Planned in the attempt's own write: a shared schedule must
			// never see this attempt done but still due, and a second
			// write would let go of a lease another replica may hold by
			// then, with the attempt still due.
			next, nf.NextAttempt = &t, &t
			nf.gen++
			nextGen = nf.gen
		}
		state = nf.State
	})
	if next != nil {
		n.plan(id, key, nextGen, *next)
		n.outbox.wake() // a waiter that saw this attempt sees the next one planned
	}
	detail := fmt.Sprintf("attempt %d to %s: ", a.N, nf.URL)
	switch {
	case a.OK:
		detail += "success"
	case a.Error != "":
		detail += a.Error
	default:
		detail += fmt.Sprintf("HTTP %d %q", a.Status, truncate(a.Response, 40))
	}
	if state == GivenUp {
		detail += "; given up"
	}
	n.logAttempt(nf, a, state, next)
	return []clock.Fired{{At: at, Kind: "notify", Ref: id, Detail: detail}}
}

// logAttempt writes the one info line of a delivery attempt: which
// notification, the attempt's number and result, and what happens next.
func (n *Notifier) logAttempt(nf Notification, a Attempt, state State, next *time.Time) {
	if n.opts.Log == nil || !n.opts.Log.Enabled(context.Background(), slog.LevelInfo) {
		return
	}
	args := []any{"id", nf.ID, "app_id", nf.AppID, "out_trade_no", nf.OutTradeNo, "event", nf.Event,
		"attempt", a.N, "url", nf.URL}
	switch {
	case a.OK:
		args = append(args, "result", "success")
	case a.Error != "":
		args = append(args, "result", "error", "err", a.Error)
	default:
		args = append(args, "result", "refused", "status", a.Status, "response", truncate(a.Response, 40))
	}
	args = append(args, "state", string(state))
	if next != nil {
		args = append(args, "next_attempt", timestamp.Format(*next))
	}
	args = append(args, "ms", a.LatencyMS)
	if a.OK {
		n.opts.Log.Info("notification", args...)
		return
	}
	n.opts.Log.Info("notification failed", args...)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// fundBill is the notification's fund_bill_list entry: camelCase
// fundChannel, unlike the query response.
type fundBill struct {
	Amount      amount.Amount `json:"amount"`
	FundChannel string        `json:"fundChannel"`
}

// voucher is the notification's voucher_detail_list entry: camelCase, as in
// the notification example of Alipay's documentation,
// [{"amount":"0.20","merchantContribute":"0.00","name":"5折券","otherContribute":"0.20","type":"ALIPAY_DISCOUNT_VOUCHER","voucherId":"…"}].
type voucher struct {
	Amount             amount.Amount `json:"amount"`
	MerchantContribute amount.Amount `json:"merchantContribute"`
	Name               string        `json:"name"`
	OtherContribute    amount.Amount `json:"otherContribute"`
	Type               string        `json:"type"`
	VoucherID          string        `json:"voucherId"`
}

func notifyVouchers(vs []trade.Voucher) []voucher {
	out := make([]voucher, len(vs))
	for i, v := range vs {
		out[i] = voucher{Amount: v.Amount, MerchantContribute: v.MerchantContribute, Name: v.Name,
			OtherContribute: v.OtherContribute, Type: v.Type, VoucherID: v.ID}
	}
	return out
}

// params are the notification fields for an event, or false when
// production sends none for it.
func (n *Notifier) params(t trade.Trade, e trade.Event) (map[string]string, bool) {
	id := n.ids.NotifyID(e.At) // drawn for every event, as seeded runs expect
	if !n.notifiesType(t, e) {
		return nil, false
	}
	return TradeParams(t, e.Type, e.At, id), true
}

// TradeParams are the unsigned fields of the trade_status_sync
// notification of an event of type typ at at, with the trade as it is
// after the event: the notifier's, and the handler audit's (mock/audit),
// which signs them with SignForm as the notifier does.
func TradeParams(t trade.Trade, typ trade.EventType, at time.Time, notifyID string) map[string]string {
	p := map[string]string{
		"notify_time": timestamp.Format(at), "notify_type": "trade_status_sync",
		"notify_id": notifyID, "app_id": t.AppID, "auth_app_id": t.AppID,
		"version":  "1.0",
		"trade_no": t.TradeNo, "out_trade_no": t.OutTradeNo, "trade_status": string(t.Status),
		"seller_id": t.Seller.UserID, "seller_email": t.Seller.Email,
		"buyer_id": t.Buyer.UserID, "buyer_logon_id": t.Buyer.LogonID,
		"total_amount": t.Total.String(), "subject": t.Subject, "body": t.Body,
		"gmt_create": timestamp.Format(t.GmtCreate()), "passback_params": t.PassbackParams,
	}
	if t.ISVAppID != "" {
		p["app_id"] = t.ISVAppID // the caller; auth_app_id stays the merchant's
	}
	if t.OpenID { // an app of user_id_type open_id: buyer_open_id, no buyer_id
		var open string
		p["buyer_id"], open = t.BuyerIDs(true)
		if open != "" {
			p["buyer_open_id"] = open
		}
	}
	if t.IsPaid() {
		p["receipt_amount"] = t.ReceiptAmount().String()
		p["invoice_amount"] = t.InvoiceAmount().String()
		p["buyer_pay_amount"] = t.BuyerPayAmount().String()
		p["point_amount"] = "0.00"
		p["gmt_payment"] = timestamp.Format(*t.Paid)
		bills := []fundBill{{Amount: t.BuyerPayAmount(), FundChannel: "ALIPAYACCOUNT"}}
		for _, v := range t.Vouchers {
			bills = append(bills, fundBill{Amount: v.Amount, FundChannel: v.FundChannel()})
		}
		b, _ := json.Marshal(bills)
		p["fund_bill_list"] = string(b)
		if len(t.Vouchers) > 0 {
			b, _ = json.Marshal(notifyVouchers(t.Vouchers))
			p["voucher_detail_list"] = string(b)
		}
	}
	if t.Closed != nil {
		p["gmt_close"] = timestamp.Format(*t.Closed)
	}
	if typ == trade.EventFinished {
		// The trade ends at the event; refund_fee is its refunded total
		// ("0.00" when none), with no gmt_refund: it tells of no refund.
		p["gmt_close"] = timestamp.Format(at)
		p["refund_fee"] = t.Refunded().String()
	}
	if typ == trade.EventRefunded && len(t.Refunds) > 0 {
		r := t.Refunds[len(t.Refunds)-1]
		p["refund_fee"] = t.Refunded().String()
		p["out_biz_no"] = r.OutRequestNo
		p["gmt_refund"] = r.At.In(timestamp.Zone).Format(timestamp.Layout + ".000")
	}
	return p
}
