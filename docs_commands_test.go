package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/audit/audittest"
)

// TestDocsCommands runs every command of README.md and docs/*.md (each
// line of a ```sh block, and inline code that starts like a command), in
// document order, page by page, each page against a fresh mock (the built
// binary on a free port): curl through bash with
// localhost:8080 rewritten to the mock, `alipay-mock` and `go run .` as the
// built binary. A command passes when it exits 0 (curl with --fail-with-body,
// so any HTTP status of 400 or more fails it). A command this test cannot
// run must be in docsNotRun with the reason; any other command fails the
// test, so a new command in the docs cannot go untested.
//
// The state a page assumes (an order-1, a notification, a red packet) is
// made by docsSetup below, before the page's first command, through the
// same CLI and control API a reader would use.
func TestDocsCommands(t *testing.T) {
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("DOCS_TESTS") == "required" {
				t.Fatalf("DOCS_TESTS=required but %s is missing", tool)
			}
			t.Skipf("%s not installed (.ci/run installs it; DOCS_TESTS=required makes this a failure)", tool)
		}
	}
	bin := buildBinary(t)
	files, _ := filepath.Glob("docs/*.md")
	files = append([]string{"README.md"}, files...)
	seen := map[string]bool{}
	total := 0
	for _, f := range files {
		cmds, err := docCommands(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cmds {
			seen[c.text] = true
		}
		total += len(cmds)
		if len(cmds) == 0 {
			continue
		}
		t.Run(filepath.Base(f), func(t *testing.T) { runDocPage(t, bin, f, cmds) })
	}
	for cmd := range docsNotRun {
		if !seen[cmd] {
			t.Errorf("docsNotRun lists %q, which no page has any more: remove it", cmd)
		}
	}
	if total < 50 {
		t.Errorf("found only %d commands in the docs; the extraction no longer finds them", total)
	}
}

