package trade

import (
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/domain"
)

func TestPrecreateTradeFields(t *testing.T) {
	e := newEnv(t, Options{})
	o := order("pc1", "88.88")
	o.Body = "body"
	o.StoreID, o.OperatorID, o.TerminalID = "S1", "OP1", "T1"
	o.PassbackParams = "pb"
	o.ExtendParams.SysServiceProviderID = "2088511833207846"
	tr := must(e.book.Precreate(merchant1, o, ctx))(t)

	checks := []struct {
		name      string
		got, want any
	}{
		{"AppID", tr.AppID, app1},
		{"OutTradeNo", tr.OutTradeNo, "pc1"},
		{"Method", tr.Method, "alipay.trade.precreate"},
		{"ProductCode", tr.ProductCode, "FACE_TO_FACE_PAYMENT"},
		{"Status", tr.Status, WaitBuyerPay},
		{"Subject", tr.Subject, "Iphone6 16G"},
		{"Body", tr.Body, "body"},
		{"Total", tr.Total, amt("88.88")},
		{"Scanned", tr.Scanned, false},
		{"Seller", tr.Seller, merchant1.Seller},
		{"Buyer", tr.Buyer, fixtures.Buyer{}},
		{"StoreID", tr.StoreID, "S1"},
		{"OperatorID", tr.OperatorID, "OP1"},
		{"TerminalID", tr.TerminalID, "T1"},
		{"PassbackParams", tr.PassbackParams, "pb"},
		{"SysServiceProviderID", tr.SysServiceProviderID, "2088511833207846"},
		{"NotifyURL", tr.NotifyURL, ctx.NotifyURL},
		{"Charset", tr.Charset, sign.UTF8},
		{"SignType", tr.SignType, sign.RSA2},
		{"Created", tr.Created, t0},
		{"Expires", tr.Expires, t0.Add(3 * time.Hour)},
		{"Paid", tr.Paid == nil, true},
		{"Closed", tr.Closed == nil, true},
		{"Refunds", len(tr.Refunds), 0},
		{"History", eventTypes(tr.History), []EventType{EventCreated}},
		{"Created event amount", tr.History[0].Amount, amt("88.88")},
		{"Created event status", tr.History[0].Status, WaitBuyerPay},
		{"Created event at", tr.History[0].At, t0},
	}
	for _, c := range checks {
		if !equal(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if !tradeNoPattern.MatchString(tr.TradeNo) {
		t.Errorf("trade_no %q is not 20240301 22 + 18 digits", tr.TradeNo)
	}
	if !qrTokenPattern.MatchString(tr.QRToken) {
		t.Errorf("qr token %q is not bax0 + 26 base32 characters", tr.QRToken)
	}

	// seller_id may name the merchant's own account; another account is
	// not one it may receive into (production: ACQ.INVALID_RECEIVE_ACCOUNT).
	o2 := order("pc2", "1")
	o2.SellerID = merchant1.Seller.UserID
	tr2 := must(e.book.Precreate(merchant1, o2, ctx))(t)
	if tr2.Seller != merchant1.Seller {
		t.Errorf("seller = %+v", tr2.Seller)
	}
	o3 := order("pc3", "1")
	o3.SellerID = "2088999999999999"
	if _, err := e.book.Precreate(merchant1, o3, ctx); err != ErrInvalidReceiveAccount {
		t.Errorf("foreign seller_id: err %v, want ACQ.INVALID_RECEIVE_ACCOUNT", err)
	}
}

func equal(a, b any) bool {
	switch av := a.(type) {
	case time.Time:
		bv, ok := b.(time.Time)
		return ok && av.Equal(bv)
	case []EventType:
		bv, ok := b.([]EventType)
		return ok && sameTypes(av, bv)
	}
	return a == b
}

// The seeded generator makes ids reproducible, and trade numbers carry the
// GMT+8 date even when the clock reads another zone.
func TestSeededIdsAreReproducible(t *testing.T) {
	run := func(now time.Time) Trade {
		b := NewBook(clock.NewManual(now), fixtures.New(1), Options{})
		return must(b.Precreate(merchant1, order("seed1", "1"), ctx))(t)
	}
	a, b := run(t0), run(t0)
	if a.TradeNo != b.TradeNo || a.QRToken != b.QRToken {
		t.Fatalf("two seeded books differ: %s/%s vs %s/%s", a.TradeNo, a.QRToken, b.TradeNo, b.QRToken)
	}
	// 2024-02-29 20:00 UTC is 2024-03-01 04:00 GMT+8.
	c := run(time.Date(2024, 2, 29, 20, 0, 0, 0, time.UTC))
	if !tradeNoPattern.MatchString(c.TradeNo) {
		t.Fatalf("trade_no %q does not carry the GMT+8 date 20240301", c.TradeNo)
	}
}

func TestPrecreateIdempotency(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, e *env) // after the first precreate of "idem" 10.00
		repeat  Order
		wantErr error
	}{
		{name: "same order", repeat: order("idem", "10")},
		{name: "same order, scanned", setup: func(t *testing.T, e *env) { must(e.book.Act(app1, "idem", ActScan, nil))(t) }, repeat: order("idem", "10")},
		{name: "same order, after a failed payment", setup: func(t *testing.T, e *env) { must(e.book.Act(app1, "idem", ActFail, nil))(t) }, repeat: order("idem", "10")},
		{name: "different amount", repeat: order("idem", "10.01"), wantErr: ErrContextInconsistent},
		{name: "different subject", repeat: func() Order { o := order("idem", "10"); o.Subject = "other"; return o }(), wantErr: ErrContextInconsistent},
		{name: "after payment", setup: func(t *testing.T, e *env) { must(e.book.Act(app1, "idem", ActPay, nil))(t) }, repeat: order("idem", "10"), wantErr: ErrTradeHasSuccess},
		{name: "after payment, different amount", setup: func(t *testing.T, e *env) { must(e.book.Act(app1, "idem", ActPay, nil))(t) }, repeat: order("idem", "99"), wantErr: ErrTradeHasSuccess},
		{name: "after close", setup: func(t *testing.T, e *env) { must(e.book.Close(app1, Ref{OutTradeNo: "idem"}, ""))(t) }, repeat: order("idem", "10"), wantErr: ErrTradeHasClose},
		{name: "after cancel", setup: func(t *testing.T, e *env) { must(e.book.Cancel(app1, Ref{OutTradeNo: "idem"}))(t) }, repeat: order("idem", "10"), wantErr: ErrTradeHasClose},
		{name: "after expiry", setup: func(t *testing.T, e *env) { e.clk.Advance(3 * time.Hour) }, repeat: order("idem", "10"), wantErr: ErrTradeHasClose},
		{name: "after finish", setup: func(t *testing.T, e *env) {
			must(e.book.Act(app1, "idem", ActPay, nil))(t)
			e.clk.Advance(366 * 24 * time.Hour)
		}, repeat: order("idem", "10"), wantErr: ErrTradeHasSuccess},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{ShowUnscanned: true})
			first := e.precreate(t, "idem", "10")
			if tc.setup != nil {
				tc.setup(t, e)
			}
			before := e.query(t, "idem")
			got, err := e.book.Precreate(merchant1, tc.repeat, ctx)
			wantErr(t, err, tc.wantErr)
			after := e.query(t, "idem")
			if after.Total != first.Total || after.Subject != first.Subject || len(after.History) != len(before.History) {
				t.Fatalf("repeat changed the trade: before %+v after %+v", before, after)
			}
			if tc.wantErr != nil {
				return
			}
			if got.TradeNo != first.TradeNo || got.QRToken != first.QRToken {
				t.Fatalf("repeat gave trade_no %s qr %s, want %s %s", got.TradeNo, got.QRToken, first.TradeNo, first.QRToken)
			}
			if len(must(e.book.List(Filter{}))(t)) != 1 {
				t.Fatalf("repeat made a second trade")
			}
		})
	}

	// Same out_trade_no in another app is another trade.
	e := newEnv(t, Options{})
	a := e.precreate(t, "shared", "10")
	b := must(e.book.Precreate(merchant2, order("shared", "20"), ctx))(t)
	if a.TradeNo == b.TradeNo || a.QRToken == b.QRToken || b.AppID != app2 || b.Total != amt("20") {
		t.Fatalf("apps share a trade: %+v / %+v", a, b)
	}
}

