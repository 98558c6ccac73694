package pgstore_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// With --store, the trade bill is the merchant account's too: the trades
// of both apps of one seller_id, each paid on its own replica, are in the
// bill either app downloads from either replica (docs/differences.md).
func TestTradeBillIsTheMerchantAccountsAcrossReplicas(t *testing.T) {
	const seller = "2088102146225135"
	const appA, appB = "2021000000000051", "2021000000000052"
	pub := string(keys.DevFile("app_public_key.pem"))
	rs := replicas(t, 2, mock.Options{Apps: []apps.Spec{
		{AppID: appA, PublicKey: pub, SellerID: seller},
		{AppID: appB, PublicKey: pub, SellerID: seller},
	}})
	ctx := context.Background()
	for i, c := range []struct{ app, out string }{{appA, "TBS-A"}, {appB, "TBS-B"}} {
		cl := rs[i].Client(func(cfg *client.Config) { cfg.AppID = c.app })
		if _, err := cl.Pay(ctx, client.PayRequest{Order: client.Order{OutTradeNo: c.out, TotalAmount: amount.MustParse("1.00"), Subject: "s"},
			Scene: "bar_code", AuthCode: "283912345678901234"}); err != nil {
			t.Fatalf("pay %s through %s: %v", c.out, c.app, err)
		}
	}
	rs[0].Advance("24h")
	clocksRead(t, rs, mocktest.Epoch.Add(24*time.Hour))
	for i, app := range []string{appB, appA} {
		cl := rs[i].Client(func(cfg *client.Config) { cfg.AppID = app })
		r, err := cl.BillDownloadURL(ctx, client.BillRequest{BillType: client.BillTrade, BillDate: "2026-11-23"})
		if err != nil {
			t.Fatal(err)
		}
		zipped, err := cl.DownloadBill(ctx, r.BillDownloadURL)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
		if err != nil || len(zr.File) == 0 {
			t.Fatalf("bill zip: %v", err)
		}
		f, _ := zr.File[0].Open()
		raw, _ := io.ReadAll(f)
		detail, err := simplifiedchinese.GBK.NewDecoder().String(string(raw))
		if err != nil {
			t.Fatal(err)
		}
		for _, out := range []string{"TBS-A\t", "TBS-B\t"} {
			if !strings.Contains(detail, out) {
				t.Errorf("the trade bill app %s downloads from replica %d lacks %s, a payment to account %s0156:\n%s", app, i, out, seller, detail)
			}
		}
	}
}
