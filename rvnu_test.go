package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// The banner is what "tells you what to configure" (README). With
// --alipay-private-key the shipped keys/dev/alipay_public_key.pem is not the
// mock's Alipay public key: an SDK configured with that file rejects every
// answer. The banner must not name it then.
func TestRvnuBannerNamesShippedAlipayKeyFileUnderOwnKey(t *testing.T) {
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

// keys --out into a directory that already holds a key pair silently
// replaces the app private key (and leaves a certificate issued for the
// old key beside the new one). A key pair registered in an app's config or
// an apps file is lost; ssh-keygen and openssl refuse or ask.
func TestRvnuKeysOutReplacesAnExistingKeyPair(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mykeys")
	if code, _, errs := runCLI(t, "", "keys", "--out", dir, "--cert", "2021004100000000"); code != 0 {
		t.Fatalf("first keys --out: exit %d, %s", code, errs)
	}
	first, err := os.ReadFile(filepath.Join(dir, "app_private_key_pkcs1.pem"))
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "", "keys", "--out", dir)
	second, _ := os.ReadFile(filepath.Join(dir, "app_private_key_pkcs1.pem"))
	if !bytes.Equal(first, second) {
		t.Errorf("a second keys --out %s (exit %d, %q %q) replaced the app private key already there; "+
			"the certificate appCertPublicKey_2021004100000000.crt left in the directory now certifies a key that is gone", dir, code, out, errs)
	}
	if code == 0 {
		t.Errorf("keys --out into a directory holding a key pair: exit 0, want a refusal naming the file")
	}
}

// keys --cert takes any app id: one the mock refuses to register (not 16
// digits) gets a certificate, and one with a '/' fails after the key files
// were written, exit 1, leaving half a directory.
func TestRvnuKeysCertTakesAnyAppID(t *testing.T) {
	for _, id := range []string{"x y", "a/b", "123"} {
		dir := filepath.Join(t.TempDir(), "k")
		code, _, errs := runCLI(t, "", "keys", "--cert", id, "--out", dir)
		if code != 2 {
			t.Errorf("keys --cert %q: exit %d (%s), want 2: an app id is 16 digits (mock/apps refuses any other)", id, code, errs)
		}
		if ents, _ := os.ReadDir(dir); len(ents) > 0 {
			t.Errorf("keys --cert %q wrote %d files before (or without) refusing", id, len(ents))
		}
	}
}

// call -h: "2 for a mistake on the command line". A --sign-type or
// --charset the command cannot take is one, but exits 1 (as for a call
// that could not be made).
func TestRvnuCallBadFlagValuesExitOne(t *testing.T) {
	for _, args := range [][]string{
		{"call", "alipay.trade.query", "out_trade_no=x", "--gateway", "http://127.0.0.1:9/gateway.do", "--sign-type", "SHA"},
		{"call", "alipay.trade.query", "out_trade_no=x", "--gateway", "http://127.0.0.1:9/gateway.do", "--charset", "latin1"},
		{"sign", "alipay.trade.query", "out_trade_no=x", "--sign-type", "SHA"},
		{"sign", "alipay.trade.query", "out_trade_no=x", "--charset", "latin1"},
	} {
		if code, _, errs := runCLI(t, "", args...); code != 2 {
			t.Errorf("%s: exit %d (%q), want 2 as call -h and sign -h promise for a mistake on the command line", strings.Join(args, " "), code, errs)
		}
	}
}

// ca --out writes with os.WriteFile: through a symbolic link and over any
// file, the CA's own key included. Aimed (by a typo, or by a link another
// container planted in the shared /trust volume of docs/tls.md's compose)
// at the CA key, it replaces the key with the certificate and makes it
// 0644: every later ca and serve --tls fails until the CA is remade and
// re-trusted everywhere. keys --out refuses links and never writes into a
// file already there (docs/configuration.md); ca --out should do the same.
func TestRvnuCAOutOverwritesTheCAKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ca")
	if code, _, errs := runCLI(t, "", "ca", "--ca-dir", dir); code != 0 {
		t.Fatalf("ca: exit %d %s", code, errs)
	}
	keyFile := filepath.Join(dir, "ca-key.pem")
	key, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	trust := t.TempDir()
	link := filepath.Join(trust, "alipay-mock-ca.crt")
	if err := os.Symlink(keyFile, link); err != nil {
		t.Fatal(err)
	}
	code, _, errs := runCLI(t, "", "ca", "--ca-dir", dir, "--out", link)
	if after, _ := os.ReadFile(keyFile); !bytes.Equal(after, key) {
		t.Errorf("ca --out through a symbolic link (exit %d, %q) replaced the CA's private key", code, errs)
	}
	if code, _, errs := runCLI(t, "", "ca", "--ca-dir", dir); code != 0 {
		t.Errorf("the CA no longer opens after ca --out: exit %d %s", code, errs)
	}
}

