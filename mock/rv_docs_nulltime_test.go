package mock_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// TestRVDocsUnsetTimeIsNull checks docs/control-api.md: "Every time in the
// answers is GMT+8 yyyy-MM-dd HH:mm:ss ...; one not set is `null`." A trade
// no buyer has paid or closed has no payment or close time: the docs say the
// answer carries "gmt_payment":null and "gmt_close":null, so a client that
// tests `trade.gmt_payment === null` (or decodes into a required field)
// reads it. The mock leaves both keys out instead.
func TestRVDocsUnsetTimeIsNull(t *testing.T) {
	h := newHarness(t, mock.Options{})
	if r := h.call("alipay.trade.precreate", `{"out_trade_no":"rv-null-1","total_amount":"1.00","subject":"Tea"}`); r["code"] != "10000" {
		t.Fatalf("precreate: %v", r)
	}
	raw := h.m().Control(http.MethodGet, "/trades/rv-null-1", "", http.StatusOK)
	var tr map[string]json.RawMessage
	if err := json.Unmarshal(raw, &tr); err != nil {
		t.Fatalf("decode: %v\n%s", err, raw)
	}
	if string(tr["gmt_create"]) == "" || string(tr["gmt_create"]) == "null" {
		t.Fatalf("gmt_create should be set: %s", raw)
	}
	for _, k := range []string{"gmt_payment", "gmt_close"} {
		v, ok := tr[k]
		if !ok {
			t.Errorf("%s of an unpaid, open trade: key absent; docs/control-api.md says a time not set is null\n%s", k, raw)
			continue
		}
		if string(v) != "null" {
			t.Errorf("%s of an unpaid, open trade = %s, want null", k, v)
		}
	}
}
