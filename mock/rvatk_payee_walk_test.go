package mock_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// rv-atk: anyone who can sign for the dev app (its key is public) can make
// every later trade of every app cost a walk of the whole payee index under
// the trade book's lock. On the public QR page it pays --keep-trades
// trades as one user (buyer_id) with a new logon each time, in increasing
// order; the index then names that user's lowest logon (payees.go,
// dropPayee), and each eviction of the oldest trade drops exactly that
// logon, so dropPayee walks every logon of the app to find the next lowest.
// At the default 100,000 kept trades that is a walk of 100,000 map entries
// per new trade, for everyone, while the attacker's trades are evicted.
// The test compares the eviction phase against the same number of trades
// paid by distinct users (no walk): it should cost about the same.
func TestRvatkPayeeIndexWalkOnEveryEviction(t *testing.T) {
	if testing.Short() {
		t.Skip("fills the trade book")
	}
	const keep, evict = 10000, 400
	type side struct {
		m      *mocktest.Mock
		bodies []url.Values
		took   time.Duration
	}
	fill := func(sameUser bool) *side {
		m := mocktest.New(t, mock.Options{Trades: trade.Options{Keep: keep}})
		for i := 0; i < keep; i++ {
			pre := m.Call("alipay.trade.precreate", fmt.Sprintf(`{"out_trade_no":"PW%06d","total_amount":"1.00","subject":"s"}`, i))
			f := url.Values{"action": {"pay"}, "buyer_logon_id": {fmt.Sprintf("pw%06d@example.com", i)}}
			f.Set("buyer_id", fmt.Sprintf("2088%012d", 300000+i))
			if sameUser {
				f.Set("buyer_id", "2088000000000731")
			}
			if i == 0 { // a user id named alone: the app's payee index is built
				f.Del("buyer_logon_id")
			}
			if r, body := cashierPost(t, pre["qr_code"].(string), f); r.StatusCode != http.StatusOK || !strings.Contains(body, "支付成功") {
				t.Fatalf("trade %d: HTTP %d", i, r.StatusCode)
			}
		}
		// The requests past the bound, signed before the clock starts: each
		// evicts the oldest trade.
		s := &side{m: m, bodies: make([]url.Values, evict)}
		for i := range s.bodies {
			s.bodies[i] = mocktest.Form(m.Params("alipay.trade.precreate", fmt.Sprintf(`{"out_trade_no":"PX%06d","total_amount":"1.00","subject":"s"}`, i), nil))
		}
		return s
	}
	distinct, same := fill(false), fill(true)
	for i := 0; i < evict; i++ { // interleaved, so the machine's load falls on both alike
		for _, s := range []*side{distinct, same} {
			start := time.Now()
			s.m.Read(rvatkPost(http.PostForm(s.m.URL+"/gateway.do", s.bodies[i])))
			s.took += time.Since(start)
		}
	}
	t.Logf("%d trades past the bound: %v after distinct buyers, %v after one user with ordered logons", evict, distinct.took, same.took)
	if same.took*10 > distinct.took*13 {
		t.Errorf("%d new trades took %v once one user had paid the kept trades with increasing logons, %v after distinct buyers: each eviction walks the app's whole payee index under the book's lock (mock/trade/payees.go dropPayee)", evict, same.took, distinct.took)
	}
}

func rvatkPost(r *http.Response, err error) *http.Response {
	if err != nil {
		panic(err)
	}
	return r
}
