package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"strings"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// devClient is a client of the mock's development app.
func devClient(srv *mock.Server) *client.Client {
	c, err := client.New(client.Config{
		GatewayURL:      srv.GatewayURL(),
		AppID:           keys.DevAppID,
		PrivateKey:      string(keys.DevFile("app_private_key.pem")),
		AlipayPublicKey: string(keys.DevFile("alipay_public_key.pem")),
	})
	if err != nil {
		log.Fatal(err)
	}
	return c
}

// devCertClient is a client of the certificate-mode dev app, which fund
// methods (transfers, red packets) need: the certificates an app in that
// mode downloads from Alipay's console, here the shipped ones.
func devCertClient(srv *mock.Server) *client.Client {
	c, err := client.New(client.Config{
		GatewayURL:     srv.GatewayURL(),
		AppID:          keys.DevCertAppID,
		PrivateKey:     string(keys.DevFile("app_private_key.pem")),
		AppCert:        string(keys.DevCertAppCertPEM()),
		AlipayRootCert: string(keys.DevRootCertPEM()),
		AlipayCert:     string(keys.DevAlipayCertPEM()),
	})
	if err != nil {
		log.Fatal(err)
	}
	return c
}

// simulateBuyer makes the mock's buyer scan, pay, fail or close.
func simulateBuyer(srv *mock.Server, action, outTradeNo string) {
	resp, err := http.Post(srv.URL()+"/_mock/trades/"+url.PathEscape(outTradeNo)+"/"+action, "application/json", nil)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
}

