package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/mock/journal"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// buildBinary builds, once per run, the static binary the Dockerfile ships.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "alipay-mock-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "alipay-mock")
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", binPath, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("CGO_ENABLED=0 go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

var gatewayLine = regexp.MustCompile(`gateway:\s+(http://\S+)/gateway\.do`)

// startBinary runs the binary and returns its base URL from the banner.
func startBinary(t *testing.T, bin string, env []string, args ...string) string {
	t.Helper()
	_, u := startProcess(t, bin, env, args...)
	return u
}

// startProcess is startBinary that also returns the process, for a test
// that kills it; a process the test waited for is left alone at cleanup.
func startProcess(t *testing.T, bin string, env []string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	return startProcessFor(t, gatewayLine, bin, env, args...)
}

// startProcessFor starts the binary and returns the URL the first banner
// line matching line announces (its first group).
func startProcessFor(t *testing.T, line *regexp.Regexp, bin string, env []string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	stdout, _ := cmd.StdoutPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState != nil {
			return
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("exit after SIGTERM: %v\n%s", err, stderr.String())
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Error("no exit within 10s of SIGTERM")
		}
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := line.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case u := <-found:
		return cmd, u
	case <-time.After(20 * time.Second):
		t.Fatalf("no banner line like %s; stderr: %s", line, stderr.String())
	}
	return nil, ""
}

func TestStaticBinaryServesAndHealthchecks(t *testing.T) {
	bin := buildBinary(t)
	base := startBinary(t, bin, []string{"ALIPAY_MOCK_ADDR=127.0.0.1:0", "ALIPAY_MOCK_SEED=7"})
	out, err := exec.Command(bin, "healthcheck", "--url", base).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("healthcheck: %v %s", err, out)
	}
	// healthcheck finds the mock through ALIPAY_MOCK_ADDR, as in the container.
	u, _ := url.Parse(base)
	hc := exec.Command(bin, "healthcheck")
	hc.Env = append(os.Environ(), "ALIPAY_MOCK_ADDR="+u.Host)
	if out, err := hc.CombinedOutput(); err != nil {
		t.Fatalf("healthcheck via env: %v %s", err, out)
	}
	// and fails when nothing listens
	if err := exec.Command(bin, "healthcheck", "--url", "http://127.0.0.1:1").Run(); err == nil {
		t.Error("healthcheck of a closed port must fail")
	}
}

