package pgstore_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// listAll pages through a control-API list with limit, following
// X-Next-Cursor, and returns the values of field in order.
func listAll(t *testing.T, m *mocktest.Mock, path, field string, limit int) []string {
	t.Helper()
	var out []string
	cursor := ""
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatalf("%s: more pages than rows", path)
		}
		u := fmt.Sprintf("%s/_mock%s%slimit=%d", m.URL, path, sep, limit)
		if cursor != "" {
			u += "&cursor=" + cursor
		}
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		var rows []map[string]any
		err = json.NewDecoder(resp.Body).Decode(&rows)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: HTTP %d, %v", u, resp.StatusCode, err)
		}
		if len(rows) > limit {
			t.Fatalf("%s: %d rows, limit %d", u, len(rows), limit)
		}
		for _, r := range rows {
			s, _ := r[field].(string)
			out = append(out, s)
		}
		cursor = resp.Header.Get("X-Next-Cursor")
		if cursor == "" {
			return out
		}
	}
}

// TestReplicasListAndCountFromTheDatabase: lists page through what every
// replica stored, each trade once and in the order stored, filtered by
// app and status in the database; counts are the database's, on any
// replica, including trades this replica never touched.
func TestReplicasListAndCountFromTheDatabase(t *testing.T) {
	rs := replicas(t, 2, mock.Options{FundPublicKey: true})
	var want []string
	for i := 0; i < 7; i++ {
		out := fmt.Sprintf("L%d", i)
		if pre := rs[i%2].Call("alipay.trade.precreate", `{"out_trade_no":"`+out+`","total_amount":"1.00","subject":"s"}`); !ok(pre) {
			t.Fatalf("precreate: %v", pre)
		}
		want = append(want, out)
	}
	for _, out := range []string{"L1", "L4"} {
		rs[0].Control(http.MethodPost, "/trades/"+out+"/pay", nil, http.StatusOK)
	}
	for _, limit := range []int{1, 2, 3, 7, 50} {
		got := listAll(t, rs[1], "/trades", "out_trade_no", limit)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("limit %d: listed %v, want %v", limit, got, want)
		}
	}
	if got := listAll(t, rs[1], "/trades?status=TRADE_SUCCESS", "out_trade_no", 1); fmt.Sprint(got) != "[L1 L4]" {
		t.Fatalf("paid trades: %v", got)
	}
	if got := listAll(t, rs[1], "/trades?app_id=nobody", "out_trade_no", 5); len(got) != 0 {
		t.Fatalf("another app's trades: %v", got)
	}
	for i, r := range rs {
		c := must(r.Srv.Trades.Counts())(t)
		if c[trade.WaitBuyerPay] != 5 || c[trade.Success] != 2 || len(c) != 2 {
			t.Fatalf("replica %d counts %v, want 5 waiting and 2 paid", i, c)
		}
	}
	// A deadline that has come is applied before a count or a list reads
	// statuses: unpaid trades expire (2 h for a precreate by default).
	rs[0].Advance("3h")
	if got := listAll(t, rs[1], "/trades?status=TRADE_CLOSED", "out_trade_no", 2); len(got) != 5 {
		t.Fatalf("closed after expiry: %v", got)
	}
	if c := must(rs[1].Srv.Trades.Counts())(t); c[trade.Closed] != 5 || c[trade.Success] != 2 || len(c) != 2 {
		t.Fatalf("counts after expiry %v", c)
	}
	// A reset empties the counters with the rows.
	rs[1].Control(http.MethodPost, "/reset", nil, http.StatusOK)
	if c := must(rs[0].Srv.Trades.Counts())(t); len(c) != 0 {
		t.Fatalf("counts after a reset: %v", c)
	}

	// Red packets and claims the same way.
	p := rs[0].Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"LP","out_request_no":"LP-pay","order_title":"红包","amount":"10.00","payer_user_id":"2088102000000001"}`)
	authNo, _ := p["auth_no"].(string)
	if !ok(p) {
		t.Fatalf("red packet: %v", p)
	}
	for i := 0; i < 3; i++ {
		c := rs[1].Call("alipay.fund.coupon.order.disburse", fmt.Sprintf(`{"out_order_no":"LC%d","out_request_no":"1","deduct_auth_no":"%s","amount":"1.00","payee_user_id":"2088102000000101"}`, i, authNo))
		if !ok(c) {
			t.Fatalf("claim: %v", c)
		}
	}
	if got := listAll(t, rs[1], "/red-packets", "out_order_no", 2); fmt.Sprint(got) != "[LP LC0 LC1 LC2]" {
		t.Fatalf("red packets listed: %v", got)
	}
	packets, claims, err := rs[1].Srv.Coupons.Counts()
	if err != nil {
		t.Fatal(err)
	}
	if packets[coupon.OrderAuthorized] != 1 || len(packets) != 1 || claims != 3 {
		t.Fatalf("red packet counts %v, claims %d", packets, claims)
	}
}
