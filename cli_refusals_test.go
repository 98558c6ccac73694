package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// serveExit runs the binary's serve with args (and env added to the
// environment) and returns its exit status and stderr; a serve that
// announces its gateway instead (it started) is stopped and reported as
// status -1.
func serveExit(t *testing.T, bin string, env []string, args ...string) (code int, stderr string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--no-dev-app"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, _ := cmd.StdoutPipe()
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	banner := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if gatewayLine.MatchString(sc.Text()) {
				banner <- true
				return
			}
		}
		banner <- false
	}()
	started := false
	select {
	case started = <-banner:
	case <-time.After(mocktest.Timeout):
		t.Errorf("neither a banner nor an exit within %s", mocktest.Timeout)
		started = true
	}
	if started {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		return -1, errb.String()
	}
	_ = cmd.Wait()
	return cmd.ProcessState.ExitCode(), errb.String()
}

// wantRefused reports an error unless serve exited with status want (2: a
// value the flag package refuses or a stray argument; 1: a value serve's
// own checks refuse) and stderr names name (the refused flag, without its
// dashes as the flag package writes one, an argument or a variable).
func wantRefused(t *testing.T, what string, code int, stderr string, want int, name string) {
	t.Helper()
	if code != want || !strings.Contains(stderr, name) {
		t.Errorf("%s: exit %d (-1: it started) %q; want exit %d naming %s", what, code, strings.TrimSpace(stderr), want, name)
	}
}

// A serve flag given a value that means nothing is refused, as
// --journal-max-entries 0 is, rather than taken as the default:
// --notify-schedule "" or "," (not "no retries"), --notify-workers 0 or
// less, --notify-timeout 0 or less, --timestamp-tolerance below 0 (only 0
// turns the check off).
func TestServeRefusesMeaninglessFlagValues(t *testing.T) {
	bin := buildBinary(t)
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"--notify-schedule", ""}, 2},
		{[]string{"--notify-schedule", ","}, 2},
		{[]string{"--notify-workers", "0"}, 2},
		{[]string{"--notify-workers", "-3"}, 2},
		{[]string{"--notify-timeout", "-1s"}, 2},
		{[]string{"--timestamp-tolerance", "-1h"}, 2},
	} {
		code, errs := serveExit(t, bin, nil, c.args...)
		wantRefused(t, "serve "+strings.Join(c.args, " "), code, errs, c.code, strings.TrimLeft(c.args[0], "-"))
	}
}

// --public-url must be an absolute http(s) URL: "localhost:8080" (no
// scheme), "example.com" or "ftp://x" would make qr_code and cashier URLs
// no browser opens.
func TestServeRefusesAPublicURLThatIsNotAnHTTPURL(t *testing.T) {
	bin := buildBinary(t)
	for _, v := range []string{"localhost:8080", "example.com", "ftp://x"} {
		code, errs := serveExit(t, bin, nil, "--public-url", v)
		wantRefused(t, "serve --public-url "+v, code, errs, 2, "public-url")
	}
}

// --tls-host must be a host name or IP address, as --allowed-host must.
func TestServeRefusesATLSHostThatIsNoName(t *testing.T) {
	bin := buildBinary(t)
	code, errs := serveExit(t, bin, nil, "--ca-dir", t.TempDir(), "--tls-addr", "127.0.0.1:0", "--tls-host", "a b")
	wantRefused(t, `serve --tls-host "a b"`, code, errs, 1, "--tls-host")
}

// A repeatable flag's command-line value is one value, commas and all;
// only its ALIPAY_MOCK_* variable splits at commas (docs/configuration.md).
func TestParamWithACommaIsOneParameter(t *testing.T) {
	code, out, errs := runCLI(t, "", "sign", "alipay.trade.query", "out_trade_no=1", "--param", "passback_params=a,b=c", "--print", "string")
	if code != 0 || !strings.Contains(out, "passback_params=a,b=c") || strings.Contains(out, "&b=c&") {
		t.Errorf("sign --param 'passback_params=a,b=c': exit %d, signed %q %s", code, strings.TrimSpace(out), errs)
	}
	code, out, errs = runCLI(t, "", "sign", "alipay.trade.query", "out_trade_no=1", "--param", "notify_url=https://m.example/n?x=1,2", "--print", "string")
	if code != 0 || !strings.Contains(out, "notify_url=https://m.example/n?x=1,2") {
		t.Errorf("sign --param notify_url with a comma: exit %d, %q %s", code, strings.TrimSpace(out), strings.TrimSpace(errs))
	}
}