// docsNotRun are the commands this test does not run, each with why. A
// reason starting "CI:" names the script that runs the command verbatim,
// and the test checks that it does.
var docsNotRun = map[string]string{
	"./scripts/test.sh": "CI: .ci/run (it is the whole test suite, this test included)",
	"docker build -t alipay-mock .": "no Docker engine where the tests run; main_test.go " +
		"(TestDockerRecipe) builds the same CGO_ENABLED=0 binary and runs it as the image does",
	"docker run --rm -p 8080:8080 -e ALIPAY_MOCK_CONTROL_TOKEN=secret alipay-mock": "no Docker engine; " +
		"main_test.go (TestDockerRecipe) runs the binary with ALIPAY_MOCK_CONTROL_TOKEN and its HEALTHCHECK as the image does",
	"go test ./mock -run '^$' -bench CeilingBadSignatures -benchtime 1x": "CI: .ci/run",
	"go test ./mock -run '^$' -bench CeilingRefusedNotifications -benchtime 1x -timeout 30m": "a benchmark " +
		"that fills the notification ceiling and runs for minutes; a measurement, run by hand (docs/limits.md " +
		"reports its numbers), too slow for every CI run",
	"NOTIFY_HEAP=1 go test ./mock -run TestNotificationHeapMeasured -v": "a measurement of about 2 minutes " +
		"(docs/limits.md reports its numbers); TestPendingNotificationHeapWithLongAnswers checks the bound in every run",
	"go test ./mock/gateway -run TestV3NonceMemoryAtTheBound -v": "a test of ./mock/gateway that every " +
		"go test -race ./... runs (scripts/test.sh, run by .ci/run); -v only prints the figure it checks",
	".ci/run":       "the CI script itself (it installs packages with apt-get); it runs every test, this one included",
	"go test ./...": "scripts/test.sh (run by .ci/run) runs it as go test -race -count=1 ./..., this test included",
	"go install …@v1.2.3": "installs a released version from the module proxy; what --version prints " +
		"is checked by TestHelpVersionAndUsageErrors (cli_test.go)",
	"go install .": "writes to the machine's GOBIN; buildBinary (main_test.go) builds the same binary, " +
		"which this test puts on PATH as alipay-mock",
	"alipay-mock does not act on requests it made itself …": "a log message quoted in the text, not a command",
	"go test ./mock -run '^$' -bench 'Ceiling' -benchtime 1x -timeout 30m": "both memory-ceiling " +
		"benchmarks: CeilingBadSignatures runs in CI (.ci/run), CeilingRefusedNotifications runs for minutes " +
		"and is run by hand (see the limits.md entry)",
	"BROWSER_TESTS=required go test ./mock/ -run TestBrowserPagesFit": "CI runs it as part of " +
		"BROWSER_TESTS=required ./scripts/test.sh (.ci/run); it needs Chromium",
	"./scripts/fuzz.sh": "CI: .ci/run (FUZZTIME=5s)",
	"go test ./mock/userauth -run '^$' -bench SignIn -benchtime 2s": "a measurement; docs/sign-in.md " +
		"reports its numbers, never asserted",
	"go test ./mock -run '^$' -bench 'Gateway|RSA|Start|Memory|Idle' -benchtime 2s": "a measurement " +
		"(minutes on 2 cores); its numbers are reported in docs/performance.md, never asserted",
	"docker build --target openssl -t alipay-mock:openssl .": "no Docker engine; main_openssl_test.go " +
		"(TestOpenSSLBinary) builds the same -tags openssl binary and checks its signatures (.ci/run, OPENSSL_TESTS=required)",
	"CGO_ENABLED=1 go test -tags openssl ./mock -run '^$' -bench '^BenchmarkGatewayPrecreateParallel$' -benchtime 4000x -count 3 -cpuprofile cpu.out": "" +
		"a measurement (minutes on 2 cores, needs cgo and libcrypto); docs/performance.md reports its ratios, never asserted",
	"CGO_ENABLED=1 go test -tags openssl ./mock -run '^$' -bench '^BenchmarkGatewayPrecreateParallel$' -benchtime 4000x -count 3": "" +
		"a measurement (minutes on 2 cores, needs cgo and libcrypto); README and docs/performance.md report its ratios, never asserted",
	"CGO_ENABLED=1 go test -tags openssl ./mock -run '^$' -bench '^BenchmarkGatewayPrecreateUnique$' -benchtime 2000x -benchmem": "" +
		"a measurement (needs cgo and libcrypto); docs/performance.md reports its allocations, never asserted",
	"go test ./mock -run '^$' -bench '^BenchmarkGatewayPrecreateParallel$' -benchtime 2000x -count 2": "a measurement " +
		"(minutes on 2 cores); docs/performance.md reports its ratios, never asserted",
	"./scripts/signbench.sh": "a measurement (minutes on 2 cores, needs cgo and libcrypto); docs/performance.md " +
		"reports its numbers, never asserted",
	"CGO_ENABLED=1 go build -tags openssl .": "main_openssl_test.go (TestOpenSSLBinary) runs this build " +
		"(go build -tags openssl with CGO_ENABLED=1); scripts/test.sh runs it when OPENSSL_TESTS=required (.ci/run)",
	"go run ./cmd/loadtest -url http://127.0.0.1:8080 -method precreate|query -c 16 -d 10s [-rate N] [-presign]": "" +
		"the tool's usage line, not one command; cmd/loadtest/main_test.go runs the tool against a mock",
	"go test ./mock -run '^$' -bench PrecreateData -benchtime 16x": "a measurement (minutes " +
		"on 2 cores: 32,000 notification attempts); its ratios are reported in docs/persistence.md, never asserted; " +
		"mock/store's tests and main's SIGKILL tests hold what it measures to the crash guarantee",
	"go test ./mock/store -run '^$' -bench GroupCommit -benchtime 6000x": "a measurement of the disk; its " +
		"numbers are reported in docs/persistence.md, never asserted",
	"docker run -v mockdata:/data -e ALIPAY_MOCK_DATA=/data …": "no Docker engine; main_test.go " +
		"(TestKilledDuringWritesLosesNothingAcknowledged) runs the binary with --data",
	"docker run -p 8080:8080 -e ALIPAY_MOCK_CONTROL_TOKEN=secret alipay-mock": "no Docker engine; " +
		"main_test.go (TestDockerRecipe) runs the binary with the token as the image does",
	"go test ./mock -run '^$' -bench Notify25h -benchtime 1x -benchmem": "a measurement (about a minute " +
		"of 80,000 notification attempts on 2 cores); TestNotificationGivesUpAfterTheLastAttempt checks the " +
		"same schedule in every test run",
	"go test ./mock -run '^$' -bench Scale -benchtime 2s -timeout 60m": "a measurement that stores a million " +
		"trades (minutes on 2 cores); docs/performance.md reports its ratios, never asserted; the indexes and " +
		"counters it measures are checked by mock/trade/scale_test.go and mock/notify/outbox_test.go",
	"go test ./mock -run '^$' -bench MemoryPaidNotified -benchtime 1x -timeout 60m": "a measurement that " +
		"stores a million paid trades and notifications (several GB, minutes); docs/performance.md reports it; " +
		"TestPackReadsBackWhatWasPut and TestRecordReadsBackWhatWasPut check the packing and records it measures in every run",
	"go test ./mock -run '^$' -bench StoredNotifications -benchtime 2s -timeout 60m": "a measurement that " +
		"stores a million paid trades with their notifications (GB, minutes on 2 cores); docs/performance.md " +
		"reports its ratios, never asserted; mock/notify's tests check the records and indexes it reads",
	"docker run --network host": "a fragment of a docker command, named as a risk; no Docker engine",
	"alipay-mock --addr 0.0.0.0:8081 --store 'postgres://mock:secret@db.internal:5432/alipay_mock?sslmode=disable'": "" +
		"needs a PostgreSQL server; replicas_test.go (TestKilledReplicaLosesNothingAcknowledged) runs the binary " +
		"with --store against a throwaway one, three replicas at once",
	"alipay-mock --addr 0.0.0.0:8082 --store 'postgres://mock:secret@db.internal:5432/alipay_mock?sslmode=disable'": "" +
		"the second replica of the example above (see there)",
	"PG_TESTS=required go test ./mock/pgstore -run '^$' -bench TradeInsertCost -benchtime 8000x": "a measurement " +
		"(a minute on 2 cores); docs/replicas.md reports it",
	"PG_TESTS=required go test ./mock/pgstore -run '^$' -bench Replicas -benchtime 4000x": "a measurement " +
		"(a minute on 2 cores); docs/replicas.md reports its ratios, never asserted",
	"PG_TESTS=required go test ./mock/pgstore -run '^$' -bench StoreScale -benchtime 20x": "a measurement " +
		"(inserts 200,000 rows); docs/replicas.md and docs/performance.md report its ratios, never asserted",
	"PG_TESTS=required go test ./mock/pgstore -run '^$' -bench TransferPaidRatio -benchtime 1000x": "a measurement " +
		"(minutes: it stores 10,000 paid trades); docs/replicas.md reports its ratios, never asserted; " +
		"mock/pgstore/fund_test.go tests what it measures",
	"PG_TESTS=required go test ./mock/pgstore -run '^$' -bench ReplicaPay -benchtime 1500x": "a measurement; " +
		"docs/replicas.md reports it against the build before, never asserted",
	"docker run --add-host openapi.alipay.com:host-gateway --add-host qr.alipay.com:host-gateway your-shop-app": "no " +
		"Docker engine, and the app is the reader's; client/tls_e2e_test.go resolves the same names to the mock's TLS listener",
	"docker compose -f docs/tls-compose.yaml up": "no Docker engine; tls_compose_test.go (TestTLSComposeFile) checks " +
		"the file and runs its alipay-mock commands with the built binary",
	"curl --cacert alipay-mock-ca.pem --resolve openapi.alipay.com:8443:127.0.0.1 https://openapi.alipay.com:8443/gateway.do": "" +
		"the page's mock has no TLS listener on 8443; tls_cli_test.go (TestCACommandVerifiesTheServedCertificate) makes the " +
		"same request over TLS with the CA the ca command printed",
	"UPDATE_SCREENSHOTS=1 BROWSER_TESTS=required go test ./mock/ -run TestBrowserPagesFit -count=1": "it " +
		"rewrites the tracked screenshots; the same test without UPDATE_SCREENSHOTS runs in CI " +
		"(.ci/run: BROWSER_TESTS=required ./scripts/test.sh)",
}

