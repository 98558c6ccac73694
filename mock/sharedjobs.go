package mock

import (
	"context"
	"encoding/json"
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
// message and a scenario's simulated buyer. Any replica runs it when it
// falls due, so it survives the death of the replica that planned it.
// Trades' and red packets' own deadlines need no job: they are columns of
// their rows, which every replica sweeps (sweepTrades).

// jobLease is how long a replica holds a claimed job: running one is a
// database write or two.
const jobLease = 10 * time.Second

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
// the mock has no shared store (or the write failed: then it is planned
// here, as without one).
func (s *Server) laterSettle(t trade.Trade, st trade.Settlement) bool {
	if s.pg == nil {
		return false
	}
	data, err := json.Marshal(settleJob{AppID: t.AppID, ISVAppID: t.ISVAppID, TradeNo: t.TradeNo, OutTradeNo: t.OutTradeNo, Settlement: st})
	if err != nil {
		return false
	}
	return s.laterJob(pgstore.Job{ID: jobSettle + "/" + st.SettleNo, Kind: jobSettle, AppID: t.AppID, Due: st.DoneAt(), Data: data})
}

// laterBuyer plans a simulated buyer's step as a shared job
// (gateway.LaterBuyer).
func (s *Server) laterBuyer(at time.Time, j gateway.BuyerJob) bool {
	data, err := json.Marshal(j)
	if err != nil {
		return false
	}
	id := jobBuyer + "/" + j.App + "/" + j.Out + "/" + string(j.What) + "/" + at.UTC().Format(time.RFC3339Nano)
	return s.laterJob(pgstore.Job{ID: id, Kind: jobBuyer, AppID: j.App, Due: at, Data: data})
}

func (s *Server) laterJob(j pgstore.Job) bool {
	if err := s.pg.PutJob(j); err != nil {
		return false
	}
	select {
	case s.jobsWake <- struct{}{}:
	default:
	}
	return true
}

// runJobs runs the shared jobs that fall due, whichever replica planned
// them: when this one plans one, when the clock moves, and every poll (so
// a dead replica's claimed jobs are taken over within a poll of its lease
// running out).
func (s *Server) runJobs(gw *gateway.Gateway) {
	t := time.NewTicker(sharedPoll)
	defer t.Stop()
	for {
		moved := s.Clock.Moved()
		for {
			due, err := s.pg.ClaimJobs(s.Clock.Now(), 64, jobLease)
			if err != nil || len(due) == 0 {
				break
			}
			for _, j := range due {
				s.runJob(gw, j)
				_ = s.pg.DoneJob(j.ID) // the store reports failures
			}
		}
		select {
		case <-s.stop:
			return
		case <-s.jobsWake:
		case <-moved:
		case <-t.C:
		}
	}
}

// runJob does what a job planned; one that cannot be read is dropped.
func (s *Server) runJob(gw *gateway.Gateway, j pgstore.Job) []clock.Fired {
	switch j.Kind {
	case jobSettle:
		var sj settleJob
		if json.Unmarshal(j.Data, &sj) != nil {
			return nil
		}
		t := trade.Trade{AppID: sj.AppID, ISVAppID: sj.ISVAppID, TradeNo: sj.TradeNo, OutTradeNo: sj.OutTradeNo}
		return s.settleDone(t, sj.Settlement, j.Due)
	case jobBuyer:
		var bj gateway.BuyerJob
		if json.Unmarshal(j.Data, &bj) != nil {
			return nil
		}
		return gw.RunBuyer(bj, j.Due)
	}
	return nil
}

// forgetShared is Deps.Forget with --store: the jobs of what was reset go
// (the resetting replica deletes them), and the other replicas hear what
// to drop from memory.
func (s *Server) forgetShared(what, app string) {
	if what == pgstore.ForgetAll {
		_ = s.pg.DeleteJobs(app) // the store reports failures
	}
	_ = s.pg.Forget(what, app)
}

// forget drops from this replica's memory what another replica reset or
// cleared in the database.
func (s *Server) forget(what, app string) {
	switch what {
	case pgstore.ForgetAll:
		s.Trades.Forget(app)
		s.Coupons.Forget(app)
		s.Fund.Reset(app) // per replica (docs/replicas.md)
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