// Production's default: a precreate trade does not exist until a buyer scans.
func TestUnscannedHiddenByDefault(t *testing.T) {
	e := newEnv(t, Options{})
	tr := e.precreate(t, "hid1", "10")
	refs := []struct {
		name string
		ref  Ref
	}{{"by out_trade_no", Ref{OutTradeNo: "hid1"}}, {"by trade_no", Ref{TradeNo: tr.TradeNo}}}
	for _, r := range refs {
		t.Run(r.name, func(t *testing.T) {
			_, err := e.book.Query(app1, r.ref)
			wantErr(t, err, ErrTradeNotExist)
			_, err = e.book.Close(app1, r.ref, "op")
			wantErr(t, err, ErrTradeNotExist)
			_, err = e.book.Refund(app1, RefundRequest{Ref: r.ref, RefundAmount: amt("1"), OutRequestNo: "r1"})
			wantErr(t, err, ErrTradeNotExist)
			_, _, err = e.book.RefundQuery(app1, r.ref, "r1")
			wantErr(t, err, ErrTradeNotExist)
		})
	}
	// The control API still sees it, unscanned.
	if g := must(e.book.Get(app1, "hid1"))(t); g.Scanned || g.Status != WaitBuyerPay {
		t.Fatalf("Get: scanned=%v status=%s", g.Scanned, g.Status)
	}
	// Repeating the precreate still finds the hidden trade.
	if again := e.precreate(t, "hid1", "10"); again.TradeNo != tr.TradeNo {
		t.Fatalf("repeat precreate gave %s, want %s", again.TradeNo, tr.TradeNo)
	}

	scanned := must(e.book.Act(app1, tr.QRToken, ActScan, nil))(t)
	if !scanned.Scanned || scanned.Status != WaitBuyerPay || !userIDPattern.MatchString(scanned.Buyer.UserID) || scanned.Buyer.LogonID == "" {
		t.Fatalf("after scan: %+v", scanned)
	}
	q := e.query(t, "hid1")
	if q.Status != WaitBuyerPay || q.TradeNo != tr.TradeNo || q.Buyer != scanned.Buyer {
		t.Fatalf("query after scan: %+v", q)
	}
	if want := []EventType{EventCreated, EventScanned}; !sameTypes(eventTypes(q.History), want) {
		t.Fatalf("history %v, want %v", eventTypes(q.History), want)
	}
	closed := must(e.book.Close(app1, Ref{TradeNo: tr.TradeNo}, ""))(t)
	if closed.Status != Closed {
		t.Fatalf("close after scan: %s", closed.Status)
	}
}

