package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// runCLI runs the command line in-process with stdin as given.
func runCLI(t *testing.T, in string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	old := stdin
	stdin = strings.NewReader(in)
	defer func() { stdin = old }()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func httpDo(t *testing.T, method, u string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func startMock(t *testing.T, opts mock.Options) *mock.Server {
	t.Helper()
	srv, err := mock.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func TestHelpVersionAndUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"-version"}, {"version"}} {
		code, out, errs := runCLI(t, "", args...)
		if code != 0 || out != "alipay-mock "+mock.Version+"\n" || errs != "" || mock.Version == "" || mock.Version == "0.1.0" {
			t.Errorf("%v: exit %d, %q, %q", args, code, out, errs)
		}
	}
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}, {"help", "-h"}} {
		code, out, _ := runCLI(t, "", args...)
		if code != 0 || !strings.Contains(out, "Commands:") {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
		for _, c := range commands {
			if !strings.Contains(out, "\n  "+c.name+" ") {
				t.Errorf("%v does not list %s:\n%s", args, c.name, out)
			}
		}
	}
	// Every command's -h (and help COMMAND) shows its usage, its flags and
	// the other commands, on stdout with status 0.
	flags := map[string][]string{
		"serve": {"-addr", "-log-format", "-apps-file"}, "call": {"-gateway", "-app-id", "-key", "-biz", "-alipay-public-key"},
		"sign": {"-timestamp", "-print", "-key"}, "verify-notify": {"-app-id", "-alipay-public-key"},
		"audit": {"-notify-url", "-check", "-check-each", "-format", "-mock", "slow-response"},
		"keys":  {"-bits", "-cert"}, "ca": {"-ca-dir", "-data", "-out"}, "healthcheck": {"-url", "-addr", "-control-token"}, "scenarios": {"check PATH"}, "version": nil, "help": nil,
	}
	for _, c := range commands {
		want, ok := flags[c.name]
		if !ok {
			t.Errorf("no expectation for command %s", c.name)
		}
		for _, args := range [][]string{{c.name, "-h"}, {"help", c.name}} {
			if c.name == "help" && args[0] == "help" {
				continue
			}
			code, out, errs := runCLI(t, "", args...)
			if c.name == "version" || c.name == "help" {
				continue // they take no flags: -h is an argument they ignore or refuse
			}
			if code != 0 || errs != "" || !strings.HasPrefix(out, "Usage: alipay-mock "+c.name) || !strings.Contains(out, "Commands:") {
				t.Errorf("%v: exit %d, stderr %q, stdout:\n%s", args, code, errs, out)
			}
			for _, f := range want {
				if !strings.Contains(out, f) {
					t.Errorf("%v does not show %s", args, f)
				}
			}
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--no-such-flag"}, "Run 'alipay-mock serve -h'"},
		{[]string{"call"}, "the first argument is the method"},
		{[]string{"call", "alipay.trade.query", "oops"}, "want key=value"},
		{[]string{"call", "alipay.trade.query", "--biz", "[1]"}, "--biz must be a JSON object"},
		{[]string{"call", "alipay.trade.query", "n:=notjson"}, "must be JSON"},
		{[]string{"sign", "alipay.trade.query", "--timestamp", "yesterday"}, "--timestamp"},
		{[]string{"scenarios"}, "scenarios check PATH"},
		{[]string{"help", "frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"serve", "--log-format", "xml"}, "--log-format"},
	} {
		code, _, errs := runCLI(t, "", tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, errs, tc.want)
		}
	}
	if code, _, errs := runCLI(t, "", "frobnicate"); code != 2 || !strings.Contains(errs, "Commands:") {
		t.Errorf("unknown command: exit %d %q", code, errs)
	}
}

// Start-up error messages name the real problem.
func TestStartErrorsNameTheProblem(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args      []string
		want, not string
	}{
		{[]string{"--alipay-private-key", "/nonexistent"}, "--alipay-private-key: neither a readable file (no such file or directory)", "PKCS"},
		{[]string{"--app", "2021000000000099=k.pem:RSA3"}, `sign type "RSA3" is not RSA or RSA2`, "open"},
		{[]string{"--app", "2021000000000099=" + filepath.Join(dir, "missing.pem")}, "--app 2021000000000099: neither a readable file (no such file or directory)", "base64"},
	} {
		code, _, errs := runCLI(t, "", append([]string{"serve", "--addr", "127.0.0.1:0"}, tc.args...)...)
		if code == 0 || !strings.Contains(errs, tc.want) || strings.Contains(errs, tc.not) {
			t.Errorf("%v: exit %d, %q; want %q", tc.args, code, errs, tc.want)
		}
	}
}

// An apps file (and POST /_mock/apps) with a misspelt method or the Alipay
// public key as the app's key is refused, saying why.
func TestAppsValidation(t *testing.T) {
	wd, _ := os.Getwd()
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "apps.yaml")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	appKey := filepath.Join(wd, "keys/dev/app_public_key.pem")
	alipayKey := filepath.Join(wd, "keys/dev/alipay_public_key.pem")
	for _, tc := range []struct{ file, want string }{
		{"apps:\n  - app_id: \"2021000000000050\"\n    public_key: " + appKey + "\n    methods: [alipay.trade.query, alipay.trade.precreat]\n",
			`methods: "alipay.trade.precreat" is not a method the mock implements (did you mean alipay.trade.precreate?)`},
		{"apps:\n  - app_id: \"2021000000000051\"\n    public_key: " + alipayKey + "\n", "public_key is the Alipay public key"},
	} {
		code, _, errs := runCLI(t, "", "serve", "--addr", "127.0.0.1:0", "--apps-file", write(tc.file))
		if code != 1 || !strings.Contains(errs, tc.want) {
			t.Errorf("exit %d, %q; want %q", code, errs, tc.want)
		}
	}

	// The library refuses it too.
	if _, err := mock.New(mock.Options{NoDevApp: true, Apps: []apps.Spec{{AppID: keys.DevAppID, PublicKey: string(keys.DevFile("alipay_public_key.pem"))}}}); err == nil ||
		!strings.Contains(err.Error(), "public_key is the Alipay public key") {
		t.Errorf("mock.New with the Alipay key as an app key: %v", err)
	}

	srv := startMock(t, mock.Options{})
	post := func(spec map[string]any) (int, string) {
		b, _ := json.Marshal(spec)
		resp, err := http.Post(srv.URL()+"/_mock/apps", "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	pub := string(keys.DevFile("app_public_key.pem"))
	if code, body := post(map[string]any{"app_id": "2021000000000052", "public_key": pub, "methods": []string{"alipay.trade.qeury"}}); code != http.StatusBadRequest ||
		!strings.Contains(body, `\"alipay.trade.qeury\" is not a method`) || !strings.Contains(body, "did you mean alipay.trade.query?") {
		t.Errorf("unknown method: HTTP %d %s", code, body)
	}
	if code, body := post(map[string]any{"app_id": "2021000000000053", "public_key": string(keys.DevFile("alipay_public_key.pem"))}); code != http.StatusBadRequest ||
		!strings.Contains(body, "Alipay public key") {
		t.Errorf("Alipay key as app key: HTTP %d %s", code, body)
	}
	if code, body := post(map[string]any{"app_id": "2021000000000054", "public_key": pub, "methods": []string{"alipay.trade.query"}}); code != http.StatusCreated {
		t.Errorf("a valid app: HTTP %d %s", code, body)
	}
	if _, ok := srv.Apps.Get("2021000000000052"); ok {
		t.Error("a refused app was registered")
	}
}

func TestBannerAndJSONLog(t *testing.T) {
	f, err := scenarios.LoadPath("scenarios/examples/refund-retry.yaml", gateway.Catalogue())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	srv := startMock(t, mock.Options{Addr: "0.0.0.0:0", Scenarios: f, DataDir: dir})
	port := strings.TrimPrefix(srv.URL()[strings.LastIndex(srv.URL(), ":"):], ":")
	b := banner(srv, dir)
	for _, want := range []string{
		"gateway:           http://127.0.0.1:" + port + "/gateway.do",
		"dashboard:         http://127.0.0.1:" + port + "/_mock/ui/",
		"listening on:      every interface, port " + port,
		"magic-amounts (built in",
		"refund-retry (scenarios/examples/refund-retry.yaml)",
		"data:              " + dir,
		"RSA signer:        " + sign.Backend(),
	} {
		if !strings.Contains(b, want) {
			t.Errorf("banner lacks %q:\n%s", want, b)
		}
	}
	if strings.Contains(b, "0.0.0.0") || strings.Contains(b, "[::]") {
		t.Errorf("banner shows an address no browser opens:\n%s", b)
	}
	resp, err := http.Get("http://127.0.0.1:" + port + "/_mock/health")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the banner's address does not answer: %v", err)
	}
	resp.Body.Close()

	// --log-format json: the binary's log lines are JSON objects.
	bin := buildBinary(t)
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--log-format", "json")
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	base := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := gatewayLine.FindStringSubmatch(sc.Text()); m != nil {
				base <- m[1]
			}
		}
	}()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var u string
	select {
	case u = <-base:
	case <-time.After(20 * time.Second):
		t.Fatal("no banner")
	}
	// A request whose signature does not verify is logged at WARN.
	if resp, err := http.PostForm(u+"/gateway.do", url.Values{"app_id": {keys.DevAppID}, "method": {"alipay.trade.query"}, "charset": {"utf-8"},
		"sign_type": {"RSA2"}, "timestamp": {"2026-01-01 00:00:00"}, "version": {"1.0"}, "sign": {"AAAA"}, "biz_content": {`{"out_trade_no":"x"}`}}); err == nil {
		resp.Body.Close()
	}
	select {
	case line, ok := <-lines:
		var rec map[string]any
		if !ok || json.Unmarshal([]byte(line), &rec) != nil || rec["level"] == nil || rec["msg"] == nil {
			t.Errorf("log line is not a JSON record: %q", line)
		}
	case <-time.After(20 * time.Second):
		t.Error("no log line for a forged request")
	}
}

