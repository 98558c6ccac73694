package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// TestKilledReplicasDealingTransfersEndOnce runs three replicas of the
// binary on one PostgreSQL, makes DEALING transfers on one (one to end in
// SUCCESS, one in REFUND), SIGKILLs it, and moves the clock on another: the
// survivors end both transfers once, move the money once and send each
// status's alipay.fund.trans.order.changed once.
func TestKilledReplicasDealingTransfersEndOnce(t *testing.T) {
	db := pgtest.URL(t)
	bin := buildBinary(t)

	var mu sync.Mutex
	got := map[string][]string{} // out_biz_no → statuses messaged
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f, _ := url.ParseQuery(string(b))
		var biz struct {
			OutBizNo string `json:"out_biz_no"`
			Status   string `json:"status"`
		}
		if f.Get("msg_method") == "alipay.fund.trans.order.changed" && json.Unmarshal([]byte(f.Get("biz_content")), &biz) == nil {
			mu.Lock()
			got[biz.OutBizNo] = append(got[biz.OutBizNo], biz.Status)
			mu.Unlock()
		}
		io.WriteString(w, "success")
	}))
	defer gw.Close()
	messages := func(out string) string {
		mu.Lock()
		defer mu.Unlock()
		return strings.Join(got[out], ",")
	}

	pub, err := filepath.Abs(filepath.Join("keys", "dev", "app_public_key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	appsFile := filepath.Join(t.TempDir(), "apps.yaml")
	if err := os.WriteFile(appsFile, []byte("apps:\n  - app_id: \""+keys.DevAppID+"\"\n    public_key: "+pub+
		"\n    app_gateway_url: "+gw.URL+"/gateway\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Only the file's app: with the shipped dev app too, each replica
	// writes the app twice at start (without, then with its gateway), and
	// another replica may read the first for a moment.
	args := []string{"--addr", "127.0.0.1:0", "--store", db, "--apps-file", appsFile, "--no-dev-app", "--fund-public-key", "--clock-speed", "0", "--timestamp-tolerance", "0"}
	var bases []string
	var victim interface{ Kill() error }
	for i := 0; i < 3; i++ {
		cmd, base := startProcess(t, bin, nil, args...)
		bases = append(bases, base)
		if i == 2 {
			victim = cmd.Process
			t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }) // killed already, unless the test failed first
		}
	}
	ctx := context.Background()
	balance := func(base string) string {
		t.Helper()
		resp, err := http.Get(base + "/_mock/apps/" + keys.DevAppID + "/balance")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	start := balance(bases[0])

	// Two DEALING transfers (magic amounts) made on the victim, answered
	// and announced before it dies.
	c := devClient(t, bases[2])
	for out, amt := range map[string]string{"KD-S": "30001.00", "KD-R": "30003.00"} {
		r, err := c.Transfer(ctx, client.TransferRequest{TransferSceneName: "佣金报酬", OutBizNo: out, TransAmount: amount.MustParse(amt),
			PayeeInfo: client.Participant{Identity: "2088000000000777", IdentityType: client.PayeeUserID}})
		if err != nil || r.Status != "DEALING" {
			t.Fatalf("transfer %s: %+v %v", out, r, err)
		}
	}
	waitUntil(t, "the DEALING messages", func() bool { return messages("KD-S") == "DEALING" && messages("KD-R") == "DEALING" },
		func() string { return "KD-S: " + messages("KD-S") + "; KD-R: " + messages("KD-R") },
		func() string {
			return "apps " + getBody(bases[2]+"/_mock/apps") + " notifications " + getBody(bases[2]+"/_mock/notifications")
		})
	if err := victim.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	if b := balance(bases[1]); b == start || !strings.Contains(b, `"freeze_amount":"60004.00"`) {
		t.Fatalf("balance after two DEALING transfers %s (was %s)", b, start)
	}

	// Past their end on the shared clock, advanced on a survivor.
	resp, err := http.Post(bases[0]+"/_mock/clock/advance", "application/json", strings.NewReader(`{"by":"6m"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, base := range bases[:2] {
		c := devClient(t, base)
		for out, want := range map[string]string{"KD-S": "SUCCESS", "KD-R": "REFUND"} {
			waitUntil(t, out+" "+want+" on "+base, func() bool {
				q, err := c.TransferQuery(ctx, client.TransferQueryRequest{OutBizNo: out})
				return err == nil && q.Status == want
			})
		}
	}
	// Nothing left for any replica to do: no DEALING transfer, no status
	// unannounced. Each status then has exactly one message written.
	conn, err := pgx.Connect(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	waitUntil(t, "no transfer work left", func() bool {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM alipay_mock_transfers WHERE announce OR status = 'DEALING'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 0
	})
	waitUntil(t, "the final messages", func() bool {
		return messages("KD-S") == "DEALING,SUCCESS" && messages("KD-R") == "DEALING,REFUND"
	}, func() string { return "KD-S: " + messages("KD-S") + "; KD-R: " + messages("KD-R") })
	var stored int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM alipay_mock_notifications WHERE convert_from(data, 'UTF8') LIKE '%fund.trans.order.changed%'`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != 4 {
		t.Fatalf("%d transfer messages stored, want 4 (two statuses each, once)", stored)
	}
	if s, r := messages("KD-S"), messages("KD-R"); s != "DEALING,SUCCESS" || r != "DEALING,REFUND" {
		t.Fatalf("messages: KD-S %s, KD-R %s", s, r)
	}
	// The money moved once: the refunded one came back, the other left.
	b0, b1 := balance(bases[0]), balance(bases[1])
	if b0 != b1 || !strings.Contains(b0, `"freeze_amount":"0.00"`) {
		t.Fatalf("balances after the end: %s and %s", b0, b1)
	}
	var before, after struct {
		Available amount.Amount `json:"available_amount"`
	}
	_ = json.Unmarshal([]byte(start), &before)
	_ = json.Unmarshal([]byte(b0), &after)
	if before.Available-after.Available != amount.MustParse("30001.00") {
		t.Fatalf("available %s → %s, want 30001.00 less", before.Available, after.Available)
	}
}

// waitUntil polls f until it holds, failing after a minute with what
// each of says (the state to show).
func waitUntil(t *testing.T, what string, f func() bool, says ...func() string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !f() {
		if time.Now().After(deadline) {
			var state []string
			for _, s := range says {
				state = append(state, s())
			}
			t.Fatalf("waited a minute for %s %v", what, state)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// getBody is what a GET of u answers, or the error, for a failure's message.
func getBody(u string) string {
	resp, err := http.Get(u)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
