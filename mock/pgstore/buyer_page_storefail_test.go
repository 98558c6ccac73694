package pgstore_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// A buyer page (QR page and image, cashier, a buyer's action, a red
// packet's cashier) whose trade or red packet the database could not read
// is a 503 error page, not 404 "订单不存在" as if there were none, nor the
// page of an empty order.
func TestBuyerPageStoreFailedIs503(t *testing.T) {
	rs, dbURL := replicasAt(t, 2, mock.Options{FundPublicKey: true})
	a, b := rs[0], rs[1]
	pre := a.Call("alipay.trade.precreate", `{"out_trade_no":"SF1","total_amount":"1.00","subject":"x"}`)
	if !ok(pre) {
		t.Fatalf("precreate: %v", pre)
	}
	qr := path.Base(fmt.Sprint(pre["qr_code"]))
	a.Post(a.Params("alipay.trade.page.pay", `{"out_trade_no":"SF2","total_amount":"1.00","subject":"x","product_code":"FAST_INSTANT_TRADE_PAY"}`, nil))
	tr, err := a.Srv.Trades.Get(keys.DevAppID, "SF2")
	if err != nil || tr.CashierToken == "" {
		t.Fatalf("page pay trade: %+v %v", tr, err)
	}
	a.Post(a.Params("alipay.fund.coupon.order.page.pay", `{"out_order_no":"SF3","out_request_no":"SF3-pay","order_title":"红包","amount":"3.00","pay_timeout":"5m"}`, nil))
	rp, err := a.Srv.Coupons.Get(keys.DevAppID, "SF3")
	if err != nil || rp.CashierToken == "" {
		t.Fatalf("red packet: %+v %v", rp, err)
	}
	pages := []string{"/qr/" + qr, "/qr/" + qr + ".png", "/cashier/" + tr.CashierToken, "/cashier/coupon/" + rp.CashierToken}
	for _, p := range pages {
		if status, page := get(t, b, p); status != http.StatusOK {
			t.Fatalf("GET %s: HTTP %d %.200s", p, status, page)
		}
	}
	conn := pgtest.Conn(t, dbURL)
	for _, table := range []string{"alipay_mock_trades", "alipay_mock_red_packets"} {
		if _, err := conn.Exec(context.Background(), `ALTER TABLE `+table+` RENAME TO `+table+`_away`); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_, _ = conn.Exec(context.Background(), `ALTER TABLE `+table+`_away RENAME TO `+table)
		})
	}
	for _, p := range pages {
		if status, page := get(t, a, p); status != http.StatusServiceUnavailable {
			t.Errorf("GET %s with the database failing: HTTP %d, want 503:\n%.300s", p, status, page)
		}
	}
	for _, p := range []string{"/qr/" + qr, "/cashier/" + tr.CashierToken, "/cashier/coupon/" + rp.CashierToken} {
		resp, err := http.Post(a.URL+p, "application/x-www-form-urlencoded", strings.NewReader(url.Values{"action": {"pay"}}.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("POST %s action=pay with the database failing: HTTP %d, want 503", p, resp.StatusCode)
		}
	}
}
