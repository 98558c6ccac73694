package mock_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/journal"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// The journal's byte budget (--journal-max-bytes) bounds its answer too:
// values full of characters JSON escapes (<, >, & as \u003c, six bytes
// for one; control characters) made GET /_mock/journal six times the
// budget, built whole in memory, and any gateway caller can fill the
// journal so. Entries are counted as JSON writes them and written one at
// a time, <, > and & as they are.
func TestJournalAnswerStaysAboutItsByteBudget(t *testing.T) {
	for _, c := range []string{"<", "\x01"} {
		m := mocktest.New(t, mock.Options{Journal: journal.Options{MaxBytes: journal.MinBytes}})
		big := strings.Repeat(c, 60<<10)
		for i := 0; i < 40; i++ {
			m.Post(m.Params("alipay.trade.query", `{"out_trade_no":"`+big+`"}`, nil))
		}
		resp, err := http.Get(m.URL + "/_mock/journal?limit=1000")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /_mock/journal: %d %s", resp.StatusCode, b)
		}
		if len(b) > 2*journal.MinBytes {
			t.Errorf("%q: the journal's answer is %d bytes, budget %d", c, len(b), journal.MinBytes)
		}
		var list []journal.Entry
		m.ControlJSON("GET", "/journal?limit=1000", nil, http.StatusOK, &list)
		if len(list) == 0 || !strings.Contains(list[0].Params["biz_content"], big[:1000]) {
			t.Errorf("%q: the newest entry does not hold the request's biz_content", c)
		}
	}
}