// The README's Docker recipe, end to end on the static binary (no Docker
// engine runs here): the container's environment (control token, service
// name), its HEALTHCHECK, the host's browser with ?token= and then the
// cookie, another container calling the gateway, the QR page and the
// control API by the service name, and the same without the token refused
// with a message naming the flags. ALIPAY_MOCK_ALLOWED_HOST then opens the
// service name to loopback clients without the token.
func TestDockerRecipe(t *testing.T) {
	bin := buildBinary(t)
	base := startBinary(t, bin, []string{"ALIPAY_MOCK_ADDR=127.0.0.1:0", "ALIPAY_MOCK_CONTROL_TOKEN=secret"})
	u, _ := url.Parse(base)
	hc := exec.Command(bin, "healthcheck")
	hc.Env = append(os.Environ(), "ALIPAY_MOCK_ADDR="+u.Host, "ALIPAY_MOCK_CONTROL_TOKEN=secret")
	if out, err := hc.CombinedOutput(); err != nil {
		t.Fatalf("HEALTHCHECK: %v %s", err, out)
	}
	service := "alipay-mock:" + u.Port()
	get := func(path, host string, header map[string]string) (int, string, http.Header) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		req.Host = host
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}

	// The host's browser opens the dashboard once with the token.
	status, _, hdr := get("/_mock/ui?token=secret", "localhost:"+u.Port(), nil)
	cookie, _, _ := strings.Cut(hdr.Get("Set-Cookie"), ";")
	if status != http.StatusOK || !strings.HasPrefix(cookie, "alipay_mock_token=") {
		t.Fatalf("dashboard with ?token=: HTTP %d, cookie %q", status, cookie)
	}
	if status, body, _ := get("/_mock/trades", "localhost:"+u.Port(), map[string]string{"Cookie": cookie}); status != http.StatusOK {
		t.Fatalf("with the cookie: HTTP %d %s", status, body)
	}

	// Another container: the gateway by service name, then the qr_code.
	c, err := client.New(client.Config{GatewayURL: "http://" + service + "/gateway.do", AppID: keys.DevAppID,
		PrivateKeyRSA: keys.DevAppPrivateKey(), AlipayPublicKeyRSA: &keys.DevAlipayPrivateKey().PublicKey,
		HTTPClient: &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, u.Host) // the service name resolves to the mock
		}}}})
	if err != nil {
		t.Fatal(err)
	}
	pre, err := c.Precreate(context.Background(), client.PrecreateRequest{Order: client.Order{OutTradeNo: "DOCKER-1", TotalAmount: amount.MustParse("1.00"), Subject: "compose"}})
	if err != nil || !strings.HasPrefix(pre.QRCode, "http://"+service+"/qr/bax0") {
		t.Fatalf("precreate by service name: %+v %v", pre, err)
	}
	if status, body, _ := get(strings.TrimPrefix(pre.QRCode, "http://"+service), service, nil); status != http.StatusOK || !strings.Contains(body, "1.00") {
		t.Fatalf("QR page by service name: HTTP %d %.200s", status, body)
	}
	// The control API by service name: with the token, and refused without.
	if status, body, _ := get("/_mock/trades/DOCKER-1", service, map[string]string{"X-Alipay-Mock-Token": "secret"}); status != http.StatusOK || !strings.Contains(body, "WAIT_BUYER_PAY") {
		t.Fatalf("control API by service name with the token: HTTP %d %s", status, body)
	}
	if status, body, _ := get("/_mock/trades/DOCKER-1", service, nil); status != http.StatusForbidden || !strings.Contains(body, "--allowed-host") || !strings.Contains(body, "control token") {
		t.Fatalf("control API by service name without the token: HTTP %d %s", status, body)
	}

	// --allowed-host (here from the environment) names it for loopback clients.
	base = startBinary(t, bin, []string{"ALIPAY_MOCK_ADDR=127.0.0.1:0", "ALIPAY_MOCK_ALLOWED_HOST=alipay-mock, proxy.test"})
	for _, host := range []string{service, "proxy.test"} {
		if status, body, _ := get("/_mock/health", host, nil); status != http.StatusOK {
			t.Errorf("Host %s with ALIPAY_MOCK_ALLOWED_HOST: HTTP %d %s", host, status, body)
		}
	}
	if status, _, _ := get("/_mock/health", "evil.example", nil); status != http.StatusForbidden {
		t.Errorf("Host evil.example: HTTP %d", status)
	}
	// "*." is what --allowed-host "*.$DOMAIN" gives with DOMAIN unset.
	for _, h := range []string{"*", "*.", "*.com"} {
		var errb bytes.Buffer
		if code := run([]string{"serve", "--addr", "127.0.0.1:0", "--allowed-host", h}, io.Discard, &errb); code == 0 || !strings.Contains(errb.String(), "--allowed-host") {
			t.Errorf("--allowed-host %q must be refused: %s", h, errb.String())
		}
	}
}

// keys --out writes each private key to a new 0600 file renamed into place:
// with --force, never into a file already there (whose mode, maybe world-readable, it
// kept) or through a symbolic link. It makes a missing directory 0700 and
// refuses one other users can write, naming it and the fix.
func TestKeysOutWritesPrivateKeysOthersCannotRead(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("modes do not say who may read on Windows")
	}
	dir := t.TempDir()
	planted := filepath.Join(dir, "app_private_key_pkcs8.pem")
	elsewhere := filepath.Join(t.TempDir(), "elsewhere")
	for _, f := range []string{planted, elsewhere} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(f, 0o644); err != nil { // past the umask
			t.Fatal(err)
		}
	}
	if err := os.Symlink(elsewhere, filepath.Join(dir, "app_private_key_pkcs1.pem")); err != nil {
		t.Fatal(err)
	}
	var errb bytes.Buffer
	if code := run([]string{"keys", "--out", dir, "--force"}, io.Discard, &errb); code != 0 {
		t.Fatalf("keys --out %s: %d %s", dir, code, errb.String())
	}
	for _, f := range []string{"app_private_key_pkcs1.pem", "app_private_key_pkcs8.pem", "app_private_key_pkcs1.txt", "app_private_key_pkcs8.txt"} {
		fi, err := os.Lstat(filepath.Join(dir, f))
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 || fi.Size() == 0 {
			t.Errorf("%s: %v %v, want a regular file, mode 0600", f, fi, err)
		}
	}
	if b, _ := os.ReadFile(elsewhere); len(b) != 0 {
		t.Error("the private key was written through a symbolic link")
	}

	made := filepath.Join(t.TempDir(), "new", "keys")
	if code := run([]string{"keys", "--out", made}, io.Discard, io.Discard); code != 0 {
		t.Fatalf("keys --out %s: %d", made, code)
	}
	if fi, err := os.Stat(made); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("made %s: %v %v, want mode 0700", made, fi, err)
	}

	loose := t.TempDir()
	if err := os.Chmod(loose, 0o777); err != nil {
		t.Fatal(err)
	}
	errb.Reset()
	if code := run([]string{"keys", "--out", loose}, io.Discard, &errb); code == 0 || !strings.Contains(errb.String(), loose) || !strings.Contains(errb.String(), "chmod 700") {
		t.Errorf("keys --out into a directory mode 0777: %d %q, want a refusal naming it and the fix", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(loose, "app_private_key_pkcs8.pem")); err == nil {
		t.Error("a private key was written into a directory others can write")
	}
}