// call, sign and verify-notify against a mock on port 0.
func TestCallSignAndVerifyNotify(t *testing.T) {
	notes := make(chan string, 8)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		notes <- string(b)
		io.WriteString(w, "success")
	}))
	defer receiver.Close()
	srv := startMock(t, mock.Options{})
	gw := "--gateway=" + srv.URL() // a base URL: call adds /gateway.do

	code, out, errs := runCLI(t, "", "call", "alipay.trade.precreate", "out_trade_no=C-1", "total_amount=88.88", gw,
		"subject=Coffee", "notify_url="+receiver.URL+"/notify", "goods_detail:=[{\"goods_id\":\"g1\",\"goods_name\":\"bean\",\"quantity\":1,\"price\":\"88.88\"}]")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || lines[len(lines)-1] != `code=10000 msg="Success"` || !strings.Contains(out, `"qr_code": "http://`) {
		t.Fatalf("precreate: exit %d, %s %s", code, out, errs)
	}
	if status, tr := httpDo(t, http.MethodGet, srv.URL()+"/_mock/trades/C-1"); status != http.StatusOK ||
		!strings.Contains(tr, `"notify_url":"`+receiver.URL+"/notify") {
		t.Fatalf("the trade was not created with notify_url from the arguments: %s", tr)
	}
	// A buyer scans: until then the trade does not exist for query.
	if status, body := httpDo(t, http.MethodPost, srv.URL()+"/_mock/trades/C-1/scan"); status != http.StatusOK {
		t.Fatalf("scan: HTTP %d %s", status, body)
	}
	code, out, _ = runCLI(t, "", "call", gw, "alipay.trade.query", "--biz", `{"out_trade_no":"NOPE"}`)
	if !strings.HasSuffix(out, "code=40004 msg=\"Business Failed\" sub_code=ACQ.TRADE_NOT_EXIST sub_msg=\"交易不存在\"\n") || code != 3 {
		t.Errorf("unknown trade: exit %d, %s", code, out)
	}
	// An answer that does not verify with the given key fails with 1.
	other, err := keys.Generate(2048)
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs = runCLI(t, "", "call", gw, "--alipay-public-key", string(other.PublicPEM), "alipay.trade.query", "out_trade_no=C-1")
	if code != 1 || out != "" || !strings.Contains(errs, "does not verify") {
		t.Errorf("wrong Alipay key: exit %d, %q, %q", code, out, errs)
	}
	code, _, errs = runCLI(t, "", "call", gw, "alipay.trade.page.pay", "out_trade_no=P-1", "total_amount=1.00", "subject=s", "product_code=FAST_INSTANT_TRADE_PAY")
	if code != 1 || !strings.Contains(errs, "not called server to server") {
		t.Errorf("page pay: exit %d, %q", code, errs)
	}
	// Another app signed with the dev key: the mock refuses, call hints.
	code, _, errs = runCLI(t, "", "call", gw, "--app-id", "2021000000000099", "alipay.trade.query", "out_trade_no=C-1")
	if code != 3 {
		t.Errorf("unknown app: exit %d %s", code, errs)
	}

	// sign: the string-to-sign is the parameters, sorted; the signature
	// verifies with the app key; the body is accepted by the gateway.
	code, out, errs = runCLI(t, "", "sign", "alipay.trade.query", "out_trade_no=C-1", "--timestamp", "2026-12-06 18:00:00", "--print", "string")
	want := `app_id=` + keys.DevAppID + `&biz_content={"out_trade_no":"C-1"}&charset=UTF-8&format=JSON&method=alipay.trade.query&sign_type=RSA2&timestamp=2026-12-06 18:00:00&version=1.0` + "\n"
	if code != 0 || out != want {
		t.Errorf("sign --print string: exit %d\n%q\nwant\n%q %s", code, out, want, errs)
	}
	_, out, _ = runCLI(t, "", "sign", "alipay.trade.create", "n:=1", "--biz", `{"a":"x"}`, "goods:=[{\"id\":\"g1\"}]", "b=2", "--print", "string")
	if !strings.Contains(out, `&biz_content={"a":"x","b":"2","goods":[{"id":"g1"}],"n":1}&`) {
		t.Errorf("--biz, key=value and key:=JSON: %s", out)
	}
	_, sig, _ := runCLI(t, "", "sign", "alipay.trade.query", "out_trade_no=C-1", "--timestamp", "2026-12-06 18:00:00", "--print", "sign")
	if err := sign.VerifyString(&keys.DevAppPrivateKey().PublicKey, sign.RSA2, sign.UTF8, strings.TrimSpace(want), strings.TrimSpace(sig)); err != nil {
		t.Errorf("sign's signature: %v", err)
	}
	_, body, _ := runCLI(t, "", "sign", "alipay.trade.query", "out_trade_no=C-1", "--print", "body")
	resp, err := http.Post(srv.GatewayURL(), "application/x-www-form-urlencoded;charset=utf-8", strings.NewReader(strings.TrimSpace(body)))
	if err != nil {
		t.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(answer), `"code":"10000"`) {
		t.Errorf("the signed body: %s", answer)
	}

	// verify-notify on the notification the mock sent when the buyer paid.
	if status, body := httpDo(t, http.MethodPost, srv.URL()+"/_mock/trades/C-1/pay"); status != http.StatusOK {
		t.Fatalf("pay: HTTP %d %s", status, body)
	}
	var note string
	select {
	case note = <-notes:
	case <-time.After(20 * time.Second):
		t.Fatal("no notification")
	}
	if code, out, errs := runCLI(t, note, "verify-notify"); code != 0 || !strings.Contains(out, "verifies: RSA2") || !strings.Contains(out, "out_trade_no C-1") {
		t.Errorf("a genuine notification: exit %d %q %q", code, out, errs)
	}
	file := filepath.Join(t.TempDir(), "note.txt")
	os.WriteFile(file, []byte("POST /notify HTTP/1.1\r\nHost: shop\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n"+note), 0o600)
	if code, _, errs := runCLI(t, "", "verify-notify", file, "--app-id", keys.DevAppID); code != 0 {
		t.Errorf("a captured request from a file: exit %d %q", code, errs)
	}
	form, _ := url.ParseQuery(note)
	tampered := url.Values{}
	for k, v := range form {
		tampered[k] = v
	}
	tampered.Set("total_amount", "0.01")
	withTypeSigned := url.Values{}
	for k, v := range form {
		withTypeSigned[k] = v
	}
	flat := map[string]string{}
	for k := range form {
		flat[k] = form.Get(k)
	}
	s, _ := sign.SignString(keys.DevAlipayPrivateKey(), sign.RSA2, sign.UTF8, sign.RequestContent(flat))
	withTypeSigned.Set("sign", s)
	unsigned := url.Values{}
	for k, v := range form {
		if k != "sign" {
			unsigned[k] = v
		}
	}
	for _, tc := range []struct {
		name, in string
		args     []string
		want     string
	}{
		{"tampered", tampered.Encode(), nil, "a parameter was changed after signing"},
		{"sign_type in the string", withTypeSigned.Encode(), nil, "includes sign_type"},
		{"unsigned", unsigned.Encode(), nil, "no sign parameter"},
		{"another app", note, []string{"--app-id", "2021000000000099"}, "--app-id names another app"},
		{"another Alipay key", note, []string{"--alipay-public-key", "keys/dev/app_public_key.pem"}, "verifies with the mock's shipped Alipay key"},
		{"not a form", "%zz", nil, "not a form body"},
		{"empty", "", nil, "empty"},
	} {
		code, _, errs := runCLI(t, tc.in, append([]string{"verify-notify"}, tc.args...)...)
		if code != 1 || !strings.Contains(errs, tc.want) {
			t.Errorf("%s: exit %d, %q; want %q", tc.name, code, errs, tc.want)
		}
	}
}

