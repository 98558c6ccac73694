package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
)

// A red packet: the sender pays 10.00 in, a payee claims 3.00, a claim of
// more than is left fails with a message for the user, and the rest goes
// back to the sender.
func ExampleClient_CouponDisburse() {
	srv, err := mock.Start(mock.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	c := devCertClient(srv) // red packets: an app in certificate mode
	ctx := context.Background()

	pay, err := c.CouponAgreementPay(ctx, client.CouponAgreementPayRequest{
		CouponOrder: client.CouponOrder{OutOrderNo: "rp-1", OutRequestNo: "rp-1-pay", OrderTitle: "Happy new year", Amount: amount.MustParse("10.00")},
		PayerUserID: "2088102000000001",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("paid in:", pay.Status, pay.Amount)

	claim, err := c.CouponDisburse(ctx, client.CouponDisburseRequest{
		OutOrderNo: "rp-1-claim-1", OutRequestNo: "1", DeductAuthNo: pay.AuthNo,
		Amount: amount.MustParse("3.00"), PayeeUserID: "2088102000000101",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("claimed:", claim.Status, claim.Amount)

	over, err := c.CouponDisburse(ctx, client.CouponDisburseRequest{
		OutOrderNo: "rp-1-claim-2", OutRequestNo: "1", DeductAuthNo: pay.AuthNo,
		Amount: amount.MustParse("7.01"), PayeeUserID: "2088102000000102",
	})
	var e *client.Error
	if errors.As(err, &e) && e.Code == "40004" {
		fmt.Println("failed:", e.SubCode, "- show the user:", over.DisplayMessage)
	}

	back, err := c.CouponRefund(ctx, client.CouponRefundRequest{AuthNo: pay.AuthNo, OutRequestNo: "rp-1-back", Amount: amount.MustParse("7.00")})
	if err != nil {
		log.Fatal(err)
	}
	if back.Processing() { // 10003: send the same request again, or query
		log.Fatal("still processing")
	}
	fmt.Println("returned:", back.Status, back.Amount)
	// Output:
	// paid in: SUCCESS 10.00
	// claimed: SUCCESS 3.00
	// failed: REST_AMOUNT_NOT_ENOUGH - show the user: 红包已被领完
	// returned: SUCCESS 7.00
}
