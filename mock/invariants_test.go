package mock_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/mock"
)

// Concurrency invariants, over HTTP through the gateway (run with -race).

// tryParams is call for goroutines: it never calls t.Fatal, it returns an error.
func (h *harness) tryParams(method string, p map[string]string) (map[string]any, error) {
	resp, err := http.PostForm(h.http.URL+"/gateway.do", form(p))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, body)
	}
	r, err := sign.ParseResponse(body, method)
	if err != nil {
		return nil, fmt.Errorf("%v in %s", err, body)
	}
	if r.Sign == "" || sign.Verify(h.srv.AlipayPublicKey(), sign.RSA2, r.Raw, r.Sign) != nil {
		return nil, fmt.Errorf("unsigned or badly signed answer: %s", body)
	}
	var m map[string]any
	if err := json.Unmarshal(r.Raw, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// concurrently runs n calls at once (released together) and returns their
// answers in order; a transport error fails the test.
func (h *harness) concurrently(n int, method string, biz func(i int) string) []map[string]any {
	h.t.Helper()
	out := make([]map[string]any, n)
	errs := make([]error, n)
	// Sign first: the calls themselves should overlap as much as possible.
	ps := make([]map[string]string, n)
	for i := range ps {
		ps[i] = h.params(method, biz(i), nil)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			out[i], errs[i] = h.tryParams(method, ps[i])
		}(i)
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			h.t.Fatalf("%s call %d: %v", method, i, err)
		}
	}
	return out
}

func codes(ms []map[string]any) map[string]int {
	c := map[string]int{}
	for _, m := range ms {
		k, _ := m["code"].(string)
		if s, _ := m["sub_code"].(string); s != "" {
			k += " " + s
		}
		c[k]++
	}
	return c
}

func TestConcurrentRefundsNeverOverRefund(t *testing.T) {
	h := newHarness(t, mock.Options{NoMagicAmounts: true})
	expect(t, h.call("alipay.trade.pay", `{"out_trade_no":"CR","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`),
		"code", "10000")
	rs := h.concurrently(40, "alipay.trade.refund", func(i int) string {
		return fmt.Sprintf(`{"out_trade_no":"CR","refund_amount":"1.00","out_request_no":"R%02d"}`, i)
	})
	ok, maxFee, done := 0, "", ""
	for i, r := range rs {
		if r["code"] == "10000" {
			ok++
			done = fmt.Sprintf("R%02d", i)
			if r["fund_change"] != "Y" {
				t.Errorf("a first refund with fund_change %v", r["fund_change"])
			}
			if f, _ := r["refund_fee"].(string); len(f) > len(maxFee) || (len(f) == len(maxFee) && f > maxFee) {
				maxFee = f
			}
		} else if r["code"] != "40004" {
			t.Errorf("refund answered %v", r)
		}
	}
	if ok != 10 || maxFee != "10.00" {
		t.Fatalf("%d refunds of 1.00 succeeded on a 10.00 trade (want 10), highest refund_fee %q; codes %v", ok, maxFee, codes(rs))
	}
	tr := h.control("GET", "/trades/CR", "", http.StatusOK)
	refunds, _ := tr["refunds"].([]any)
	if tr["trade_status"] != "TRADE_CLOSED" || len(refunds) != 10 {
		t.Errorf("trade after the refunds: status %v, %d refunds", tr["trade_status"], len(refunds))
	}
	// The retry of a done refund answers the same total.
	expect(t, h.call("alipay.trade.refund", `{"out_trade_no":"CR","refund_amount":"1.00","out_request_no":"`+done+`"}`),
		"code", "10000", "refund_fee", "10.00", "fund_change", "N")
	expect(t, h.call("alipay.trade.query", `{"out_trade_no":"CR"}`), "trade_status", "TRADE_CLOSED")

	// Retries of one out_request_no at once: one refund.
	h.call("alipay.trade.pay", `{"out_trade_no":"CR2","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`)
	rs = h.concurrently(20, "alipay.trade.refund", func(int) string {
		return `{"out_trade_no":"CR2","refund_amount":"1.00","out_request_no":"SAME"}`
	})
	changed := 0
	for _, r := range rs {
		if r["code"] != "10000" || r["refund_fee"] != "1.00" {
			t.Errorf("retry of one refund answered %v", r)
		}
		if r["fund_change"] == "Y" {
			changed++
		}
	}
	if changed != 1 {
		t.Errorf("%d answers say fund_change Y for one refund, want 1", changed)
	}
	tr = h.control("GET", "/trades/CR2", "", http.StatusOK)
	if refunds, _ := tr["refunds"].([]any); len(refunds) != 1 || tr["trade_status"] != "TRADE_SUCCESS" {
		t.Errorf("after 20 retries of one refund: %d refunds, status %v", len(refunds), tr["trade_status"])
	}
}