func TestKeysSubcommandAndAppFlag(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	if out, err := exec.Command(bin, "keys", "--out", dir).CombinedOutput(); err != nil {
		t.Fatalf("keys: %v %s", err, out)
	}
	for _, f := range []string{"app_private_key_pkcs1.pem", "app_private_key_pkcs8.pem", "app_private_key_pkcs1.txt", "app_private_key_pkcs8.txt", "app_public_key.pem", "app_public_key.txt"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(f, "private") {
			if _, err := keys.ParsePrivateKey(b); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		} else if _, err := keys.ParsePublicKey(b); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	priv, _ := keys.LoadPrivateKey(filepath.Join(dir, "app_private_key_pkcs8.txt"))
	appsFile := filepath.Join(dir, "apps.yaml")
	os.WriteFile(appsFile, []byte("apps:\n  - app_id: \"2021000000000042\"\n    public_key: app_public_key.pem\n    sign_type: RSA2\n"), 0o644)
	base := startBinary(t, bin, nil, "--addr", "127.0.0.1:0", "--app", "2021000000000041="+filepath.Join(dir, "app_public_key.txt"), "--apps-file", appsFile)

	for _, appID := range []string{"2021000000000041", "2021000000000042"} {
		p := map[string]string{"app_id": appID, "method": "alipay.trade.precreate", "charset": "utf-8", "sign_type": "RSA2",
			"timestamp": timestamp.Format(time.Now()), "version": "1.0", "biz_content": `{"out_trade_no":"K1","total_amount":"1.00","subject":"s"}`}
		p["sign"], _ = sign.SignString(priv, sign.RSA2, sign.UTF8, sign.RequestContent(p))
		v := url.Values{}
		for k, x := range p {
			v.Set(k, x)
		}
		resp, err := http.PostForm(base+"/gateway.do", v)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), `"code":"10000"`) {
			t.Errorf("app %s: %s", appID, body)
		}
	}
}

