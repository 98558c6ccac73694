// Package shared holds Deps, the parts of the mock that its surfaces (the
// gateway, the control API, the dashboard, the buyer pages) all work on.
// mock.New builds it once; each surface embeds it.
package shared

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/appauth"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/audit"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/journal"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/royalty"
	"github.com/alipay-mock/alipay-mock/mock/trade"
	"github.com/alipay-mock/alipay-mock/mock/userauth"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// Deps are the mock's state and the services that act on it.
type Deps struct {
	// Apps are the registered apps; Auth their authorisations
	// (app_auth_code, app_auth_token).
	Apps *apps.Registry
	Auth *appauth.Book
	// Users are users' authorisations of apps (sign-in with Alipay:
	// auth_code, auth_token).
	Users *userauth.Book
	// Trades and Coupons are the state machines of trades and red packets.
	Trades  *trade.Book
	Coupons *coupon.Book
	// Royalty are the apps' royalty relations (分账关系).
	Royalty *royalty.Relations
	// Fund are the apps' balance accounts and transfers (单笔转账).
	Fund *fund.Book
	// Scenarios are the rules in force; Journal the last gateway requests.
	Scenarios *scenarios.Engine
	Journal   *journal.Journal
	// Clock is the mock's only time; Sched runs what happens at a time.
	Clock *clock.Sim
	Sched *clock.Scheduler
	// Notifier delivers notifications.
	Notifier *notify.Notifier
	// Audit checks merchants' notification handlers.
	Audit *audit.Auditor
	// Key is the mock's "Alipay" private key: it signs responses,
	// notifications and returns.
	Key *rsa.PrivateKey
	// IDs makes identifiers; Log receives the mock's logs.
	IDs *fixtures.Generator
	Log *slog.Logger
	// Forget, set when replicas share a database (--store), tells the
	// other replicas to drop from memory what a reset or a clear just
	// deleted from it: what is "all" or "notifications", app one app's or
	// (empty) every app's. It reports the database's failure.
	Forget func(what, app string) error
	// FollowNotifications, set with --store, takes up the notifications
	// other replicas stored since this one last did, so a read after it
	// shows every one stored before; ReadNotification reads one by id
	// (false: none stored). Both report the database's failure.
	FollowNotifications func() error
	ReadNotification    func(id string) (notify.Notification, bool, error)
	// ForgetWaitingBuyers drops the scenario buyers waiting for queries
	// (in memory) of one app, or of every app ("").
	ForgetWaitingBuyers func(app string)
	// ForgetKept, set with --data, deletes from the data directory what
	// was planned for later for one app, or every app (""): scenario
	// buyers' steps and waiting buyers, settlements' messages. It reports
	// the store's failure.
	ForgetKept func(app string) error
	// ForgetAnswers drops the gateway's queued answers (X-Alipay-Mock
	// queue) of one app, or every app's (""). It reports the store's
	// failure (--store), the answers then kept.
	ForgetAnswers func(app string) error
}

// Reset forgets app's trades, red packets, royalty relations, balance and
// transfers, notifications and their policies, journal entries, scenario
// states, waiting buyers and queued answers, or every app's when app is
// empty: POST /_mock/reset and the dashboard's reset.
//
// It reports what the store (--data or --store) failed to delete, every
// part's failure joined, so no surface answers a reset that did not
// happen as done. Every part is still reset, and memory forgets all of it
// whatever the store said, but for the scenario states and the queued
// answers, which stay as the store (--data or --store) holds them (the
// database is read back anyway, by every replica, as is whatever else it
// kept); a later reset deletes what is left.
func (d *Deps) Reset(app string) error {
	d.CancelPlans(app)
	err := errors.Join(
		notDeleted("trades", d.Trades.Reset(app)),
		notDeleted("red packets", d.Coupons.Reset(app)),
		notDeleted("royalty relations", d.Royalty.Reset(app)),
		notDeleted("transfers and balances", d.Fund.Reset(app)),
		notDeleted("notifications", d.Notifier.Clear(app)),
		notDeleted("notification policies", d.Notifier.ClearPolicies(app)),
		notDeleted("journal entries", d.Journal.Clear(app)),
	)
	err = errors.Join(err, notReset("scenario states", d.Scenarios.Reset(app)))
	if d.ForgetWaitingBuyers != nil {
		d.ForgetWaitingBuyers(app)
	}
	if d.ForgetKept != nil {
		err = errors.Join(err, notDeleted("planned jobs and waiting buyers", d.ForgetKept(app)))
	}
	if d.ForgetAnswers != nil {
		err = errors.Join(err, notDeleted("queued answers", d.ForgetAnswers(app)))
	}
	return errors.Join(err, d.Forgot("all", app))
}

// notReset names the part whose store failed to put it back at its start.
func notReset(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s not reset: %w", what, err)
}

// notDeleted names the part whose store failed to delete it.
func notDeleted(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s not deleted: %w", what, err)
}

// CancelPlans takes off the scheduler what was planned for app's trades,
// red packets and transfers (every app's when app is empty): scenario
// buyers' steps (buyer.*), async settlements' messages (settle), a
// DEALING transfer's end (transfer), keyed app|…, and red packets'
// deadlines (red_packet, by Job.App), so the clock's next job is one
// that still stands. With --store the rows of planned jobs go too
// (Forget).
func (d *Deps) CancelPlans(app string) {
	if d.Sched == nil {
		return
	}
	d.Sched.CancelWhere(func(j clock.Job) bool {
		switch {
		case strings.HasPrefix(j.Kind, "buyer."), j.Kind == "settle", j.Kind == "transfer":
			return app == "" || strings.HasPrefix(j.Key, app+"|")
		case j.Kind == "red_packet":
			return app == "" || j.App == app
		}
		return false
	})
}

// Forgot tells the other replicas, if any, what was just reset or
// cleared; it reports the database's failure to tell them.
func (d *Deps) Forgot(what, app string) error {
	if d.Forget == nil {
		return nil
	}
	if err := d.Forget(what, app); err != nil {
		return fmt.Errorf("other replicas not told to forget %s: %w", what, err)
	}
	return nil
}
