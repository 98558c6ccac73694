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
