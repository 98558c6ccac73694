package pgstore_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/pgstore"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// A merchant-funded red packet dropped past --keep-red-packets before its
// end counts as it was planned to end (docs/red-packets.md): what was
// claimed stays out of the merchant's balance, its unclaimed rest comes
// back as its automatic refund would have brought it. With --store the
// database's trim does the same, so the balance every replica answers,
// the account bill's last 账户余额 and the balance after a reset of the
// app are one mock's.
func TestReplicasTrimmedRedPacketGivesItsRestBack(t *testing.T) {
	opts := mock.Options{}
	opts.Coupons.Keep = 1
	one := mocktest.New(t, opts).CertApp()
	rs, url := replicasAt(t, 2, opts)
	for i := range rs {
		rs[i] = rs[i].CertApp()
	}
	trimmed := trimmedNotices(t, url)
	app := keys.DevCertAppID
	a, _ := one.Srv.Apps.Get(app)
	balance := func(m *mocktest.Mock) amount.Amount {
		t.Helper()
		var b balanceBody
		m.ControlJSON(http.MethodGet, "/apps/"+app+"/balance", nil, http.StatusOK, &b)
		return b.Available
	}
	// each runs step on one mock and on the replicas (on replica i), then
	// waits, on the replicas, for the trim it causes to commit.
	each := func(i int, step func(m *mocktest.Mock)) {
		t.Helper()
		step(one)
		step(rs[i])
		trimmed()
	}
	for _, m := range []*mocktest.Mock{one, rs[0]} {
		m.Control(http.MethodPost, "/apps/"+app+"/balance", map[string]string{"available_amount": "100.00"}, http.StatusOK)
	}
	pay := func(no string) func(m *mocktest.Mock) {
		return func(m *mocktest.Mock) {
			t.Helper()
			if r := m.Call("alipay.fund.coupon.order.agreement.pay", `{"out_order_no":"`+no+`","out_request_no":"`+no+`P","order_title":"红包","amount":"10.00","payer_user_id":"`+a.Seller.UserID+`"}`); !ok(r) {
				t.Fatalf("pay %s: %v", no, r)
			}
		}
	}
	pay("TRP1")(one)
	pay("TRP1")(rs[0])
	// 4.00 of TRP1 claimed: the claim, final, is the first to go.
	each(1, func(m *mocktest.Mock) {
		t.Helper()
		if r := m.Call("alipay.fund.coupon.order.disburse", `{"out_order_no":"TRP1C","out_request_no":"1","deduct_out_order_no":"TRP1","amount":"4.00","payee_user_id":"2088102000000101"}`); !ok(r) {
			t.Fatalf("claim: %v", r)
		}
	})
	each(0, pay("TRP2")) // TRP1, unclaimed 6.00 in it, goes before its end
	if st, body := get(t, rs[1], "/_mock/red-packets/TRP1?app_id="+app); st != http.StatusNotFound {
		t.Fatalf("TRP1 not trimmed: %d %s", st, body)
	}
	want := balance(one)
	if want != amount.MustParse("86.00") {
		t.Fatalf("one mock: balance %v after TRP1 (4.00 claimed) went and TRP2 stays, want 86.00", want)
	}
	for i, r := range rs {
		if got := balance(r); got != want {
			t.Errorf("replica %d: balance %v after the trim, one mock's is %v", i, got, want)
		}
	}
	// The account bill of the day ends at that balance on every replica.
	one.Advance("24h")
	rs[0].Advance("24h")
	clocksRead(t, rs, mocktest.Epoch.Add(24*time.Hour))
	for i, m := range []*mocktest.Mock{one, rs[0], rs[1]} {
		if got, detail := ledgerEnd(t, m.Client(nil), "2026-11-23"); got != want {
			t.Errorf("mock %d (0: one mock): the account bill ends at %v, the balance is %v:\n%s", i, got, want, detail)
		}
	}
	// A reset of the app takes back what its packets moved, trimmed or not.
	one.Control(http.MethodPost, "/reset?app_id="+app, nil, http.StatusOK)
	rs[1].Control(http.MethodPost, "/reset?app_id="+app, nil, http.StatusOK)
	if got := balance(one); got != fund.DefaultOpening {
		t.Fatalf("one mock: balance %v after a reset, want %v", got, fund.DefaultOpening)
	}
	for i, r := range rs {
		if got := balance(r); got != fund.DefaultOpening {
			t.Errorf("replica %d: balance %v after a reset of the app, want %v", i, got, fund.DefaultOpening)
		}
	}
}

// trimmedNotices listens to the notice each trim that deleted red packets
// sends, and returns a wait for the next one: once it came, the trim has
// committed.
func trimmedNotices(t *testing.T, url string) func() {
	t.Helper()
	conn := pgtest.Conn(t, url)
	if _, err := conn.Exec(context.Background(), "LISTEN "+pgstore.ChangedChannel); err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for {
			n, err := conn.WaitForNotification(ctx)
			if err != nil {
				t.Fatalf("no trim deleted red packets: %v", err)
			}
			if table, ok := pgstore.Trimmed(n.Payload); ok && table == "alipay_mock_red_packets" {
				return
			}
		}
	}
}

// ledgerEnd is the last 账户余额 of the account bill (signcustomer) of
// day, downloaded through c, and the bill's detail.
func ledgerEnd(t *testing.T, c *client.Client, day string) (amount.Amount, string) {
	t.Helper()
	ctx := context.Background()
	r, err := c.BillDownloadURL(ctx, client.BillRequest{BillType: "signcustomer", BillDate: day})
	if err != nil {
		t.Fatalf("signcustomer %s: %v", day, err)
	}
	zipped, err := c.DownloadBill(ctx, r.BillDownloadURL)
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
	var last string
	for _, l := range strings.Split(detail, "\r\n") {
		if strings.Contains(l, "账务明细列表结束") {
			break
		}
		if f := strings.Split(l, ","); len(f) == 12 && f[9] == "支付宝" {
			last = f[8]
		}
	}
	a, err := amount.Parse(last)
	if err != nil {
		t.Fatalf("no 账户余额 in the bill (%v):\n%s", err, detail)
	}
	return a, detail
}
