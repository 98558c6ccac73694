package pgstore_test

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// TestReplicasQueryAfterPaymentSeesIt: a payment acknowledged by one
// replica is what a query on another answers from then on, even while
// that replica's reads of the same trade are batched under load (a read
// never joins a batch sent before it was asked for).
func TestReplicasQueryAfterPaymentSeesIt(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	const trades = 30
	for i := 0; i < trades; i++ {
		out := fmt.Sprintf("RAW%d", i)
		if pre := rs[0].Call("alipay.trade.precreate", `{"out_trade_no":"`+out+`","total_amount":"1.00","subject":"s"}`); !ok(pre) {
			t.Fatalf("precreate: %v", pre)
		}
		// Queries of the trade on replica 1 keep batches in flight.
		var stop atomic.Bool
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := 0; w < 6; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for !stop.Load() {
					if _, err := try(rs[1], "alipay.trade.query", `{"out_trade_no":"`+out+`"}`, nil); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		rs[0].Control(http.MethodPost, "/trades/"+out+"/pay", nil, http.StatusOK)
		q, err := try(rs[1], "alipay.trade.query", `{"out_trade_no":"`+out+`"}`, nil)
		stop.Store(true)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if err != nil {
			t.Fatal(err)
		}
		if q["trade_status"] != "TRADE_SUCCESS" {
			t.Fatalf("trade %d: query on the other replica after the payment was acknowledged: %v", i, q)
		}
	}
}

// TestReplicasOneBadReadFailsOnlyItself: a NUL byte, which no text in
// PostgreSQL can hold, never reaches it: the gateway refuses it as an
// invalid parameter, the control API finds no such trade, and the reads
// around them answer as ever, the store healthy.
func TestReplicasOneBadReadFailsOnlyItself(t *testing.T) {
	rs := replicas(t, 1, mock.Options{})
	pay(t, rs[0], "GOOD1", "1.00")
	var wg sync.WaitGroup
	var bad, good, wrong atomic.Int64
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				if w%2 == 0 {
					q := rs[0].Call("alipay.trade.query", `{"out_trade_no":"BAD\u0000`+fmt.Sprint(i)+`"}`)
					if q["sub_code"] == "ACQ.INVALID_PARAMETER" {
						bad.Add(1)
					} else {
						wrong.Add(1)
					}
					continue
				}
				if q := rs[0].Call("alipay.trade.query", `{"out_trade_no":"GOOD1"}`); q["trade_status"] == "TRADE_SUCCESS" {
					good.Add(1)
				} else {
					wrong.Add(1)
				}
			}
		}(w)
	}
	wg.Wait()
	if wrong.Load() != 0 || bad.Load() != 160 || good.Load() != 160 {
		t.Fatalf("refused %d, paid %d, other answers %d; want 160, 160, 0", bad.Load(), good.Load(), wrong.Load())
	}
	rs[0].Control(http.MethodGet, "/trades/BAD%00", nil, http.StatusNotFound)
	var h struct {
		Status string `json:"status"`
	}
	rs[0].ControlJSON(http.MethodGet, "/health", nil, http.StatusOK, &h)
	if h.Status != "ok" {
		t.Fatalf("health after the bad reads: %+v", h)
	}
}
