package pgstore_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// A refund, a cancel's refund and a settlement are paid from the
// merchant's balance, checked in the trade's transaction on the account's
// row (alipay.trade.refund's ACQ.SELLER_BALANCE_NOT_ENOUGH): one the
// balance cannot cover is refused on any replica and moves nothing, and a
// settlement takes its money off the balance every replica reads.
func TestReplicasRefundAndSettlementNeedTheBalance(t *testing.T) {
	rs := replicas(t, 2, mock.Options{FundPublicKey: true})
	set := func(amt string) {
		rs[0].Control(http.MethodPost, "/apps/"+keys.DevAppID+"/balance", map[string]string{"available_amount": amt}, http.StatusOK)
	}
	set("0")
	paid := rs[0].Call("alipay.trade.pay", `{"out_trade_no":"CV1","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`)
	if !ok(paid) {
		t.Fatalf("pay: %v", paid)
	}
	no := paid["trade_no"].(string)
	if !ok(rs[1].Call("alipay.trade.royalty.relation.bind", `{"out_request_no":"CVB","receiver_list":[{"type":"userId","account":"2088000000000002"}]}`)) {
		t.Fatal("bind")
	}
	if s := rs[1].Call("alipay.trade.order.settle", `{"out_request_no":"CVS1","trade_no":"`+no+`","royalty_parameters":[{"trans_in":"2088000000000002","amount":"2.00"}]}`); !ok(s) {
		t.Fatalf("settle: %v", s)
	}
	sameEverywhere(t, rs, balanceBody{Available: amount.MustParse("7.94")}) // 9.94 less the 2.00 split
	if x := rs[0].Call("alipay.fund.trans.uni.transfer", transferBiz("CVOUT", "7.94")); !ok(x) {
		t.Fatalf("transfer: %v", x)
	}
	r := rs[1].Call("alipay.trade.refund", `{"trade_no":"`+no+`","refund_amount":"1.00","out_request_no":"CVR1"}`)
	if r["sub_code"] != "ACQ.SELLER_BALANCE_NOT_ENOUGH" {
		t.Fatalf("a refund from an empty balance: %v", r)
	}
	if c := rs[0].Call("alipay.trade.cancel", `{"trade_no":"`+no+`"}`); c["sub_code"] != "ACQ.SELLER_BALANCE_NOT_ENOUGH" {
		t.Fatalf("a cancel from an empty balance: %v", c)
	}
	if s := rs[0].Call("alipay.trade.order.settle", `{"out_request_no":"CVS2","trade_no":"`+no+`","royalty_parameters":[{"trans_in":"2088000000000002","amount":"0.50"}]}`); s["sub_code"] != "USER_BALANCE_NOT_ENOUGH" {
		t.Fatalf("a settlement from an empty balance: %v", s)
	}
	sameEverywhere(t, rs, balanceBody{})
	if q := rs[1].Call("alipay.trade.query", `{"trade_no":"`+no+`"}`); q["trade_status"] != "TRADE_SUCCESS" {
		t.Fatalf("the refused changes moved the trade: %v", q)
	}
	set("5.00")
	if r := rs[1].Call("alipay.trade.refund", `{"trade_no":"`+no+`","refund_amount":"1.00","out_request_no":"CVR1"}`); !ok(r) {
		t.Fatalf("a refund the balance covers: %v", r)
	}
	// 1.00 refunded, 0.006 of fee given back (0.01), 0.20 taken back from
	// the receiver (face-to-face: pro rata).
	sameEverywhere(t, rs, balanceBody{Available: amount.MustParse("4.21")})
}

// Refunds racing transfers on several replicas never take the balance
// below zero: each is checked on the account's row lock.
func TestReplicasRefundsAndTransfersNeverOverdraw(t *testing.T) {
	rs := replicas(t, 3, mock.Options{FundPublicKey: true})
	rs[0].Control(http.MethodPost, "/apps/"+keys.DevAppID+"/balance", map[string]string{"available_amount": "0"}, http.StatusOK)
	for i := 0; i < 3; i++ {
		p := rs[i].Call("alipay.trade.pay", fmt.Sprintf(`{"out_trade_no":"CVP%d","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`, i))
		if !ok(p) {
			t.Fatalf("pay: %v", p)
		}
	}
	// 29.82 in the balance; three full refunds and three transfers of
	// 9.94 each race for it on three replicas: three at most can be paid.
	out := make([]map[string]any, 6)
	errs := make([]error, 6)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if i%2 == 0 {
				out[i], errs[i] = try(rs[i%3], "alipay.trade.refund", fmt.Sprintf(`{"out_trade_no":"CVP%d","refund_amount":"10.00"}`, i/2), nil)
			} else {
				out[i], errs[i] = try(rs[i%3], "alipay.fund.trans.uni.transfer", transferBiz(fmt.Sprintf("CVX%d", i), "9.94"), nil)
			}
		}()
	}
	close(start)
	wg.Wait()
	paidOut := 0
	for i, m := range out {
		switch {
		case errs[i] != nil:
			t.Fatalf("call %d: %v", i, errs[i])
		case ok(m):
			paidOut++
		case m["sub_code"] != "ACQ.SELLER_BALANCE_NOT_ENOUGH" && m["sub_code"] != "PAYER_BALANCE_NOT_ENOUGH":
			t.Fatalf("call %d refused with %v", i, m)
		}
	}
	if paidOut != 3 {
		t.Errorf("%d of the racing refunds and transfers of 9.94 were paid from 29.82, want 3", paidOut)
	}
	sameEverywhere(t, rs, balanceBody{})
}
