package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
)

// TestConcurrentPaymentsSurviveSIGKILLWithTheirNotifications: 16 clients
// pay at once, with a notify_url, so their changes share fsyncs (group
// commit); the mock is SIGKILLed once enough are answered. Restarted on the
// same directory, every payment answered 10000 is there, paid, and so is
// the notification that payment queued before its answer left.
func TestConcurrentPaymentsSurviveSIGKILLWithTheirNotifications(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("fail")) // notifications stay pending
	}))
	defer refusing.Close()

	cmd, base := startProcess(t, bin, nil, "--addr", "127.0.0.1:0", "--data", dir, "--seed", "5")
	c := devClient(t, base)
	var mu sync.Mutex
	acked := map[string]string{} // out_trade_no → trade_no
	enough := make(chan struct{})
	stop := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				out := fmt.Sprintf("G%02d-%d", w, i)
				p, err := c.Pay(context.Background(), client.PayRequest{Order: client.Order{OutTradeNo: out,
					TotalAmount: amount.MustParse("3.00"), Subject: "group commit"}, Scene: "bar_code",
					AuthCode: "283912345678901234"}, client.WithNotifyURL(refusing.URL+"/notify"))
				if err != nil {
					continue // the kill, or an answer that is not 10000
				}
				mu.Lock()
				acked[out] = p.TradeNo
				if len(acked) >= 150 {
					once.Do(func() { close(enough) })
				}
				mu.Unlock()
			}
		}()
	}
	killWhen(t, cmd, enough, 20*time.Second)
	close(stop)
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no payment was answered before the kill: nothing was tested")
	}

	_, base = startProcess(t, bin, nil, "--addr", "127.0.0.1:0", "--data", dir)
	c = devClient(t, base)
	for out, no := range acked {
		q, err := c.Query(context.Background(), client.QueryRequest{OutTradeNo: out})
		if err != nil || q.TradeNo != no || q.TradeStatus != client.TradeSuccess {
			t.Errorf("answered payment %s (%s) after the kill: %+v %v", out, no, q, err)
			continue
		}
		resp, err := http.Get(base + "/_mock/notifications?out_trade_no=" + url.QueryEscape(out))
		if err != nil {
			t.Fatal(err)
		}
		var list []struct {
			OutTradeNo  string `json:"out_trade_no"`
			TradeStatus string `json:"trade_status"`
		}
		err = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if err != nil || len(list) == 0 || list[0].TradeStatus != "TRADE_SUCCESS" {
			t.Errorf("notification of answered payment %s after the kill: %+v %v", out, list, err)
		}
	}
	t.Logf("%d payments answered to 16 concurrent clients survived SIGKILL with their notifications", len(acked))
}

// TestConcurrentPrecreatesSurviveSIGKILL: 16 clients precreate at once,
// half through gateway.do and half through v3, whose answers are signed
// while their trades are being committed (mock/gateway/answered.go); the
// mock is SIGKILLed once enough are answered. Restarted on the same
// directory, every precreate answered 10000 is there, with its trade_no.
func TestConcurrentPrecreatesSurviveSIGKILL(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	cmd, base := startProcess(t, bin, nil, "--addr", "127.0.0.1:0", "--data", dir, "--seed", "6")
	c := devClient(t, base)
	var mu sync.Mutex
	var acked []string
	enough := make(chan struct{})
	stop := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				out := fmt.Sprintf("Q%02d-%d", w, i)
				req := client.PrecreateRequest{Order: client.Order{OutTradeNo: out, TotalAmount: amount.MustParse("4.00"), Subject: "answered while committed"}}
				var err error
				if w%2 == 0 {
					_, err = c.Precreate(context.Background(), req)
				} else {
					_, err = c.PrecreateV3(context.Background(), req)
				}
				if err != nil {
					continue // the kill, or an answer that is not 10000
				}
				mu.Lock()
				acked = append(acked, out)
				if len(acked) >= 150 {
					once.Do(func() { close(enough) })
				}
				mu.Unlock()
			}
		}()
	}
	killWhen(t, cmd, enough, 20*time.Second)
	close(stop)
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no precreate was answered before the kill: nothing was tested")
	}

	// Unscanned QR trades are hidden from query (as in production) unless shown.
	_, base = startProcess(t, bin, nil, "--addr", "127.0.0.1:0", "--data", dir, "--show-unscanned")
	c = devClient(t, base)
	for _, out := range acked {
		q, err := c.Query(context.Background(), client.QueryRequest{OutTradeNo: out})
		if err != nil || q.TradeStatus != client.TradeWaitBuyerPay {
			t.Errorf("answered precreate %s after the kill: %+v %v", out, q, err)
		}
	}
	t.Logf("%d precreates answered to 16 concurrent clients survived SIGKILL", len(acked))
}