// Cancel of a trade no buyer scanned answers as for an unknown trade (no
// trade, no action, retry_flag N) and closes the QR code.
func TestCancelUnscannedAnswersUnknown(t *testing.T) {
	e := newEnv(t, Options{})
	tr := e.precreate(t, "hid2", "10")
	e.clk.Advance(time.Minute)
	res := must(e.book.Cancel(app1, Ref{OutTradeNo: "hid2"}))(t)
	if res.Trade != nil || res.Action != "" || res.RetryFlag != "N" {
		t.Fatalf("cancel = %+v, want an unknown trade's answer", res)
	}
	// Still invisible to query, but closed: the buyer can no longer pay.
	_, err := e.book.Query(app1, Ref{OutTradeNo: "hid2"})
	wantErr(t, err, ErrTradeNotExist)
	if g := must(e.book.Get(app1, "hid2"))(t); g.Status != Closed || g.Closed == nil || !g.Closed.Equal(t0.Add(time.Minute)) {
		t.Fatalf("after cancel: %+v", g)
	}
	_, err = e.book.Act(app1, tr.QRToken, ActPay, nil)
	wantErr(t, err, ErrTradeStatus)
	_, err = e.book.Precreate(merchant1, order("hid2", "10"), ctx)
	wantErr(t, err, ErrTradeHasClose)
	// Cancelling again answers the same.
	res2 := must(e.book.Cancel(app1, Ref{TradeNo: tr.TradeNo}))(t)
	if res2.Action != "" || res2.Trade != nil {
		t.Fatalf("second cancel = %+v", res2)
	}
}

