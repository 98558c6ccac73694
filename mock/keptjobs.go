package mock

import (
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/pgstore"
	"github.com/alipay-mock/alipay-mock/mock/store"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// With --data, what is planned on the clock and that no other record could
// plan again at start (an async settlement's message, a scenario buyer's
// step) is kept as a job record (store.Job) from when it is planned until
// it has run, as --store keeps it as a shared job (sharedjobs.go): a
// restart plans it again, and one that fell due while the mock was down
// runs at once. A reset deletes the records of what it forgot.

// keepSettle plans a settlement's message as a kept job, whose write
// clears the untold mark told; false without --data, or with the write's
// error.
func (s *Server) keepSettle(t trade.Trade, st trade.Settlement, told ...trade.Untold) (bool, error) {
	if s.db == nil {
		return false, nil
	}
	data, err := json.Marshal(settleJob{AppID: t.AppID, ISVAppID: t.ISVAppID, TradeNo: t.TradeNo, OutTradeNo: t.OutTradeNo, Settlement: st})
	if err != nil {
		return false, err
	}
	j := store.Job{ID: settleJobID(st.SettleNo), Kind: jobSettle, AppID: t.AppID, Due: st.DoneAt(), Data: data}
	if err := s.keepJob(j, told...); err != nil {
		return false, trade.StoreFailed(err) // the store reports it
	}
	return true, nil
}

func settleJobID(settleNo string) string { return jobSettle + "/" + settleNo }

// keepBuyer plans a simulated buyer's steps as kept jobs, written in one
// batch (gateway.LaterBuyer); an error is the store's, and no step is
// planned.
func (s *Server) keepBuyer(steps []gateway.BuyerStep) error {
	js := make([]store.Job, len(steps))
	for i, st := range steps {
		data, err := json.Marshal(st.Job)
		if err != nil {
			return err
		}
		js[i] = store.Job{ID: buyerJobID(st.At, st.Job), Kind: jobBuyer, AppID: st.Job.App, Due: st.At, Data: data}
	}
	if err := s.db.PutJobs(js); err != nil {
		return err
	}
	for _, j := range js {
		s.planKept(j)
	}
	return nil
}

// buyerJobID names a buyer's step: the trade's number too, so that a new
// trade of the same out_trade_no after a reset plans its own.
func buyerJobID(at time.Time, j gateway.BuyerJob) string {
	return jobBuyer + "/" + j.App + "/" + j.Out + "/" + j.No + "/" + string(j.What) + "/" + at.UTC().Format(time.RFC3339Nano)
}

// keepJob stores j and plans it; an error is the store's, and j is not
// planned.
func (s *Server) keepJob(j store.Job, told ...trade.Untold) error {
	if err := s.db.PutJob(j, told...); err != nil {
		return err
	}
	s.planKept(j)
	return nil
}

// planKept puts a kept job on the scheduler, under the kind, ref and key
// it has without --data; once it has run its record goes, in a batch
// after what the run queued (a settle message is not sent twice should
// the mock stop in between: settleDone looks for it in the outbox). It
// reports false for an unreadable job, which it drops.
func (s *Server) planKept(j store.Job) bool {
	kind, ref, key, ok := keptPlan(j)
	if !ok {
		s.db.RemoveJob(j.AppID, j.ID) // unreadable: dropped
		return false
	}
	if j.Kind == jobBuyer {
		s.buyersKept.add(key, j)
	}
	s.Sched.Schedule(clock.Job{At: j.Due, Kind: kind, Ref: ref, Key: key, Run: func(time.Time) []clock.Fired {
		// A message whose write failed is kept in memory and written
		// again with its attempts (the store reports failures).
		out, _ := s.runJob(s.gw, pgstore.Job{ID: j.ID, Kind: j.Kind, AppID: j.AppID, Due: j.Due, Data: j.Data})
		s.db.RemoveJob(j.AppID, j.ID)
		if j.Kind == jobBuyer {
			s.buyersKept.done(key, j.ID)
		}
		return out
	}})
	return true
}

// keptBuyers indexes the kept buyer steps planned (their job records) by
// trade (red packet), so that an evicted one's records go with it: its
// steps are taken off the clock, and nothing else would remove them.
type keptBuyers struct {
	mu sync.Mutex
	m  map[string]map[string]string // app|out → job id → trade_no (auth_no) it acts on
}

func (k *keptBuyers) add(key string, j store.Job) {
	var bj gateway.BuyerJob
	_ = json.Unmarshal(j.Data, &bj) // keptPlan read it
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.m == nil {
		k.m = map[string]map[string]string{}
	}
	if k.m[key] == nil {
		k.m[key] = map[string]string{}
	}
	k.m[key][j.ID] = bj.No
}

func (k *keptBuyers) done(key, id string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.m[key], id)
	if len(k.m[key]) == 0 {
		delete(k.m, key)
	}
}

