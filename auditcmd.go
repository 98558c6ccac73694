package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/audit"
	"github.com/alipay-mock/alipay-mock/mock/control"
)

// maxCheckOutput bounds what is kept of a check command's output.
const maxCheckOutput = 16 << 10

// auditCmd asks a running mock to audit a notification handler
// (POST /_mock/audit), runs the user's check command after every probe or
// after all of them, prints the report and fails on any finding. The
// command runs here, never in the mock: the control API runs none.
func auditCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("audit")
	var req audit.Request
	var probes multi
	fs.StringVar(&req.NotifyURL, "notify-url", "", "the merchant's notification handler (required): an http or https URL the mock can reach")
	fs.StringVar(&req.AppID, "app-id", keys.DevAppID, "the app whose trade the notifications are about")
	fs.StringVar(&req.OutTradeNo, "out-trade-no", "", "the trade the merchant created on the mock (out_trade_no or trade_no; default the app's newest)")
	fs.StringVar(&req.Amount, "amount", "", "the order's amount in yuan as the merchant holds it (default the trade's total_amount)")
	fs.Var(&probes, "probe", "run only this probe (repeatable; default all): "+strings.Join(audit.Names(), ", "))
	fs.StringVar(&req.Timeout, "timeout", "", "how long an answer is waited for (default the mock's --notify-timeout, 5s)")
	check := fs.String("check", "", "a shell command (sh -c) that exits 0 when the merchant's state is right, e.g. 'test \"$(psql -tAc \"select count(*) from payments where order_id=42\")\" = 1'")
	checkEach := fs.Bool("check-each", false, "run --check after each probe instead of once after all of them")
	checkTimeout := fs.Duration("check-timeout", time.Minute, "give up on a check command after this long")
	format := fs.String("format", "text", "report format: text, json or junit (JUnit XML for CI)")
	addr := fs.String("addr", defaultAddr, "the running mock's listen address")
	mockURL := fs.String("mock", "", "the running mock's base URL (overrides --addr), e.g. http://alipay-mock:8080")
	token := fs.String("control-token", "", "the mock's --control-token, when it has one, sent as "+control.TokenHeader)
	mockTimeout := fs.Duration("mock-timeout", 0, "give up on the mock's answer after this long (default: each probe's longest wait, twice --timeout or 2m, plus 10s, and 30s)")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{"audit", fmt.Errorf("unexpected arguments %q", fs.Args())}
	}
	if req.NotifyURL == "" {
		return usageError{"audit", errors.New("--notify-url is required")}
	}
	if !slices.Contains(audit.Formats, *format) {
		return usageError{"audit", fmt.Errorf("--format %q: want one of %s", *format, strings.Join(audit.Formats, ", "))}
	}
	if *checkEach && *check == "" {
		return usageError{"audit", errors.New("--check-each needs --check")}
	}
	if *checkTimeout <= 0 { // every check would stop at once, a finding
		return usageError{"audit", fmt.Errorf("--check-timeout %s: want a duration over 0", *checkTimeout)}
	}
	selected, err := audit.Select(probes)
	if err != nil {
		return usageError{"audit", err}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	base, err := mockBase(*addr, *mockURL)
	if err != nil {
		return err
	}
	if *mockTimeout < 0 {
		return usageError{"audit", fmt.Errorf("--mock-timeout %s: want a duration over 0", *mockTimeout)}
	}
	tok, err := control.CleanToken(*token) // as serve takes it
	if err != nil {
		return usageError{"audit", err}
	}
	m := mockAPI{base: base, token: tok, http: mockClient(*mockTimeout, req.Timeout, len(selected))}
	var rep *audit.Report
	if !*checkEach {
		req.Probes = probes
		if rep, err = m.audit(ctx, req); err != nil {
			return err
		}
		if *check != "" {
			rep.Check = runCheck(ctx, *check, *checkTimeout, rep, "")
		}
	} else {
		// One probe a call, so the check sees the state each leaves.
		for _, p := range selected {
			req.Probes = []string{p.Name}
			one, err := m.audit(ctx, req)
			if err != nil {
				return err
			}
			res := one.Results[0]
			if rep == nil {
				rep = one
				rep.Results = nil
			}
			res.Check = runCheck(ctx, *check, *checkTimeout, one, p.Name)
			rep.Results = append(rep.Results, res)
		}
	}
	rep.Tally()
	if err := rep.Write(stdout, *format); err != nil {
		return err
	}
	if rep.Findings > 0 {
		fmt.Fprintf(stderr, "alipay-mock audit: %d finding(s): %d security, %d correctness\n", rep.Findings, rep.Security, rep.Correctness)
		return exitError{code: 3}
	}
	return nil
}

