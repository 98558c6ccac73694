package mock

import (
	"context"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/store"
)

// A red packet claimed under the previous release (whose claimed events
// carry no Amount) and refunded after the upgrade, the refund's
// notification lost in a crash between its two commits, is retold at the
// next start with what was left in it then: 10.00 paid, 3.00 claimed,
// 2.00 refunded leave 5.00, of which 3.00 was paid out.
func TestRetoldRefundOfRedPacketClaimedBeforeUpgradeTellsWhatWasLeft(t *testing.T) {
	d := newRestartDir(t, "fail", nil)
	s1, c1, stop1 := d.start()
	ctx := context.Background()
	if _, err := c1.CouponAgreementPay(ctx, client.CouponAgreementPayRequest{CouponOrder: client.CouponOrder{
		OutOrderNo: "UPG-RP", OutRequestNo: "UPG-RP-pay", OrderTitle: "红包", Amount: amount.MustParse("10.00")},
		PayerUserID: "2088102000000001"}, d.notifyURL()); err != nil {
		t.Fatal(err)
	}
	if _, err := c1.CouponDisburse(ctx, client.CouponDisburseRequest{OutOrderNo: "UPG-CLAIM", OutRequestNo: "UPG-CLAIM-1",
		DeductOutOrderNo: "UPG-RP", Amount: amount.MustParse("3.00"), PayeeUserID: "2088102000000002"}, d.notifyURL()); err != nil {
		t.Fatal(err)
	}
	packet, err := s1.Coupons.Get(keysDevAppID(s1), "UPG-RP")
	if err != nil {
		t.Fatal(err)
	}
	crashAtCoupon(s1, coupon.EventRefunded)
	_, perr := c1.CouponRefund(ctx, client.CouponRefundRequest{AuthNo: packet.AuthNo, OutRequestNo: "UPG-RF",
		Amount: amount.MustParse("2.00")}, d.notifyURL())
	wantResultUnknown(t, perr, "the refund")
	stop1()

	// The claim as the previous release stored it: no Amount on the red
	// packet's claimed event (the mark the refund's commit wrote stays).
	db, err := store.Open(d.dir)
	if err != nil {
		t.Fatal(err)
	}
	os, err := db.Orders()
	if err != nil {
		t.Fatal(err)
	}
	zeroed := 0
	for i := range os {
		for j := range os[i].History {
			if os[i].History[j].Type == coupon.EventClaimed && os[i].History[j].Amount != 0 {
				os[i].History[j].Amount = 0
				zeroed++
			}
		}
	}
	if zeroed != 1 {
		t.Fatalf("%d claimed events with an amount, want the red packet's one", zeroed)
	}
	if err := db.PutOrders(os)(); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()

	s2, _, _ := d.start()
	refunds := redPacketNotices(t, s2, "UPG-RP", "fund_auth_unfreeze")
	if len(refunds) != 1 {
		t.Fatalf("%d refund notifications after the restart, want the retold one", len(refunds))
	}
	if p := refunds[0].Params; p["rest_amount"] != "5.00" || p["total_pay_amount"] != "3.00" || p["total_unfreeze_amount"] != "2.00" {
		t.Fatalf("retold refund: rest_amount=%s total_pay_amount=%s total_unfreeze_amount=%s; want 5.00, 3.00, 2.00",
			p["rest_amount"], p["total_pay_amount"], p["total_unfreeze_amount"])
	}
}
