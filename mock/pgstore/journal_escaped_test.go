package pgstore_test

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/journal"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// With --store, an entry full of <, > and & is stored as JSON no longer
// than its size (json.Marshal wrote each as \u003c, six bytes for one),
// and the journal's answer stays about its byte budget.
func TestReplicasJournalStoresAndAnswersAboutItsBudget(t *testing.T) {
	rs, url := replicasAt(t, 2, mock.Options{Journal: journal.Options{MaxBytes: journal.MinBytes}})
	big := strings.Repeat("<", 60<<10)
	for i := 0; i < 16; i++ {
		rs[0].Post(rs[0].Params("alipay.trade.query", `{"out_trade_no":"E`+strconv.Itoa(i)+big+`"}`, nil))
		waitListed(t, rs[0], `"E`+strconv.Itoa(i)+`<<<`)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var data, size int64
	if err := pgtest.Conn(t, url).QueryRow(ctx, `SELECT coalesce(sum(octet_length(data)), 0), coalesce(sum(size), 0) FROM alipay_mock_journal`).Scan(&data, &size); err != nil {
		t.Fatal(err)
	}
	if data == 0 || data > size {
		t.Errorf("the journal's rows hold %d bytes of JSON, their sizes count %d", data, size)
	}
	resp, err := http.Get(rs[1].URL + "/_mock/journal?limit=1000")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(b) > 2*journal.MinBytes {
		t.Errorf("GET /_mock/journal: %d, %d bytes (budget %d)", resp.StatusCode, len(b), journal.MinBytes)
	}
}
