package pgstore_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// ?failed=false lists a row an older build wrote (verified NULL) whose
// entry holds a NUL (a parameter anyone can send): read as jsonb, which
// refuses \u0000, such a row made every failed=false listing 503.
func TestReplicasJournalFailedFalseReadsOldRowsHoldingANUL(t *testing.T) {
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
