package gateway

import (
	"context"
	"net/http/httptest"
	"testing"
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