// keys --bits 1024 makes a key only an RSA (SHA1) app may use, yet prints
// "register the app with: --app APP_ID=…/app_public_key.pem", which
// registers an RSA2 app and is refused at start ("a 1024-bit key is too
// small for RSA2"). A size under 1024 is a command-line mistake (exit 2),
// not crypto/rsa's "insecure" error with exit 1.
func TestRvnuKeysBitsHintAndRefusal(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "k")
	code, out, _ := runCLI(t, "", "keys", "--bits", "1024", "--out", dir)
	if code == 0 && strings.Contains(out, "--app APP_ID=") && !strings.Contains(out, ":RSA\n") {
		t.Errorf("keys --bits 1024 hints a registration the mock refuses (RSA2 needs 2048 bits):\n%s", out)
	}
	if code, _, errs := runCLI(t, "", "keys", "--bits", "512"); code != 2 {
		t.Errorf("keys --bits 512: exit %d (%q), want 2 with the sizes the mock takes", code, errs)
	}
}

// startsOrRefuses runs the binary's serve and reports whether it started
// (its banner's gateway line came) or exited first, with its status and
// stderr. A mock that started is stopped.
func startsOrRefuses(t *testing.T, args ...string) (started bool, code int, stderr string) {
	t.Helper()
	return startsOrRefusesEnv(t, buildBinary(t), nil, args...)
}

// startsOrRefusesEnv is startsOrRefuses with variables added to the
// environment.
func startsOrRefusesEnv(t *testing.T, bin string, env []string, args ...string) (started bool, code int, stderr string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	out, _ := cmd.StdoutPipe()
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "gateway:") {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			go io.Copy(io.Discard, out)
			_ = cmd.Wait()
			return true, 0, errb.String()
		}
	}
	_ = cmd.Wait()
	return false, cmd.ProcessState.ExitCode(), errb.String()
}

// Flags that mean something only beside another are refused without it
// when the product says so (--qr-code alipay without --tls: "needs
// --tls"), but --tls-host without --tls and --journal-per-replica without
// --store start a mock that ignores them without a word: a user adding
// --tls-host shop.test gets no HTTPS listener and no hint why. Either a
// refusal or a warning naming the flag would do.
func TestRvnuFlagsThatNeedAnotherAreIgnoredSilently(t *testing.T) {
	started, code, errs := startsOrRefuses(t, "--addr", "127.0.0.1:0", "--qr-code", "alipay")
	if started {
		t.Fatalf("--qr-code alipay without --tls started; the comparison below assumes it is refused")
	}
	t.Logf("--qr-code alipay alone: exit %d %s", code, errs)
	for _, args := range [][]string{
		{"--tls-host", "shop.test"},
		{"--journal-per-replica"},
	} {
		started, code, errs := startsOrRefuses(t, append([]string{"--addr", "127.0.0.1:0"}, args...)...)
		if started && !strings.Contains(errs, args[0]) {
			t.Errorf("serve %s started with the flag ignored (no --tls / --store), no warning on stderr: %s", strings.Join(args, " "), errs)
		} else if !started && code == 0 {
			t.Errorf("serve %s: exit 0: %s", strings.Join(args, " "), errs)
		}
	}
}

