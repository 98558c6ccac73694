package mock_test

import (
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// A reset of the payer's app forgets its transfers, and a kept transfer's
// money leaves the payee merchant with it (docs/transfers.md). Whether
// the transfer was dropped past --keep-transfers first must not change
// the payee's balance after that reset: the CHANGELOG says a reset no
// longer makes a balance depend on --keep-*, and with --store (where no
// transfer is dropped) the reset takes it all back. In memory and with
// --data an evicted transfer's money stays with the payee (fund.Book.evict
// books it under the part "" no reset takes), so B ends 10.00 richer only
// because its transfer was evicted.
func TestPayeeBalanceAfterPayerResetDoesNotDependOnKeepTransfers(t *testing.T) {
	got := map[int]amount.Amount{}
	for _, keep := range []int{-1, 1} {
		o := twoMerchants(mock.Options{})
		o.Fund.Keep = keep
		m := mocktest.New(t, o)
		for _, app := range []string{merchantAppA, merchantAppB} {
			m.Control(http.MethodPost, "/apps/"+app+"/balance", map[string]string{"available_amount": "100.00"}, http.StatusOK)
		}
		transferAToB(t, m, "RV4MON-1", "10.00")
		transferAToB(t, m, "RV4MON-2", "10.00") // with --keep-transfers 1, RV4MON-1 goes
		if b := acctBalance(t, m, merchantAppB); b != amount.MustParse("120.00") {
			t.Fatalf("keep %d: B %v before the reset, want 120.00", keep, b)
		}
		m.Control(http.MethodPost, "/reset?app_id="+merchantAppA, nil, http.StatusOK)
		got[keep] = acctBalance(t, m, merchantAppB)
	}
	if got[-1] != got[1] {
		t.Errorf("payee B's balance after a reset of the payer's app: %v with every transfer kept, %v with --keep-transfers 1; want the same (%v)",
			got[-1], got[1], got[-1])
	}
}

// A red packet the merchant's account funds gives back what was not
// claimed when it ends (docs/red-packets.md, the automatic refund after
// 48 hours). One dropped past --keep-red-packets before that counts as it
// was planned to end (coupon.Book.evictOne, fund.Book.Evicting/Evicted):
// the same two unclaimed packets leave the same balance with every packet
// kept and with --keep-red-packets 1 (with --store:
// TestReplicasTrimmedRedPacketGivesItsRestBack).
func TestEvictedUnclaimedRedPacketGivesItsRestBack(t *testing.T) {
	got := map[int]amount.Amount{}
	for _, keep := range []int{-1, 1} {
		o := mock.Options{}
		o.Coupons.Keep = keep
		m := mocktest.New(t, o).CertApp()
		app := keys.DevCertAppID
		a, _ := m.Srv.Apps.Get(app)
		m.Control(http.MethodPost, "/apps/"+app+"/balance", map[string]string{"available_amount": "100.00"}, http.StatusOK)
		for _, no := range []string{"RV4MONRP1", "RV4MONRP2"} { // with --keep-coupons 1, RV4MONRP1 goes when RV4MONRP2 is made
			expect(t, m.Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"`+no+`","out_request_no":"`+no+`P","order_title":"红包","amount":"10.00","payer_user_id":"`+a.Seller.UserID+`"}`), "code", "10000")
		}
		m.Advance("72h") // past the automatic refund of what was not claimed
		got[keep] = acctBalance(t, m, app)
	}
	if got[-1] != got[1] {
		t.Errorf("balance after two unclaimed 10.00 packets ended: %v with every packet kept, %v with --keep-coupons 1; want the same", got[-1], got[1])
	}
}
