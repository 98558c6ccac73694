package pgstore_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// An answer queued through replica a (POST /_mock/faults, 201) does not
// answer the next gateway request when it reaches replica b first: b
// looks at the shared queue only once it heard of an answer queued
// (sharedQueue.any), and a gateway request does not wait for that. On
// one mock the next request is answered by it; behind a round-robin load
// balancer the request after the POST usually reaches another replica.
func TestRvrpAnswerQueuedOnOneReplicaAnswersTheNextRequestOnAnother(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	a, b := rs[0], rs[1]
	pay(t, a, "RVQ", "1.00")
	missed := 0
	for i := 0; i < 5; i++ {
		a.Control(http.MethodPost, "/faults", `{"method":"alipay.trade.query","code":"40004","sub_code":"ACQ.TRADE_NOT_EXIST"}`, http.StatusCreated)
		r := b.Call("alipay.trade.query", `{"out_trade_no":"RVQ"}`)
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