var (
	tourBlock = regexp.MustCompile("(?s)<!-- tour:[^>]*-->\n```sh\n(.*?)```")
	curlLine  = regexp.MustCompile(`^curl (-s )?(-X (\w+) )?'?(http://)?localhost:8080(/[^' ]*)'?$`)
)

// TestReadmeQuickStartTour runs the README's quick start line by line
// against the binary: alipay-mock lines through run, curl lines over
// HTTP, a pipe feeding one's output to the next.
func TestReadmeQuickStartTour(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := tourBlock.FindSubmatch(readme)
	if m == nil {
		t.Fatal("README has no tour block")
	}
	base := startBinary(t, buildBinary(t), nil, "--addr", "127.0.0.1:0")
	t.Setenv("ALIPAY_MOCK_GATEWAY", base+"/gateway.do")
	var last string // the last command's stdout
	exec := func(cmd, in string) string {
		t.Helper()
		if mm := curlLine.FindStringSubmatch(cmd); mm != nil {
			method := mm[3]
			if method == "" {
				method = http.MethodGet
			}
			req, _ := http.NewRequest(method, base+mm[5], nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: HTTP %d %s", cmd, resp.StatusCode, b)
			}
			return string(b)
		}
		args, ok := strings.CutPrefix(cmd, "alipay-mock ")
		if !ok {
			t.Fatalf("the tour has a line the test cannot run: %q", cmd)
		}
		code, out, errs := runCLI(t, in, strings.Fields(args)...)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", cmd, code, out, errs)
		}
		return out
	}
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(m[1])), "\n") {
		in := ""
		for _, cmd := range strings.Split(line, " | ") {
			in = exec(strings.TrimSpace(cmd), in)
		}
		last = in
		n++
	}
	if n != 5 || !strings.Contains(last, "verifies: RSA2") || strings.Contains(last, "NOT") {
		t.Errorf("tour of %d lines ended with %q", n, last)
	}
}

