package mock_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// billDetail asks for a bill and returns the text of its detail file.
func billDetail(t *testing.T, c *client.Client, typ, day string, opts ...client.CallOption) string {
	t.Helper()
	ctx := context.Background()
	r, err := c.BillDownloadURL(ctx, client.BillRequest{BillType: typ, BillDate: day}, opts...)
	if err != nil {
		t.Fatalf("%s %s: %v", typ, day, err)
	}
	zipped, err := c.DownloadBill(ctx, r.BillDownloadURL)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil || len(zr.File) != 2 {
		t.Fatalf("zip: %v", err)
	}
	f, _ := zr.File[0].Open()
	raw, _ := io.ReadAll(f)
	text, err := simplifiedchinese.GBK.NewDecoder().Bytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	return string(text)
}

// A bill of a book of 20,000 trades: the day's bill has every trade of the
// day, the next day's has only that day's payments and the refund of an
// older trade, the ledger's opening balance counts the earlier days, and
// concurrent calls beyond the two built at once wait and then succeed.
func TestBillOfManyTrades(t *testing.T) {
	m := mocktest.New(t, mock.Options{FundPublicKey: true})
	c := m.Client(nil)
	ctx := context.Background()
	const n = 20000
	mocktest.FillTrades(t, m.Srv, "big", n, "")
	day1 := mocktest.Epoch.Format("2006-01-02")
	m.Advance("24h")
	day2 := mocktest.Epoch.Add(24 * time.Hour).Format("2006-01-02")
	if _, err := c.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: "NEXT1", TotalAmount: amount.MustParse("10.00"), Subject: "次日"},
		AuthCode: "283912345678901234"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Refund(ctx, client.RefundRequest{OutTradeNo: "big000000007", RefundAmount: amount.MustParse("8.88"), OutRequestNo: "R7"}); err != nil {
		t.Fatal(err)
	}
	m.Advance("24h")

	detail := billDetail(t, c, client.BillTrade, day1)
	if !strings.Contains(detail, "交易合计：20000笔") || !strings.Contains(detail, "退款合计：0笔") ||
		!strings.Contains(detail, "big000019999\t") || strings.Contains(detail, "NEXT1\t") {
		t.Errorf("day 1 bill:\n%.2000s", detail)
	}
	next := billDetail(t, c, client.BillTrade, day2)
	if !strings.Contains(next, "交易合计：1笔") || !strings.Contains(next, "退款合计：1笔") ||
		!strings.Contains(next, "NEXT1\t") || !strings.Contains(next, "R7\t") || strings.Contains(next, "big000000008\t") {
		t.Errorf("day 2 bill:\n%s", next)
	}
	// The ledger of day 2 starts where day 1 ended (its opening balance
	// counts the 20,000 trades before it): its last 账户余额 is the balance.
	a, _ := m.Srv.Apps.Get(keys.DevAppID)
	acct, err := c.AccountQuery(ctx, client.AccountQueryRequest{AlipayUserID: a.Seller.UserID})
	if err != nil {
		t.Fatal(err)
	}
	ledger := billDetail(t, c, client.BillSignCustomer, day2)
	var last []string
	for _, line := range strings.Split(ledger, "\r\n") {
		if f := strings.Split(line, ","); len(f) > 10 && strings.HasSuffix(f[1], "\t") {
			last = f
		}
	}
	if last == nil || last[8] != acct.AvailableAmount.String() || !strings.Contains(ledger, "#收入合计：2笔") {
		t.Errorf("day 2 ledger ends %q, balance %s:\n%s", last, acct.AvailableAmount, ledger)
	}

	// Four at once: two are built, two wait, all four answer the bill.
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := c.BillDownloadURL(ctx, client.BillRequest{BillType: client.BillTrade, BillDate: day2})
			if err == nil && r.BillFileCode != "" {
				err = io.ErrUnexpectedEOF
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent bill: %v", err)
		}
	}
}

// How much heap a bill call holds: the reviewer's measurement (peak heap
// in use while bills of a day without trades are built, over a book of
// 20,000), with the collector made eager so garbage does not count. Before
// bills read the book a page at a time one call added ~39 MB (two: ~64 MB);
// the bound is a third of that per call (now ~3 MB).
func TestBillCallHeapIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("fills 20,000 trades")
	}
	m := mocktest.New(t, mock.Options{})
	const n = 20000
	mocktest.FillTrades(t, m.Srv, "heap", n, "")
	m.Advance("48h")
	empty := mocktest.Epoch.Add(-72 * time.Hour).Format("2006-01-02")
	defer debug.SetGCPercent(debug.SetGCPercent(5))
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	for _, conc := range []int{1, 2} {
		stop := make(chan struct{})
		var peak uint64
		var sw sync.WaitGroup
		sw.Add(1)
		go func() {
			defer sw.Done()
			for {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
				select {
				case <-stop:
					return
				case <-time.After(time.Millisecond):
				}
			}
		}()
		var wg sync.WaitGroup
		for i := 0; i < conc; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out := m.Call("alipay.data.dataservice.bill.downloadurl.query", `{"bill_type":"trade","bill_date":"`+empty+`"}`)
				if out["code"] != "10000" || out["bill_file_code"] != "EMPTY_DATA_WITH_BILL_FILE" {
					t.Errorf("empty day: %v", out)
				}
			}()
		}
		wg.Wait()
		close(stop)
		sw.Wait()
		growth := int64(peak) - int64(base.HeapInuse)
		t.Logf("%d at once over %d trades: heap in use %d MB, peak +%d MB", conc, n, base.HeapInuse>>20, growth>>20)
		if growth > int64(conc)*13<<20 {
			t.Errorf("%d bill calls at once grew the heap by %d MB", conc, growth>>20)
		}
		runtime.GC()
	}
}
