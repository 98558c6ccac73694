package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// TestKilledReplicaLosesNothingAcknowledged runs three replicas of the
// binary on one PostgreSQL, pays through all of them round-robin with a
// notify_url that always fails, SIGKILLs one mid-way, and checks that every
// acknowledged payment is there on the others and that the dead replica's
// notifications are taken over: their first attempts (leases expire) and
// their retries after a clock advance, each made once.
func TestKilledReplicaLosesNothingAcknowledged(t *testing.T) {
	db := pgtest.URL(t)
	bin := buildBinary(t)

	var mu sync.Mutex
	calls := map[string]int{} // out_trade_no → attempts received
	merchant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f, _ := url.ParseQuery(string(b))
		mu.Lock()
		calls[f.Get("out_trade_no")]++
		mu.Unlock()
		io.WriteString(w, "fail")
	}))
	defer merchant.Close()

	args := []string{"--addr", "127.0.0.1:0", "--store", db, "--notify-timeout", "2s", "--clock-speed", "0", "--timestamp-tolerance", "0"}
	var bases []string
	var victim interface{ Kill() error }
	for i := 0; i < 3; i++ {
		cmd, base := startProcess(t, bin, nil, args...)
		bases = append(bases, base)
		if i == 2 {
			victim = cmd.Process
			t.Cleanup(func() { _ = cmd.Wait() })
		}
	}
	clients := make([]*client.Client, 3)
	for i, b := range bases {
		clients[i] = devClient(t, b)
	}

	acked := map[string]string{} // out_trade_no → trade_no
	var wg sync.WaitGroup
	stop := make(chan struct{})
	enough := make(chan struct{})
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
				out := fmt.Sprintf("K%d-%d", w, i)
				p, err := clients[(w+i)%3].Pay(context.Background(), client.PayRequest{Order: client.Order{OutTradeNo: out,
					TotalAmount: amount.MustParse("10.00"), Subject: "replica"}, Scene: "bar_code", AuthCode: "283912345678901234"},
					client.WithNotifyURL(merchant.URL))
				if err != nil {
					continue
				}
				mu.Lock()
				acked[out] = p.TradeNo
				if len(acked) >= 60 {
					once.Do(func() { close(enough) })
				}
				mu.Unlock()
			}
		}()
	}
	select {
	case <-enough:
	case <-time.After(20 * time.Second):
	}
	if err := victim.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	killed := time.Now()
	time.Sleep(100 * time.Millisecond) // payments go on against the live two for a moment
	close(stop)
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no payment acknowledged: nothing was tested")
	}

	// Every acknowledged payment is there, on both live replicas.
	for out, no := range acked {
		for _, c := range clients[:2] {
			q, err := c.Query(context.Background(), client.QueryRequest{OutTradeNo: out})
			if err != nil || q.TradeNo != no || q.TradeStatus != client.TradeSuccess {
				t.Fatalf("acknowledged payment %s (%s) after the kill: %+v %v", out, no, q, err)
			}
		}
	}
	// Every acknowledged payment's first attempt is made, the dead
	// replica's by the others once its leases expire.
	waitAttempts := func(n int) time.Duration {
		deadline := time.Now().Add(30 * time.Second)
		for {
			mu.Lock()
			missing := ""
			for out := range acked {
				if calls[out] < n {
					missing = out
					break
				}
			}
			mu.Unlock()
			if missing == "" {
				return time.Since(killed)
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s has %d attempts, want %d", missing, calls[missing], n)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	first := waitAttempts(1)
	// The retries 4 minutes later on the shared clock: one advance on one
	// replica, every notification's second attempt made once.
	resp, err := http.Post(bases[0]+"/_mock/clock/advance", "application/json", strings.NewReader(`{"by":"4m"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("advance: HTTP %d", resp.StatusCode)
	}
	second := waitAttempts(2)
	mu.Lock()
	defer mu.Unlock()
	// Each attempt is made once, except an attempt in flight on the victim
	// when it died: sent, not yet recorded, so a survivor makes it again
	// (at least once, as Alipay delivers). Only a handful can be in flight.
	again := 0
	for out := range acked {
		switch {
		case calls[out] == 3:
			again++
		case calls[out] > 3:
			t.Errorf("%s: %d attempts, want 2 (3 if in flight at the kill)", out, calls[out])
		}
	}
	if again > 6 {
		t.Errorf("%d notifications had an attempt made twice; only the victim's in-flight ones may", again)
	}
	t.Logf("%d acknowledged payments; first attempts all made %v after the SIGKILL, retries %v", len(acked), first.Round(time.Millisecond), second.Round(time.Millisecond))
}

// TestReplicaManifestsUseRealFlags parses the Compose file and the
// Kubernetes manifest in docs/replicas.md (neither can run here) and checks
// that every flag and ALIPAY_MOCK_* variable they give the mock is one
// `alipay-mock serve` has, and that both use the shared store.
func TestReplicaManifestsUseRealFlags(t *testing.T) {
	var help, errb bytes.Buffer
	run([]string{"serve", "-h"}, &help, &errb)
	flags := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`).FindAllStringSubmatch(help.String(), -1) {
		flags[m[1]] = true
	}
	if !flags["store"] || !flags["addr"] || len(flags) < 20 {
		t.Fatalf("read %d flags from serve -h: %v", len(flags), flags)
	}
	page, err := os.ReadFile("docs/replicas.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllSubmatch(page, -1)
	if len(blocks) != 2 {
		t.Fatalf("%d yaml blocks in docs/replicas.md, want the Compose file and the Kubernetes manifest", len(blocks))
	}
	for i, b := range blocks {
		var uses []string // flags and variables, as written
		dec := yaml.NewDecoder(bytes.NewReader(b[1]))
		docs := 0
		for {
			var doc any
			if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("block %d: %v", i, err)
			}
			docs++
			uses = append(uses, mockSettings(doc, "")...)
		}
		store := false
		for _, u := range uses {
			name, isEnv := strings.CutPrefix(u, "ALIPAY_MOCK_")
			if isEnv {
				name = strings.ReplaceAll(strings.ToLower(name), "_", "-")
			} else {
				name, _, _ = strings.Cut(strings.TrimPrefix(u, "--"), "=")
			}
			if !flags[name] {
				t.Errorf("block %d uses %s: alipay-mock serve has no --%s", i, u, name)
			}
			store = store || name == "store"
		}
		if !store || docs == 0 {
			t.Errorf("block %d (%d documents) does not give the mock --store: %v", i, docs, uses)
		}
	}
}

// mockSettings collects, anywhere in a parsed YAML document, the --flags of
// command and args lists and the ALIPAY_MOCK_* names of environment maps
// and env lists.
func mockSettings(v any, key string) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if k == "environment" {
				if m, ok := c.(map[string]any); ok {
					for name := range m {
						if strings.HasPrefix(name, "ALIPAY_MOCK_") {
							out = append(out, name)
						}
					}
				}
			}
			if k == "name" && key == "env" {
				if s, ok := c.(string); ok && strings.HasPrefix(s, "ALIPAY_MOCK_") {
					out = append(out, s)
				}
			}
			out = append(out, mockSettings(c, k)...)
		}
	case []any:
		for _, c := range x {
			if s, ok := c.(string); ok && (key == "command" || key == "args") && strings.HasPrefix(s, "--") {
				out = append(out, s)
				continue
			}
			out = append(out, mockSettings(c, key)...)
		}
	}
	return out
}

// TestStoreFlagRefusesWhatItCannotUse: a --store that is not a PostgreSQL
// URL, or one given with --data, stops the start with one line that hides
// the password; so does a database that cannot be reached.
func TestStoreFlagRefusesWhatItCannotUse(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--addr", "127.0.0.1:0", "--store", "mysql://u:hunter2@db/x"},
		{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--store", "postgres://u:hunter2@127.0.0.1:1/x"},
		{"serve", "--addr", "127.0.0.1:0", "--store", "postgres://u:hunter2@127.0.0.1:1/x?sslmode=disable"}, // nothing listens on port 1
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code == 0 {
			t.Fatalf("%v started", args)
		}
		if msg := errb.String(); strings.Contains(msg, "hunter2") || !strings.Contains(msg, "store") {
			t.Errorf("%v: %q", args, msg)
		}
	}
}