func TestFlagsAndEnvironment(t *testing.T) {
	var out, errb bytes.Buffer
	// --settle-max-percent 0, checked next, stops a threshold let through
	// before the mock serves.
	for _, v := range []string{"abc", "-1"} {
		errb.Reset()
		if code := run([]string{"serve", "--addr", "127.0.0.1:0", "--password-threshold", v, "--settle-max-percent", "0"}, &out, &errb); code == 0 ||
			!strings.Contains(errb.String(), "--password-threshold") {
			t.Errorf("--password-threshold %s must be refused naming the flag: %s", v, errb.String())
		}
	}
	for _, args := range [][]string{
		{"--clock-speed", "1e300"}, {"--clock-speed", "-1"}, {"--clock-speed", "NaN"},
		{"--clock-start", "9999-12-31 23:59:59"}, {"--clock-start", "1900-01-01 00:00:00"},
	} {
		errb.Reset()
		if code := run(append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), &out, &errb); code == 0 ||
			!strings.Contains(errb.String(), args[0]) {
			t.Errorf("%v must be refused naming the flag: %s", args, errb.String())
		}
	}
	t.Setenv("ALIPAY_MOCK_LOG_LEVEL", "loud")
	errb.Reset()
	if code := run([]string{"serve"}, &out, &errb); code == 0 || !strings.Contains(errb.String(), "log-level") {
		t.Errorf("a bad environment value must fail naming the flag: %s", errb.String())
	}
	if code := run([]string{"frobnicate"}, &out, &errb); code == 0 {
		t.Error("unknown command must fail")
	}
	if _, err := parseAppFlag("2021000000000001=key.pem:RSA"); err != nil {
		t.Error(err)
	}
	if sp, _ := parseAppFlag("2021000000000001=/keys/a.pem:RSA"); sp.PublicKey != "/keys/a.pem" || sp.SignType != "RSA" {
		t.Errorf("parseAppFlag: %+v", sp)
	}
	if _, err := parseAppFlag("nokey"); err == nil {
		t.Error("want an error without '='")
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

func TestScenariosCheckCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"scenarios", "check", "scenarios"}, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "ok: ") {
		t.Fatalf("shipped scenarios: %d %s %s", code, out.String(), errb.String())
	}
	// Every problem of every file, each at its line with its whole
	// message, from check and from a refused start alike.
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	os.WriteFile(a, []byte(`name: a
rules:
  - name: prefix
    when:
      method: alipay.trade.query
      biz: {out_trade_no: {prefx: "X-"}}
    then: {delay: 1s}
  - name: buyer
    when: {method: alipay.trade.precreate}
    then:
      buyer: {pay_after: banana}
  - name: fault
    when: {method: alipay.trade.precreate}
    then: {fault: explode}
`), 0o644)
	os.WriteFile(b, []byte("name: b\nrules:\n  - when: {method: alipay.trade.query}\n    then: {delay: 1s\n"), 0o644)
	want := []string{
		a + `:6: unknown field "prefx" in a condition (known: equals, prefix, regex, range, absent)`,
		a + `:11: "banana" is not a duration such as 5s or 4m`,
		a + `:14: fault: fault "explode" is not one of bad_gateway, bad_signature, drop, empty, truncate`,
		b + ":4: did not find expected ',' or '}': the { on this line is not closed, or two of its entries lack a comma between them",
	}
	for _, tc := range []struct {
		name string
		args []string
		last string
	}{
		{"check", []string{"scenarios", "check", dir}, "alipay-mock: 4 problem(s)"},
		{"serve", []string{"serve", "--addr", "127.0.0.1:0", "--scenario", dir}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out.Reset()
			errb.Reset()
			if code := run(tc.args, &out, &errb); code == 0 {
				t.Fatalf("exit 0: %s", out.String())
			}
			got := strings.Split(strings.TrimSpace(errb.String()), "\n")
			if tc.last != "" && got[len(got)-1] != tc.last {
				t.Errorf("last line %q, want %q", got[len(got)-1], tc.last)
			}
			for _, w := range want {
				if !slices.Contains(got, w) {
					t.Errorf("missing line\n%s\nin\n%s", w, errb.String())
				}
			}
		})
	}
}

func TestBinaryLoadsScenarioDirectory(t *testing.T) {
	bin := buildBinary(t)
	base := startBinary(t, bin, []string{"ALIPAY_MOCK_SCENARIO=scenarios/examples"}, "--addr", "127.0.0.1:0")
	resp, err := http.Get(base + "/_mock/scenarios")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, name := range []string{"qr-pay-after-polls", "red-packet-claim-unknown", "magic-amounts"} {
		if !strings.Contains(string(b), `"name":"`+name+`"`) {
			t.Errorf("%s not loaded: %.300s", name, b)
		}
	}
}