// The banner tells you what to configure: with --alipay-private-key the
// shipped keys/dev/alipay_public_key.pem is not the mock's Alipay public
// key (an SDK configured with it rejects every answer), so the banner names
// the file only for the shipped key.
func TestBannerNamesTheShippedKeyFileOnlyForTheShippedKey(t *testing.T) {
	p, err := keys.Generate(2048)
	if err != nil {
		t.Fatal(err)
	}
	srv := startMock(t, mock.Options{Addr: "127.0.0.1:0", AlipayKey: p.Private})
	b := banner(srv, "")
	if !strings.Contains(b, keys.Fingerprint(&p.Private.PublicKey)) {
		t.Fatalf("banner does not show the key in force:\n%s", b)
	}
	if strings.Contains(b, "keys/dev/alipay_public_key.pem") {
		t.Errorf("with --alipay-private-key the banner still points at the shipped dev key file, which does not verify this mock's answers:\n%s", b)
	}
}

// --no-dev-app on a --data directory a first start filled with the dev app:
// the stored app, whose private key is public (keys/dev/app_private_key.pem),
// is not served, and nothing signed with the dev key gets an answer.
func TestNoDevAppDropsAStoredDevKeyApp(t *testing.T) {
	dir := t.TempDir()
	first, err := mock.Start(mock.Options{Addr: "127.0.0.1:0", DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	srv := startMock(t, mock.Options{Addr: "127.0.0.1:0", DataDir: dir, NoDevApp: true})
	if status, body := httpDo(t, "GET", srv.URL()+"/_mock/apps"); status != 200 || strings.Contains(body, `"app_id":"`+keys.DevAppID+`"`) {
		t.Errorf("restart with --no-dev-app on a used --data directory: GET /_mock/apps (HTTP %d) still lists the dev app %s: %.300s", status, keys.DevAppID, body)
	}
	code, out, _ := runCLI(t, "", "call", "alipay.trade.query", "out_trade_no=x", "--gateway", srv.URL())
	if strings.Contains(out, "ACQ.TRADE_NOT_EXIST") {
		t.Errorf("the dev app, signed with the public dev key, is still served after --no-dev-app (exit %d):\n%s", code, out)
	}
}

// alipay.system.oauth.token's success has no code or msg, as production's
// (docs/sign-in.md): call exits 0 for it (a sign-in script's `&&` goes on)
// and its last line shows no empty code.
func TestCallOauthTokenSuccessExitsZero(t *testing.T) {
	srv := startMock(t, mock.Options{Addr: "127.0.0.1:0"})
	req, _ := http.NewRequest("POST", srv.URL()+"/_mock/user-auth-codes", strings.NewReader(`{"app_id":"`+keys.DevAppID+`","scope":"auth_user"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		AuthCode string `json:"auth_code"`
	}
	err = json.NewDecoder(resp.Body).Decode(&got)
	resp.Body.Close()
	if err != nil || got.AuthCode == "" {
		t.Fatalf("no auth code: %v", err)
	}
	code, out, errs := runCLI(t, "", "call", "alipay.system.oauth.token", "--gateway", srv.URL(),
		"--param", "grant_type=authorization_code", "--param", "code="+got.AuthCode)
	if !strings.Contains(out, `"access_token"`) {
		t.Fatalf("no token: exit %d %s %s", code, out, errs)
	}
	if code != 0 {
		t.Errorf("a successful alipay.system.oauth.token (no code, as production): exit %d, want 0; last line %q", code, lastLine(out))
	}
	if strings.Contains(out, "code= msg=\"\"") {
		t.Errorf("the last line shows an empty code: %q", lastLine(out))
	}
}

// call as the dev app of a fund method (certificate mode only): the hint
// names the certificate-mode dev app only when the mock serves it (not
// under --no-dev-app, the dev app given at start).
func TestCallCertModeHintNamesTheCertDevAppOnlyWhenServed(t *testing.T) {
	given := []apps.Spec{{AppID: keys.DevAppID, PublicKey: string(keys.DevFile("app_public_key.pem")), SignType: "RSA2"}}
	for _, tc := range []struct {
		opts  mock.Options
		named bool
	}{{mock.Options{Addr: "127.0.0.1:0"}, true}, {mock.Options{Addr: "127.0.0.1:0", NoDevApp: true, Apps: given}, false}} {
		srv := startMock(t, tc.opts)
		code, _, errs := runCLI(t, "", "call", "alipay.fund.account.query", "--gateway", srv.URL(),
			"alipay_user_id=2088000000000777", "account_type=ACCTRANS_ACCOUNT")
		if code != 3 || !strings.Contains(errs, "needs an app in certificate mode") {
			t.Fatalf("NoDevApp %v: exit %d, %s; want 3 and the certificate-mode hint", tc.opts.NoDevApp, code, errs)
		}
		if strings.Contains(errs, keys.DevCertAppID) != tc.named {
			t.Errorf("NoDevApp %v: the hint %q names %s: %v, want %v", tc.opts.NoDevApp, errs, keys.DevCertAppID, !tc.named, tc.named)
		}
	}
}