// With ShowUnscanned, cancel closes the unscanned trade and says so.
func TestShowUnscannedCancelCloses(t *testing.T) {
	e := newEnv(t, Options{ShowUnscanned: true})
	tr := e.precreate(t, "vis2", "10")
	res := must(e.book.Cancel(app1, Ref{OutTradeNo: "vis2"}))(t)
	if res.Trade == nil || res.Trade.TradeNo != tr.TradeNo || res.Action != "close" || res.Trade.Status != Closed {
		t.Fatalf("cancel = %+v", res)
	}
}

func TestShowUnscanned(t *testing.T) {
	e := newEnv(t, Options{ShowUnscanned: true})
	tr := e.precreate(t, "vis", "10")
	q := e.query(t, "vis")
	if q.TradeNo != tr.TradeNo || q.Status != WaitBuyerPay || q.Scanned {
		t.Fatalf("query = %+v", q)
	}
	c := must(e.book.Close(app1, Ref{OutTradeNo: "vis"}, ""))(t)
	if c.Status != Closed {
		t.Fatalf("close: %s", c.Status)
	}
}

func TestPayValidation(t *testing.T) {
	tests := []struct {
		name    string
		scene   string
		code    string
		wantErr error
	}{
		{"valid bar_code", "bar_code", authCodeA, nil},
		{"valid security_code", "security_code", authCodeA, nil},
		{"valid wave_code", "wave_code", authCodeA, nil},
		{"16 digits prefix 25", "bar_code", "2512345678901234", nil},
		{"24 digits prefix 30", "bar_code", "301234567890123456789012", nil},
		{"missing scene: bar_code", "", authCodeA, nil},
		{"unknown scene", "qr_code", authCodeA, errInvalidParameter},
		{"missing auth_code", "bar_code", "", errInvalidParameter},
		{"prefix 24", "bar_code", "241234567890123456", ErrAuthCodeInvalid},
		{"prefix 31", "bar_code", "311234567890123456", ErrAuthCodeInvalid},
		{"15 digits", "bar_code", "281234567890123", ErrAuthCodeInvalid},
		{"25 digits", "bar_code", "2812345678901234567890123", ErrAuthCodeInvalid},
		{"letters", "bar_code", "28123456789012345a", ErrAuthCodeInvalid},
		{"spaces", "bar_code", " 281234567890123456", ErrAuthCodeInvalid},
		{"short garbage", "bar_code", "123", ErrAuthCodeInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			o := order("pay1", "10")
			o.Scene, o.AuthCode = tc.scene, tc.code
			res, err := e.book.Pay(merchant1, o, ctx)
			wantErr(t, err, tc.wantErr)
			if tc.wantErr != nil {
				_, qerr := e.book.Query(app1, Ref{OutTradeNo: "pay1"})
				wantErr(t, qerr, ErrTradeNotExist)
				return
			}
			if res.Trade.Status != Success || res.Trade.AuthCode != tc.code {
				t.Fatalf("pay: %+v", res.Trade)
			}
		})
	}
}

