package mock_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// Past --keep-trades-bytes the trades no buyer acted on go first, the one
// just made too (docs/limits.md): when the tester's paid trades fill the
// byte bound, one cross-site page pay form with long text (subject, body,
// passback_params, all kept) goes itself, not a paid trade
// (docs/security.md: another site's page cannot evict the tester's trades).
func TestOneCrossSitePagePayFormPastTheByteBoundKeepsEveryPaidTrade(t *testing.T) {
	const max = 24 << 10
	m := mocktest.New(t, mock.Options{Trades: trade.Options{KeepBytes: max}})
	var paid []string
	for i := 0; ; i++ {
		out := fmt.Sprintf("DEV-PAID-%d", i)
		if r := m.Call("alipay.trade.pay", `{"out_trade_no":"`+out+`","total_amount":"8.00","subject":"coffee","scene":"bar_code","auth_code":"286111111111111111"}`); r["code"] != "10000" {
			t.Fatalf("barcode pay: %v", r)
		}
		paid = append(paid, out)
		n, bytes, _ := tradeMemory(m)
		if n < len(paid) {
			t.Fatalf("paid trades alone were evicted at %d trades, %d bytes", n, bytes)
		}
		if max-bytes < 1000 { // the tester's paid trades fill the bound
			break
		}
	}
	cross := map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "http://evil.example", "User-Agent": "Mozilla/5.0"}
	biz := fmt.Sprintf(`{"out_trade_no":"EVIL","total_amount":"1.00","subject":"%s","body":"%s","passback_params":"%s","product_code":"FAST_INSTANT_TRADE_PAY"}`,
		strings.Repeat("x", 256), strings.Repeat("y", 128), strings.Repeat("z", 512))
	p := m.Params("alipay.trade.page.pay", biz, nil)
	if status, loc, body := sendGateway(t, m, http.MethodPost, p, cross); status != http.StatusFound {
		t.Fatalf("page pay from another site: HTTP %d %q %s", status, loc, body)
	}
	for _, out := range paid {
		if q := m.Call("alipay.trade.query", `{"out_trade_no":"`+out+`"}`); q["trade_status"] != "TRADE_SUCCESS" {
			t.Errorf("the tester's paid trade %s was evicted for one cashier another site opened: %v", out, q["sub_code"])
		}
	}
}
