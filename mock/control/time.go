package control

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/notify"
)

type clockView struct {
	clock.State
	NowText string `json:"now_text"` // yyyy-MM-dd HH:mm:ss, GMT+8, as now
	// NowRFC3339 is the reading to the nanosecond, RFC 3339 in GMT+8.
	NowRFC3339 string `json:"now_rfc3339"`
	// WallOffset is how far the clock is ahead of wall time ("-1h30m0s"
	// behind, "0s" on it), in Go duration text and in seconds.
	WallOffset        string     `json:"wall_offset"`
	WallOffsetSeconds int64      `json:"wall_offset_seconds"`
	Pending           int        `json:"pending_jobs"`
	NextDue           *time.Time `json:"next_due,omitempty"`
}

func (a *API) clockView() clockView {
	st := a.Sched.Clock().State()
	off := st.WallOffset.Round(time.Second)
	v := clockView{State: st, NowText: timestamp.Format(st.Now), NowRFC3339: st.Now.In(timestamp.Zone).Format(time.RFC3339Nano), WallOffset: off.String(),
		WallOffsetSeconds: int64(off / time.Second), Pending: a.Sched.Pending()}
	if t, ok := a.Sched.NextDue(); ok {
		v.NextDue = &t
	}
	return v
}

func (a *API) getClock(c echo.Context) error { return c.JSON(http.StatusOK, a.clockView()) }

// setClock changes the clock: {"speed":60}, {"speed":0} (frozen),
// {"set":"2026-11-23 10:00:00"}, {"set":"now"} (back on wall time); both
// at once are applied set first. Jobs the clock passes run at once. A
// body with neither, or with another field, is 400: it would change nothing.
func (a *API) setClock(c echo.Context) error {
	var in struct {
		Speed *float64 `json:"speed"`
		Set   string   `json:"set"`
	}
	if ok, err := bindJSONStrict(c, &in, clockUsage); !ok {
		return err
	}
	if in.Speed == nil && in.Set == "" {
		return fail(c, http.StatusBadRequest, errors.New(clockUsage))
	}
	clk := a.Sched.Clock()
	var at time.Time
	if in.Set != "" && in.Set != "now" {
		t, err := timestamp.Parse(in.Set)
		if err != nil {
			return fail(c, http.StatusBadRequest, fmt.Errorf(`set is "now" or a GMT+8 time yyyy-MM-dd HH:mm:ss, not %q`, in.Set))
		}
		if err := clock.CheckReading(t); err != nil {
			return fail(c, http.StatusBadRequest, err)
		}
		at = t
	}
	if in.Speed != nil {
		if err := clock.CheckSpeed(*in.Speed); err != nil {
			return fail(c, http.StatusBadRequest, err)
		}
	}
	var change []string
	switch {
	case in.Set == "now":
		change = append(change, "wall")
	case in.Set != "":
		change = append(change, "set")
	}
	if in.Speed != nil {
		change = append(change, "speed")
	}
	if err := clk.Change(clock.Change{At: at, Wall: in.Set == "now", Speed: in.Speed}); err != nil {
		return unavailable(c, err) // the store did not take it: the clock did not move
	}
	fired, _ := a.Sched.RunDueLimit(0)
	if len(change) > 0 {
		clock.LogChange(a.Log, "control-api", strings.Join(change, "+"), clk, len(fired))
	}
	return c.JSON(http.StatusOK, a.clockView())
}

// clockUsage is what POST /_mock/clock takes, and where a move by a
// duration goes instead.
const clockUsage = `body must be JSON with speed, set or both: {"speed":60}, {"set":"2026-11-23 10:00:00"} or {"set":"now"}; ` +
	`to move the clock by a duration or to the next job, POST /_mock/clock/advance {"by":"25h"} or {"to":"next"}`