// The image sets ALIPAY_MOCK_ADDR=0.0.0.0:8080 and its HEALTHCHECK runs
// `alipay-mock healthcheck`, which reads that variable. A user who moves
// the mock with the flag, `docker run alipay-mock --addr 0.0.0.0:9000`,
// gets a container that is unhealthy forever: healthcheck asks port 8080.
// serve says so on stderr, naming the variable to move it with (README's
// Docker section says the same).
func TestRvnuDockerHealthcheckMissesAnAddrFlag(t *testing.T) {
	bin := buildBinary(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	imageAddr := l.Addr().String()
	l.Close()
	started, _, errs := startsOrRefusesEnv(t, bin, []string{"ALIPAY_MOCK_ADDR=" + imageAddr}, "--addr", "127.0.0.1:0")
	if !started || !strings.Contains(errs, "--addr overrides ALIPAY_MOCK_ADDR") || !strings.Contains(errs, "HEALTHCHECK") {
		t.Errorf("serve --addr with the image's ALIPAY_MOCK_ADDR=%s (started %v): no warning that healthcheck looks there: %s", imageAddr, started, errs)
	}
	started, _, errs = startsOrRefusesEnv(t, bin, []string{"ALIPAY_MOCK_ADDR=127.0.0.1:0"}, "--addr", "127.0.0.1:0")
	if !started || strings.Contains(errs, "overrides ALIPAY_MOCK_ADDR") {
		t.Errorf("serve --addr equal to ALIPAY_MOCK_ADDR (started %v) warned: %s", started, errs)
	}
	if readme, _ := os.ReadFile("README.md"); !strings.Contains(string(readme), "-e ALIPAY_MOCK_ADDR=") {
		t.Errorf("README does not show moving the container's mock with -e ALIPAY_MOCK_ADDR=")
	}
}

// The commonest Alipay mix-up (docs/configuration.md) made on the command
// line: `call --key keys/dev/alipay_private_key.pem`, signing with the
// mock's Alipay key instead of the app's. The refusal blames the Alipay
// public key ("AlipayPublicKey is the public half of PrivateKey, i.e. the
// app public key; set it to the Alipay public key"), a flag the user never
// gave and whose default is right; it should name --key.
func TestRvnuCallKeyMixUpBlamesTheWrongFlag(t *testing.T) {
	key := filepath.Join("keys", "dev", "alipay_private_key.pem")
	for _, args := range [][]string{
		{"call", "alipay.trade.query", "out_trade_no=x", "--gateway", "http://127.0.0.1:9/gateway.do", "--key", key},
		// sign verifies nothing, yet refuses the same way.
		{"sign", "alipay.trade.query", "out_trade_no=x", "--key", key},
	} {
		code, _, errs := runCLI(t, "", args...)
		if code == 0 {
			continue // sign may print; that is fine
		}
		if !strings.Contains(errs, "--key") || strings.Contains(errs, "set it to the Alipay public key") {
			t.Errorf("%s: --key is the mock's Alipay private key, but the refusal blames the Alipay public key: %q", args[0], errs)
		}
	}
}

// verify-notify "says why one does not verify" (README). Given a form that
// is no notification (no app_id, no sign) it answers with the client
// library's "alipay: AppID is required", a config error of the Go client,
// where a form with app_id and no sign gets a reason a newcomer can act on.
func TestRvnuVerifyNotifyReasonForAFormWithoutAppID(t *testing.T) {
	code, out, errs := runCLI(t, "foo=bar&out_trade_no=1", "verify-notify")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	if got := out + errs; strings.Contains(got, "AppID is required") {
		t.Errorf("verify-notify of a form without app_id or sign: %q; want the parameter it lacks named (app_id, sign), as for a form without sign", got)
	}
}

// ARCHITECTURE.md "maps the code": its tree names every package under
// mock/ but mock/royalty (royalty relations: bind, unbind, query), which
// only a row about --store mentions in passing, and no rule row says where
// royalty relations live.
func TestRvnuArchitectureTreeNamesEveryMockPackage(t *testing.T) {
	arch, err := os.ReadFile("ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	tree := string(arch)
	if i := strings.Index(tree, "## "); i > 0 {
		tree = tree[:i] // the tree is above the first section
	}
	ents, err := os.ReadDir("mock")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !e.IsDir() || e.Name() == "testdata" {
			continue
		}
		if !strings.Contains(tree, " "+e.Name()+"/") {
			t.Errorf("ARCHITECTURE.md's tree does not name mock/%s/", e.Name())
		}
	}
}

// CONTRIBUTING.md's "Switches" table is where a contributor learns what
// .ci/run turns on; it lacks OPENSSL_TESTS=required (scripts/test.sh's
// OpenSSL build and tests, which .ci/run sets), and its account of .ci/run
// ("installs Node.js, Chromium and PostgreSQL") leaves out curl, gcc and
// libssl-dev that it installs for the docs and OpenSSL tests.
func TestRvnuContributingNamesEverySwitchCIUses(t *testing.T) {
	ci, err := os.ReadFile(".ci/run")
	if err != nil {
		t.Fatal(err)
	}
	contrib, err := os.ReadFile("CONTRIBUTING.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range strings.Fields(string(ci)) {
		name, val, ok := strings.Cut(w, "=")
		if !ok || name == "" || name == "DEBIAN_FRONTEND" || strings.ToUpper(name) != name || strings.ContainsAny(name, "$({") {
			continue
		}
		if !strings.Contains(string(contrib), "`"+name+"="+val+"`") && !strings.Contains(string(contrib), name) {
			t.Errorf(".ci/run sets %s=%s; CONTRIBUTING.md never names it", name, val)
		}
	}
	for _, pkg := range []string{"curl", "gcc", "libssl-dev"} {
		if strings.Contains(string(ci), "need+=("+pkg+")") && !strings.Contains(string(contrib), pkg) {
			t.Errorf(".ci/run installs %s; CONTRIBUTING.md's account of it does not say so", pkg)
		}
	}
}

// A newcomer's --addr 8080 (or --addr localhost) fails with Go's "listen
// tcp: address 8080: missing port in address" and exit 1: the port is the
// one thing given. --public-url's mistakes get a usage error (exit 2) with
// an example; --addr deserves the same: want host:port, e.g. :8080.
func TestRvnuAddrWithoutHostIsExplained(t *testing.T) {
	for _, addr := range []string{"8080", "http://127.0.0.1:8080"} {
		started, code, errs := startsOrRefuses(t, "--addr", addr)
		if started {
			t.Fatalf("--addr %s started", addr)
		}
		if code != 2 || strings.Contains(errs, "missing port in address") || strings.Contains(errs, "too many colons") {
			t.Errorf("--addr %s: exit %d, %q; want exit 2 and host:port with an example", addr, code, errs)
		}
	}
}

// `scenarios check DIR` on a directory with no scenario file says
// "ok: 0 file(s), 0 rule(s)" and exits 0, and serve --scenario DIR starts
// with none of it loaded and no word: a mistyped path in a Docker volume
// (-v $PWD/scenarioz:/scenarios makes an empty directory) passes the CI
// check and leaves every scripted outcome off.
func TestRvnuScenariosCheckPassesAnEmptyDirectory(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCLI(t, "", "scenarios", "check", dir)
	if code == 0 {
		t.Errorf("scenarios check on a directory without a scenario file: exit 0, %q %q; want a failure (or at least a warning) naming the directory", out, errs)
	}
}

// healthcheck --url localhost:8080 (no scheme, as --public-url's refusal
// warns about) fails with net/http's `unsupported protocol scheme
// "localhost"`, exit 1, the same status as an unhealthy mock: a Docker or
// Kubernetes probe written this way reads as a mock that is down.
func TestRvnuHealthcheckURLWithoutScheme(t *testing.T) {
	code, _, errs := runCLI(t, "", "healthcheck", "--url", "localhost:8080")
	if code != 2 || strings.Contains(errs, "unsupported protocol scheme") {
		t.Errorf("healthcheck --url localhost:8080: exit %d, %q; want a usage error (exit 2) asking for http://localhost:8080", code, errs)
	}
}

// An apps file (or --app flags) naming one app_id twice, a copy-paste
// slip for two apps, starts with the last entry alone: the first app's key
// and sign type are gone, and every call it signs answers
// isv.invalid-signature. The apps checks refuse other slips "rather than
// failing every later call" (docs/configuration.md); this one is not.
func TestRvnuAppsFileWithARepeatedAppID(t *testing.T) {
	a, err := keys.Generate(2048)
	if err != nil {
		t.Fatal(err)
	}
	b, err := keys.Generate(2048)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.pem"), a.PublicPEM, 0o644)
	os.WriteFile(filepath.Join(dir, "b.pem"), b.PublicPEM, 0o644)
	file := filepath.Join(dir, "apps.yaml")
	os.WriteFile(file, []byte("apps:\n  - app_id: \"2021004100000001\"\n    public_key: a.pem\n    name: Shop A\n"+
		"  - app_id: \"2021004100000001\"\n    public_key: b.pem\n    name: Shop B\n"), 0o644)
	for _, args := range [][]string{
		{"--apps-file", file},
		{"--app", "2021004100000001=" + filepath.Join(dir, "a.pem"), "--app", "2021004100000001=" + filepath.Join(dir, "b.pem")},
	} {
		started, code, errs := startsOrRefuses(t, append([]string{"--addr", "127.0.0.1:0"}, args...)...)
		if started || code == 0 {
			t.Errorf("serve %s: started (%v, exit %d) with one of two entries for app 2021004100000001 dropped; want a refusal naming the repeated app_id: %s",
				strings.Join(args, " "), started, code, errs)
		}
	}
}

// --no-dev-app "leave[s] the shipped dev app out", but a --data directory
// a first start filled keeps it: the restart with --no-dev-app still
// serves app 9021000100000001, whose private key is public
// (keys/dev/app_private_key.pem). A user who adds the flag to lock down a
// long-lived mock (docs/security.md: the dev key is why the cross-site
// guard exists) still has an app anyone can sign for, and nothing says so.
func TestRvnuNoDevAppIgnoredOnAUsedDataDir(t *testing.T) {
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
// (docs/sign-in.md). call prints `code= msg=""` as its last line and exits
// 3, the status README gives "for any other code": a sign-in script
// (`alipay-mock call alipay.system.oauth.token … && …`) reads a good token
// as a failure.
func TestRvnuCallOauthTokenSuccessExitsThree(t *testing.T) {
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
		t.Errorf("a successful alipay.system.oauth.token (no code, as production): exit %d, want 0; last line %q", code, rvnuLastLine(out))
	}
	if strings.Contains(out, "code= msg=\"\"") {
		t.Errorf("the last line shows an empty code: %q", rvnuLastLine(out))
	}
}

func rvnuLastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