// TestKilledDuringWritesLosesNothingAcknowledged kills the mock with
// SIGKILL while clients pay and refund, twice, and checks after each
// restart that every payment and refund the mock answered 10000 for is
// still there.
func TestKilledDuringWritesLosesNothingAcknowledged(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	type ack struct{ tradeNo, refund string }
	acked := map[string]*ack{}
	var mu sync.Mutex
	for round := 0; round < 2; round++ {
		cmd, base := startProcess(t, bin, nil, "--addr", "127.0.0.1:0", "--data", dir, "--seed", "3")
		c := devClient(t, base)
		var wg sync.WaitGroup
		stop := make(chan struct{})
		enough := make(chan struct{}) // closed at 60 more acknowledged payments
		var once sync.Once
		for w := 0; w < 6; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					out := fmt.Sprintf("K%d-%d-%d", round, w, i)
					p, err := c.Pay(context.Background(), client.PayRequest{Order: client.Order{OutTradeNo: out,
						TotalAmount: amount.MustParse("10.00"), Subject: "crash"}, Scene: "bar_code", AuthCode: "283912345678901234"})
					if err != nil {
						continue
					}
					mu.Lock()
					acked[out] = &ack{tradeNo: p.TradeNo}
					if len(acked) >= 60*(round+1) {
						once.Do(func() { close(enough) })
					}
					mu.Unlock()
					if _, err := c.Refund(context.Background(), client.RefundRequest{OutTradeNo: out,
						RefundAmount: amount.MustParse("1.00"), OutRequestNo: "R" + out}); err == nil {
						mu.Lock()
						acked[out].refund = "R" + out
						mu.Unlock()
					}
				}
			}()
		}
		killWhen(t, cmd, enough, 10*time.Second) // at 60 payments, or with what there is
		close(stop)
		wg.Wait()
	}

	if len(acked) == 0 {
		t.Fatal("no payment was acknowledged before the kills: nothing was tested")
	}
	_, base := startProcess(t, bin, nil, "--addr", "127.0.0.1:0", "--data", dir)
	c := devClient(t, base)
	refunds := 0
	for out, a := range acked {
		q, err := c.Query(context.Background(), client.QueryRequest{OutTradeNo: out})
		if err != nil || q.TradeNo != a.tradeNo || q.TradeStatus != client.TradeSuccess {
			t.Errorf("acknowledged payment %s (%s) after kill: %+v %v", out, a.tradeNo, q, err)
			continue
		}
		if a.refund == "" {
			continue
		}
		refunds++
		r, err := c.RefundQuery(context.Background(), client.RefundQueryRequest{OutTradeNo: out, OutRequestNo: a.refund})
		if err != nil || r.RefundAmount.String() != "1.00" {
			t.Errorf("acknowledged refund %s after kill: %+v %v", a.refund, r, err)
		}
	}
	t.Logf("%d acknowledged payments and %d refunds survived two SIGKILLs", len(acked), refunds)
}