// mockAPI is a running mock's control API.
type mockAPI struct {
	base, token string
	http        *http.Client
}

// mockClient is the audit's client of the mock. It follows no redirect:
// the token is a custom header, which net/http would copy to whatever host
// a redirect names. Unless given, its time limit is what the probes may
// take in the mock: each waits at most twice an answer's wait (--timeout,
// else the longest one may ask, as the mock's own is not known here).
func mockClient(limit time.Duration, wait string, probes int) *http.Client {
	if limit == 0 {
		w, err := time.ParseDuration(wait)
		if err != nil || w <= 0 || w > audit.MaxTimeout {
			w = audit.MaxTimeout // the mock refuses a wait it would not take
		}
		limit = time.Duration(probes)*(2*w+10*time.Second) + 30*time.Second
	}
	return &http.Client{Timeout: limit, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

func (m mockAPI) audit(ctx context.Context, req audit.Request) (*audit.Report, error) {
	b, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, m.base+control.Prefix+"/audit", bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("--mock: %w", err)
	}
	hr.Header.Set("Content-Type", "application/json")
	if m.token != "" {
		hr.Header.Set(control.TokenHeader, m.token)
	}
	resp, err := m.http.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("is the mock running at %s (--mock)? %w", m.base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return nil, fmt.Errorf("the mock at %s answered HTTP %d, a redirect to %q: not followed, the control token would go with it; give --mock the mock's own address",
			m.base, resp.StatusCode, resp.Header.Get("Location"))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		var e control.Error
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			return nil, fmt.Errorf("the mock refused the audit (HTTP %d): %s", resp.StatusCode, e.Error)
		}
		return nil, fmt.Errorf("the mock refused the audit: HTTP %d", resp.StatusCode)
	}
	var rep audit.Report
	if err := json.Unmarshal(body, &rep); err != nil {
		return nil, fmt.Errorf("the mock's audit report: %w", err)
	}
	if len(rep.Results) == 0 {
		return nil, errors.New("the mock's audit report has no results")
	}
	return &rep, nil
}

// limited keeps the first n bytes written to it.
type limited struct {
	bytes.Buffer
	n int
}

func (l *limited) Write(p []byte) (int, error) {
	if room := l.n - l.Len(); room > 0 {
		l.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// runCheck runs the user's check command with sh -c, telling it which
// probe ran through ALIPAY_AUDIT_* variables.
func runCheck(ctx context.Context, command string, timeout time.Duration, rep *audit.Report, probe string) *audit.Check {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	// A check's children may outlive sh and hold its output pipe: stop
	// waiting for them shortly after the timeout.
	cmd.WaitDelay = 2 * time.Second
	cmd.Env = append(os.Environ(), "ALIPAY_AUDIT_PROBE="+probe, "ALIPAY_AUDIT_APP_ID="+rep.AppID,
		"ALIPAY_AUDIT_OUT_TRADE_NO="+rep.OutTradeNo, "ALIPAY_AUDIT_TRADE_NO="+rep.TradeNo, "ALIPAY_AUDIT_AMOUNT="+rep.Amount.String())
	out := &limited{n: maxCheckOutput}
	cmd.Stdout, cmd.Stderr = out, out
	c := &audit.Check{Command: command}
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		c.Passed = true
	case errors.As(err, &ee):
		c.ExitCode = ee.ExitCode()
	default:
		c.ExitCode = -1
		out.WriteString(err.Error())
	}
	if ctx.Err() != nil && !c.Passed {
		out.WriteString(fmt.Sprintf("\n(stopped after %s)", timeout))
	}
	c.Output = out.String()
	return c
}
