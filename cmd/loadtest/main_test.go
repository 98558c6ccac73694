package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// The load command, built and run against a mock on port 0: precreates
// signed in the background (the default) and beforehand (-presign) each
// send exactly -n requests with their own out_trade_no, all answered 10000.
func TestLoadtestSendsEveryRequest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := filepath.Join(t.TempDir(), "loadtest")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	srv, err := mock.Start(mock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	okLine := regexp.MustCompile(`requests:\s+(\d+) ok, (\d+) failed`)
	trades := 0
	for _, tc := range []struct {
		args    []string
		n       int
		signing bool
	}{
		{[]string{"-method", "precreate", "-c", "4", "-d", "60s", "-n", "40"}, 40, true},
		{[]string{"-method", "precreate", "-c", "4", "-d", "60s", "-n", "30", "-presign"}, 30, false},
	} {
		n := tc.n
		cmd := exec.Command(bin, append([]string{"-url", srv.URL()}, tc.args...)...)
		cmd.Env = os.Environ()
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %v\n%s", tc.args, err, out)
		}
		m := okLine.FindSubmatch(out)
		if m == nil || string(m[1]) != strconv.Itoa(n) || string(m[2]) != "0" {
			t.Errorf("%v: want %d ok, 0 failed:\n%s", tc.args, n, out)
		}
		if got := regexp.MustCompile(`signing:\s+in the background`).Match(out); got != tc.signing {
			t.Errorf("%v: background signing reported %v:\n%s", tc.args, got, out)
		}
		trades += n + 1 // and the warm-up precreate
	}
	if got := srv.Trades.Len(); got != trades {
		t.Errorf("%d trades in the mock, want %d: each request has its own out_trade_no", got, trades)
	}
}
