package mock_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// TestControlUnsetTimeIsNull pins docs/control-api.md: "Every time in the
// answers is GMT+8 yyyy-MM-dd HH:mm:ss …; one not set is `null`", present,
// never left out, in every store: an open trade's gmt_payment and
// gmt_close, a delivered notification's next_attempt, an idle clock's
// next_due, an unpaid red packet's gmt_payment. They used to be left out
// (omitempty), and only a zero time was null.
func TestControlUnsetTimeIsNull(t *testing.T) {
	for _, st := range []struct {
		name string
		opts func(t *testing.T) mock.Options
	}{
		{"memory", func(*testing.T) mock.Options { return mock.Options{FundPublicKey: true} }},
		{"data", func(t *testing.T) mock.Options { return mock.Options{FundPublicKey: true, DataDir: t.TempDir()} }},
		{"postgres", func(t *testing.T) mock.Options { return mock.Options{FundPublicKey: true, Store: pgtest.URL(t)} }},
	} {
		t.Run(st.name, func(t *testing.T) { unsetTimesAreNull(t, mocktest.New(t, st.opts(t))) })
	}
}

func unsetTimesAreNull(t *testing.T, m *mocktest.Mock) {
	// check reads one control answer: the members in set must be there
	// and not null, those in unset there and null.
	check := func(what string, raw []byte, set []string, unset ...string) {
		t.Helper()
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			t.Fatalf("%s: %v\n%s", what, err, raw)
		}
		for _, k := range set {
			if v, ok := obj[k]; !ok || string(v) == "null" {
				t.Errorf("%s: %s should be set: %s", what, k, raw)
			}
		}
		for _, k := range unset {
			v, ok := obj[k]
			if !ok {
				t.Errorf("%s: %s not set is left out; docs/control-api.md says null\n%s", what, k, raw)
			} else if string(v) != "null" {
				t.Errorf("%s: %s = %s, want null", what, k, v)
			}
		}
	}

	// The clock before anything is planned on it.
	check("GET /_mock/clock", m.Control(http.MethodGet, "/clock", nil, http.StatusOK), []string{"now"}, "next_due")

	// An open trade: neither paid nor closed.
	expect(t, m.Call("alipay.trade.precreate", `{"out_trade_no":"NULL-T1","total_amount":"1.00","subject":"Tea"}`), "code", "10000")
	check("GET /_mock/trades/NULL-T1", m.Control(http.MethodGet, "/trades/NULL-T1", nil, http.StatusOK),
		[]string{"gmt_create"}, "gmt_payment", "gmt_close")
	var trades []json.RawMessage
	if err := json.Unmarshal(m.Control(http.MethodGet, "/trades", nil, http.StatusOK), &trades); err != nil || len(trades) != 1 {
		t.Fatalf("GET /_mock/trades: %v %d", err, len(trades))
	}
	check("GET /_mock/trades", trades[0], []string{"gmt_create"}, "gmt_payment", "gmt_close")

	// A notification delivered: no next attempt.
	shop := mocktest.NewMerchant(t, "success")
	m.Post(m.Params("alipay.trade.precreate", `{"out_trade_no":"NULL-T2","total_amount":"1.00","subject":"Tea"}`,
		func(p map[string]string) { p["notify_url"] = shop.URL }))
	m.Control(http.MethodPost, "/trades/NULL-T2/pay", nil, http.StatusOK)
	var notes []json.RawMessage
	q := url.Values{"out_trade_no": {"NULL-T2"}, "state": {"delivered"}, "wait": {mocktest.Timeout.String()}}
	if err := json.Unmarshal(m.Control(http.MethodGet, "/notifications?"+q.Encode(), nil, http.StatusOK), &notes); err != nil || len(notes) != 1 {
		t.Fatalf("GET /_mock/notifications: %v %d", err, len(notes))
	}
	check("GET /_mock/notifications", notes[0], nil, "next_attempt")
	var note struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(notes[0], &note)
	check("GET /_mock/notifications/{id}", m.Control(http.MethodGet, "/notifications/"+note.ID, nil, http.StatusOK), []string{"id"}, "next_attempt")

	// A red packet opened by app pay and not paid.
	order := mocktest.Form(m.Params("alipay.fund.coupon.order.app.pay", `{"out_order_no":"NULL-RP","out_request_no":"NULL-RP-pay","order_title":"红包","amount":"8.88"}`, nil)).Encode()
	m.Control(http.MethodPost, "/app-pay", map[string]string{"order_string": order}, http.StatusOK)
	check("GET /_mock/red-packets/NULL-RP", m.Control(http.MethodGet, "/red-packets/NULL-RP", nil, http.StatusOK),
		[]string{"gmt_create", "pay_expire"}, "gmt_payment")
}
