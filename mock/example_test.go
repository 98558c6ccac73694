package mock_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
)

// Start the mock in-process, pay a QR order as the buyer, and query it.
func Example() {
	srv, err := mock.Start(mock.Options{Seed: 1})
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	c, err := client.New(srv.DevClientConfig())
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	order := client.Order{OutTradeNo: "order-1", TotalAmount: amount.MustParse("9.90"), Subject: "Coffee"}
	if _, err := c.Precreate(ctx, client.PrecreateRequest{Order: order}); err != nil {
		panic(err)
	}
	// The simulated buyer scans and pays through the control API.
	resp, err := http.Post(srv.URL()+"/_mock/trades/order-1/pay", "application/json", nil)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()

	q, err := c.Query(ctx, client.QueryRequest{OutTradeNo: "order-1"})
	if err != nil {
		panic(err)
	}
	fmt.Println(q.TradeStatus, q.TotalAmount)
	// Output: TRADE_SUCCESS 9.90
}
