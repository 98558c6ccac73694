package trade

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
)

func TestNormaliseValidation(t *testing.T) {
	long64 := strings.Repeat("a", 64)
	long65 := strings.Repeat("a", 65)
	subj256 := strings.Repeat("商", 256)
	subj257 := strings.Repeat("商", 257)

	type amounts struct{ total, disc, undisc string }
	tests := []struct {
		name          string
		out, subject  string
		in            amounts
		totalRequired bool
		wantErr       error
		want          amounts // after normalise, when no error
	}{
		{name: "valid minimal", out: "o1", subject: "s", in: amounts{total: "88.88"}, totalRequired: true, want: amounts{total: "88.88", disc: "0", undisc: "0"}},
		{name: "missing out_trade_no", out: "", subject: "s", in: amounts{total: "1"}, totalRequired: true, wantErr: errInvalidParameter},
		{name: "out_trade_no 64 chars ok", out: long64, subject: "s", in: amounts{total: "1"}, totalRequired: true, want: amounts{total: "1", disc: "0", undisc: "0"}},
		{name: "out_trade_no 65 chars", out: long65, subject: "s", in: amounts{total: "1"}, totalRequired: true, wantErr: errInvalidParameter},
		{name: "out_trade_no with _ - . ok", out: "ORD_2024-03.01", subject: "s", in: amounts{total: "1"}, totalRequired: true, want: amounts{total: "1", disc: "0", undisc: "0"}},
		{name: "missing subject", out: "o1", subject: "", in: amounts{total: "1"}, totalRequired: true, wantErr: errInvalidParameter},
		{name: "subject with slash", out: "o1", subject: "a/b", in: amounts{total: "1"}, totalRequired: true, wantErr: errInvalidParameter},
		{name: "subject with equals", out: "o1", subject: "a=b", in: amounts{total: "1"}, totalRequired: true, wantErr: errInvalidParameter},
		{name: "subject with ampersand", out: "o1", subject: "a&b", in: amounts{total: "1"}, totalRequired: true, wantErr: errInvalidParameter},
		{name: "subject 256 runes ok", out: "o1", subject: subj256, in: amounts{total: "1"}, totalRequired: true, want: amounts{total: "1", disc: "0", undisc: "0"}},
		{name: "subject 257 runes", out: "o1", subject: subj257, in: amounts{total: "1"}, totalRequired: true, wantErr: errInvalidParameter},
		// An Order's zero amount means "absent": total 0 is a missing total.
		{name: "missing total (zero)", out: "o1", subject: "s", in: amounts{}, totalRequired: true, wantErr: errInvalidParameter},
		{name: "missing total, pay, no parts", out: "o1", subject: "s", in: amounts{}, totalRequired: false, wantErr: errInvalidParameter},
		{name: "min total 0.01", out: "o1", subject: "s", in: amounts{total: "0.01"}, totalRequired: true, want: amounts{total: "0.01", disc: "0", undisc: "0"}},
		{name: "max total 100000000", out: "o1", subject: "s", in: amounts{total: "100000000"}, totalRequired: true, want: amounts{total: "100000000", disc: "0", undisc: "0"}},
		{name: "total 100000000.01", out: "o1", subject: "s", in: amounts{total: "100000000.01"}, totalRequired: true, wantErr: ErrTotalFeeExceed},
		{name: "total 100000000.01 pay", out: "o1", subject: "s", in: amounts{total: "100000000.01"}, totalRequired: false, wantErr: ErrTotalFeeExceed},
		{name: "total + undiscountable derives discountable", out: "o1", subject: "s", in: amounts{total: "100", undisc: "30.50"}, totalRequired: true, want: amounts{total: "100", disc: "69.50", undisc: "30.50"}},
		{name: "total + discountable derives undiscountable", out: "o1", subject: "s", in: amounts{total: "100", disc: "80"}, totalRequired: true, want: amounts{total: "100", disc: "80", undisc: "20"}},
		{name: "discountable equals total", out: "o1", subject: "s", in: amounts{total: "100", disc: "100"}, totalRequired: true, want: amounts{total: "100", disc: "100", undisc: "0"}},
		{name: "all three consistent", out: "o1", subject: "s", in: amounts{total: "100", disc: "60", undisc: "40"}, totalRequired: true, want: amounts{total: "100", disc: "60", undisc: "40"}},
		{name: "all three inconsistent", out: "o1", subject: "s", in: amounts{total: "100", disc: "60", undisc: "41"}, totalRequired: true, wantErr: errInvalidParameter},
		{name: "discountable above total", out: "o1", subject: "s", in: amounts{total: "100", disc: "100.01"}, totalRequired: true, wantErr: errInvalidParameter},
		{name: "undiscountable above total", out: "o1", subject: "s", in: amounts{total: "100", undisc: "100.01"}, totalRequired: true, wantErr: errInvalidParameter},
		{name: "discountable out of range", out: "o1", subject: "s", in: amounts{total: "100000000", disc: "100000000.01"}, totalRequired: true, wantErr: errInvalidParameter},
		{name: "both parts without total, pay", out: "o1", subject: "s", in: amounts{disc: "60", undisc: "40.01"}, totalRequired: false, want: amounts{total: "100.01", disc: "60", undisc: "40.01"}},
		{name: "both parts without total, precreate", out: "o1", subject: "s", in: amounts{disc: "60", undisc: "40"}, totalRequired: true, wantErr: errInvalidParameter},
		{name: "only discountable without total, pay", out: "o1", subject: "s", in: amounts{disc: "60"}, totalRequired: false, wantErr: errInvalidParameter},
		{name: "only undiscountable without total, pay", out: "o1", subject: "s", in: amounts{undisc: "40"}, totalRequired: false, wantErr: errInvalidParameter},
		{name: "parts summing over the limit, pay", out: "o1", subject: "s", in: amounts{disc: "60000000", undisc: "40000000.01"}, totalRequired: false, wantErr: ErrTotalFeeExceed},
	}
	parse := func(s string) amount.Amount {
		if s == "" {
			return 0
		}
		return amt(s)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := Order{OutTradeNo: tc.out, Subject: tc.subject,
				TotalAmount: parse(tc.in.total), DiscountableAmount: parse(tc.in.disc), UndiscountableAmount: parse(tc.in.undisc)}
			err := o.normalise(tc.totalRequired)
			wantErr(t, err, tc.wantErr)
			if tc.wantErr != nil {
				return
			}
			if o.TotalAmount != parse(tc.want.total) || o.DiscountableAmount != parse(tc.want.disc) || o.UndiscountableAmount != parse(tc.want.undisc) {
				t.Fatalf("got total=%s disc=%s undisc=%s, want total=%s disc=%s undisc=%s",
					o.TotalAmount, o.DiscountableAmount, o.UndiscountableAmount,
					parse(tc.want.total), parse(tc.want.disc), parse(tc.want.undisc))
			}
		})
	}
}

