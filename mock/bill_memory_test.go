package mock_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// billFilesKept is bill_files in GET /_mock/memory.
type billFilesKept struct {
	Count    int   `json:"count"`
	Keep     int   `json:"keep"`
	Bytes    int64 `json:"bytes"`
	MaxBytes int64 `json:"max_bytes"`
}

func billMemory(t *testing.T, m *mocktest.Mock) billFilesKept {
	t.Helper()
	var mem struct {
		Bills *billFilesKept `json:"bill_files"`
	}
	m.ControlJSON(http.MethodGet, "/memory", nil, http.StatusOK, &mem)
	if mem.Bills == nil {
		t.Fatal("GET /_mock/memory reports no bill_files")
	}
	return *mem.Bills
}

// fetchBill is a bill URL's status and body.
func fetchBill(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Bill files are bounded by bytes as well as by count: past the budget the
// oldest go, and a URL of one gone answers as an expired URL does. GET
// /_mock/memory reports what they hold, and the newest URLs, all that is
// kept, still download.
func TestBillFilesKeptWithinTheirByteBudget(t *testing.T) {
	const budget = 8 << 10
	m := mocktest.New(t, mock.Options{BillMaxBytes: budget})
	c := m.Client(nil)
	ctx := context.Background()
	var urls []string
	const n = 20 // fewer than the 32 URLs kept by count: only bytes evict here
	for i := range n {
		r, err := c.BillDownloadURL(ctx, client.BillRequest{BillType: client.BillTrade, BillDate: fmt.Sprintf("2026-10-%02d", i+1)})
		if err != nil {
			t.Fatal(err)
		}
		urls = append(urls, r.BillDownloadURL)
		if got := billMemory(t, m); got.Bytes > budget || got.MaxBytes != budget || got.Count > i+1 {
			t.Fatalf("after %d bills: %+v, want at most %d bytes", i+1, got, budget)
		}
	}
	got := billMemory(t, m)
	t.Logf("%d bills asked for, kept: %+v", n, got)
	if got.Count == 0 || got.Count >= n {
		t.Fatalf("%d bills of about %d bytes each in a budget of %d: %+v", n, got.Bytes/int64(max(got.Count, 1)), budget, got)
	}
	// An expired URL's answer, on a mock whose bill is kept but out of date.
	expired := mocktest.New(t, mock.Options{})
	r, err := expired.Client(nil).BillDownloadURL(ctx, client.BillRequest{BillType: client.BillTrade, BillDate: "2026-10-01"})
	if err != nil {
		t.Fatal(err)
	}
	expired.Advance("31s")
	wantStatus, wantBody := fetchBill(t, r.BillDownloadURL)
	if wantStatus == http.StatusOK {
		t.Fatal("an expired bill URL still downloads")
	}
	var kept int64
	for i, u := range urls {
		status, body := fetchBill(t, u)
		if i < n-got.Count {
			if status != wantStatus || body != wantBody {
				t.Errorf("bill %d, evicted: HTTP %d %q; want what an expired URL answers, HTTP %d %q", i, status, body, wantStatus, wantBody)
			}
			continue
		}
		if status != http.StatusOK {
			t.Errorf("bill %d, among the newest %d kept: HTTP %d %s", i, got.Count, status, body)
		}
		kept += int64(len(body))
	}
	if kept != got.Bytes {
		t.Errorf("the kept bills are %d bytes; /_mock/memory says %d", kept, got.Bytes)
	}
}

// The same bill asked for again (same app, type, day and contents: the
// mock's clock stands still) gets a URL of its own but is kept once.
func TestIdenticalBillsAreKeptOnce(t *testing.T) {
	m := mocktest.New(t, mock.Options{})
	c := m.Client(nil)
	ctx := context.Background()
	var size int64
	for i := range 5 {
		r, err := c.BillDownloadURL(ctx, client.BillRequest{BillType: client.BillTrade, BillDate: "2026-10-01"})
		if err != nil {
			t.Fatal(err)
		}
		zip, err := c.DownloadBill(ctx, r.BillDownloadURL)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			size = int64(len(zip))
		}
		if got := billMemory(t, m); got.Count != i+1 || got.Bytes != size {
			t.Fatalf("after %d identical bills of %d bytes: %+v, want %d URLs and %d bytes", i+1, size, got, i+1, size)
		}
	}
	if got := billMemory(t, m); got.Keep != 32 || got.MaxBytes != 64<<20 {
		t.Errorf("default bounds: %+v, want 32 files and 64 MiB", got)
	}
}