// advance moves the clock by a duration ({"by":"25h"}) or to the next due
// job ({"to":"next"}) and fires, synchronously, everything that falls due
// on the way: notification attempts, trade expiry. Both at once, or
// another field, is 400.
func (a *API) advance(c echo.Context) error {
	var in struct {
		By string `json:"by"`
		To string `json:"to"`
	}
	if ok, err := bindJSONStrict(c, &in, `body must be JSON: {"by":"25h"} or {"to":"next"}`); !ok {
		return err
	}
	if in.By != "" && in.To != "" {
		return fail(c, http.StatusBadRequest, errors.New(`give {"by":"25h"} or {"to":"next"}, not both`))
	}
	if err := oneOf("to", in.To, "next"); err != nil {
		return fail(c, http.StatusBadRequest, err)
	}
	var fired []clock.Fired
	var omitted int
	var err error
	switch {
	case in.To == "next":
		if next, ok := a.Sched.NextDue(); ok {
			if err := clock.CheckNext(next); err != nil {
				return fail(c, http.StatusBadRequest, err)
			}
		}
		fired, omitted, err = a.Sched.AdvanceToNextLimit(MaxFired)
	case in.By != "":
		d, perr := time.ParseDuration(in.By)
		if perr != nil {
			return fail(c, http.StatusBadRequest, errors.New("by must be a positive Go duration such as 90s, 4m or 25h"))
		}
		if err := clock.CheckAdvance(a.Sched.Clock().Now(), d); err != nil {
			return fail(c, http.StatusBadRequest, err)
		}
		fired, omitted, err = a.Sched.AdvanceLimit(d, MaxFired)
	default:
		return fail(c, http.StatusBadRequest, errors.New(`give {"by":"25h"} or {"to":"next"}`))
	}
	if err != nil {
		return unavailable(c, err) // the store did not take a move: the clock stopped before it
	}
	clock.LogChange(a.Log, "control-api", "advance", a.Sched.Clock(), len(fired)+omitted)
	if fired == nil {
		fired = []clock.Fired{}
	}
	return c.JSON(http.StatusOK, struct {
		Clock clockView     `json:"clock"`
		Fired []clock.Fired `json:"fired"`
		// FiredOmitted counts what fired beyond the first MaxFired.
		FiredOmitted int `json:"fired_omitted"`
	}{a.clockView(), fired, omitted})
}

// MaxFired bounds the fired list an advance answers with; the rest is
// counted in fired_omitted (the outbox and the journal keep the details).
const MaxFired = 1000

// MaxWait bounds a long poll.
const MaxWait = 60 * time.Second

// longWait reads a long poll's wait, a duration or whole seconds: any
// longer than MaxWait is MaxWait, past what a Duration or an int holds too;
// a negative one, however long, is the caller's mistake.
func longWait(w string) (time.Duration, error) {
	if d, err := time.ParseDuration(w); err == nil {
		if d < 0 {
			return 0, errNegativeWait
		}
		return min(d, MaxWait), nil
	}
	secs, err := strconv.Atoi(w)
	switch {
	case (err == nil || errors.Is(err, strconv.ErrRange)) && secs < 0:
		return 0, errNegativeWait
	case err == nil:
		return time.Duration(min(secs, int(MaxWait/time.Second))) * time.Second, nil // capped first: a product past int64 wraps below zero
	case errors.Is(err, strconv.ErrRange):
		return MaxWait, nil
	}
	if m := longDuration.FindStringSubmatch(w); m != nil { // past what a Duration holds
		if m[1] == "-" {
			return 0, errNegativeWait
		}
		return MaxWait, nil
	}
	return 0, errors.New("wait is a duration such as 10s")
}

var errNegativeWait = errors.New("wait cannot be negative: give a duration such as 10s")

// longDuration is a duration's text, its sign apart: one
// time.ParseDuration refuses only for being too long.
var longDuration = regexp.MustCompile(`^([-+]?)(([0-9]+\.?[0-9]*|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$`)

