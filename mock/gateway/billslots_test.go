package gateway

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/mock/apps"
)

// At most maxBillBuilds bills are built at once: a further call waits while
// its request lasts, and gets a slot once one is released.
func TestBillBuildsAreBounded(t *testing.T) {
	var b billFiles
	r := httptest.NewRequest("POST", "/gateway.do", nil)
	for i := 0; i < maxBillBuilds; i++ {
		if !b.acquire(r) {
			t.Fatalf("slot %d refused", i)
		}
	}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	if b.acquire(r.WithContext(gone)) {
		t.Fatal("a third build ran while two were being built")
	}
	if b.acquire(nil) {
		t.Fatal("a call without a request took a slot that was not free")
	}
	got := make(chan bool)
	go func() { got <- b.acquire(r) }()
	b.release()
	if !<-got {
		t.Fatal("a waiting build did not get the released slot")
	}
	b.release()
	b.release()
	if len(b.slots) != 0 {
		t.Fatalf("%d slots still taken", len(b.slots))
	}
}

// billURL takes a build slot before it reads any trade: with both taken, a
// call whose request ends first is answered busy (a gateway with no books:
// reading one would panic).
func TestBillCallWaitsForABuildSlot(t *testing.T) {
	g := &Gateway{}
	r := httptest.NewRequest("POST", "/gateway.do", nil)
	for i := 0; i < maxBillBuilds; i++ {
		if !g.bills.acquire(r) {
			t.Fatalf("slot %d refused", i)
		}
	}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	cl := &call{req: r.WithContext(gone), app: &apps.App{AppID: "2021000000000001"}, now: time.Date(2026, 1, 3, 0, 0, 0, 0, time.UTC)} // 2026-01-01's bill is made by 09:00 GMT+8 on the 2nd
	_, e := g.billURL(cl, billRequest{BillType: "trade", BillDate: "2026-01-01"})
	if e == nil || e.SubCode != "isp.unknow-error" || e.SubMsg != "系统繁忙" {
		t.Fatalf("a bill call with both slots taken: %v", e)
	}
}
