package pgstore_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// BenchmarkReplicaTransferPaidRatio: the transfer rate of a replica whose
// app has 10,000 paid trades against one whose app has none, each on its
// own database, interleaved in one run (rounds of 50 transfers on each in
// turn, requests signed beforehand). The payee check is one indexed
// lookup and the balance one row, so the ratio should stay near 1. Reports
// the median ratio of the rounds and its range:
//
//	PG_TESTS=required go test ./mock/pgstore -run '^$' -bench TransferPaidRatio -benchtime 1000x
func BenchmarkReplicaTransferPaidRatio(b *testing.B) {
	const paid, round = 10000, 50
	opts := mock.Options{TimestampTolerance: -1, FundPublicKey: true}
	var ms [2]*mocktest.Mock
	for i := range ms {
		o := opts
		o.Store = pgURL(b)
		ms[i] = mocktest.New(b, o)
	}
	mocktest.FillTrades(b, ms[1].Srv, "PAID", paid, "")
	run := fmt.Sprintf("X%d", time.Now().UnixNano())
	forms := make([]string, b.N)
	for i := range forms {
		forms[i] = mocktest.Form(ms[0].Params("alipay.fund.trans.uni.transfer", fmt.Sprintf(
			`{"out_biz_no":"%s-%d","trans_amount":"0.10","product_code":"TRANS_ACCOUNT_NO_PWD","transfer_scene_name":"佣金报酬","biz_scene":"DIRECT_TRANSFER","payee_info":{"identity":"2088000000000777","identity_type":"ALIPAY_USER_ID"}}`,
			run, i), nil)).Encode()
	}
	hc := &http.Client{}
	b.ResetTimer()
	var ratios []float64
	var took [2]time.Duration
	for i := 0; i < b.N; i += round {
		end := min(i+round, b.N)
		for s, m := range ms {
			start := time.Now()
			for j := i; j < end; j++ {
				resp, err := hc.Post(m.URL+"/gateway.do", "application/x-www-form-urlencoded", strings.NewReader(forms[j]))
				if err != nil {
					b.Fatal(err)
				}
				body := m.Read(resp)
				if !strings.Contains(string(body), `"code":"10000"`) {
					b.Fatalf("transfer: %s", body)
				}
			}
			took[s] = time.Since(start)
		}
		if end-i == round {
			ratios = append(ratios, float64(took[0])/float64(took[1]))
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

// BenchmarkReplicaPay: unique alipay.trade.pay calls (each a new paid
// trade: the trade, its alipay_mock_paid row and the account's income in
// one transaction) from 16 clients on one replica, requests signed
// beforehand:
//
//	PG_TESTS=required go test ./mock/pgstore -run '^$' -bench ReplicaPay -benchtime 1500x
func BenchmarkReplicaPay(b *testing.B) {
	opts := mock.Options{TimestampTolerance: -1, Store: pgURL(b), FundPublicKey: true}
	m := mocktest.New(b, opts)
	run := fmt.Sprintf("P%d", time.Now().UnixNano())
	forms := make([]string, b.N)
	for i := range forms {
		forms[i] = mocktest.Form(m.Params("alipay.trade.pay", fmt.Sprintf(`{"out_trade_no":"%s-%d","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`, run, i), nil)).Encode()
	}
	b.ResetTimer()
	start := time.Now()
	failed := postAll(b, forms, func(int) string { return m.URL })
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	if failed > 0 {
		b.Fatalf("%d failed", failed)
	}
}
