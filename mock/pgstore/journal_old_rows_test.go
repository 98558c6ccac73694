package pgstore_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// The rows an older build wrote (verified NULL) are read for ?failed=false
// by casting their data to jsonb, which refuses \u0000: one such row
// holding a NUL (a parameter anyone can send) makes every failed=false
// listing (and its count) 503, until the row is trimmed.
func TestRvfJournalFailedFalseOldRowWithNUL(t *testing.T) {
	rs, url := replicasAt(t, 1, mock.Options{})
	rs[0].Call("alipay.trade.query", "{\"out_trade_no\":\"nul\\u0000here\"}")
	waitJournal(t, rs[0], 1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := pgtest.Conn(t, url).Exec(ctx, `UPDATE alipay_mock_journal SET verified = NULL`); err != nil {
		t.Fatal(err)
	}
	var list []entry
	rs[0].ControlJSON(http.MethodGet, "/journal?failed=false", nil, http.StatusOK, &list)
	if len(list) != 1 {
		t.Errorf("failed=false lists %d entries, want the one verified request", len(list))
	}
}