// take forgets and returns the ids of the steps of app|out planned for
// trade (red packet) no, or for any when no is "" or a step's is.
func (k *keptBuyers) take(key, no string) []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var ids []string
	for id, n := range k.m[key] {
		if no == "" || n == "" || n == no {
			ids = append(ids, id)
			delete(k.m[key], id)
		}
	}
	if len(k.m[key]) == 0 {
		delete(k.m, key)
	}
	return ids
}

// forget drops one app's entries, or all for "" (a reset, which deletes
// the records).
func (k *keptBuyers) forget(app string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for key := range k.m {
		if app == "" || strings.HasPrefix(key, app+"|") {
			delete(k.m, key)
		}
	}
}

// dropKeptBuyers removes the job records of the steps of app's out
// planned for trade (red packet) no, which eviction took off the clock.
func (s *Server) dropKeptBuyers(app, out, no string) {
	if s.db == nil {
		return
	}
	for _, id := range s.buyersKept.take(app+"|"+out, no) {
		s.db.RemoveJob(app, id)
	}
}

// keptPlan is the scheduler's kind, ref and key of a kept job.
func keptPlan(j store.Job) (kind, ref, key string, ok bool) {
	switch j.Kind {
	case jobSettle:
		var sj settleJob
		if json.Unmarshal(j.Data, &sj) != nil {
			return "", "", "", false
		}
		return "settle", sj.Settlement.SettleNo, sj.AppID + "|" + sj.OutTradeNo, true
	case jobBuyer:
		var bj gateway.BuyerJob
		if json.Unmarshal(j.Data, &bj) != nil {
			return "", "", "", false
		}
		return "buyer." + string(bj.What), bj.Ref(), bj.App + "|" + bj.Out, true
	}
	return "", "", "", false
}

// restoreJobs plans again every kept job but the buyer steps of trades
// and red packets not kept (evicted at start, or before a stop that
// came before their records were removed), whose records go; and, for a
// data directory written before jobs were kept, the message of each async
// settlement of the trades kept that is not due yet (as it did then).
func (s *Server) restoreJobs(db *store.DB, kept []trade.Trade, keptOrders []coupon.Order) error {
	js, err := db.Jobs()
	if err != nil {
		return err
	}
	there := make(map[string]bool, 2*(len(kept)+len(keptOrders)))
	for _, t := range kept {
		there[t.AppID+"|"+t.OutTradeNo+"|"+t.TradeNo] = true
		there[t.AppID+"|"+t.OutTradeNo+"|"] = true
	}
	for _, o := range keptOrders {
		there[o.AppID+"|"+o.OutOrderNo+"|"+o.AuthNo] = true
		there[o.AppID+"|"+o.OutOrderNo+"|"] = true
	}
	planned := map[string]bool{}
	for _, j := range js {
		var bj gateway.BuyerJob
		if j.Kind == jobBuyer && json.Unmarshal(j.Data, &bj) == nil && !there[bj.App+"|"+bj.Out+"|"+bj.No] {
			db.RemoveJob(j.AppID, j.ID)
			continue
		}
		planned[j.ID] = s.planKept(j) // an unreadable settle job: planned from its trade below
	}
	for _, t := range kept {
		for _, st := range t.Settlements {
			if st.Mode == "async" && !planned[settleJobID(st.SettleNo)] && st.DoneAt().After(s.Clock.Now()) {
				_ = s.scheduleSettle(t, st) // the store reports failures
			}
		}
	}
	return nil
}

// settleMessaged reports whether the outbox holds the message of
// settlement settleNo of trade tradeNo already.
func (s *Server) settleMessaged(tradeNo, settleNo string) bool {
	for _, n := range s.Notifier.Outbox().List(notify.Filter{TradeNo: tradeNo}) {
		if n.Kind == notify.KindMessage && n.Event == notify.SettleNotify &&
			strings.Contains(n.Params["biz_content"], `"settle_no":"`+settleNo+`"`) {
			return true
		}
	}
	return false
}