// listNotifications lists the outbox; with ?wait=10s it waits until at
// least one notification matches, with &count=N until N do (a long poll,
// so tests need not sleep).
func (a *API) listNotifications(c echo.Context) error {
	f := notify.Filter{AppID: c.QueryParam("app_id"), OutTradeNo: c.QueryParam("out_trade_no"),
		TradeNo: c.QueryParam("trade_no"), State: notify.State(c.QueryParam("state"))}
	if err := oneOf("state", string(f.State), string(notify.Pending), string(notify.Delivered), string(notify.GivenUp), string(notify.Suppressed)); err != nil {
		return fail(c, http.StatusBadRequest, err)
	}
	pg, err := readPage(c, "notifications")
	if err != nil {
		return fail(c, http.StatusBadRequest, err)
	}
	w, cs := c.QueryParam("wait"), c.QueryParam("count")
	count := 1
	if cs != "" {
		n, err := strconv.Atoi(cs)
		switch {
		case w == "":
			return fail(c, http.StatusBadRequest, errors.New("count goes with wait, as in wait=10s&count=3"))
		case err != nil || n < 1 || n > pg.Limit:
			return fail(c, http.StatusBadRequest, fmt.Errorf("count is a whole number from 1 to the page's limit (%d)", pg.Limit))
		}
		count = n
	}
	var d time.Duration
	if w != "" { // checked for a HEAD too: its status is the GET's
		if d, err = longWait(w); err != nil {
			return fail(c, http.StatusBadRequest, err)
		}
	}
	if err := a.followNotifications(); err != nil {
		return unavailable(c, err)
	}
	if w == "" || c.Request().Method == http.MethodHead { // a HEAD does not wait: nothing reads the list
		list, next := a.Notifier.Outbox().Page(f, pg.After, pg.Limit, false)
		nextPage(c, "notifications", next)
		return c.JSON(http.StatusOK, list)
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), d)
	defer cancel()
	list, next := a.Notifier.Outbox().WaitPage(ctx, f, pg.After, pg.Limit, count)
	nextPage(c, "notifications", next)
	return c.JSON(http.StatusOK, list)
}

// followNotifications makes this replica's outbox show every notification
// stored before the request came, whichever replica stored it (--store).
func (a *API) followNotifications() error {
	if a.FollowNotifications == nil {
		return nil
	}
	return a.FollowNotifications()
}

func (a *API) getNotification(c echo.Context) error {
	id := c.Param("id")
	if err := a.followNotifications(); err != nil {
		return unavailable(c, err)
	}
	n, ok := a.Notifier.Outbox().Get(id)
	if !ok && a.ReadNotification != nil {
		// One this replica does not keep (past --keep-notifications): read
		// its row.
		stored, found, err := a.ReadNotification(id)
		if err != nil {
			return unavailable(c, err)
		}
		if found {
			a.Notifier.Follow([]notify.Notification{stored})
			n, ok = a.Notifier.Outbox().Get(id)
		}
	}
	if !ok {
		return fail(c, http.StatusNotFound, errors.New("no notification "+id))
	}
	return c.JSON(http.StatusOK, n)
}

func (a *API) resend(c echo.Context) error {
	if err := a.Notifier.Resend(c.Param("id")); err != nil {
		if !errors.Is(err, notify.ErrNoNotification) {
			return unavailable(c, err)
		}
		return fail(c, http.StatusNotFound, err)
	}
	// The attempt is due now: run it before answering.
	a.Sched.RunDueLimit(0)
	n, _ := a.Notifier.Outbox().Get(c.Param("id"))
	return c.JSON(http.StatusOK, n)
}

func (a *API) clearNotifications(c echo.Context) error {
	app := c.QueryParam("app_id")
	if err := errors.Join(a.Notifier.Clear(app), a.Forgot("notifications", app)); err != nil {
		return unavailable(c, err) // the store failed: a clear to be tried again, not done
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "cleared", "app_id": c.QueryParam("app_id")})
}