func TestConcurrentPrecreateMakesOneTrade(t *testing.T) {
	h := newHarness(t, mock.Options{NoMagicAmounts: true})
	rs := h.concurrently(30, "alipay.trade.precreate", func(int) string {
		return `{"out_trade_no":"CP","total_amount":"8.80","subject":"s"}`
	})
	qr := map[string]bool{}
	for _, r := range rs {
		if r["code"] != "10000" {
			t.Errorf("precreate answered %v", r)
			continue
		}
		qr[r["qr_code"].(string)] = true
	}
	if len(qr) != 1 {
		t.Errorf("%d distinct qr_codes for one out_trade_no: %v", len(qr), qr)
	}
	var list []map[string]any
	if err := json.Unmarshal(h.raw("/trades"), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0]["out_trade_no"] != "CP" {
		t.Fatalf("/_mock/trades lists %d trades, want 1: %v", len(list), list)
	}
	tradeNo := list[0]["trade_no"]
	h.control("POST", "/trades/CP/scan", "", http.StatusOK) // query sees a scanned trade
	// Queries at once all see that one trade.
	for _, r := range h.concurrently(10, "alipay.trade.query", func(int) string { return `{"out_trade_no":"CP"}` }) {
		if r["trade_no"] != tradeNo {
			t.Errorf("query saw trade_no %v, control lists %v", r["trade_no"], tradeNo)
		}
	}
}

func TestConcurrentRedPacketClaims(t *testing.T) {
	h := newHarness(t, mock.Options{NoMagicAmounts: true}).certApp()
	const pay, disburse = "alipay.fund.coupon.order.agreement.pay", "alipay.fund.coupon.order.disburse"
	packet := func(no string) string {
		m := h.call(pay, `{"out_order_no":"`+no+`","out_request_no":"`+no+`-pay","order_title":"红包","amount":"20.00","payer_user_id":"2088102000000001"}`)
		expect(t, m, "code", "10000", "status", "SUCCESS")
		return m["auth_no"].(string)
	}
	claimsOf := func(authNo string) (n int) {
		var list []map[string]any
		if err := json.Unmarshal(h.raw("/red-packets"), &list); err != nil {
			t.Fatal(err)
		}
		for _, o := range list {
			if o["deduct_auth_no"] == authNo {
				n++
			}
		}
		return n
	}

	auth := packet("CRP1")
	rs := h.concurrently(40, disburse, func(i int) string {
		return fmt.Sprintf(`{"out_order_no":"CRP1-C%02d","out_request_no":"%d","deduct_auth_no":"%s","amount":"1.00","payee_user_id":"2088102000000101"}`, i, i, auth)
	})
	ok := 0
	for _, r := range rs {
		switch {
		case r["code"] == "10000" && r["status"] == "SUCCESS" && r["amount"] == "1.00":
			ok++
		case r["code"] == "40004" && (r["sub_code"] == "REST_AMOUNT_NOT_ENOUGH" || r["sub_code"] == "ORDER_STATUS_INVALID"): // empty packet: FINISH
		default:
			t.Errorf("claim answered %v", r)
		}
	}
	p := h.control("GET", "/red-packets/"+auth, "", http.StatusOK)
	if ok != 20 || p["rest_amount"] != "0.00" || claimsOf(auth) != 20 {
		t.Fatalf("40 claims of 1.00 from 20.00: %d succeeded (want 20), rest %v (want 0.00), %d claims listed; codes %v",
			ok, p["rest_amount"], claimsOf(auth), codes(rs))
	}

	auth = packet("CRP2")
	claim := `{"out_order_no":"CRP2-C","out_request_no":"1","deduct_auth_no":"` + auth + `","amount":"1.00","payee_user_id":"2088102000000101"}`
	rs = h.concurrently(20, disburse, func(int) string { return claim })
	ops := map[any]bool{}
	for _, r := range rs {
		if r["code"] != "10000" || r["status"] != "SUCCESS" {
			t.Errorf("identical claim answered %v", r)
		}
		ops[r["operation_id"]] = true
	}
	p = h.control("GET", "/red-packets/"+auth, "", http.StatusOK)
	if len(ops) != 1 || p["rest_amount"] != "19.00" || claimsOf(auth) != 1 {
		t.Fatalf("20 identical claims: %d operations (want 1), rest %v (want 19.00), %d claims listed", len(ops), p["rest_amount"], claimsOf(auth))
	}
}

