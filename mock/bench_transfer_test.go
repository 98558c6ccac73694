package mock_test

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/domain"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// BenchmarkGatewayTransfer: every op an alipay.fund.trans.uni.transfer with
// a new out_biz_no through the whole handler, on an app with `trades` paid
// trades. The balance check adds up the app's payments by the bills' rule
// (bill.Income) at each transfer, so its cost grows with the trades kept:
// ratio_to_sign shows by how much, against the bare RSA2 sign rate of
// this run. Run with
//
//	go test ./mock -run '^$' -bench GatewayTransfer -benchtime 2s
func BenchmarkGatewayTransfer(b *testing.B) {
	for _, trades := range []int{0, 1000, 10000} {
		b.Run(fmt.Sprint("trades=", trades), func(b *testing.B) {
			srv := benchServer(b)
			app, _ := srv.Apps.Get(keys.DevAppID)
			m := domain.Merchant{AppID: app.AppID, Seller: app.Seller}
			ctx := domain.Context{Charset: "utf-8", SignType: "RSA2"}
			for n := 0; n < trades; n++ {
				o := trade.Order{OutTradeNo: fmt.Sprintf("T%08d", n), TotalAmount: amount.MustParse("88.88"), Subject: "s"}
				t, err := srv.Trades.Precreate(m, o, ctx)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := srv.Trades.Act(app.AppID, t.TradeNo, trade.ActPay, nil); err != nil {
					b.Fatal(err)
				}
			}
			benchRound++
			forms := make([]string, b.N)
			for i := range forms {
				forms[i] = signedForm(b, "alipay.fund.trans.uni.transfer", fmt.Sprintf(
					`{"out_biz_no":"X%d-%08d","trans_amount":"0.10","product_code":"TRANS_ACCOUNT_NO_PWD","biz_scene":"DIRECT_TRANSFER","payee_info":{"identity":"2088000000000777","identity_type":"ALIPAY_USER_ID"}}`,
					benchRound, i))
			}
			rate := signRate(b, 200)
			runtime.GC()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				serve(b, srv, forms[i])
				keepJournalShort(b, srv, i, true)
			}
			b.StopTimer()
			ops := float64(b.N) / b.Elapsed().Seconds()
			b.ReportMetric(ops, "ops/s")
			b.ReportMetric(ops/rate, "ratio_to_sign")
		})
	}
}