// verify-notify summarises a 蚂蚁消息 (a transfer's
// alipay.fund.trans.order.changed) by its msg_method and biz_content
// fields, not as a trade notification with every field empty.
func TestVerifyNotifySummarisesAMessage(t *testing.T) {
	merchant := mocktest.NewMerchant(t, "success")
	m := mocktest.New(t, mock.Options{FundPublicKey: true})
	app := `{"app_id":"` + keys.DevAppID + `","sign_type":"RSA2","app_gateway_url":"` + merchant.URL + `/gateway","public_key":` +
		strings.ReplaceAll(`"`+string(keys.DevFile("app_public_key.pem"))+`"`, "\n", `\n`) + `}`
	m.Control("POST", "/apps", app, http.StatusCreated)
	r := m.Call("alipay.fund.trans.uni.transfer", `{"out_biz_no":"msg-1","trans_amount":"1.00","product_code":"TRANS_ACCOUNT_NO_PWD","biz_scene":"DIRECT_TRANSFER","transfer_scene_name":"佣金报酬","payee_info":{"identity":"2088000000000777","identity_type":"ALIPAY_USER_ID"}}`)
	if r["status"] != "SUCCESS" {
		t.Fatalf("transfer: %v", r)
	}
	body := m.Control("GET", "/notifications?app_id="+keys.DevAppID, nil, http.StatusOK)
	code, out, errs := runCLI(t, string(body), "verify-notify")
	if code != 0 {
		t.Fatalf("verify-notify: exit %d %s", code, errs)
	}
	for _, want := range []string{"alipay.fund.trans.order.changed", "msg-1", "SUCCESS"} {
		if !strings.Contains(out, want) {
			t.Errorf("verify-notify's summary of a transfer message does not say %s: %s", want, strings.TrimSpace(out))
		}
	}
}

// audit --check-timeout 0 or less is a usage error (exit 2), as
// --mock-timeout -1s is, not a run whose every check is "stopped after 0s".
func TestAuditRefusesACheckTimeoutOfNothing(t *testing.T) {
	for _, v := range []string{"0", "-1s"} {
		code, _, errs := runCLI(t, "", "audit", "--notify-url", "http://127.0.0.1:1/notify", "--check", "true",
			"--check-timeout", v, "--mock", "http://127.0.0.1:1")
		if code != 2 || !strings.Contains(errs, "--check-timeout") {
			t.Errorf("audit --check-timeout %s: exit %d %q, want 2 naming --check-timeout (as --mock-timeout -1s is)", v, code, strings.TrimSpace(errs))
		}
	}
}

// serve refuses a stray argument, after which Go's flag package would
// drop every flag: "--show-unscanned false --seed 7" (a bool flag takes no
// separate value) is refused, not run with --show-unscanned on and no seed.
func TestServeRefusesStrayArguments(t *testing.T) {
	bin := buildBinary(t)
	code, errs := serveExit(t, bin, nil, "--show-unscanned", "false", "--seed", "7")
	wantRefused(t, "serve --show-unscanned false --seed 7", code, errs, 2, `unexpected argument "false"`)
}

// healthcheck and keys refuse stray arguments (exit 2): "healthcheck
// http://mock:8080" would check --addr, "keys 4096" make a 2048-bit key.
func TestHealthcheckAndKeysRefuseStrayArguments(t *testing.T) {
	for _, args := range [][]string{
		{"healthcheck", "--addr", "127.0.0.1:1", "http://mock.example:8080"},
		{"keys", "4096"},
	} {
		code, _, errs := runCLI(t, "", args...)
		if code != 2 {
			t.Errorf("%s: exit %d %q, want 2 (unexpected argument %q)", strings.Join(args, " "), code, strings.TrimSpace(errs), args[len(args)-1])
		}
	}
}

// call's default --gateway follows ALIPAY_MOCK_ADDR, as healthcheck
// does, so in a container listening on another port both reach the mock.
func TestCallFindsTheMockLikeHealthcheck(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	t.Setenv("ALIPAY_MOCK_ADDR", strings.TrimPrefix(m.URL, "http://"))
	if code, _, errs := runCLI(t, "", "healthcheck"); code != 0 {
		t.Fatalf("healthcheck with ALIPAY_MOCK_ADDR: exit %d %s", code, errs)
	}
	code, _, errs := runCLI(t, "", "call", "alipay.trade.query", "out_trade_no=rvc-none", "--timeout", "5s")
	if n, _ := m.Srv.Journal.Stats(); n.Entries == 0 {
		t.Errorf("call with ALIPAY_MOCK_ADDR=%s did not reach that mock (exit %d %s)", strings.TrimPrefix(m.URL, "http://"), code, strings.TrimSpace(errs))
	}
}

// --notify-schedule none is one attempt and no retries: a notification the
// merchant refuses is given up after its first attempt.
func TestNotifyScheduleNoneGivesUpAfterOneAttempt(t *testing.T) {
	merchant := mocktest.NewMerchant(t, "fail")
	base := startBinary(t, buildBinary(t), nil, "--addr", "127.0.0.1:0", "--notify-schedule", "none")
	if code, out, errs := runCLI(t, "", "call", "alipay.trade.precreate", "out_trade_no=none-1", "total_amount=1.00", "subject=x",
		"notify_url="+merchant.URL+"/notify", "--gateway", base); code != 0 {
		t.Fatalf("precreate: exit %d %s %s", code, out, errs)
	}
	resp, err := http.Post(base+"/_mock/trades/none-1/pay", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = http.Get(base + "/_mock/notifications?out_trade_no=none-1&state=given_up&wait=" + mocktest.Timeout.String())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []struct {
		Attempts    []json.RawMessage `json:"attempts"`
		NextAttempt *string           `json:"next_attempt"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || len(list[0].Attempts) != 1 || list[0].NextAttempt != nil || len(merchant.Calls()) != 1 {
		t.Fatalf("given up: %+v, merchant called %d times; want one notification given up after 1 attempt", list, len(merchant.Calls()))
	}
}