func TestPayThreshold(t *testing.T) {
	tests := []struct {
		name        string
		threshold   string // "" = default 1000
		total       string
		wantWaiting bool
	}{
		{"default, 0.01", "", "0.01", false},
		{"default, 999.99", "", "999.99", false},
		{"default, 1000.00", "", "1000", true},
		{"default, 5000", "", "5000", true},
		{"sandbox 2000, 1999.99", "2000", "1999.99", false},
		{"sandbox 2000, 2000", "2000", "2000", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := Options{}
			if tc.threshold != "" {
				opts.PasswordThreshold = amt(tc.threshold)
			}
			e := newEnv(t, opts)
			rec := &recorder{}
			e.book.Observe(rec.observe)
			e.clk.Advance(5 * time.Second)
			now := t0.Add(5 * time.Second)
			res := must(e.book.Pay(merchant1, barcode("bc1", tc.total, authCodeA), ctx))(t)
			tr := res.Trade
			if res.Waiting != tc.wantWaiting {
				t.Fatalf("Waiting = %v, want %v", res.Waiting, tc.wantWaiting)
			}
			if !tr.Scanned || tr.AuthCode != authCodeA || tr.Method != "alipay.trade.pay" || tr.Total != amt(tc.total) {
				t.Fatalf("trade = %+v", tr)
			}
			if !userIDPattern.MatchString(tr.Buyer.UserID) || tr.Buyer.LogonID == "" || tr.Buyer.Account == "" {
				t.Fatalf("buyer not set: %+v", tr.Buyer)
			}
			if !tc.wantWaiting {
				if tr.Status != Success || tr.Paid == nil || !tr.Paid.Equal(now) {
					t.Fatalf("status %s gmt_payment %v, want TRADE_SUCCESS at %s", tr.Status, tr.Paid, now)
				}
				if want := []EventType{EventCreated, EventPaid}; !sameTypes(eventTypes(tr.History), want) || !sameTypes(rec.types(), want) {
					t.Fatalf("history %v observer %v, want %v", eventTypes(tr.History), rec.types(), want)
				}
				if ev := tr.History[1]; ev.Status != Success || ev.Amount != amt(tc.total) {
					t.Fatalf("paid event %+v", ev)
				}
				return
			}
			if tr.Status != WaitBuyerPay || tr.Paid != nil {
				t.Fatalf("waiting: status %s gmt_payment %v", tr.Status, tr.Paid)
			}
			if want := []EventType{EventCreated, EventPaying}; !sameTypes(eventTypes(tr.History), want) {
				t.Fatalf("history %v, want %v", eventTypes(tr.History), want)
			}
			if q := e.query(t, "bc1"); q.Status != WaitBuyerPay {
				t.Fatalf("query while waiting: %s", q.Status)
			}
			e.clk.Advance(20 * time.Second)
			done := must(e.book.Act(app1, "bc1", ActPay, nil))(t)
			if done.Status != Success || done.Paid == nil || !done.Paid.Equal(now.Add(20*time.Second)) {
				t.Fatalf("after password: status %s gmt_payment %v", done.Status, done.Paid)
			}
			if done.Buyer != tr.Buyer {
				t.Fatalf("buyer changed on password: %+v -> %+v", tr.Buyer, done.Buyer)
			}
			if want := []EventType{EventCreated, EventPaying, EventPaid}; !sameTypes(rec.types(), want) {
				t.Fatalf("observer %v, want %v", rec.types(), want)
			}
		})
	}
}

