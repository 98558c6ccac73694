package sdktest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-pay/gopay"
	"github.com/smartwalle/alipay/v3"
)

// TestBillDownloadURLGoSDKs asks for a bill's download URL with smartwalle
// and gopay, each answer verified, and downloads the zip from the URL.
// The bill's day is three days before the mock's clock, not wall time's.
func TestBillDownloadURLGoSDKs(t *testing.T) {
	t.Parallel()
	m := startMock(t)
	ctx := context.Background()
	status, body := m.control(t, "GET", "/_mock/clock", nil)
	var clk struct {
		Now string `json:"now_rfc3339"`
	}
	if status != 200 || json.Unmarshal(body, &clk) != nil {
		t.Fatalf("clock: %d %s", status, body)
	}
	now, err := time.Parse(time.RFC3339Nano, clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	date := now.AddDate(0, 0, -3).Format("2006-01-02") // in the reading's own GMT+8
	sw := newSmartwalle(t, m.Gateway, devCredentials()).(smartwalleSDK)
	r, err := sw.c.BillDownloadURLQuery(ctx, alipay.BillDownloadURLQuery{BillType: "trade", BillDate: date})
	if err != nil || !r.IsSuccess() || r.BillDownloadURL == "" {
		t.Fatalf("smartwalle: %+v %v", r, err)
	}
	gp := newGopay(t, m.Gateway, devCredentials()).(gopaySDK)
	gr, err := gp.c.DataBillDownloadUrlQuery(ctx, gopay.BodyMap{"bill_type": "trade", "bill_date": date})
	if err != nil || gr.Response.BillDownloadUrl == "" {
		t.Fatalf("gopay: %+v %v", gr, err)
	}
	resp, err := http.Get(gr.Response.BillDownloadUrl)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(string(b), "PK") {
		t.Fatalf("download: %d %.200s", resp.StatusCode, b)
	}
}