// A QR-code payment against the mock: precreate, the buyer pays, query.
func Example() {
	srv, err := mock.Start(mock.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	c, err := client.New(client.Config{
		GatewayURL:      srv.GatewayURL(), // client.ProductionGateway in production
		AppID:           keys.DevAppID,
		PrivateKey:      string(keys.DevFile("app_private_key.pem")),
		AlipayPublicKey: string(keys.DevFile("alipay_public_key.pem")),
		NotifyURL:       "https://shop.example/alipay/notify",
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	pre, err := c.Precreate(ctx, client.PrecreateRequest{Order: client.Order{
		OutTradeNo:  "order-1001",
		TotalAmount: amount.MustParse("88.00"),
		Subject:     "Coffee beans",
	}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("show this QR code:", pre.QRCode != "")

	simulateBuyer(srv, "pay", "order-1001")

	q, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "order-1001"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(q.TradeStatus, q.TotalAmount)
	// Output:
	// show this QR code: true
	// TRADE_SUCCESS 88.00
}

// A barcode payment above the password threshold answers 10003: poll
// Query until the buyer confirms, and Cancel if they never do.
func ExampleClient_Pay() {
	srv, err := mock.Start(mock.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	c := devClient(srv)
	ctx := context.Background()

	p, err := c.Pay(ctx, client.PayRequest{
		Order:    client.Order{OutTradeNo: "order-1002", TotalAmount: amount.MustParse("5000.00"), Subject: "Bicycle"},
		AuthCode: "286648048691290423", // scanned from the buyer's phone
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("code:", p.Code, "processing:", p.Processing())

	simulateBuyer(srv, "pay", "order-1002") // the buyer enters the password

	q, err := c.Query(ctx, client.QueryRequest{OutTradeNo: p.OutTradeNo})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(q.TradeStatus)
	// Output:
	// code: 10003 processing: true
	// TRADE_SUCCESS
}

// Refunds are idempotent by out_request_no; a refund beyond what is left
// fails with an *Error carrying Alipay's sub_code.
func ExampleClient_Refund() {
	srv, err := mock.Start(mock.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	c := devClient(srv)
	ctx := context.Background()

	if _, err := c.Pay(ctx, client.PayRequest{
		Order:    client.Order{OutTradeNo: "order-1003", TotalAmount: amount.MustParse("30.00"), Subject: "Lunch"},
		AuthCode: "286648048691290423",
	}); err != nil {
		log.Fatal(err)
	}

	for _, no := range []string{"refund-1", "refund-1"} {
		r, err := c.Refund(ctx, client.RefundRequest{OutTradeNo: "order-1003", OutRequestNo: no, RefundAmount: amount.MustParse("10.00")})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(no, "fund_change:", r.FundChange, "refunded so far:", r.RefundFee)
	}

	_, err = c.Refund(ctx, client.RefundRequest{OutTradeNo: "order-1003", OutRequestNo: "refund-2", RefundAmount: amount.MustParse("25.00")})
	var apiErr *client.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.Code, apiErr.SubCode)
	}
	// Output:
	// refund-1 fund_change: Y refunded so far: 10.00
	// refund-1 fund_change: N refunded so far: 10.00
	// 40004 ACQ.REFUND_AMT_NOT_EQUAL_TOTAL
}

// New catches the commonest configuration mistake: the app public key
// pasted where the Alipay public key belongs.
func ExampleNew() {
	_, err := client.New(client.Config{
		GatewayURL:      client.SandboxGateway,
		AppID:           keys.DevAppID,
		PrivateKey:      string(keys.DevFile("app_private_key.pem")),
		AlipayPublicKey: string(keys.DevFile("app_public_key.pem")), // wrong
	})
	fmt.Println(err != nil && strings.Contains(err.Error(), "app public key"))
	// Output: true
}

// NotifyHandler verifies each notification and answers "success" once the
// callback has handled it.
func ExampleClient_NotifyHandler() {
	c, err := client.New(client.Config{
		GatewayURL:      client.ProductionGateway,
		AppID:           keys.DevAppID,
		PrivateKey:      string(keys.DevFile("app_private_key.pem")),
		AlipayPublicKey: string(keys.DevFile("alipay_public_key.pem")),
	})
	if err != nil {
		log.Fatal(err)
	}
	http.Handle("/alipay/notify", c.NotifyHandler(func(ctx context.Context, n *client.Notification) error {
		if !n.Paid() {
			return nil // e.g. a refund notice (n.Refund())
		}
		// Check n.OutTradeNo and n.TotalAmount against your order and mark
		// it paid unless it already is (by the order, not n.NotifyID: a
		// later TRADE_FINISHED has its own), then return nil.
		return nil
	}))
}

// The order string goes to the Alipay app SDK on the phone.
func ExampleClient_AppPayOrderString() {
	c, err := client.New(client.Config{
		GatewayURL:      client.SandboxGateway,
		AppID:           keys.DevAppID,
		PrivateKey:      string(keys.DevFile("app_private_key.pem")),
		AlipayPublicKey: string(keys.DevFile("alipay_public_key.pem")),
	})
	if err != nil {
		log.Fatal(err)
	}
	s, err := c.AppPayOrderString(client.AppPayRequest{Order: client.Order{
		OutTradeNo: "order-1004", TotalAmount: amount.MustParse("9.90"), Subject: "Game coins",
	}})
	if err != nil {
		log.Fatal(err)
	}
	v, _ := url.ParseQuery(s)
	fmt.Println(v.Get("method"))
	fmt.Println(v.Get("biz_content"))
	// Output:
	// alipay.trade.app.pay
	// {"out_trade_no":"order-1004","total_amount":"9.90","subject":"Game coins","product_code":"QUICK_MSECURITY_PAY"}
}

// Transport points code whose gateway is fixed at openapi.alipay.com (such
// as go-pay/gopay, through its SetHttpClient) at the mock.
func ExampleNewTransport() {
	srv, err := mock.Start(mock.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	t, err := client.NewTransport(srv.URL(), nil)
	if err != nil {
		log.Fatal(err)
	}
	c, err := client.New(client.Config{
		GatewayURL:      client.ProductionGateway,
		HTTPClient:      &http.Client{Transport: t},
		AppID:           keys.DevAppID,
		PrivateKey:      string(keys.DevFile("app_private_key.pem")),
		AlipayPublicKey: string(keys.DevFile("alipay_public_key.pem")),
	})
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.Query(context.Background(), client.QueryRequest{OutTradeNo: "no-such-order"})
	fmt.Println(err)
	// Output: alipay: 40004 Business Failed: ACQ.TRADE_NOT_EXIST 交易不存在
}
