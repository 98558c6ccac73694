package pgstore_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/pgstore"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// BenchmarkStoreScale compares, in one run, a replica whose database holds
// 1,000 trades and 1,000 red packets with one whose database holds
// 100,000 of each (inserted directly, copies of one made through the
// gateway): the control API's first page of trades and of red packets, a
// page filtered by status, the dashboard's overview (counts) and a
// gateway query. Requests alternate between the two (each first half the
// time), in rounds; each
// ratio (large / small time) is reported as its median and range over
// the rounds, and over all of them (ratio-total). Under 1.2 means the cost does not grow with stored rows.
//
//	PG_TESTS=required go test ./mock/pgstore -run '^$' -bench StoreScale -benchtime 10x
func BenchmarkStoreScale(b *testing.B) {
	small, _ := scaleMock(b, 1000)
	large, _ := scaleMock(b, 100000)
	query := func(m *mocktest.Mock) func() string {
		form := mocktest.Form(m.Params("alipay.trade.query", `{"out_trade_no":"SCALE"}`, nil)).Encode()
		return func() string { return post(b, m.URL+"/gateway.do", form) }
	}
	paths := []struct {
		name string
		do   func(m *mocktest.Mock) func() string
	}{
		{"trades", getter(b, "/_mock/trades?limit=20")},
		{"trades-paid", getter(b, "/_mock/trades?limit=20&status=TRADE_SUCCESS")},
		{"trades-closed", getter(b, "/_mock/trades?limit=20&status=TRADE_CLOSED")},
		{"trades-app", getter(b, "/_mock/trades?limit=20&app_id="+keys.DevAppID)},
		{"red-packets", getter(b, "/_mock/red-packets?limit=20")},
		{"overview", getter(b, "/_mock/ui")},
		{"query", query},
	}
	const perRound = 20
	for _, p := range paths {
		b.Run(p.name, func(b *testing.B) {
			s, l := p.do(small), p.do(large)
			s() // warm: statements prepared, caches filled
			l()
			var ratios []float64
			var ts, tl time.Duration
			for r := 0; r < b.N; r++ {
				var ds, dl time.Duration
				for i := 0; i < perRound; i++ {
					first, second, d1, d2 := s, l, &ds, &dl
					if i%2 == 1 { // each goes first half the time
						first, second, d1, d2 = l, s, &dl, &ds
					}
					t0 := time.Now()
					first()
					t1 := time.Now()
					second()
					*d2 += time.Since(t1)
					*d1 += t1.Sub(t0)
				}
				ts, tl = ts+ds, tl+dl
				ratios = append(ratios, float64(dl)/float64(ds))
			}
			sort.Float64s(ratios)
			b.ReportMetric(ratios[len(ratios)/2], "ratio-median")
			b.ReportMetric(ratios[0], "ratio-min")
			b.ReportMetric(ratios[len(ratios)-1], "ratio-max")
			b.ReportMetric(float64(tl)/float64(ts), "ratio-total")
			b.ReportMetric(float64(ts.Microseconds())/float64(b.N*perRound), "µs/small")
			b.ReportMetric(float64(tl.Microseconds())/float64(b.N*perRound), "µs/large")
		})
	}
}

func getter(b testing.TB, path string) func(m *mocktest.Mock) func() string {
	return func(m *mocktest.Mock) func() string {
		return func() string {
			resp, err := http.Get(m.URL + path)
			if err != nil {
				b.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("%s: HTTP %d: %.200s", path, resp.StatusCode, body)
			}
			return string(body)
		}
	}
}

func post(b *testing.B, url, form string) string {
	resp, err := http.Post(url, "application/x-www-form-urlencoded", strings.NewReader(form))
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"code":"10000"`) {
		b.Fatalf("query: %s", body)
	}
	return string(body)
}

// scaleMock is a replica on a new database holding n trades and n red
// packets: one of each made through the gateway, the rest copies of it
// inserted directly (new numbers, the same contents otherwise).
func scaleMock(b testing.TB, n int) (*mocktest.Mock, string) {
	url := pgURL(b)
	m := mocktest.New(b, mock.Options{Store: url, TimestampTolerance: -1, FundPublicKey: true})
	if r := m.Call("alipay.trade.pay", `{"out_trade_no":"SCALE","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`); !ok(r) {
		b.Fatalf("pay: %v", r)
	}
	if r := m.Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"SCALEP","out_request_no":"p","order_title":"红包","amount":"10.00","payer_user_id":"2088102000000001"}`); !ok(r) {
		b.Fatalf("red packet: %v", r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	conn := pgtest.Conn(b, url)
	for _, q := range []string{
		pgstore.CountInserted(`INSERT INTO alipay_mock_trades (trade_no, app_id, out_trade_no, qr_token, cashier_token, created, deadline, data, status)
		SELECT t.trade_no || 'x' || i, t.app_id, t.out_trade_no || 'x' || i, NULL, t.cashier_token || 'x' || i, t.created, t.deadline,
			convert_to(replace(replace(convert_from(t.data, 'UTF8'), t.trade_no, t.trade_no || 'x' || i), '"SCALE"', '"SCALEx' || i || '"'), 'UTF8'), t.status
		FROM alipay_mock_trades t, generate_series(2, $1) i RETURNING status`, "'trade'", false),
		`INSERT INTO alipay_mock_red_packets (auth_no, app_id, out_order_no, cashier_token, created, deadline, data, status, claim)
		SELECT t.auth_no || 'x' || i, t.app_id, t.out_order_no || 'x' || i, NULL, t.created, t.deadline,
			convert_to(replace(replace(convert_from(t.data, 'UTF8'), t.auth_no, t.auth_no || 'x' || i), '"SCALEP"', '"SCALEPx' || i || '"'), 'UTF8'), t.status, t.claim
		FROM alipay_mock_red_packets t, generate_series(2, $1) i`,
		`VACUUM ANALYZE`,
	} {
		args := []any{n}
		if q == "VACUUM ANALYZE" {
			args = nil
		}
		if _, err := conn.Exec(ctx, q, args...); err != nil {
			b.Fatalf("%v: %.80s", err, q)
		}
	}
	var got int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM alipay_mock_trades").Scan(&got); err != nil || got != n {
		b.Fatalf("%d trades stored (%v), want %d", got, err, n)
	}
	if !strings.Contains(getter(b, "/_mock/ui")(m)(), fmt.Sprint(n)) {
		b.Logf("the overview does not show %d", n)
	}
	return m, url
}
