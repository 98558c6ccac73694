// Package audit checks a merchant's notification handler: it sends the
// notify_url a catalogue of notifications about one of the merchant's
// trades, built and signed as the notifier builds them (notify.TradeParams,
// notify.SignForm) and sent by its HTTP rules (notify.Post), some genuine
// and some forged, and says for each whether the handler answered as it
// should. The merchant's own state (credited once?) is asserted by a
// check the caller runs between probes: the CLI's --check command; the
// control API and the dashboard run no command.
package audit

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// Finding is what a probe found: nothing, a hole an attacker can use, or a
// bug that loses or repeats money or makes Alipay retry for a day.
type Finding string

// Findings.
const (
	None        Finding = "none"
	Security    Finding = "security"
	Correctness Finding = "correctness"
)

// MaxTimeout bounds the wait for one answer a caller may ask for.
const MaxTimeout = 60 * time.Second

// Request is one audit: where to send, about which trade, which probes.
type Request struct {
	NotifyURL string `json:"notify_url"`
	// AppID and OutTradeNo name the merchant's trade on the mock (any
	// reference the trade book takes: out_trade_no or trade_no). With no
	// OutTradeNo, the app's newest trade.
	AppID      string `json:"app_id"`
	OutTradeNo string `json:"out_trade_no,omitempty"`
	// Amount is the order's amount in yuan as the merchant holds it;
	// default the trade's total_amount.
	Amount string `json:"amount,omitempty"`
	// Probes are the names to run, in catalogue order; default all.
	Probes []string `json:"probes,omitempty"`
	// Timeout is how long an answer is waited for (a Go duration);
	// default the notifier's --notify-timeout.
	Timeout string `json:"timeout,omitempty"`
}

// Exchange is one notification sent and what came back.
type Exchange struct {
	What string `json:"what"`
	// Body is the form as sent; Fields the parameters that tell probes apart.
	Body   string            `json:"body"`
	Fields map[string]string `json:"fields"`
	// Status and Answer are the handler's HTTP status and body (at most
	// 1 KiB); Error says why there was none (notify.ErrorText, 128 bytes).
	Status int     `json:"status,omitempty"`
	Answer string  `json:"answer"`
	Error  string  `json:"error,omitempty"`
	MS     float64 `json:"ms"`
	// Want is what the handler should answer: "success", or "not success".
	Want string `json:"want"`
	OK   bool   `json:"ok"`
}

// Check is the caller's assertion on the merchant's state after a probe
// (or after all of them).
type Check struct {
	Command  string `json:"command"`
	ExitCode int    `json:"exit_code"`
	Output   string `json:"output,omitempty"`
	Passed   bool   `json:"passed"`
}

// Result is one probe's outcome.
type Result struct {
	Probe string `json:"probe"`
	Title string `json:"title"`
	// Expected says what a correct handler does; Severity what a failure
	// of this probe is.
	Expected string     `json:"expected"`
	Severity Finding    `json:"severity"`
	Sent     []Exchange `json:"sent"`
	Finding  Finding    `json:"finding"`
	Detail   string     `json:"detail,omitempty"`
	Check    *Check     `json:"check,omitempty"`
}

// Report is a whole audit.
type Report struct {
	NotifyURL  string        `json:"notify_url"`
	AppID      string        `json:"app_id"`
	OutTradeNo string        `json:"out_trade_no"`
	TradeNo    string        `json:"trade_no"`
	Amount     amount.Amount `json:"amount"`
	// Timeout is the wait for an answer (inferred: production's is not
	// published).
	Timeout string   `json:"timeout"`
	Results []Result `json:"results"`
	// Check is the caller's check run once after every probe.
	Check *Check `json:"check,omitempty"`
	// Findings counts results with a finding (and a failed final check).
	Findings    int `json:"findings"`
	Security    int `json:"security"`
	Correctness int `json:"correctness"`
}

// Tally counts the findings again, after a caller added checks.
func (r *Report) Tally() {
	r.Findings, r.Security, r.Correctness = 0, 0, 0
	for i := range r.Results {
		res := &r.Results[i]
		if res.Check != nil && !res.Check.Passed && !strings.Contains(res.Detail, checkFailed) {
			if res.Finding == None {
				res.Finding = res.Severity
			}
			res.Detail = joinDetail(res.Detail, fmt.Sprintf("%s (exit status %d): the merchant's state is wrong", checkFailed, res.Check.ExitCode))
		}
		r.count(res.Finding)
	}
	if r.Check != nil && !r.Check.Passed {
		r.count(Correctness)
	}
}

const checkFailed = "the check failed after this probe"

func (r *Report) count(f Finding) {
	switch f {
	case Security:
		r.Findings++
		r.Security++
	case Correctness:
		r.Findings++
		r.Correctness++
	}
}

