package mocktest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/domain"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// FillTrades puts n trades of the dev app into srv's trade book in
// process (no HTTP, no signatures), made as precreate makes them and paid
// by a buyer, out_trade_no prefix followed by a number: how the scale and
// memory benchmarks store a million trades in seconds. Every string the
// gateway would have parsed from a request is a fresh copy, so what the
// book keeps is what it keeps for gateway calls. Trades with notifyURL
// set notify (and sign) as any other; "" notifies nothing.
func FillTrades(t testing.TB, srv *mock.Server, prefix string, n int, notifyURL string) {
	t.Helper()
	app, ok := srv.Apps.Get(keys.DevAppID)
	if !ok {
		t.Fatal("no dev app")
	}
	for i := 0; i < n; i++ {
		m := domain.Merchant{AppID: strings.Clone(app.AppID), Seller: app.Seller}
		ctx := domain.Context{Charset: sign.Charset(strings.Clone("utf-8")), SignType: sign.Type(strings.Clone("RSA2")),
			NotifyURL: strings.Clone(notifyURL)}
		o := trade.Order{OutTradeNo: fmt.Sprintf("%s%09d", prefix, i), TotalAmount: amount.MustParse("88.88"),
			Subject: strings.Clone("Iphone6 16G")}
		tr, err := srv.Trades.Precreate(m, o, ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Trades.Act(app.AppID, tr.TradeNo, trade.ActPay, nil); err != nil {
			t.Fatal(err)
		}
	}
}