func TestPayAuthCodeBuyer(t *testing.T) {
	e := newEnv(t, Options{})
	a := must(e.book.Pay(merchant1, barcode("ac1", "1", authCodeA), ctx))(t).Trade
	b := must(e.book.Pay(merchant2, barcode("ac2", "2", authCodeA), ctx))(t).Trade
	c := must(e.book.Pay(merchant1, barcode("ac3", "3", authCodeB), ctx))(t).Trade
	if a.Buyer != b.Buyer {
		t.Fatalf("same auth_code, different buyers: %+v vs %+v", a.Buyer, b.Buyer)
	}
	if a.Buyer.UserID == c.Buyer.UserID {
		t.Fatalf("different auth_codes, same buyer %s", a.Buyer.UserID)
	}
	// A code's buyer comes from the code: the same after any reset.
	e.book.Reset(app1)
	d := must(e.book.Pay(merchant1, barcode("ac4", "4", authCodeA), ctx))(t).Trade
	e.book.Reset("")
	f := must(e.book.Pay(merchant1, barcode("ac5", "5", authCodeA), ctx))(t).Trade
	if d.Buyer != a.Buyer || f.Buyer != a.Buyer {
		t.Fatalf("after resets: buyers %+v, %+v, want %+v", d.Buyer, f.Buyer, a.Buyer)
	}
}

func TestPayRepeat(t *testing.T) {
	tests := []struct {
		name    string
		first   string // total of the first pay
		setup   func(t *testing.T, e *env)
		repeat  Order
		wantErr error
		wantSt  Status
	}{
		{name: "paid, same order", first: "10", repeat: barcode("rp", "10", authCodeA), wantErr: ErrTradeHasSuccess},
		{name: "waiting, same order", first: "1000", repeat: barcode("rp", "1000", authCodeA), wantSt: WaitBuyerPay},
		{name: "waiting, different amount", first: "1000", repeat: barcode("rp", "1001", authCodeA), wantErr: ErrContextInconsistent},
		{name: "waiting then cancelled", first: "1000", setup: func(t *testing.T, e *env) { must(e.book.Cancel(app1, Ref{OutTradeNo: "rp"}))(t) }, repeat: barcode("rp", "1000", authCodeA), wantErr: ErrTradeHasClose},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			first := must(e.book.Pay(merchant1, barcode("rp", tc.first, authCodeA), ctx))(t).Trade
			if tc.setup != nil {
				tc.setup(t, e)
			}
			res, err := e.book.Pay(merchant1, tc.repeat, ctx)
			wantErr(t, err, tc.wantErr)
			if tc.wantErr != nil {
				return
			}
			if res.Trade.TradeNo != first.TradeNo || res.Trade.Status != tc.wantSt {
				t.Fatalf("repeat: %s %s, want %s %s", res.Trade.TradeNo, res.Trade.Status, first.TradeNo, tc.wantSt)
			}
		})
	}
}

// A barcode pay may settle a trade the merchant precreated with the same order.
func TestPayOnPrecreatedTrade(t *testing.T) {
	e := newEnv(t, Options{})
	pre := e.precreate(t, "pp1", "10")
	res := must(e.book.Pay(merchant1, barcode("pp1", "10", authCodeA), ctx))(t)
	if res.Trade.TradeNo != pre.TradeNo || res.Trade.Status != Success || !res.Trade.Scanned {
		t.Fatalf("pay on precreated: %+v", res.Trade)
	}
	if q := e.query(t, "pp1"); q.Status != Success {
		t.Fatalf("query: %s", q.Status)
	}
}