// devCertClient is devClient for the dev app in certificate mode, which
// fund methods need.
func devCertClient(t *testing.T, base string) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{GatewayURL: base + "/gateway.do", AppID: keys.DevCertAppID, PrivateKeyRSA: keys.DevAppPrivateKey(),
		AppCert: string(keys.DevCertAppCertPEM()), AlipayRootCert: string(keys.DevRootCertPEM()), AlipayCert: string(keys.DevAlipayCertPEM())})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func devClient(t *testing.T, base string) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{GatewayURL: base + "/gateway.do", AppID: keys.DevAppID,
		PrivateKeyRSA: keys.DevAppPrivateKey(), AlipayPublicKeyRSA: &keys.DevAlipayPrivateKey().PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestKeysIssuesCertificateModeFiles: keys --cert writes an app
// certificate from the mock's dev CA and the two Alipay files; an app
// registered from that certificate in an apps file answers the bundled
// client in certificate mode.
func TestKeysIssuesCertificateModeFiles(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	const appID = "2021000000000043"
	if out, err := exec.Command(bin, "keys", "--cert", appID, "--out", dir).CombinedOutput(); err != nil {
		t.Fatalf("keys --cert: %v %s", err, out)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	appsFile := filepath.Join(dir, "apps.yaml")
	os.WriteFile(appsFile, []byte("apps:\n  - app_id: \""+appID+"\"\n    app_cert: appCertPublicKey_"+appID+".crt\n"), 0o644)
	base := startBinary(t, bin, nil, "--addr", "127.0.0.1:0", "--apps-file", appsFile)
	c, err := client.New(client.Config{GatewayURL: base + "/gateway.do", AppID: appID, PrivateKey: read("app_private_key_pkcs8.pem"),
		AppCert: read("appCertPublicKey_" + appID + ".crt"), AlipayRootCert: read("alipayRootCert.crt"), AlipayCert: read("alipayCertPublicKey_RSA2.crt")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Precreate(context.Background(), client.PrecreateRequest{Order: client.Order{OutTradeNo: "CERT1",
		TotalAmount: amount.MustParse("1.00"), Subject: "cert"}}); err != nil {
		t.Fatalf("certificate-mode precreate: %v", err)
	}
}

// A damaged data file stops the binary with one line naming the file and
// what to do, and exit status 1: never a panic or a stack trace.
func TestDamagedDataFileGivesOneLine(t *testing.T) {
	bin := buildBinary(t)
	for _, tc := range []struct {
		name   string
		damage func(path string) error
	}{
		{"truncated", func(path string) error { return os.Truncate(path, 2*4096+100) }},
		{"garbage", func(path string) error {
			return os.WriteFile(path, bytes.Repeat([]byte("\x00garbage\xff"), 4096), 0o600)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cmd, _ := startProcess(t, bin, nil, "serve", "--addr", "127.0.0.1:0", "--data", dir)
			_ = cmd.Process.Signal(syscall.SIGTERM)
			_ = cmd.Wait()
			path := filepath.Join(dir, "alipay-mock.db")
			if err := tc.damage(path); err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			again := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", dir)
			again.Stderr = &stderr
			err := again.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 1 {
				t.Fatalf("exit: %v\n%s", err, stderr.String())
			}
			out := strings.TrimSpace(stderr.String())
			if strings.Count(out, "\n") != 0 || !strings.Contains(out, path) || !strings.Contains(out, "another --data directory") ||
				strings.Contains(out, "goroutine") || strings.Contains(out, "panic") {
				t.Errorf("stderr:\n%s", out)
			}
		})
	}
}

// The memory ceilings are set by flags (or their variables) and reported
// by /_mock/memory; a value out of range is refused naming the flag.
func TestMemoryFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--keep-trades", "0"}, "--keep-trades must be 1 or more"},
		{[]string{"--keep-notifications", "-3"}, "--keep-notifications must be 1 or more"},
		{[]string{"--journal-max-entries", "0"}, "--journal-max-entries must be 1 or more"},
		{[]string{"--journal-max-bytes", "512KiB"}, "--journal-max-bytes"},
		{[]string{"--journal-max-bytes", "lots"}, "--journal-max-bytes"},
		{[]string{"--bill-max-bytes", "512KiB"}, "--bill-max-bytes"},
		{[]string{"--keep-trades-bytes", "512KiB"}, "--keep-trades-bytes"},
	} {
		var out, errb bytes.Buffer
		if code := run(append([]string{"serve", "--addr", "127.0.0.1:0"}, tc.args...), &out, &errb); code == 0 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, %q; want an error saying %q", tc.args, code, errb.String(), tc.want)
		}
	}
	for _, tc := range []struct {
		in   string
		want int64
	}{{"1MiB", 1 << 20}, {"32mb", 32 << 20}, {"2GiB", 2 << 30}, {"4096", 4096}, {"10 KiB", 10 << 10}} {
		if got, err := parseSize(tc.in); err != nil || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}

	bin := buildBinary(t)
	base := strings.TrimSuffix(startBinary(t, bin, []string{"ALIPAY_MOCK_KEEP_RED_PACKETS=7"}, "--addr", "127.0.0.1:0",
		"--keep-trades", "5", "--keep-notifications", "6", "--journal-max-entries", "50", "--journal-max-bytes", "3MiB", "--bill-max-bytes", "5MiB", "--keep-trades-bytes", "2MiB"), "/")
	resp, err := http.Get(base + "/_mock/memory")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, want := range []string{`"max_entries":50`, `"max_bytes":3145728`, `"trades":{"count":0,"keep":5,"bytes":0,"max_bytes":2097152}`,
		`"red_packets":{"count":0,"keep":7}`, `"keep":6`, `"bill_files":{"count":0,"keep":32,"bytes":0,"max_bytes":5242880}`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("/_mock/memory %s lacks %s", b, want)
		}
	}
}

// The byte-budget flags refuse a size under their package's minimum, and
// their help and the docs state that minimum and the default.
func TestSizeFlagsStateTheirBounds(t *testing.T) {
	configuration, err := os.ReadFile("docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	limits, err := os.ReadFile("docs/limits.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		flag         string
		least, deflt int64
	}{
		{"--journal-max-bytes", journal.MinBytes, journal.DefaultMaxBytes},
		{"--bill-max-bytes", gateway.MinBillMaxBytes, gateway.DefaultBillMaxBytes},
		{"--keep-trades-bytes", trade.MinKeepBytes, trade.DefaultKeepBytes},
	} {
		least, deflt := sizeText(tc.least), sizeText(tc.deflt)
		var out, errb bytes.Buffer
		under := strconv.FormatInt(tc.least-1, 10)
		if code := run([]string{"serve", "--addr", "127.0.0.1:0", tc.flag, under}, &out, &errb); code == 0 ||
			!strings.Contains(errb.String(), tc.flag+`: "`+under+`" is not a size of at least `+least+" ") {
			t.Errorf("%s %s: exit %d, %q; want it refused as under %s", tc.flag, under, code, errb.String(), least)
		}
		out.Reset()
		run([]string{"serve", "--help"}, &out, &out)
		if !strings.Contains(out.String(), "at least "+least+")") || !strings.Contains(out.String(), `(default "`+deflt+`")`) {
			t.Errorf("serve --help does not state %s's bounds %s and %s:\n%s", tc.flag, least, deflt, out.String())
		}
		for name, doc := range map[string][]byte{"configuration.md": configuration, "limits.md": limits} {
			row := docRow(doc, "| `"+tc.flag+"` |")
			if !strings.Contains(row, "at least `"+least+"`") || !strings.Contains(row, "`"+deflt+"`") {
				t.Errorf("docs/%s's row of %s does not state at least `%s` and `%s`: %q", name, tc.flag, least, deflt, row)
			}
		}
	}
	for _, tc := range []struct {
		n    int64
		want string
	}{{1 << 20, "1MiB"}, {64 << 20, "64MiB"}, {2 << 30, "2GiB"}, {3 << 10, "3KiB"}, {1536 << 10, "1536KiB"}, {4097, "4097"}, {0, "0"}} {
		if got := sizeText(tc.n); got != tc.want {
			t.Errorf("sizeText(%d) = %q, want %q", tc.n, got, tc.want)
		} else if back, err := parseSize(got); err != nil || back != tc.n {
			t.Errorf("parseSize(sizeText(%d)) = %d, %v", tc.n, back, err)
		}
	}
}