// A negative amount cannot come from the wire (amount.Parse rejects signs),
// but the range check itself must treat "≤ 0" as out of range.
func TestNormaliseNegativeTotalIsTotalFeeExceed(t *testing.T) {
	o := Order{OutTradeNo: "o1", Subject: "s", TotalAmount: -1}
	wantErr(t, o.normalise(true), ErrTotalFeeExceed)
}

// The same checks reach the trade through the Book's entry points, and the
// derived split is stored on the trade.
func TestBookAppliesAmountRules(t *testing.T) {
	e := newEnv(t, Options{ShowUnscanned: true})

	o := order("split1", "100")
	o.UndiscountableAmount = amt("30")
	tr := must(e.book.Precreate(merchant1, o, ctx))(t)
	if tr.Total != amt("100") || tr.Discountable != amt("70") || tr.Undiscountable != amt("30") {
		t.Fatalf("precreate split: total=%s disc=%s undisc=%s", tr.Total, tr.Discountable, tr.Undiscountable)
	}

	p := barcode("split2", "", authCodeA)
	p.DiscountableAmount, p.UndiscountableAmount = amt("12.34"), amt("0.66")
	res := must(e.book.Pay(merchant1, p, ctx))(t)
	if res.Trade.Total != amt("13.00") || res.Trade.Discountable != amt("12.34") || res.Trade.Undiscountable != amt("0.66") {
		t.Fatalf("pay split: total=%s disc=%s undisc=%s", res.Trade.Total, res.Trade.Discountable, res.Trade.Undiscountable)
	}
	if res.Trade.Status != Success {
		t.Fatalf("pay status %s", res.Trade.Status)
	}

	bad := order("split3", "100")
	bad.DiscountableAmount, bad.UndiscountableAmount = amt("50"), amt("49.99")
	_, err := e.book.Precreate(merchant1, bad, ctx)
	wantErr(t, err, errInvalidParameter)

	noTotal := order("split4", "")
	noTotal.DiscountableAmount, noTotal.UndiscountableAmount = amt("50"), amt("50")
	_, err = e.book.Precreate(merchant1, noTotal, ctx)
	wantErr(t, err, errInvalidParameter)
	_, err = e.book.Cashier(merchant1, noTotal, ctx, "alipay.trade.page.pay")
	wantErr(t, err, errInvalidParameter)

	_, err = e.book.Precreate(merchant1, order("big", "100000000.01"), ctx)
	wantErr(t, err, ErrTotalFeeExceed)
	_, err = e.book.Pay(merchant1, barcode("big", "100000000.01", authCodeA), ctx)
	wantErr(t, err, ErrTotalFeeExceed)

	// Nothing was stored for the refused orders.
	for _, out := range []string{"split3", "split4", "big"} {
		_, err := e.book.Query(app1, Ref{OutTradeNo: out})
		wantErr(t, err, ErrTradeNotExist)
	}
}

