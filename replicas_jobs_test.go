package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// TestKilledReplicasSettleMessageIsSent runs two replicas of the binary on
// one PostgreSQL; an async settlement is taken on one, which is SIGKILLed
// before the settlement is done. The message
// (alipay.trade.order.settle.notify) is the survivor's to send, once.
func TestKilledReplicasSettleMessageIsSent(t *testing.T) {
	db := pgtest.URL(t)
	bin := buildBinary(t)
	got := make(chan url.Values, 8)
	appGateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		f, _ := url.ParseQuery(string(b))
		got <- f
		io.WriteString(w, "success")
	}))
	defer appGateway.Close()

	args := []string{"--addr", "127.0.0.1:0", "--store", db, "--notify-timeout", "2s", "--clock-speed", "0", "--timestamp-tolerance", "0"}
	_, survivor := startProcess(t, bin, nil, args...)
	victim, base := startProcess(t, bin, nil, args...)

	// The app gateway, set on the survivor; the victim knows it at once.
	app, _ := json.Marshal(map[string]string{"app_id": keys.DevAppID, "public_key": string(keys.DevFile("app_public_key.pem")),
		"sign_type": "RSA2", "app_gateway_url": appGateway.URL})
	controlCall(t, http.MethodPost, survivor+"/_mock/apps", string(app), http.StatusCreated)
	if l := controlCall(t, http.MethodGet, base+"/_mock/apps", "", http.StatusOK); !strings.Contains(l, appGateway.URL) {
		t.Fatalf("the other replica does not know the app gateway: %s", l)
	}

	ctx := context.Background()
	c := devClient(t, base)
	paid, err := c.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "KS1", TotalAmount: amount.MustParse("10.00"), Subject: "s"},
		Scene: "bar_code", AuthCode: "283912345678901234"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.RoyaltyRelationBind(ctx, client.RoyaltyRelationRequest{OutRequestNo: "KSB",
		ReceiverList: []client.RoyaltyEntity{{Type: "userId", Account: "2088000000000002"}}}); err != nil {
		t.Fatal(err)
	}
	st, err := c.OrderSettle(ctx, client.OrderSettleRequest{OutRequestNo: "KSS", TradeNo: paid.TradeNo, RoyaltyMode: "async",
		RoyaltyParameters: []client.RoyaltyParameter{{TransIn: "2088000000000002", Amount: amount.MustParse("1.00")}}})
	if err != nil {
		t.Fatal(err)
	}
	// Planned on the victim, not yet done (5 s on the mock's clock): kill it.
	if err := victim.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	_ = victim.Wait() // killed: an error
	controlCall(t, http.MethodPost, survivor+"/_mock/clock/advance", `{"by":"5s"}`, http.StatusOK)
	select {
	case f := <-got:
		if f.Get("msg_method") != notify.SettleNotify || !strings.Contains(f.Get("biz_content"), st.SettleNo) {
			t.Fatalf("message: %v", f)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the dead replica's settlement message was never sent")
	}
	// Delivered (acknowledged), and sent once.
	l := controlCall(t, http.MethodGet, survivor+"/_mock/notifications?out_trade_no=KS1&state=delivered&wait=20s", "", http.StatusOK)
	if !strings.Contains(l, notify.SettleNotify) {
		t.Fatalf("not recorded as delivered: %s", l)
	}
	select {
	case f := <-got:
		t.Fatalf("sent again: %v", f)
	default:
	}
}

// controlCall makes one control-API request and returns the body.
func controlCall(t *testing.T, method, u, body string, want int) string {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: HTTP %d, want %d: %s", method, u, resp.StatusCode, want, b)
	}
	return string(b)
}