// raw GETs a control path and returns the body.
func (h *harness) raw(path string) []byte {
	h.t.Helper()
	resp, err := http.Get(h.http.URL + "/_mock" + path)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.read(resp)
}

func TestForgedRequestsChangeNothing(t *testing.T) {
	h := newHarness(t, mock.Options{FundPublicKey: true, NoMagicAmounts: true})
	h.call("alipay.trade.pay", `{"out_trade_no":"FR1","scene":"bar_code","auth_code":"283912345678901234","total_amount":"10.00","subject":"s"}`)
	h.call("alipay.trade.precreate", `{"out_trade_no":"FR2","total_amount":"5.00","subject":"s"}`)
	m := h.call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"FR3","out_request_no":"FR3-pay","order_title":"红包","amount":"10.00","payer_user_id":"2088102000000001"}`)
	auth := m["auth_no"].(string)
	snapshot := func() []byte {
		return append(h.raw("/trades"), h.raw("/red-packets")...)
	}
	before := snapshot()

	wrongKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	calls := []struct{ method, biz string }{
		{"alipay.trade.precreate", `{"out_trade_no":"FR9","total_amount":"1.00","subject":"s"}`},
		{"alipay.trade.pay", `{"out_trade_no":"FR8","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`},
		{"alipay.trade.create", `{"out_trade_no":"FR7","total_amount":"1.00","subject":"s","buyer_id":"2088000000000001"}`},
		{"alipay.trade.refund", `{"out_trade_no":"FR1","refund_amount":"1.00","out_request_no":"F"}`},
		{"alipay.trade.cancel", `{"out_trade_no":"FR2"}`},
		{"alipay.trade.close", `{"out_trade_no":"FR2"}`},
		{"alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"FR4","out_request_no":"FR4-pay","order_title":"t","amount":"1.00","payer_user_id":"2088102000000001"}`},
		{"alipay.fund.coupon.order.disburse", `{"out_order_no":"FR5","out_request_no":"1","deduct_auth_no":"` + auth + `","amount":"1.00","payee_user_id":"2088102000000101"}`},
		{"alipay.fund.coupon.order.refund", `{"auth_no":"` + auth + `","out_request_no":"R1","amount":"1.00"}`},
	}
	forgeries := map[string]func(method, biz string) map[string]string{
		"bad signature": func(method, biz string) map[string]string {
			p := h.params(method, biz, nil)
			s := []byte(p["sign"])
			s[10] ^= 1
			p["sign"] = string(s)
			return p
		},
		"biz_content changed after signing": func(method, biz string) map[string]string {
			p := h.params(method, biz, nil)
			p["biz_content"] = strings.Replace(biz, "1.00", "2.00", 1)
			if p["biz_content"] == biz {
				p["biz_content"] = strings.Replace(biz, `"FR`, `"FX`, 1)
			}
			return p
		},
		"wrong app key": func(method, biz string) map[string]string {
			c := *h
			c.key = wrongKey
			return c.params(method, biz, nil)
		},
		"signature of another request": func(method, biz string) map[string]string {
			p := h.params(method, biz, nil)
			p["sign"] = h.params("alipay.trade.query", `{"out_trade_no":"FR1"}`, nil)["sign"]
			return p
		},
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for name, forge := range forgeries {
		for _, c := range calls {
			p := forge(c.method, c.biz)
			wg.Add(1)
			go func() {
				defer wg.Done()
				m, err := h.tryParams(c.method, p)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					t.Errorf("%s %s: %v", name, c.method, err)
					return
				}
				if m["code"] != "40002" || m["sub_code"] != "isv.invalid-signature" {
					t.Errorf("%s %s answered %v", name, c.method, m)
				}
			}()
		}
	}
	wg.Wait()
	if after := snapshot(); !bytes.Equal(before, after) {
		t.Fatalf("forged requests changed state:\nbefore %s\nafter  %s", before, after)
	}
	// The genuine request still works afterwards (the forgeries did not
	// poison an idempotency key).
	expect(t, h.call("alipay.trade.refund", `{"out_trade_no":"FR1","refund_amount":"1.00","out_request_no":"F"}`), "code", "10000", "refund_fee", "1.00")
}
