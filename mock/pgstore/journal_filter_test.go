package pgstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// With --store, ?failed=false lists only the requests whose signature
// verified, on every replica, also the entries an older build wrote
// (without the verified column: read from the entry).
func TestReplicasJournalFailedFalseListsOnlyVerified(t *testing.T) {
	rs, url := replicasAt(t, 2, mock.Options{})
	rs[0].Call("alipay.trade.query", `{"out_trade_no":"good"}`)
	rs[0].Post(rs[0].Params("alipay.trade.query", `{"out_trade_no":"bad"}`, func(p map[string]string) { p["sign"] = "AAAA" }))
	waitJournal(t, rs[1], 2)
	check := func(when string) {
		t.Helper()
		list := journalOf(rs[1], "failed=false")
		if len(list) != 1 || !list[0].Verified {
			t.Errorf("%s: failed=false lists %+v, want the one verified request", when, list)
		}
	}
	check("written by this build")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := pgtest.Conn(t, url).Exec(ctx, `UPDATE alipay_mock_journal SET verified = NULL`); err != nil {
		t.Fatal(err)
	}
	check("written by an older build")
	if got := journalOf(rs[1], ""); len(got) != 2 {
		t.Errorf("no filter lists %d entries, want 2", len(got))
	}
	if got := journalOf(rs[1], "failed=true"); len(got) != 1 || got[0].Verified {
		t.Errorf("failed=true lists %+v, want the one failed request", got)
	}
}
