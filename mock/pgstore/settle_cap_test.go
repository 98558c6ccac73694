package pgstore_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/pgstore"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// The 30% cap of a trade's settlements holds across replicas: what one
// replica settled counts on another.
func TestReplicasCapSettlementsAtThirtyPercent(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	paid := rs[0].Call("alipay.trade.pay", `{"out_trade_no":"CAPR","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`)
	rs[0].Call("alipay.trade.royalty.relation.bind", `{"out_request_no":"BCAPR","receiver_list":[{"type":"userId","account":"2088000000000002"}]}`)
	settle := func(i int, no, amt string) map[string]any {
		return rs[i].Call("alipay.trade.order.settle", `{"out_request_no":"`+no+`","trade_no":"`+paid["trade_no"].(string)+
			`","royalty_parameters":[{"trans_in":"2088000000000002","amount":"`+amt+`"}]}`)
	}
	if r := settle(0, "CAPR1", "2.50"); r["code"] != "10000" {
		t.Fatalf("2.50 of 10.00: %v", r)
	}
	if r := settle(1, "CAPR2", "0.51"); r["sub_code"] != "ACQ.ALLOC_AMOUNT_VALIDATE_ERROR" {
		t.Errorf("0.51 more on another replica (3.01, past 30%%): %v", r)
	}
	if r := settle(1, "CAPR3", "0.50"); r["code"] != "10000" {
		t.Errorf("0.50 more on another replica (3.00): %v", r)
	}
}

// A relation another replica bound is seen by a settle, a query or a bind
// on this one before its announcement arrives: each reads the relations
// from the database (the announcement is left out here, as if not heard
// yet). CI once saw a settle on B refuse the receiver A had just bound.
func TestReplicaSeesARelationBoundElsewhereBeforeItsAnnouncement(t *testing.T) {
	rs, url := replicasAt(t, 1, mock.Options{})
	paid := rs[0].Call("alipay.trade.pay", `{"out_trade_no":"RELX","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`)
	rs[0].Control(http.MethodGet, "/clock", nil, http.StatusOK) // heard everything so far
	conn := pgtest.Conn(t, url)
	if _, err := conn.Exec(context.Background(), `INSERT INTO alipay_mock_kv (kind, k, data) VALUES ($1, $2, $3)
		ON CONFLICT (kind, k) DO UPDATE SET data = EXCLUDED.data`, pgstore.KindRoyalty, keys.DevAppID,
		`[{"type":"userId","account":"2088000000000002"}]`); err != nil {
		t.Fatal(err)
	}
	q := rs[0].Call("alipay.trade.royalty.relation.batchquery", `{"out_request_no":"QRELX"}`)
	if l, _ := q["receiver_list"].([]any); len(l) != 1 {
		t.Errorf("the relation bound elsewhere, queried: %v", q)
	}
	r := rs[0].Call("alipay.trade.order.settle", `{"out_request_no":"RELX1","trade_no":"`+paid["trade_no"].(string)+
		`","royalty_parameters":[{"trans_in":"2088000000000002","amount":"1.00"}]}`)
	if r["code"] != "10000" {
		t.Errorf("a settle to the receiver bound elsewhere: %v", r)
	}
}