// docRow is the line of doc that holds cell.
func docRow(doc []byte, cell string) string {
	for _, line := range strings.Split(string(doc), "\n") {
		if strings.Contains(line, cell) {
			return line
		}
	}
	return ""
}

// The check example of docs/scenarios.md is what the command prints for
// the file it was made from.
func TestScenariosCheckExampleInDocs(t *testing.T) {
	doc, err := os.ReadFile("docs/scenarios.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(doc), "$ alipay-mock scenarios check broken.yaml\n")
	block, _, _ = strings.Cut(block, "```")
	if !ok || block == "" {
		t.Fatal("docs/scenarios.md has no scenarios check example")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte(`name: broken
rules:
  - name: matcher
    when:
      method: alipay.trade.query
      biz: {out_trade_no: {prefx: "X-"}}
    then: {delay: 1s}
  - name: buyer
    when: {method: alipay.trade.precreate}
    then:
      buyer: {pay_after: banana}
  - name: code
    when: {method: alipay.trade.pay}
    then: {respond: {code: "12345"}}
`), 0o644)
	t.Chdir(dir)
	var out, errb bytes.Buffer
	if code := run([]string{"scenarios", "check", "broken.yaml"}, &out, &errb); code == 0 {
		t.Fatal("exit 0")
	}
	if errb.String() != block {
		t.Errorf("prints\n%s\nthe docs say\n%s", errb.String(), block)
	}
}

// --show-unscanned shows a QR trade no buyer scanned; an app's
// show_unscanned in the apps file overrides it.
func TestShowUnscannedFlagAndAppsFile(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	appsFile := filepath.Join(dir, "apps.yaml")
	pub, err := filepath.Abs(filepath.Join("keys", "dev", "app_public_key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(appsFile, []byte("apps:\n  - app_id: \""+keys.DevAppID+"\"\n    public_key: "+pub+"\n    show_unscanned: false\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		want string // query's code and sub_code, or its trade_status
	}{
		{"flag", []string{"--show-unscanned"}, "WAIT_BUYER_PAY"},
		{"flag and apps file", []string{"--show-unscanned", "--apps-file", appsFile}, "40004 ACQ.TRADE_NOT_EXIST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := startBinary(t, bin, nil, append([]string{"--addr", "127.0.0.1:0"}, tc.args...)...)
			c := devClient(t, base)
			ctx := context.Background()
			if _, err := c.Precreate(ctx, client.PrecreateRequest{Order: client.Order{OutTradeNo: "SU1", TotalAmount: amount.MustParse("1.00"), Subject: "s"}}); err != nil {
				t.Fatal(err)
			}
			q, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "SU1"})
			got := ""
			var ae *client.Error
			switch {
			case err == nil:
				got = string(q.TradeStatus)
			case errors.As(err, &ae):
				got = ae.Code + " " + ae.SubCode
			default:
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("query before a scan: %s, want %s", got, tc.want)
			}
		})
	}
}

// --transfer-scene-optional accepts a transfer without
// transfer_scene_name, as production did before December 2025.
func TestTransferSceneOptionalFlag(t *testing.T) {
	base := startBinary(t, buildBinary(t), nil, "--addr", "127.0.0.1:0", "--transfer-scene-optional")
	r, err := devCertClient(t, base).Transfer(context.Background(), client.TransferRequest{OutBizNo: "SO1", TransAmount: amount.MustParse("1.00"),
		PayeeInfo: client.Participant{Identity: "2088000000000777", IdentityType: client.PayeeUserID}})
	if err != nil || r.Status != "SUCCESS" {
		t.Fatalf("transfer without a scene: %+v %v", r, err)
	}
}

