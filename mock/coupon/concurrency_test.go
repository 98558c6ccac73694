package coupon

import (
	"fmt"
	"sync"
	"testing"
)

func TestConcurrentDisburse(t *testing.T) {
	e := newEnv(t, Options{})
	rec := &recorder{}
	e.book.Observe(rec.observe)
	p := e.packet(t, "cc", "20")
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		succeeded int
		authNos   = map[string]bool{}
		failures  = map[string]int{}
	)
	start := make(chan struct{})
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			r := claimReq(p.AuthNo, fmt.Sprintf("cc-%02d", i), "1")
			r.PayeeUserID = fmt.Sprintf("20881030000000%02d", i)
			res, err := e.book.Disburse(merchant1, r, ctx, false)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failures[subCode(err)]++
				return
			}
			if res.Repeat || res.Order.Amount != amt("1") || res.Op.Status != OpSuccess {
				t.Errorf("claim %d: %+v", i, res)
			}
			succeeded++
			authNos[res.Order.AuthNo] = true
		}(i)
	}
	close(start)
	wg.Wait()
	if succeeded != 20 || len(authNos) != 20 {
		t.Fatalf("%d claims succeeded (%d distinct), want 20 (failures %v)", succeeded, len(authNos), failures)
	}
	for code, n := range failures {
		if code != "ORDER_STATUS_INVALID" && code != "REST_AMOUNT_NOT_ENOUGH" {
			t.Fatalf("unexpected failure %s x%d", code, n)
		}
	}
	got := e.get(t, "cc")
	if got.Rest != 0 || got.Status != OrderFinish || countEvents(got.History, EventClaimed) != 20 {
		t.Fatalf("after the race: rest %s status %s, %d claimed events", got.Rest, got.Status, countEvents(got.History, EventClaimed))
	}
	if n := len(must(e.book.List(app1))(t)); n != 21 {
		t.Fatalf("%d orders, want the packet and 20 claims", n)
	}
	// created, paid, then two claimed events per claim.
	if n := len(rec.types()); n != 2+40 {
		t.Fatalf("observer heard %d events, want 42", n)
	}
}

func TestConcurrentRepeatedDisburse(t *testing.T) {
	e := newEnv(t, Options{})
	p := e.packet(t, "cr", "20")
	const n = 20
	results := make([]Result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			results[i], errs[i] = e.book.Disburse(merchant1, claimReq(p.AuthNo, "cr-c", "1.5"), ctx, false)
		}(i)
	}
	close(start)
	wg.Wait()
	fresh := 0
	for i := range results {
		if errs[i] != nil {
			t.Fatalf("call %d: %v", i, errs[i])
		}
		if !results[i].Repeat {
			fresh++
		}
		if results[i].Order.AuthNo != results[0].Order.AuthNo || results[i].Op.OperationID != results[0].Op.OperationID {
			t.Fatalf("call %d got claim %s/%s, call 0 %s/%s", i, results[i].Order.AuthNo, results[i].Op.OperationID, results[0].Order.AuthNo, results[0].Op.OperationID)
		}
	}
	if fresh != 1 {
		t.Fatalf("%d calls made a claim, want 1", fresh)
	}
	got := e.get(t, "cr")
	if got.Rest != amt("18.5") || countEvents(got.History, EventClaimed) != 1 {
		t.Fatalf("rest %s, %d claimed events; want 18.50 and 1", got.Rest, countEvents(got.History, EventClaimed))
	}
	if l := must(e.book.List(app1))(t); len(l) != 2 {
		t.Fatalf("%d orders, want the packet and one claim", len(l))
	}
}

func TestConcurrentDisburseAndRefund(t *testing.T) {
	e := newEnv(t, Options{})
	p := e.packet(t, "cm", "20")
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		claimed  int
		refunded int
		failures = map[string]int{}
	)
	start := make(chan struct{})
	for i := 0; i < 30; i++ {
		wg.Add(2)
		go func(i int) {
			defer wg.Done()
			<-start
			_, err := e.book.Disburse(merchant1, claimReq(p.AuthNo, fmt.Sprintf("cm-c%02d", i), "1"), ctx, i%2 == 0)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failures[subCode(err)]++
				return
			}
			claimed++
		}(i)
		go func(i int) {
			defer wg.Done()
			<-start
			_, err := e.book.Refund(merchant1, RefundRequest{AuthNo: p.AuthNo, OutRequestNo: fmt.Sprintf("cm-r%02d", i), Amount: amt("1")}, ctx, i%3 == 0)
			if i%5 == 0 {
				_, _ = e.book.Get(app1, "cm")
				_, _ = e.book.List("")
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failures[subCode(err)]++
				return
			}
			refunded++
		}(i)
	}
	close(start)
	wg.Wait()
	if claimed+refunded != 20 {
		t.Fatalf("%d claims + %d refunds succeeded, want 20 in all (failures %v)", claimed, refunded, failures)
	}
	for code := range failures {
		if code != "ORDER_STATUS_INVALID" && code != "REST_AMOUNT_NOT_ENOUGH" {
			t.Fatalf("unexpected failure %s", code)
		}
	}
	got := e.get(t, "cm")
	if got.Rest != 0 || got.Status != OrderFinish || got.TotalRefunded() != amt(fmt.Sprint(refunded)) || len(opsOfType(got, Refund)) != refunded {
		t.Fatalf("after the race: rest %s status %s refunded %s (%d refunds)", got.Rest, got.Status, got.TotalRefunded(), refunded)
	}
}
