package mock_test

import (
	"fmt"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/domain"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// BenchmarkGatewayTransfer: every op an alipay.fund.trans.uni.transfer with
// a new out_biz_no through the whole handler, on an app with `trades` paid
// trades. The balance reads the app's income total and the payee check an
// index of the app's paying buyers, so the cost should not grow with the
// trades kept; ratio_to_sign is against the bare RSA2 sign rate of this
// run (BenchmarkTransferPaidRatio compares interleaved). Run with
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
					`{"out_biz_no":"X%d-%08d","trans_amount":"0.10","product_code":"TRANS_ACCOUNT_NO_PWD","transfer_scene_name":"佣金报酬","biz_scene":"DIRECT_TRANSFER","payee_info":{"identity":"2088000000000777","identity_type":"ALIPAY_USER_ID"}}`,
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

// BenchmarkTransferPaidRatio: the transfer rate on an app with 10,000 paid
// trades against one with none, in the same run, interleaved (a round of
// 50 transfers on each, in turn). A transfer asks whether its payee is a
// known buyer of the app: an index lookup, so the ratio should stay near
// 1. Reports the median ratio of the rounds and its range. Run with
//
//	go test ./mock -run '^$' -bench TransferPaidRatio -benchtime 2000x
func BenchmarkTransferPaidRatio(b *testing.B) {
	const paid, round = 10000, 50
	srvs := [2]*mock.Server{benchServer(b), benchServer(b)}
	app, _ := srvs[1].Apps.Get(keys.DevAppID)
	m := domain.Merchant{AppID: app.AppID, Seller: app.Seller}
	ctx := domain.Context{Charset: "utf-8", SignType: "RSA2"}
	for n := 0; n < paid; n++ {
		o := trade.Order{OutTradeNo: fmt.Sprintf("T%08d", n), TotalAmount: amount.MustParse("88.88"), Subject: "s"}
		t, err := srvs[1].Trades.Precreate(m, o, ctx)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := srvs[1].Trades.Act(app.AppID, t.TradeNo, trade.ActPay, nil); err != nil {
			b.Fatal(err)
		}
	}
	benchRound++
	forms := make([]string, b.N)
	for i := range forms {
		payee := "2088000000000777" // a stranger: the old walk read every paid trade for it
		forms[i] = signedForm(b, "alipay.fund.trans.uni.transfer", fmt.Sprintf(
			`{"out_biz_no":"P%d-%08d","trans_amount":"0.10","product_code":"TRANS_ACCOUNT_NO_PWD","transfer_scene_name":"佣金报酬","biz_scene":"DIRECT_TRANSFER","payee_info":{"identity":"%s","identity_type":"ALIPAY_USER_ID"}}`,
			benchRound, i, payee))
	}
	runtime.GC()
	b.ResetTimer()
	var ratios []float64
	var took [2]time.Duration
	for i := 0; i < b.N; i += round {
		end := min(i+round, b.N)
		for s, srv := range srvs {
			start := time.Now()
			for j := i; j < end; j++ {
				serve(b, srv, forms[j])
				keepJournalShort(b, srv, j, true)
			}
			took[s] = time.Since(start)
		}
		if end-i == round {
			ratios = append(ratios, float64(took[0])/float64(took[1])) // rate at 10,000 paid / rate at none
		}
	}
	b.StopTimer()
	if len(ratios) == 0 {
		return
	}
	sort.Float64s(ratios)
	b.ReportMetric(ratios[len(ratios)/2], "median_ratio")
	b.ReportMetric(ratios[0], "min_ratio")
	b.ReportMetric(ratios[len(ratios)-1], "max_ratio")
}