func TestCreate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(o *Order)
		wantErr error
		check   func(t *testing.T, tr Trade)
	}{
		{name: "no buyer", mutate: func(o *Order) {}, wantErr: errInvalidParameter},
		{name: "buyer equals seller", mutate: func(o *Order) { o.BuyerID = sellerID }, wantErr: ErrBuyerSellerEqual},
		{name: "buyer equals seller_id given in the order", mutate: func(o *Order) {
			o.SellerID = sellerID
			o.BuyerID = sellerID
		}, wantErr: ErrBuyerSellerEqual},
		{name: "foreign seller_id", mutate: func(o *Order) {
			o.SellerID = "2088777777777777"
			o.BuyerID = "2088777777777778"
		}, wantErr: ErrInvalidReceiveAccount},
		{name: "product_code of another method", mutate: func(o *Order) {
			o.BuyerID = "2088777777777778"
			o.ProductCode = "FAST_INSTANT_TRADE_PAY"
		}, wantErr: errInvalidParameter},
		{name: "buyer_id", mutate: func(o *Order) { o.BuyerID = "2088200000000009" }, check: func(t *testing.T, tr Trade) {
			if tr.Buyer.UserID != "2088200000000009" || tr.Buyer.LogonID == "" {
				t.Fatalf("buyer %+v", tr.Buyer)
			}
		}},
		{name: "buyer_open_id", mutate: func(o *Order) { o.BuyerOpenID = "074a1CcTG1LelxKe4xQC0zgNdId0nxi95b5lsNpazWYoCo5" }, check: func(t *testing.T, tr Trade) {
			if !userIDPattern.MatchString(tr.Buyer.UserID) {
				t.Fatalf("buyer %+v", tr.Buyer)
			}
		}},
		{name: "buyer_logon_id", mutate: func(o *Order) { o.BuyerLogonID = "15901825620" }, check: func(t *testing.T, tr Trade) {
			if tr.Buyer.Account != "15901825620" || tr.Buyer.LogonID != "159****5620" {
				t.Fatalf("buyer %+v", tr.Buyer)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{})
			o := order("cr1", "10")
			o.ProductCode = "JSAPI_PAY"
			tc.mutate(&o)
			tr, err := e.book.Create(merchant1, o, ctx)
			wantErr(t, err, tc.wantErr)
			if tc.wantErr != nil {
				if _, err := e.book.Get(app1, "cr1"); err != ErrNotFound {
					t.Fatalf("refused create left a trade behind (Get err %v)", err)
				}
				return
			}
			if tr.Status != WaitBuyerPay || !tr.Scanned || tr.Method != "alipay.trade.create" || tr.ProductCode != "JSAPI_PAY" || tr.QRToken != "" {
				t.Fatalf("create: %+v", tr)
			}
			// Visible to query at once: a created trade has its buyer.
			if q := e.query(t, "cr1"); q.TradeNo != tr.TradeNo {
				t.Fatalf("query: %+v", q)
			}
			tc.check(t, tr)
			paid := must(e.book.Act(app1, tr.TradeNo, ActPay, nil))(t)
			if paid.Status != Success || paid.Buyer.UserID != tr.Buyer.UserID {
				t.Fatalf("pay after create: %+v", paid)
			}
		})
	}
}

func TestCashier(t *testing.T) {
	e := newEnv(t, Options{})
	tr := must(e.book.Cashier(merchant1, order("cash1", "10"), domain.Context{ReturnURL: "https://m.example/return"}, "alipay.trade.page.pay"))(t)
	if tr.Method != "alipay.trade.page.pay" || tr.Scanned || tr.ReturnURL != "https://m.example/return" || !tr.Expires.Equal(t0.Add(CashierTimeout)) {
		t.Fatalf("cashier: %+v", tr)
	}
	_, err := e.book.Query(app1, Ref{OutTradeNo: "cash1"}) // no buyer has logged in yet
	wantErr(t, err, ErrTradeNotExist)
	again := must(e.book.Cashier(merchant1, order("cash1", "10"), ctx, "alipay.trade.page.pay"))(t)
	if again.TradeNo != tr.TradeNo {
		t.Fatalf("repeat cashier: %s vs %s", again.TradeNo, tr.TradeNo)
	}
	_, err = e.book.Cashier(merchant1, order("cash1", "11"), ctx, "alipay.trade.page.pay")
	wantErr(t, err, ErrContextInconsistent)
	_, err = e.book.Cashier(merchant1, order("cash1", "10"), ctx, "alipay.trade.wap.pay") // another method's order
	wantErr(t, err, ErrContextInconsistent)
}
