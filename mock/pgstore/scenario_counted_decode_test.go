package pgstore_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// TestSharedCountedRequestDoesNotDecodeTheListAgain: with --store a
// replica that holds the stored scenario list's latest write (its own,
// or one it read) does not decode it again for a counted request, nor
// when its own write is announced back to it: the row's jsonb never gives
// back the bytes written, so comparing them decoded the whole list (here
// 1 MiB of text) for every close the rule counts, and again when the
// close's own write was announced back.
func TestSharedCountedRequestDoesNotDecodeTheListAgain(t *testing.T) {
	m := replicas(t, 1, mock.Options{NoMagicAmounts: true})[0]
	big := "# " + strings.Repeat("x", 1<<20-300) + "\nname: big\nrules:\n  - when: {method: alipay.trade.query}\n    then: {fault: drop}\n"
	m.Control(http.MethodPost, "/scenarios?name=big", big, http.StatusCreated)
	m.Control(http.MethodPost, "/scenarios?name=counting", "name: counting\nrules:\n  - when: {method: alipay.trade.close}\n    times: 1\n    then: {respond: {code: \"40004\"}}\n", http.StatusCreated)
	const n = 20
	for i := 0; i < n; i++ {
		m.Call("alipay.trade.precreate", fmt.Sprintf(`{"out_trade_no":"CNT-COST-%d","total_amount":"1.00","subject":"s"}`, i))
	}
	closes := mocktest.AllocatedBy(func() {
		for i := 0; i < n; i++ {
			m.Call("alipay.trade.close", fmt.Sprintf(`{"out_trade_no":"CNT-COST-%d"}`, i))
		}
		// A control request waits until the replica has heard every
		// announcement before it, so the window holds all n of its own.
		m.Control(http.MethodGet, "/clock", nil, http.StatusOK)
	}) / n
	t.Logf("a close the rule counts allocates %d bytes with --store", closes)
	bound := uint64(13 << 19) // ~4.7 MB; ~11 MB decoding its own change announced back; was ~12 MB
	if raceDetector {
		bound = 11 << 20 // ~8 MB; ~14 MB decoding its own change announced back: no pooled buffers
	}
	if closes > bound {
		t.Errorf("a counted close allocates %.1f MB for 1 MiB of text in force with --store: the list is decoded again", float64(closes)/(1<<20))
	}
}