// Fund methods need an app in certificate mode, as in production: the
// dev app is refused 40002 isv.missing-app-cert-sn and the dev app in
// certificate mode is served; --fund-public-key, or
// ALIPAY_MOCK_FUND_PUBLIC_KEY=true, serves the dev app too. call signs as
// the certificate-mode dev app with its SNs, and hints at it on a refusal.
func TestFundPublicKeyFlag(t *testing.T) {
	bin := buildBinary(t)
	ctx := context.Background()
	transfer := func(c *client.Client, out string) (*client.TransferResponse, error) {
		return c.Transfer(ctx, client.TransferRequest{TransferSceneName: "佣金报酬", OutBizNo: out, TransAmount: amount.MustParse("1.00"),
			PayeeInfo: client.Participant{Identity: "2088000000000777", IdentityType: client.PayeeUserID}})
	}
	base := startBinary(t, bin, nil, "--addr", "127.0.0.1:0")
	var apiErr *client.Error
	if _, err := transfer(devClient(t, base), "FP0"); !errors.As(err, &apiErr) || apiErr.SubCode != "isv.missing-app-cert-sn" {
		t.Errorf("the dev app's transfer: %v, want 40002 isv.missing-app-cert-sn", err)
	}
	if r, err := transfer(devCertClient(t, base), "FP1"); err != nil || r.Status != "SUCCESS" {
		t.Errorf("the certificate-mode dev app's transfer: %+v %v", r, err)
	}
	query := []string{"call", "--gateway", base, "alipay.fund.trans.common.query", "out_biz_no=FP1", "product_code=TRANS_ACCOUNT_NO_PWD", "biz_scene=DIRECT_TRANSFER"}
	if code, out, errs := runCLI(t, "", query...); code != 3 || !strings.Contains(errs, "--app-id "+keys.DevCertAppID) {
		t.Errorf("call as the dev app: exit %d %s %s, want 3 and the hint", code, out, errs)
	}
	if code, out, errs := runCLI(t, "", append([]string{query[0], "--app-id", keys.DevCertAppID}, query[1:]...)...); code != 0 {
		t.Errorf("call --app-id %s: exit %d %s %s", keys.DevCertAppID, code, out, errs)
	}
	for _, on := range []struct {
		env  []string
		args []string
	}{{nil, []string{"--fund-public-key"}}, {[]string{"ALIPAY_MOCK_FUND_PUBLIC_KEY=true"}, nil}} {
		base := startBinary(t, bin, on.env, append([]string{"--addr", "127.0.0.1:0"}, on.args...)...)
		if r, err := transfer(devClient(t, base), "FP2"); err != nil || r.Status != "SUCCESS" {
			t.Errorf("%v %v: the dev app's transfer %+v %v", on.env, on.args, r, err)
		}
	}
}

// killWhen SIGKILLs the process cmd runs once enough is closed, or after
// most with what there is, and waits for it to be gone.
func killWhen(t *testing.T, cmd *exec.Cmd, enough <-chan struct{}, most time.Duration) {
	t.Helper()
	select {
	case <-enough:
	case <-time.After(most):
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
}

// --max-pending-notifications is in serve -h and docs/configuration.md
// with its default, and refuses a negative count.
func TestMaxPendingNotificationsFlag(t *testing.T) {
	var help, errb bytes.Buffer
	run([]string{"serve", "-h"}, &help, &errb)
	if !strings.Contains(help.String(), "-max-pending-notifications") || !strings.Contains(help.String(), "(default 100000)") {
		t.Errorf("serve -h does not show --max-pending-notifications and its default:\n%s", help.String())
	}
	configuration, err := os.ReadFile("docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	if row := docRow(configuration, "| `--max-pending-notifications` |"); !strings.Contains(row, "| `100000` |") {
		t.Errorf("docs/configuration.md row %q, want the flag with its default 100000", row)
	}
	var out bytes.Buffer
	errb.Reset()
	if code := run([]string{"serve", "--addr", "127.0.0.1:0", "--max-pending-notifications", "-1"}, &out, &errb); code == 0 ||
		!strings.Contains(errb.String(), "--max-pending-notifications must be 0 (no bound) or more") {
		t.Errorf("a negative bound: exit %d, %q", code, errb.String())
	}
}
