package mock

// rv-m: failing proofs of defects in this session's store-failure
// handling of scenario buyers.

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// A precreate answered 20000 because one of its scenario buyer's steps
// was not kept must not leave the other steps planned: here the scan is
// not kept, the payment is, and the buyer pays the trade the merchant
// was told was a failure of unknown result whose buyer was not planned.
func TestReviewBuyerStepsPlannedThoughThePrecreateAnswered20000(t *testing.T) {
	d := newRestartDir(t, "success", nil)
	s, c, _ := d.start()
	postScenario(t, d.url, "name: buyer\nrules:\n  - when: {method: alipay.trade.precreate}\n    then: {buyer: {scan_after: 1m, pay_after: 2m}}\n")
	keep := s.gw.LaterBuyer
	s.gw.LaterBuyer = func(at time.Time, j gateway.BuyerJob) error {
		if j.What == trade.ActScan {
			return errors.New("review: the scan step is not stored")
		}
		return keep(at, j)
	}
	want20000(t, "a precreate whose buyer's scan was not kept", precreate(c, "RVM-B1"))
	resp, err := http.Post(d.url+"/_mock/clock/advance", "application/json", strings.NewReader(`{"by":"3m"}`))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("advance: %s", resp.Status)
	}
	q, err := c.Query(context.Background(), client.QueryRequest{OutTradeNo: "RVM-B1"})
	if err == nil && q.TradeStatus == client.TradeSuccess {
		t.Fatalf("the buyer of a precreate answered 20000 (buyer not planned) paid it anyway: %+v", q)
	}
}