func joinDetail(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// Errors of Run, for the surfaces to map to their statuses.
var (
	ErrInvalid = errors.New("audit: invalid request")
	ErrBusy    = errors.New("audit: another audit is running")
)

// Clock is the mock's clock: notify_time, gmt_payment.
type Clock interface{ Now() time.Time }

// Auditor runs audits for a mock. One runs at a time: an audit holds a
// connection to the merchant for up to a minute a request.
type Auditor struct {
	Trades *trade.Book
	Key    *rsa.PrivateKey // Alipay's, which signs notifications
	IDs    *fixtures.Generator
	Clock  Clock
	// Timeout is the default wait for an answer; Transport carries the
	// requests (nil: the notifier's default).
	Timeout   time.Duration
	Transport http.RoundTripper

	running sync.Mutex
}

// Run checks the request, finds the trade and runs the probes in order.
func (a *Auditor) Run(ctx context.Context, req Request) (*Report, error) {
	if !a.running.TryLock() {
		return nil, ErrBusy
	}
	defer a.running.Unlock()
	req.NotifyURL = strings.TrimSpace(req.NotifyURL)
	if !notify.ValidURL(req.NotifyURL) {
		return nil, fmt.Errorf("%w: notify_url must be an absolute http or https URL of at most %d characters, as production's notify_url", ErrInvalid, notify.MaxURLLen)
	}
	if req.AppID == "" {
		return nil, fmt.Errorf("%w: app_id is required", ErrInvalid)
	}
	probes, err := Select(req.Probes)
	if err != nil {
		return nil, err
	}
	timeout := a.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	if req.Timeout != "" {
		d, err := time.ParseDuration(req.Timeout)
		if err != nil || d <= 0 || d > MaxTimeout {
			return nil, fmt.Errorf("%w: timeout %q must be a duration over 0 and at most %s", ErrInvalid, req.Timeout, MaxTimeout)
		}
		timeout = d
	}
	var t trade.Trade
	if req.OutTradeNo == "" {
		list, _, err := a.Trades.Page(trade.Filter{AppID: req.AppID}, 0, 1, true)
		if err != nil {
			return nil, trade.StoreFailed(err) // not "no trade": the store failed
		}
		if len(list) == 0 {
			return nil, fmt.Errorf("%w: app %s has no trade on the mock: create one first, or give out_trade_no", trade.ErrNotFound, req.AppID)
		}
		t = list[0]
	} else if t, err = a.Trades.Get(req.AppID, req.OutTradeNo); err != nil {
		return nil, err
	}
	amt := t.Total
	if req.Amount != "" {
		if amt, err = amount.Parse(req.Amount); err != nil || amt <= 0 {
			return nil, fmt.Errorf("%w: amount %q must be yuan over 0 with at most two decimals", ErrInvalid, req.Amount)
		}
	}
	r := &run{a: a, t: t, amount: amt, url: req.NotifyURL, timeout: timeout,
		http: notify.NewHTTPClient(timeout, a.Transport),
		// The slow-response probe waits past the limit to say how late.
		slow: notify.NewHTTPClient(min(2*timeout, timeout+30*time.Second), a.Transport)}
	defer r.http.CloseIdleConnections()
	defer r.slow.CloseIdleConnections()
	if r.t.Buyer.UserID == "" {
		r.t.Buyer = a.IDs.Buyer() // an unpaid trade has no buyer yet
	}
	rep := &Report{NotifyURL: req.NotifyURL, AppID: t.AppID, OutTradeNo: t.OutTradeNo, TradeNo: t.TradeNo,
		Amount: amt, Timeout: timeout.String()}
	for _, p := range probes {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		res := Result{Probe: p.Name, Title: p.Title, Expected: p.Expected, Severity: p.Severity, Finding: None}
		if err := p.run(ctx, r, &res); err != nil {
			return nil, err
		}
		if res.Finding != None && res.Detail == "" {
			res.Detail = "unexpected answer"
		}
		rep.Results = append(rep.Results, res)
	}
	rep.Tally()
	return rep, nil
}

// Select is the probes of names in catalogue order, or all of them.
func Select(names []string) ([]Probe, error) {
	if len(names) == 0 {
		return catalogue, nil
	}
	var out []Probe
	for _, n := range names {
		if !slices.ContainsFunc(catalogue, func(p Probe) bool { return p.Name == n }) {
			return nil, fmt.Errorf("%w: no probe %q (probes: %s)", ErrInvalid, n, strings.Join(Names(), ", "))
		}
	}
	for _, p := range catalogue {
		if slices.Contains(names, p.Name) {
			out = append(out, p)
		}
	}
	return out, nil
}

// Names are the probes' names in the order they run.
func Names() []string {
	out := make([]string, len(catalogue))
	for i, p := range catalogue {
		out[i] = p.Name
	}
	return out
}

// Catalogue describes every probe, in the order they run.
func Catalogue() []Probe { return slices.Clone(catalogue) }
