package mock

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/control"
	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/mock/pgstore"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// With --store, what one replica plans for later and that nothing else
// could rebuild is a shared job (pgstore.Job): an async settlement's
// message and a scenario's simulated buyer. The replica that plans it runs
// it on its own scheduler, in order with the trade's deadlines, as without
// --store; if it dies first, its lease runs out and another replica runs
// it (runJobs). Trades' and red packets' own deadlines need no job: they
// are columns of their rows, which every replica sweeps (sweepTrades).

// jobLease is how long a replica holds a job it planned or claimed without
// renewing the lease; renewJobs renews them well within it.
const (
	jobLease  = 5 * time.Second
	renewJobs = time.Second
)

// Kinds of shared job.
const (
	jobSettle = "settle"
	jobBuyer  = "buyer"
)

// settleJob is what the message of an async settlement needs.
type settleJob struct {
	AppID      string           `json:"app_id"`
	ISVAppID   string           `json:"isv_app_id,omitempty"`
	TradeNo    string           `json:"trade_no"`
	OutTradeNo string           `json:"out_trade_no"`
	Settlement trade.Settlement `json:"settlement"`
}

// laterSettle plans a settlement's message as a shared job; false when
// the mock has no shared store, or with the write's error.
func (s *Server) laterSettle(t trade.Trade, st trade.Settlement, told ...trade.Untold) (bool, error) {
	if s.pg == nil {
		return false, nil
	}
	data, err := json.Marshal(settleJob{AppID: t.AppID, ISVAppID: t.ISVAppID, TradeNo: t.TradeNo, OutTradeNo: t.OutTradeNo, Settlement: st})
	if err != nil {
		return false, err
	}
	if err := s.laterJob(pgstore.Job{ID: jobSettle + "/" + st.SettleNo, Kind: jobSettle, AppID: t.AppID, Due: st.DoneAt(), Data: data},
		"settle", st.SettleNo, t.AppID+"|"+t.OutTradeNo, told...); err != nil {
		return false, trade.StoreFailed(err) // the store reports it
	}
	return true, nil
}

// laterBuyer plans a simulated buyer's steps as shared jobs, stored in
// one transaction (gateway.LaterBuyer); an error is the store's, and no
// step is planned.
func (s *Server) laterBuyer(steps []gateway.BuyerStep) error {
	js := make([]pgstore.Job, len(steps))
	for i, st := range steps {
		data, err := json.Marshal(st.Job)
		if err != nil {
			return err
		}
		// The trade's number too (buyerJobID): a new trade of the same
		// out_trade_no after a reset plans its own job, which must not be
		// taken for the old one's.
		js[i] = pgstore.Job{ID: buyerJobID(st.At, st.Job), Kind: jobBuyer, AppID: st.Job.App, Due: st.At, Data: data}
	}
	put, err := s.pg.PutJobs(js, jobLease)
	if err != nil {
		return err
	}
	for i, j := range js {
		if put[i] {
			st := steps[i].Job
			s.planShared(j, "buyer."+string(st.What), st.Ref(), st.App+"|"+st.Out)
		}
	}
	return nil
}

// laterJob stores j, leased to this replica, and puts it on this
// replica's scheduler (kind, ref and key as the job would have without
// --store): the scheduler runs it if the lease is still this replica's.
// An error is the store's: j is not planned.
func (s *Server) laterJob(j pgstore.Job, kind, ref, key string, told ...trade.Untold) error {
	put, err := s.pg.PutJob(j, jobLease, told...)
	if err != nil {
		return err
	}
	if !put {
		return nil // planned already (by a sweep that told its event, with told)
	}
	s.planShared(j, kind, ref, key)
	return nil
}

// planShared puts a shared job this replica stored on its scheduler.
func (s *Server) planShared(j pgstore.Job, kind, ref, key string) {
	s.Sched.Schedule(clock.Job{At: j.Due, Kind: kind, Ref: ref, Key: key, Run: func(time.Time) []clock.Fired {
		if mine, _ := s.pg.TakeJob(j.ID, jobLease); !mine {
			return nil // run by another replica, or reset
		}
		out, err := s.runJob(s.gw, j)
		s.doneJob(j.ID, err)
		return out
	}})
}

