package gateway

import (
	"errors"
	"strings"
	"sync/atomic"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/trade"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// flatBiz is the call's top-level biz_content members as text
// (normaliseBiz), for the scenario engine.
func (cl *call) flatBiz() map[string]string {
	if cl.flat == nil {
		cl.flat = map[string]string{}
	}
	return cl.flat
}

// outNo is the merchant's number of what a request is about, as its
// table entry says: the out_trade_no of a trade (found from trade_no when
// only that was sent) or the out_order_no of a red packet; "" for methods
// about neither. Notification policies and the simulated buyer are keyed
// by it.
// ref is what the journal and dashboard link a request to: the kind of
// record its method acts on (the table's about) and the first number
// biz_content gives for it.
func (cl *call) ref() (about, ref string) {
	if cl.ent == nil || len(cl.flat) == 0 {
		return "", ""
	}
	var kind string
	var keys []string
	switch cl.ent.about {
	case aboutTrade:
		kind, keys = "trade", []string{"trade_no", "out_trade_no"}
	case aboutCoupon:
		kind, keys = "red_packet", []string{"auth_no", "deduct_auth_no", "out_order_no"}
	case aboutTransfer:
		kind, keys = "transfer", []string{"pay_fund_order_id", "order_id", "out_biz_no"}
	default:
		return "", ""
	}
	for _, k := range keys {
		if v := cl.flat[k]; v != "" {
			return kind, v
		}
	}
	return "", ""
}

func (g *Gateway) outNo(cl *call) (string, error) {
	if cl.outKnown {
		return cl.out, nil
	}
	biz := cl.flatBiz()
	var out string
	switch cl.ent.about {
	case aboutTrade:
		// trade_no first, as the book finds the trade ("trade_no,
		// out_trade_no如果同时存在优先取trade_no", the Java SDK's
		// AlipayTradeQueryModel; trade.Book.lookupAll): the out_trade_no
		// of the trade the request acts on, not the one it also names.
		out = biz["out_trade_no"]
		if biz["trade_no"] != "" && g.Trades != nil {
			t, err := g.Trades.Get(cl.owner(), biz["trade_no"])
			switch {
			case err == nil && t.TradeNo == biz["trade_no"]: // Get takes an out_trade_no too
				out = t.OutTradeNo
			case errors.Is(err, trade.ErrStore):
				return "", err
			}
		}
	case aboutCoupon:
		// A refund names its red packet by auth_no alone.
		out = biz["out_order_no"]
		if no := biz["auth_no"]; out == "" && no != "" && g.Coupons != nil {
			o, err := g.Coupons.Get(cl.owner(), no)
			switch {
			case err == nil && o.AuthNo == no:
				out = o.OutOrderNo
			case errors.Is(err, trade.ErrStore):
				return "", err
			}
		}
	}
	// Kept for the call: what the method does to the trade does not
	// change its out_trade_no, so later steps need not read it again.
	cl.out, cl.outKnown = out, true
	return out, nil
}

// policyName is the name the call's notification policy is kept under
// (notify.RedPacketPolicy); "" when the call names no trade or red packet.
// An error is the store's (the trade or red packet not read).
func (g *Gateway) policyName(cl *call) (string, error) {
	out, err := g.outNo(cl)
	if out != "" && cl.ent.about == aboutCoupon {
		return notify.RedPacketPolicy(out), nil
	}
	return out, err
}

// beforeCall sets a scenario's notification policy before the method runs,
// so it covers the notifications the call itself causes. An error is the
// store's (the policy in force not read): the method does not run.
func (g *Gateway) beforeCall(cl *call) *apierr.Error {
	if cl.plan == nil || cl.plan.Action.Notify == nil || g.Notifier == nil {
		return nil
	}
	out, err := g.policyName(cl)
	if err != nil {
		// Which trade the call names is unknown, so its policy could
		// not be set: nothing runs.
		g.Log.Error("scenario's trade not read", "method", cl.method, "err", err)
		return g.asAPI(trade.StoreFailed(err))
	}
	if out == "" {
		return nil
	}
	n := cl.plan.Action.Notify
	p := notify.Policy{Suppress: n.Suppress, Duplicate: n.Duplicate, Reorder: n.Reorder, BadSignature: n.BadSignature, URL: n.URL}
	if n.Delay != nil {
		p.Delay = time.Duration(*n.Delay)
	}
	if cl.before, cl.hadBefore, err = g.Notifier.PolicyOf(cl.owner(), out); err != nil {
		// The policy in force is unknown, so a failed call could not put
		// it back: nothing runs, the call answers 20000.
		g.Log.Error("notification policy not read", "method", cl.method, "err", err)
		return g.asAPI(trade.StoreFailed(err))
	}
	if err := g.Notifier.SetPolicy(cl.owner(), out, p); err != nil {
		// Not kept, so not in force: nothing runs without it.
		g.Log.Error("notification policy not stored", "method", cl.method, "err", err)
		return g.asAPI(trade.StoreFailed(err))
	}
	return nil
}

// failedCall undoes the notification policy beforeCall set for a call
// whose method failed or found no trade (a cancel of an unknown one,
// answered 10000): the policy in force before comes back (none when
// there was none), so neither a later request that makes the trade nor
// the trade that exists inherits it.
func (g *Gateway) failedCall(cl *call) {
	if cl.plan == nil || cl.plan.Action.Notify == nil || g.Notifier == nil {
		return
	}
	out, err := g.policyName(cl) // as beforeCall found it: no read
	switch {
	case err != nil:
	case out == "":
	case cl.hadBefore:
		err = g.Notifier.SetPolicy(cl.owner(), out, cl.before)
	default:
		err = g.Notifier.DeletePolicy(cl.owner(), out)
	}
	if err != nil { // the call's answer stands; the store says what it kept
		g.Log.Error("notification policy not put back", "method", cl.method, "err", err)
	}
}

// afterCall starts the simulated buyer a scenario asks for, once the
// trade or red packet exists: after a call that ran and succeeded (its
// answer may still be a forced error), never after one a forced answer
// stood in for or that failed. An error is the store's (the buyer not
// planned): the call answers it instead, 20000.
func (g *Gateway) afterCall(cl *call, r reply) *apierr.Error {
	if cl.plan == nil || cl.plan.Action.Buyer == nil || (r.err != nil && !cl.made) {
		return nil
	}
	out, err := g.outNo(cl)
	if err != nil {
		g.Log.Error("scenario's buyer not planned", "method", cl.method, "err", err)
		return g.asAPI(trade.StoreFailed(err))
	}
	if out == "" || cl.no == "" {
		return nil
	}
	if err := g.playBuyer(cl, out, cl.no, cl.plan.Action.Buyer); err != nil {
		// Answered as planned, the buyer would never come.
		g.Log.Error("scenario's buyer not planned", "method", cl.method, "err", err)
		return g.asAPI(trade.StoreFailed(err))
	}
	return nil
}

// playBuyer schedules what the simulated buyer (or red-packet sender)
// does to the trade (red packet) numbered no, on the mock's clock, keyed
// like the trade's own jobs. An error is the store's: a step (or the
// queries a buyer waits for) not kept.
func (g *Gateway) playBuyer(cl *call, out, no string, b *scenarios.Buyer) error {
	app := cl.owner()
	var who *fixtures.Buyer
	if b.BuyerID != "" || b.BuyerLogonID != "" {
		who = &fixtures.Buyer{UserID: b.BuyerID, LogonID: b.BuyerLogonID}
	}
	coupon := cl.ent.about == aboutCoupon
	var steps []BuyerStep
	for _, s := range [...]struct {
		after *scenarios.Duration
		what  trade.BuyerAction
	}{{b.ScanAfter, trade.ActScan}, {b.PayAfter, trade.ActPay}, {b.FailAfter, trade.ActFail}, {b.CloseAfter, trade.ActClose}} {
		if s.after != nil && g.Sched != nil {
			steps = append(steps, BuyerStep{At: cl.now.Add(time.Duration(*s.after)),
				Job: BuyerJob{App: app, Out: out, No: no, What: s.what, Coupon: coupon, Who: who}})
		}
	}
	// All or nothing: the waiting buyer first, taken back if the steps
	// are not kept (they are kept together).
	waits := b.PayAfterQueries > 0 && !coupon && g.QueryPays != nil
	if waits {
		if err := g.QueryPays.PutQueryPay(app, out, no, b.PayAfterQueries, who); err != nil {
			return err
		}
	}
	if len(steps) > 0 && g.LaterBuyer != nil {
		if err := g.LaterBuyer(steps); err != nil {
			if waits {
				if ferr := g.QueryPays.ForgetQueryPay(app, out, no); ferr != nil {
					g.Log.Error("waiting buyer not taken back", "out_trade_no", out, "err", ferr)
					err = errors.Join(err, ferr)
				}
			}
			return err
		}
	} else {
		for _, s := range steps {
			j := s.Job
			g.Sched.Schedule(clock.Job{At: s.At, Kind: "buyer." + string(j.What), Ref: j.Ref(), Key: app + "|" + out,
				Run: func(at time.Time) []clock.Fired { return g.RunBuyer(j, at) }})
		}
	}
	if b.PayAfterQueries > 0 && !coupon && !waits {
		left := &atomic.Int64{}
		left.Store(int64(b.PayAfterQueries))
		g.queryPays.Store(app+"|"+out, queryPay{left: left, who: who, tradeNo: no})
	}
	return nil
}

// BuyerStep is a simulated buyer's step and when it comes.
type BuyerStep struct {
	At  time.Time
	Job BuyerJob
}

// BuyerJob is one thing a scenario's simulated buyer (or red-packet
// sender) does at a time on the mock's clock.
type BuyerJob struct {
	App string `json:"app"`
	Out string `json:"out"`
	// No is the trade_no of the trade (auth_no of the red packet) it was
	// planned for: it acts on that one only, never on a later one of the
	// same out_trade_no (after a reset). Jobs stored without it (--store,
	// by an earlier version) act on out.
	No     string            `json:"no,omitempty"`
	What   trade.BuyerAction `json:"what"`
	Coupon bool              `json:"coupon,omitempty"`
	Who    *fixtures.Buyer   `json:"who,omitempty"`
}

// Ref is the scheduler's Ref of the step: the trade_no (auth_no) it acts
// on, so that evicting a trade takes off its steps and not those of a red
// packet of the same app and number, which share its Key (and the
// reverse); the number for a step planned without one.
func (j BuyerJob) Ref() string {
	if j.No != "" {
		return j.No
	}
	return j.Out
}

// RunBuyer does what the simulated buyer does at at; nothing when the
// trade (red packet) it was planned for is gone.
func (g *Gateway) RunBuyer(j BuyerJob, at time.Time) []clock.Fired {
	ref := j.Ref()
	if j.No != "" {
		if !g.stillThere(j) {
			return nil
		}
	}
	var err error
	switch {
	case j.Coupon && j.What == trade.ActPay:
		_, err = g.Coupons.SenderPayPlanned(j.App, ref, j.Who)
	case j.Coupon && j.What == trade.ActClose:
		_, err = g.Coupons.SenderClose(j.App, ref)
	case j.Coupon:
		return nil
	default:
		_, err = g.Trades.ActPlanned(j.App, ref, j.What, j.Who)
	}
	detail := "buyer " + string(j.What)
	if err != nil {
		detail += ": " + err.Error()
	}
	return []clock.Fired{{At: at, Kind: "buyer", Ref: j.Out, Detail: detail}}
}

// stillThere reports whether the trade (red packet) numbered j.No is
// still the app's.
func (g *Gateway) stillThere(j BuyerJob) bool {
	if j.Coupon {
		o, err := g.Coupons.Get(j.App, j.No)
		return err == nil && o.AuthNo == j.No
	}
	t, err := g.Trades.Get(j.App, j.No)
	return err == nil && t.TradeNo == j.No
}

// ForgetQueryPays drops the buyers waiting for queries of app's trades,
// or of every app's when app is empty (a reset, in memory).
func (g *Gateway) ForgetQueryPays(app string) {
	g.queryPays.Range(func(k, _ any) bool {
		if app == "" || strings.HasPrefix(k.(string), app+"|") {
			g.queryPays.Delete(k)
		}
		return true
	})
}

// DropQueryPay drops the buyer waiting to pay app's trade tradeNo
// (evicted), so that the buyers kept are at most the trades kept.
func (g *Gateway) DropQueryPay(app, out, tradeNo string) {
	k := app + "|" + out
	if v, ok := g.queryPays.Load(k); ok && (v.(queryPay).tradeNo == tradeNo || v.(queryPay).tradeNo == "") {
		g.queryPays.CompareAndDelete(k, v)
	}
}

// WaitingBuyers counts the buyers waiting for queries, in memory.
func (g *Gateway) WaitingBuyers() int {
	n := 0
	g.queryPays.Range(func(_, _ any) bool { n++; return true })
	return n
}

type queryPay struct {
	left    *atomic.Int64
	who     *fixtures.Buyer
	tradeNo string // the trade it waits to pay: not a later one of the same out_trade_no (after a reset)
}

// beforeQuery lets a buyer waiting for N queries pay on the next one;
// true when one paid. An error is the store's (the trade, the count or the
// payment not read or kept): the query answers 20000.
func (g *Gateway) beforeQuery(app string, ref trade.Ref) (bool, error) {
	out := ref.OutTradeNo
	if out == "" && ref.TradeNo != "" {
		t, err := g.Trades.Get(app, ref.TradeNo)
		switch {
		case err == nil:
			out = t.OutTradeNo
		case errors.Is(err, trade.ErrStore):
			return false, err
		}
	}
	if g.QueryPays != nil {
		pay, who, no, err := g.QueryPays.TakeQuery(app, out)
		if err != nil || !pay {
			return false, err
		}
		paid, err := g.waiterPays(app, out, no, who)
		if err != nil { // not kept: the buyer waits to pay on the next query
			if perr := g.QueryPays.EndQueryPay(app, out, false); perr != nil {
				g.Log.Error("waiting buyer not put back", "out_trade_no", out, "err", perr)
			}
			return false, err
		}
		// Paid: the query answers the paid trade even if the record's
		// removal fails (the store forgets it later: docs/persistence.md).
		if err := g.QueryPays.EndQueryPay(app, out, true); err != nil {
			g.Log.Error("paid buyer's record not removed", "out_trade_no", out, "err", err)
		}
		return paid, nil
	}
	v, ok := g.queryPays.Load(app + "|" + out)
	if !ok {
		return false, nil
	}
	qp := v.(queryPay)
	if t, err := g.Trades.Get(app, out); err == nil && qp.tradeNo != "" && t.TradeNo != qp.tradeNo {
		g.queryPays.CompareAndDelete(app+"|"+out, v) // an earlier trade's buyer
		return false, nil
	}
	if qp.left.Add(-1) >= 0 {
		return false, nil
	}
	if !g.queryPays.CompareAndDelete(app+"|"+out, v) {
		return false, nil // another query took it
	}
	if err := g.buyerPays(app, out, qp.who); err != nil {
		qp.left.Store(0) // not kept: the buyer pays on the next query
		g.queryPays.LoadOrStore(app+"|"+out, qp)
		return false, err
	}
	return true, nil
}

// waiterPays is the buyer TakeQuery let pay paying the trade numbered no
// (of out_trade_no out; any when no is ""): false when that trade is
// gone; an error is the store's.
func (g *Gateway) waiterPays(app, out, no string, who *fixtures.Buyer) (bool, error) {
	if no != "" { // the trade it was planned for, not a later one of the same out_trade_no
		t, err := g.Trades.Get(app, no)
		if errors.Is(err, trade.ErrStore) {
			return false, err
		}
		if err != nil || t.TradeNo != no {
			return false, nil
		}
		out = no
	}
	return true, g.buyerPays(app, out, who)
}

// buyerPays is the waiting buyer scanning and paying the trade ref names;
// an error is the store's (a refusal of the trade's rules is not).
func (g *Gateway) buyerPays(app, ref string, who *fixtures.Buyer) error {
	for _, a := range [...]trade.BuyerAction{trade.ActScan, trade.ActPay} {
		if _, err := g.Trades.ActPlanned(app, ref, a, who); errors.Is(err, trade.ErrStore) {
			return err
		}
	}
	return nil
}