func TestParseTimeout(t *testing.T) {
	now := t0 // 2024-03-01 10:00:00 GMT+8
	tests := []struct {
		in   string
		want time.Time // zero: error expected
	}{
		{"1m", now.Add(time.Minute)},
		{"90m", now.Add(90 * time.Minute)},
		{"3h", now.Add(3 * time.Hour)},
		{"15d", now.Add(15 * 24 * time.Hour)},
		{"360h", now.Add(360 * time.Hour)},
		{"21600m", now.Add(21600 * time.Minute)},
		{"1c", time.Date(2024, 3, 2, 0, 0, 0, 0, gmt8)},
		{"16d", time.Time{}},
		{"361h", time.Time{}},
		{"21601m", time.Time{}},
		{"0m", time.Time{}},
		{"0d", time.Time{}},
		{"-5m", time.Time{}},
		{"+5m", time.Time{}},
		{"106752d", time.Time{}}, // wraps a time.Duration negative if multiplied unchecked
		{"9223372036854775807m", time.Time{}},
		{"99999999999999999999d", time.Time{}},
		{"1.5h", time.Time{}},
		{"2c", time.Time{}},
		{"0c", time.Time{}},
		{"3H", time.Time{}},
		{"3s", time.Time{}},
		{"3 h", time.Time{}},
		{"h", time.Time{}},
		{"5", time.Time{}},
		{"", time.Time{}},
		{"abc", time.Time{}},
		{"garbage", time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseTimeout("timeout_express", tc.in, now)
			if tc.want.IsZero() {
				wantErr(t, err, errInvalidParameter)
				return
			}
			wantErr(t, err, nil)
			if !got.Equal(tc.want) {
				t.Fatalf("ParseTimeout(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

// "1c" ends at the next midnight in GMT+8, whatever zone now is expressed in.
func TestParseTimeout1cIsMidnightGMT8(t *testing.T) {
	tests := []struct {
		name string
		now  time.Time
		want time.Time
	}{
		{"morning GMT+8", time.Date(2024, 3, 1, 10, 0, 0, 0, gmt8), time.Date(2024, 3, 2, 0, 0, 0, 0, gmt8)},
		{"one second to midnight", time.Date(2024, 3, 1, 23, 59, 59, 0, gmt8), time.Date(2024, 3, 2, 0, 0, 0, 0, gmt8)},
		{"exactly midnight", time.Date(2024, 3, 1, 0, 0, 0, 0, gmt8), time.Date(2024, 3, 2, 0, 0, 0, 0, gmt8)},
		// 17:30 UTC on 1 March is 01:30 on 2 March in GMT+8.
		{"UTC evening is next day in GMT+8", time.Date(2024, 3, 1, 17, 30, 0, 0, time.UTC), time.Date(2024, 3, 3, 0, 0, 0, 0, gmt8)},
		{"month end", time.Date(2024, 2, 29, 12, 0, 0, 0, gmt8), time.Date(2024, 3, 1, 0, 0, 0, 0, gmt8)},
		{"year end", time.Date(2024, 12, 31, 8, 0, 0, 0, gmt8), time.Date(2025, 1, 1, 0, 0, 0, 0, gmt8)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := must(ParseTimeout("timeout_express", "1c", tc.now))(t)
			if !got.Equal(tc.want) {
				t.Fatalf("1c at %s = %s, want %s", tc.now, got, tc.want)
			}
		})
	}
}

func TestTradeExpiry(t *testing.T) {
	tests := []struct {
		name    string
		open    func(b *Book, o Order) (Trade, error)
		timeout string // timeout_express
		qr      string // qr_code_timeout_express
		expire  string // time_expire
		want    time.Time
		wantErr error
	}{
		{name: "precreate default 3h", open: openPrecreate, want: t0.Add(3 * time.Hour)},
		{name: "create default 3h", open: openCreate, want: t0.Add(3 * time.Hour)},
		{name: "pay (waiting) default 3h", open: openPayWaiting, want: t0.Add(3 * time.Hour)},
		{name: "cashier default 15d", open: openCashier, want: t0.Add(15 * 24 * time.Hour)},
		{name: "precreate timeout_express 90m", open: openPrecreate, timeout: "90m", want: t0.Add(90 * time.Minute)},
		{name: "cashier timeout_express 1c", open: openCashier, timeout: "1c", want: time.Date(2024, 3, 2, 0, 0, 0, 0, gmt8)},
		{name: "time_expire", open: openPrecreate, expire: "2024-03-01 12:30:00", want: time.Date(2024, 3, 1, 12, 30, 0, 0, gmt8)},
		{name: "time_expire wins over timeout_express", open: openPrecreate, timeout: "1m", expire: "2024-03-01 12:30:00", want: time.Date(2024, 3, 1, 12, 30, 0, 0, gmt8)},
		{name: "time_expire wins over longer timeout_express", open: openCashier, timeout: "15d", expire: "2024-03-01 12:30:00", want: time.Date(2024, 3, 1, 12, 30, 0, 0, gmt8)},
		{name: "time_expire yyyy-MM-dd HH:mm", open: openCashier, expire: "2024-03-02 08:15", want: time.Date(2024, 3, 2, 8, 15, 0, 0, gmt8)},
		{name: "time_expire garbage", open: openPrecreate, expire: "tomorrow", wantErr: errInvalidParameter},
		{name: "time_expire in the past", open: openPrecreate, expire: "2024-03-01 09:59:59", wantErr: errInvalidParameter},
		{name: "time_expire equal to now", open: openPrecreate, expire: "2024-03-01 10:00:00", wantErr: errInvalidParameter},
		{name: "time_expire under 1m away", open: openCashier, expire: "2024-03-01 10:00:59", wantErr: errInvalidParameter},
		{name: "time_expire 1m away", open: openCashier, expire: "2024-03-01 10:01:00", want: t0.Add(time.Minute)},
		{name: "time_expire 15d away", open: openCashier, expire: "2024-03-16 10:00:00", want: t0.Add(15 * 24 * time.Hour)},
		{name: "time_expire beyond 15d", open: openCashier, expire: "2024-03-16 10:00:01", wantErr: errInvalidParameter},
		{name: "time_expire beyond 15d yyyy-MM-dd HH:mm", open: openPrecreate, expire: "2024-03-16 10:01", wantErr: errInvalidParameter},
		{name: "timeout_express garbage", open: openPrecreate, timeout: "soon", wantErr: errInvalidParameter},
		{name: "timeout_express 16d", open: openCashier, timeout: "16d", wantErr: errInvalidParameter},
		{name: "qr timeout shorter wins", open: openPrecreate, timeout: "2h", qr: "10m", want: t0.Add(10 * time.Minute)},
		{name: "qr timeout longer ignored", open: openPrecreate, timeout: "30m", qr: "2h", want: t0.Add(30 * time.Minute)},
		{name: "qr timeout shorter than default", open: openPrecreate, qr: "2h", want: t0.Add(2 * time.Hour)},
		{name: "qr timeout garbage", open: openPrecreate, qr: "2x", wantErr: errInvalidParameter},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{ShowUnscanned: true})
			o := order("exp1", "10")
			o.TimeoutExpress, o.QRCodeTimeoutExpress, o.TimeExpire = tc.timeout, tc.qr, tc.expire
			tr, err := tc.open(e.book, o)
			wantErr(t, err, tc.wantErr)
			if tc.wantErr != nil {
				return
			}
			if !tr.Expires.Equal(tc.want) {
				t.Fatalf("Expires = %s, want %s", tr.Expires, tc.want)
			}
			if !tr.Created.Equal(t0) {
				t.Fatalf("Created = %s, want %s", tr.Created, t0)
			}
		})
	}
}

func openPrecreate(b *Book, o Order) (Trade, error) { return b.Precreate(merchant1, o, ctx) }
func openCashier(b *Book, o Order) (Trade, error) {
	return b.Cashier(merchant1, o, ctx, "alipay.trade.page.pay")
}
func openCreate(b *Book, o Order) (Trade, error) {
	o.BuyerID = "2088200000000009"
	return b.Create(merchant1, o, ctx)
}
func openPayWaiting(b *Book, o Order) (Trade, error) {
	o.TotalAmount = amt("5000")
	o.Scene, o.AuthCode = "bar_code", authCodeA
	r, err := b.Pay(merchant1, o, ctx)
	return r.Trade, err
}

// A precreate refused for its qr_code_timeout_express must leave nothing
// behind: no trade to query, and a corrected retry must get a fresh trade
// with a QR code.
func TestPrecreateBadQRTimeoutLeavesNoTrade(t *testing.T) {
	e := newEnv(t, Options{ShowUnscanned: true})
	o := order("qrbad", "10")
	o.QRCodeTimeoutExpress = "2x"
	_, err := e.book.Precreate(merchant1, o, ctx)
	wantErr(t, err, errInvalidParameter)

	if _, err := e.book.Query(app1, Ref{OutTradeNo: "qrbad"}); err == nil {
		t.Errorf("Query after a refused precreate found a trade; want ACQ.TRADE_NOT_EXIST")
	}
	if got := must(e.book.List(Filter{}))(t); len(got) != 0 {
		t.Errorf("List after a refused precreate has %d trades, want 0", len(got))
	}
	o.QRCodeTimeoutExpress = "1h"
	tr := must(e.book.Precreate(merchant1, o, ctx))(t)
	if tr.QRToken == "" {
		t.Errorf("retried precreate returned a trade without a QR token")
	}
	if len(tr.History) != 1 || tr.History[0].Type != EventCreated {
		t.Errorf("retried precreate history = %v, want [created]", eventTypes(tr.History))
	}
	if !tr.Expires.Equal(t0.Add(time.Hour)) {
		t.Errorf("retried precreate Expires = %s, want %s", tr.Expires, t0.Add(time.Hour))
	}
}

// TestOrderFieldMaxima: each kept field may be as long as its documented
// maximum, counted in characters (so multi-byte text may be longer in
// bytes), and one more is refused naming the field and its maximum.
func TestOrderFieldMaxima(t *testing.T) {
	for _, f := range []struct {
		name string
		max  int
	}{
		{"body", 128}, {"store_id", 32}, {"operator_id", 28}, {"terminal_id", 32}, {"seller_id", 28},
		{"buyer_id", 28}, {"buyer_open_id", 128}, {"buyer_logon_id", 100}, {"passback_params", 512},
		{"merchant_order_no", 32}, {"product_code", 64}, {"auth_code", 64},
	} {
		for _, n := range []int{f.max, f.max + 1} {
			var o Order
			biz := fmt.Sprintf(`{"out_trade_no":"T1","subject":"s","total_amount":"1.00",%q:%q}`, f.name, strings.Repeat("中", n))
			if err := json.Unmarshal([]byte(biz), &o); err != nil {
				t.Fatal(err)
			}
			err := o.normalise(true)
			want := fmt.Sprintf("%s长度不能超过%d", f.name, f.max)
			switch {
			case n == f.max && err != nil:
				t.Errorf("%s of %d characters refused: %v", f.name, n, err)
			case n > f.max && (err == nil || !strings.Contains(err.Error(), want)):
				t.Errorf("%s of %d characters: %v, want %q", f.name, n, err, want)
			}
		}
	}
}
