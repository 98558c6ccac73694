package mock

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
)

// With --data a clock change does not hold the clock's lock while its
// reading is written: GET /_mock/clock answers while an advance's move
// waits for the data file's writer.
func TestDataClockReadersDoNotWaitForTheDisk(t *testing.T) {
	s, url := resetMock(t, t.TempDir())
	before := s.db.Stats().Changes
	resume := s.db.Pause()
	defer resume()
	advanced := make(chan int, 1)
	go func() {
		st, _ := postControl(t, url+"/_mock/clock/advance", `{"by":"1h"}`)
		advanced <- st
	}()
	deadline := time.Now().Add(10 * time.Second)
	for s.db.Stats().Changes == before { // the move is queued
		if time.Now().After(deadline) {
			t.Fatal("the advance queued nothing")
		}
		time.Sleep(time.Millisecond)
	}
	read := make(chan int, 1)
	go func() {
		resp, err := http.Get(url + "/_mock/clock")
		if err != nil {
			read <- 0
			return
		}
		resp.Body.Close()
		read <- resp.StatusCode
	}()
	answered := false
	select {
	case st := <-read:
		answered = true
		if st != http.StatusOK {
			t.Errorf("GET /_mock/clock: %d", st)
		}
	case <-time.After(5 * time.Second):
		t.Error("GET /_mock/clock did not answer while the advance's move waited for the disk: the clock's lock is held across the commit")
	}
	resume()
	if st := <-advanced; st != http.StatusOK {
		t.Errorf("the advance, once written: %d", st)
	}
	if !answered {
		<-read
	}
}

// With --data an advance through notification retries waits for the disk
// once, at its end: with the data file's writer held back every attempt
// of the 25 hours is made (none waits for a commit at its clock stop), and
// released, what they queued takes a commit or two.
func TestDataAdvanceThroughRetriesWaitsForTheDiskOnce(t *testing.T) {
	const n = 10
	var calls atomic.Int64
	merchant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		fmt.Fprint(w, "fail")
	}))
	defer merchant.Close()
	s, url := resetMock(t, t.TempDir())
	c, err := client.New(client.Config{GatewayURL: url + GatewayPath, AppID: keys.DevAppID,
		PrivateKeyRSA: keys.DevAppPrivateKey(), AlipayPublicKeyRSA: &keys.DevAlipayPrivateKey().PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if _, err := c.Pay(context.Background(), client.PayRequest{Order: client.Order{OutTradeNo: fmt.Sprintf("RETRY%d", i),
			TotalAmount: amount.MustParse("1.00"), Subject: "s"}, Scene: "bar_code", AuthCode: "283912345678901234"},
			client.WithNotifyURL(merchant.URL)); err != nil {
			t.Fatal(err)
		}
		if st, out := postControl(t, url+"/_mock/clock/advance", `{"by":"7s"}`); st != http.StatusOK {
			t.Fatalf("advance 7s: %d %s", st, out)
		}
	}
	made := calls.Load() // the first attempts
	before := s.db.Stats().Batches
	resume := s.db.Pause()
	defer resume()
	advanced := make(chan int, 1)
	go func() {
		st, _ := postControl(t, url+"/_mock/clock/advance", `{"by":"25h"}`)
		advanced <- st
	}()
	const retries = 7 * n // Alipay's schedule: 8 attempts in 25 h
	deadline := time.Now().Add(30 * time.Second)
	for calls.Load()-made < retries {
		if time.Now().After(deadline) {
			t.Fatalf("with the writer held back the advance made %d of %d retries: it waits for the disk on the way", calls.Load()-made, retries)
		}
		time.Sleep(time.Millisecond)
	}
	resume()
	if st := <-advanced; st != http.StatusOK {
		t.Fatalf("advance 25h: %d", st)
	}
	if got := s.db.Stats().Batches - before; got > 2 {
		t.Errorf("an advance through %d notifications' retries took %d commits, want what was queued while held back in one or two", n, got)
	}
}
