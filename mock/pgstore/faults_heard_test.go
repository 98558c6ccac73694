package pgstore_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// An answer queued through replica a (POST /_mock/faults, 201) answers
// the next gateway request even when it reaches replica b, which has not
// looked in the shared queue since it was empty, as on one mock: the POST
// returns once every replica heard that answers may be queued.
func TestReplicasAnswerQueuedOnOneAnswersTheNextRequestOnAnother(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	a, b := rs[0], rs[1]
	pay(t, a, "FH", "1.00")
	missed := 0
	for i := 0; i < 5; i++ {
		a.Control(http.MethodPost, "/faults", `{"method":"alipay.trade.query","code":"40004","sub_code":"ACQ.TRADE_NOT_EXIST"}`, http.StatusCreated)
		r := b.Call("alipay.trade.query", `{"out_trade_no":"FH"}`)
		if r["sub_code"] != "ACQ.TRADE_NOT_EXIST" {
			missed++
		}
		a.Control(http.MethodDelete, "/faults", nil, http.StatusOK)
		b.Control(http.MethodGet, "/faults", nil, http.StatusOK) // b hears the clear
	}
	if missed > 0 {
		t.Errorf("%d of 5 answers queued on a did not answer the next request, sent to b", missed)
	}
}