type docCmd struct {
	line int
	text string
	// want is the HTTP status a "# 409 …" line right after the command
	// says it answers; 0 means any success.
	want string
}

// wantStatus is a comment line giving the status the command above answers.
var wantStatus = regexp.MustCompile(`^# ([1-5][0-9][0-9]) `)

var (
	docCommandStart = regexp.MustCompile(`^(curl |alipay-mock( --| [a-zA-Z-]+( |$)|$)|go (run|test|install) |docker |\./|\.ci/|[A-Z_]+=\S* )`)
	inlineCode      = regexp.MustCompile("`([^`]+)`")
)

// docCommands reads the commands of a page in document order: those of
// its ```sh blocks (one a line, a trailing \ joining the next, # lines
// skipped) and inline code in the text that starts like a command. A line
// that looks like a command in any other fenced block is an error, so none
// hides there.
func docCommands(file string) ([]docCmd, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []docCmd
	fence, sh := false, false
	var cont *docCmd
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		n++
		l := sc.Text()
		if strings.HasPrefix(l, "```") {
			fence = !fence
			sh = fence && strings.TrimSpace(strings.TrimPrefix(l, "```")) == "sh"
			continue
		}
		if !fence {
			for _, m := range inlineCode.FindAllStringSubmatch(l, -1) {
				if docCommandStart.MatchString(m[1]) {
					out = append(out, docCmd{line: n, text: m[1]})
				}
			}
			continue
		}
		if !sh {
			if docCommandStart.MatchString(l) {
				return nil, fmt.Errorf("%s:%d: a command outside a ```sh block: %q", file, n, l)
			}
			continue
		}
		t := strings.TrimSpace(l)
		if cont != nil {
			cont.text += " " + strings.TrimSuffix(t, `\`)
			if !strings.HasSuffix(t, `\`) {
				out = append(out, *cont)
				cont = nil
			}
			continue
		}
		if m := wantStatus.FindStringSubmatch(t); m != nil && len(out) > 0 && out[len(out)-1].line == n-1 {
			out[len(out)-1].want = m[1]
		}
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		c := docCmd{line: n, text: strings.TrimSpace(strings.TrimSuffix(t, `\`))}
		if strings.HasSuffix(t, `\`) {
			cont = &c
			continue
		}
		c.text = stripComment(c.text)
		out = append(out, c)
	}
	for i := range out {
		out[i].text = strings.Join(strings.Fields(stripComment(out[i].text)), " ")
	}
	return out, sc.Err()
}

// stripComment drops a trailing shell comment (a # after a blank, outside
// quotes).
func stripComment(s string) string {
	var q byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '\'' || c == '"':
			q = c
		case c == '#' && i > 0 && (s[i-1] == ' ' || s[i-1] == '\t'):
			return strings.TrimSpace(s[:i])
		}
	}
	return strings.TrimSpace(s)
}

// docEnv is what a page's commands run in: the mock, a working directory,
// and the placeholders the page leaves for the reader, filled in.
type docEnv struct {
	t       *testing.T
	bin     string
	base    string // http://127.0.0.1:port
	dir     string
	subst   map[string]string // placeholder -> value, per command text (or "" for every command)
	perCmd  map[string]map[string]string
	receive *httptest.Server // a notify_url that answers "success"
}

func runDocPage(t *testing.T, bin, file string, cmds []docCmd) {
	e := &docEnv{t: t, bin: bin, dir: t.TempDir(), subst: map[string]string{}, perCmd: map[string]map[string]string{}}
	e.base = startBinary(t, bin, []string{"ALIPAY_MOCK_LOG_LEVEL=warn"}, "--addr", "127.0.0.1:0")
	e.receive = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("success"))
	}))
	t.Cleanup(e.receive.Close)
	if setup := docsSetup[filepath.Base(file)]; setup != nil {
		setup(e)
	}
	for _, c := range cmds {
		where := fmt.Sprintf("%s:%d: %s", file, c.line, c.text)
		if reason, ok := docsNotRun[c.text]; ok {
			if script, ok := strings.CutPrefix(reason, "CI: "); ok {
				s, err := os.ReadFile(strings.Fields(script)[0])
				if err != nil || !bytes.Contains(s, []byte(c.text)) {
					t.Errorf("%s: listed as run by %s, which does not contain it", where, script)
				}
			}
			t.Logf("not run: %s (%s)", where, reason)
			continue
		}
		if !allRunnable(c.text) {
			t.Errorf("%s: neither run by this test nor listed in docsNotRun with a reason", where)
			continue
		}
		cmd := c.text
		for k, v := range e.perCmd[c.text] {
			cmd = strings.ReplaceAll(cmd, k, v)
		}
		for k, v := range e.subst {
			cmd = strings.ReplaceAll(cmd, k, v)
		}
		if strings.Contains(cmd, "…") || strings.Contains(cmd, "<") {
			t.Errorf("%s: a placeholder the test does not fill", where)
			continue
		}
		if c.want != "" {
			out, err := e.runWant(cmd)
			if got := out[strings.LastIndex(out, "\n")+1:]; err != nil || got != "HTTP "+c.want {
				t.Errorf("%s: the docs say it answers %s: %v\n%s", where, c.want, err, out)
			} else {
				t.Logf("ran: %s (answered %s, as the docs say)", where, c.want)
			}
		} else if out, err := e.run(cmd); err != nil {
			t.Errorf("%s: %v\n%s", where, err, out)
		} else {
			t.Logf("ran: %s", where)
		}
	}
}

// runnable are the commands this test runs: curl, the CLI, the mock and
// the load tool from source.
var runnable = regexp.MustCompile(`^(curl |alipay-mock( |$)|go run \.( |$)|go run \./cmd/loadtest )`)

// allRunnable: every command of a pipeline or list is runnable (split at
// |, &, ; outside quotes).
func allRunnable(cmd string) bool {
	var parts []string
	var q byte
	start := 0
	for i := 0; i < len(cmd); i++ {
		switch c := cmd[i]; {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '\'' || c == '"':
			q = c
		case c == '|' || c == '&' || c == ';':
			parts = append(parts, cmd[start:i])
			start = i + 1
		}
	}
	parts = append(parts, cmd[start:])
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" && !runnable.MatchString(p) {
			return false
		}
	}
	return true
}

var (
	serverCommand = regexp.MustCompile(`^(go run \.|alipay-mock)( --|$)`)
	infoFlag      = regexp.MustCompile(` (--version|-h|--help)( |$)`)
)

// run runs one command. A command that starts a mock (`go run .` with
// flags only) is started on a free port, must print its banner and answer
// /_mock/health, and must stop cleanly on SIGTERM.
func (e *docEnv) run(cmd string) (string, error) {
	if rest, ok := strings.CutPrefix(cmd, "go run ./cmd/loadtest "); ok {
		cmd = loadtestBinary(e.t) + " " + rest
	}
	cmd = strings.ReplaceAll(cmd, "go run . ", "alipay-mock ")
	if cmd == "go run ." {
		cmd = "alipay-mock"
	}
	host := strings.TrimPrefix(e.base, "http://")
	cmd = strings.ReplaceAll(cmd, "localhost:8080", host)
	cmd = strings.ReplaceAll(cmd, "127.0.0.1:8080", host)
	if serverCommand.MatchString(cmd) && !infoFlag.MatchString(cmd) {
		return e.runServer(cmd)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	script := "set -o pipefail\ncurl() { command curl -sS --fail-with-body --max-time 20 \"$@\"; }\n" + cmd
	c := exec.CommandContext(ctx, "bash", "-c", script)
	c.Dir = e.dir
	c.Env = e.environ()
	out, err := c.CombinedOutput()
	return string(out), err
}

var (
	loadtestOnce sync.Once
	loadtestPath string
	loadtestErr  error
)

// loadtestBinary builds cmd/loadtest once per run: `go run ./cmd/loadtest`
// in the docs runs it.
func loadtestBinary(t *testing.T) string {
	t.Helper()
	loadtestOnce.Do(func() {
		dir, err := os.MkdirTemp("", "alipay-mock-loadtest")
		if err != nil {
			loadtestErr = err
			return
		}
		loadtestPath = filepath.Join(dir, "loadtest")
		if out, err := exec.Command("go", "build", "-o", loadtestPath, "./cmd/loadtest").CombinedOutput(); err != nil {
			loadtestErr = fmt.Errorf("go build ./cmd/loadtest: %v\n%s", err, out)
		}
	})
	if loadtestErr != nil {
		t.Fatal(loadtestErr)
	}
	return loadtestPath
}

// runWant runs a curl command whose answer the docs give as an error
// status: the output ends with "HTTP <status>".
func (e *docEnv) runWant(cmd string) (string, error) {
	host := strings.TrimPrefix(e.base, "http://")
	cmd = strings.ReplaceAll(strings.ReplaceAll(cmd, "localhost:8080", host), "127.0.0.1:8080", host)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	script := "curl() { command curl -sS --max-time 20 -w '\\nHTTP %{http_code}' \"$@\"; }\n" + cmd
	c := exec.CommandContext(ctx, "bash", "-c", script)
	c.Dir = e.dir
	c.Env = e.environ()
	out, err := c.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func (e *docEnv) environ() []string {
	return append(os.Environ(),
		"PATH="+filepath.Dir(e.bin)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"ALIPAY_MOCK_GATEWAY="+e.base+"/gateway.do",
		"ALIPAY_MOCK_ADDR="+strings.TrimPrefix(e.base, "http://"), // healthcheck finds the mock as it would on 8080
		"ALIPAY_MOCK_LOG_LEVEL=warn",
		"CURL_HOME="+e.dir) // no ~/.curlrc of the machine's
}

func (e *docEnv) runServer(cmd string) (string, error) {
	var out bytes.Buffer
	c := exec.Command("bash", "-c", "exec "+cmd)
	c.Dir = e.dir
	c.Env = append(e.environ(), "ALIPAY_MOCK_ADDR=127.0.0.1:0")
	stdout, _ := c.StdoutPipe()
	c.Stderr = &out
	if err := c.Start(); err != nil {
		return "", err
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := gatewayLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	exited := make(chan error, 1)
	go func() { exited <- c.Wait() }()
	var base string
	select {
	case base = <-found:
	case err := <-exited:
		return out.String(), fmt.Errorf("exited before its banner: %v", err)
	case <-time.After(20 * time.Second):
		_ = c.Process.Kill()
		<-exited
		return out.String(), fmt.Errorf("no banner within 20s")
	}
	code, body := httpDo(e.t, http.MethodGet, base+"/_mock/health")
	_ = c.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			return out.String(), fmt.Errorf("exit after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		_ = c.Process.Kill()
		return out.String(), fmt.Errorf("no exit within 10s of SIGTERM")
	}
	if code != http.StatusOK {
		return body, fmt.Errorf("/_mock/health: HTTP %d", code)
	}
	return out.String(), nil
}

// must runs a setup command and returns its output; a setup that fails
// stops the page.
func (e *docEnv) must(cmd string) string {
	e.t.Helper()
	out, err := e.run(cmd)
	if err != nil {
		e.t.Fatalf("setup: %s: %v\n%s", cmd, err, out)
	}
	return out
}

// docsSetup prepares, per page, the state its commands assume and fills the
// placeholders it leaves (…, <ref>) with real values.
var docsSetup = map[string]func(e *docEnv){
	"audit.md": func(e *docEnv) {
		// The merchant's handler the page audits: a correct one
		// (mock/audit/audittest) selling order-42 for 88.88 as the dev app's
		// seller, which answers GET /orders/order-42/credits for the check.
		resp, err := http.Get(e.base + "/_mock/apps")
		if err != nil {
			e.t.Fatal(err)
		}
		var list []struct {
			AppID    string `json:"app_id"`
			SellerID string `json:"seller_id"`
		}
		err = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if err != nil || len(list) == 0 {
			e.t.Fatalf("setup: /_mock/apps: %v", err)
		}
		shop := audittest.NewShop(e.t, audittest.Correct, list[0].AppID, list[0].SellerID,
			&keys.DevAlipayPrivateKey().PublicKey, "order-42", 8888)
		e.subst["localhost:3000"] = strings.TrimPrefix(shop.URL, "http://")
	},
	"README.md": func(e *docEnv) {
		// Syntax the text shows, with a real command and method.
		e.perCmd["alipay-mock COMMAND -h"] = map[string]string{"COMMAND": "call"}
		e.perCmd["alipay-mock sign METHOD key=value…"] = map[string]string{"METHOD key=value…": "alipay.trade.query out_trade_no=order-1"}
	},
	"configuration.md": func(e *docEnv) {
		// The page's apps.yaml, next to the keys it names.
		e.must("alipay-mock keys --out keys --cert 2021004100000002")
		writeDocFile(e, "configuration.md", "# apps.yaml", "apps.yaml")
		e.subst["/path/app_public_key.pem"] = filepath.Join(e.dir, "keys", "app_public_key.pem")
		b64 := strings.TrimSpace(readFile(e.t, filepath.Join(e.dir, "keys", "app_public_key.txt")))
		e.subst["MIIBIjANBgkqh..."] = b64
		e.perCmd[`curl -X POST localhost:8080/_mock/apps -d '{"app_id":"…","public_key":"…"}' -H 'Content-Type: application/json'`] =
			map[string]string{`"app_id":"…","public_key":"…"`: `"app_id":"2021004100000003","public_key":"` + b64 + `"`}
	},
	"control-api.md": func(e *docEnv) {
		e.must("alipay-mock keys --out keys")
		e.subst["MIIBIjAN…"] = strings.TrimSpace(readFile(e.t, filepath.Join(e.dir, "keys", "app_public_key.txt")))
		for _, o := range []string{"order-1", "order-2", "order-3"} {
			e.must("alipay-mock call alipay.trade.precreate out_trade_no=" + o + " total_amount=88.88 subject=Coffee")
		}
		e.subst["cursor=…"] = "cursor=" + nextCursor(e, "/_mock/trades?limit=1")
		// An app's order string, as alipay.trade.app.pay signs it.
		form := e.must("alipay-mock sign alipay.trade.app.pay out_trade_no=app-1 total_amount=1.00 subject=Coffee")
		e.subst["app_id=…&biz_content=…&sign=…"] = lastLine(form)
	},
	"clock-and-notifications.md": func(e *docEnv) {
		// order-1 paid and refunded twice: three notifications delivered to
		// a notify_url that answers "success".
		e.must("alipay-mock call alipay.trade.precreate out_trade_no=order-1 total_amount=88.88 subject=Coffee notify_url=" + e.receive.URL)
		e.must("curl -X POST localhost:8080/_mock/trades/order-1/pay")
		e.must("alipay-mock call alipay.trade.refund out_trade_no=order-1 refund_amount=1.00 out_request_no=r1 notify_url=" + e.receive.URL)
		e.must("alipay-mock call alipay.trade.refund out_trade_no=order-1 refund_amount=1.00 out_request_no=r2 notify_url=" + e.receive.URL)
	},
	"red-packets.md": func(e *docEnv) {
		// Two red packets waiting for their sender: rp-1 is paid, rp-2 closed.
		// The sender's app hands each order string to the Alipay app,
		// which opens it (POST /_mock/app-pay without an action).
		for _, o := range []string{"rp-1", "rp-2"} {
			form := e.must("alipay-mock sign --app-id " + keys.DevCertAppID + " alipay.fund.coupon.order.app.pay out_order_no=" + o +
				" out_request_no=" + o + "-pay order_title=Lucky amount=8.88 --print body")
			body, _ := json.Marshal(map[string]string{"order_string": strings.TrimSpace(form)})
			resp, err := http.Post(e.base+"/_mock/app-pay", "application/json", bytes.NewReader(body))
			if err != nil {
				e.t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				e.t.Fatalf("setup: app-pay %s: HTTP %d %s", o, resp.StatusCode, b)
			}
		}
		e.perCmd["curl localhost:8080/_mock/red-packets/<auth_no or out_order_no>"] = map[string]string{"<auth_no or out_order_no>": "rp-1"}
		e.perCmd["curl -X POST localhost:8080/_mock/red-packets/<ref>/pay"] = map[string]string{"<ref>": "rp-1"}
		e.perCmd["curl -X POST localhost:8080/_mock/red-packets/<ref>/close"] = map[string]string{"<ref>": "rp-2"}
	},
	"scenarios.md": func(e *docEnv) {
		// my-scenario.yaml is the page's own example; other.yaml a global
		// one from scenarios/examples; scenarios/ a copy of the examples.
		writeDocFile(e, "scenarios.md", "name: qr-pay-after-polls", "my-scenario.yaml")
		examples, _ := filepath.Glob("scenarios/examples/*.yaml")
		if len(examples) == 0 {
			e.t.Fatal("setup: no scenarios/examples/*.yaml")
		}
		if err := os.MkdirAll(filepath.Join(e.dir, "scenarios"), 0o755); err != nil {
			e.t.Fatal(err)
		}
		for _, x := range examples {
			b := readFile(e.t, x)
			if err := os.WriteFile(filepath.Join(e.dir, "scenarios", filepath.Base(x)), []byte(b), 0o644); err != nil {
				e.t.Fatal(err)
			}
		}
		other := "name: other\nrules:\n  - when: {method: alipay.trade.query}\n    then: {delay: 1ms}\n"
		if err := os.WriteFile(filepath.Join(e.dir, "other.yaml"), []byte(other), 0o644); err != nil {
			e.t.Fatal(err)
		}
		// 42 gateway requests, so that journal entry 42 exists.
		e.must(`for i in $(seq 42); do alipay-mock call alipay.trade.query out_trade_no=j$i >/dev/null; [ $? = 3 ] || exit 1; done`)
	},
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// writeDocFile writes the page's fenced block whose first line starts with first
// to name in the working directory.
func writeDocFile(e *docEnv, page, first, name string) {
	e.t.Helper()
	text := readFile(e.t, filepath.Join("docs", page))
	i := strings.Index(text, "\n"+first)
	if i < 0 {
		e.t.Fatalf("setup: docs/%s has no block starting %q", page, first)
	}
	block, _, _ := strings.Cut(text[i+1:], "```")
	if err := os.WriteFile(filepath.Join(e.dir, name), []byte(block), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

// nextCursor is the X-Next-Cursor of a control-API list.
func nextCursor(e *docEnv, path string) string {
	e.t.Helper()
	resp, err := http.Get(e.base + path)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	c := resp.Header.Get("X-Next-Cursor")
	if c == "" {
		e.t.Fatalf("setup: %s has no X-Next-Cursor", path)
	}
	return c
}