// runJobs renews the leases of the jobs this replica planned, and runs
// the due jobs of dead replicas (whose leases ran out): when the clock
// moves, and every poll (so they are taken over within a poll of the
// lease running out).
func (s *Server) runJobs(gw *gateway.Gateway) {
	t := time.NewTicker(sharedPoll)
	defer t.Stop()
	renewed := time.Now()
	for {
		if time.Since(renewed) >= renewJobs {
			_ = s.pg.RenewJobs(jobLease) // the store reports failures
			renewed = time.Now()
		}
		moved := s.Clock.Moved()
		for {
			due, err := s.pg.ClaimJobs(s.Clock.Now(), 64, jobLease)
			if err != nil || len(due) == 0 {
				break
			}
			for _, j := range due {
				_, err := s.runJob(gw, j)
				s.doneJob(j.ID, err)
			}
			// Many due jobs can take longer than a lease: renew on the way.
			if time.Since(renewed) >= renewJobs {
				_ = s.pg.RenewJobs(jobLease)
				renewed = time.Now()
			}
		}
		select {
		case <-s.stop:
			return
		case <-moved:
		case <-t.C:
		}
	}
}

// runJob does what a job planned; one that cannot be read is dropped.
// The error is a settlement message's write's: the job is then not done.
func (s *Server) runJob(gw *gateway.Gateway, j pgstore.Job) ([]clock.Fired, error) {
	switch j.Kind {
	case jobSettle:
		var sj settleJob
		if json.Unmarshal(j.Data, &sj) != nil {
			return nil, nil
		}
		t := trade.Trade{AppID: sj.AppID, ISVAppID: sj.ISVAppID, TradeNo: sj.TradeNo, OutTradeNo: sj.OutTradeNo}
		return s.settleDone(t, sj.Settlement, j.Due)
	case jobBuyer:
		var bj gateway.BuyerJob
		if json.Unmarshal(j.Data, &bj) != nil {
			return nil, nil
		}
		return gw.RunBuyer(bj, j.Due), nil
	}
	return nil, nil
}

// doneJob deletes a shared job that has run; one whose message was not
// stored (err) is let go instead, for a replica to run again once its
// lease runs out (the message, left out of memory, is made again).
func (s *Server) doneJob(id string, err error) {
	if err != nil {
		_ = s.pg.FailedJob(id) // the store reports failures
		return
	}
	_ = s.pg.DoneJob(id) // the store reports failures
}

// jobsGone takes off this replica's clock the scenario buyers' steps a
// trim deleted with their trade or red packet (pgstore.JobsGone), as
// eviction does on one mock (cancelBuyers).
func (s *Server) jobsGone(gone []pgstore.GoneJob) {
	for _, g := range gone {
		s.Sched.Cancel(g.Ref, func(j clock.Job) bool { return strings.HasPrefix(j.Kind, "buyer.") && j.Key == g.Key })
	}
}

// forgetShared is Deps.Forget with --store: the jobs of what was reset go
// (the resetting replica deletes them), and the other replicas hear what
// to drop from memory. It reports the database's failures, joined.
func (s *Server) forgetShared(what, app string) error {
	var err error
	if what == pgstore.ForgetAll {
		err = errors.Join(s.pg.DeleteJobs(app), s.pg.DeleteQueryPays(app))
	}
	return errors.Join(err, s.pg.Forget(what, app))
}

// forget drops from this replica's memory what another replica reset or
// cleared in the database.
func (s *Server) forget(what, app string) {
	switch what {
	case pgstore.ForgetAll:
		s.CancelPlans(app) // what this replica's clock holds for them
		s.Trades.Forget(app)
		s.Coupons.Forget(app)
		s.Fund.Forget(app)
		s.Notifier.Outbox().Forget(app)
		s.Notifier.ForgetPolicies(app)
	case pgstore.ForgetNotifications:
		s.Notifier.Outbox().Forget(app)
	default:
		return
	}
	s.refollow.Store(true) // read again what is left, or was written since
}

// catchUp makes every control-API and dashboard request see what other
// replicas changed before it came (a reset, a clear, apps, the clock):
// it waits until this replica's listener has handled every notice
// committed so far (pgstore.CatchUp).
func (s *Server) catchUp(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		// The health check answers at once, even with the database down.
		if s.pg != nil && c.Path() != control.Prefix+"/health" {
			ctx, cancel := context.WithTimeout(c.Request().Context(), 5*time.Second)
			s.pg.CatchUp(ctx)
			cancel()
		}
		return next(c)
	}
}
