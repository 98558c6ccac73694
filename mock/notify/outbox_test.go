package notify

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
)

// A packed notification reads back exactly as it was put in: parameters
// of any text, keys the table does not know, GBK bodies, a time field or
// signature that is not the last attempt's, bodies an older version kept.
func TestPackReadsBackWhatWasPut(t *testing.T) {
	sig := "yr/KeImfiRnAZ5r7nnXiYbGbm5Os5fd0nNLDEWxI34mzefPAFb9VinXL0jYYRgQ=="
	base := func(cs string) Notification {
		p := map[string]string{"notify_time": "2026-11-23 10:04:00", "sign": sig, "subject": "咖啡&蛋糕=1%", "body": "a\x00b",
			"fund_bill_list": `[{"amount":"1.00","fundChannel":"ALIPAYACCOUNT"}]`, "x_unknown_key": "v", "empty": "",
			"notify_id": "2026112300000000000000000000000001", "charset": cs, "app_id": "2021"}
		body, err := sign.EncodeForm(p, sign.Charset(cs))
		if err != nil {
			t.Fatal(err)
		}
		return Notification{ID: "ntf_000001", Kind: KindNotification, AppID: "2021", OutTradeNo: "O1", TradeNo: "T1",
			NotifyID: p["notify_id"], Charset: cs, Params: p, Body: body,
			Attempts: []Attempt{{N: 1, NotifyTime: "2026-11-23 10:00:00", Sign: "c2ln"}, {N: 2, NotifyTime: "2026-11-23 10:04:00", Sign: sig}}}
	}
	for _, tc := range []struct {
		name string
		edit func(n *Notification)
	}{
		{"utf-8", func(*Notification) {}},
		{"gbk", func(n *Notification) { *n = base("GBK") }},
		{"time not the last attempt's", func(n *Notification) { n.Params["notify_time"] = "2026-11-23 11:00:00"; n.Body = mustEncode(t, n) }},
		{"sign not the last attempt's", func(n *Notification) { n.Params["sign"] = "other"; n.Body = mustEncode(t, n) }},
		{"no attempts", func(n *Notification) { n.Attempts = nil }},
		{"sign not base64", func(n *Notification) {
			n.Attempts[1].Sign = "not base64!"
			n.Params["sign"] = "not base64!"
			n.Body = mustEncode(t, n)
		}},
		{"older body", func(n *Notification) { n.Body = "kept=as-is" }},
		{"message", func(n *Notification) {
			n.Kind = KindMessage
			delete(n.Params, "notify_time")
			n.Params["utc_timestamp"] = "1795000000000"
			n.Attempts[1].NotifyTime = "1795000000000"
			n.Body = mustEncode(t, n)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := base("utf-8")
			tc.edit(&n)
			want := n.clone()
			o := NewOutbox()
			o.add(&n)
			if n.Params != nil || n.Body != "" {
				t.Fatal("the outbox kept the form unpacked")
			}
			got, ok := o.get("ntf_000001")
			if !ok {
				t.Fatal("gone")
			}
			got.form, want.form = "", ""
			if !reflect.DeepEqual(got.Params, want.Params) || got.Body != want.Body || !reflect.DeepEqual(got.Attempts, want.Attempts) ||
				got.NotifyID != want.NotifyID || got.schedKey() != "2021|O1" {
				t.Fatalf("read back\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

func mustEncode(t *testing.T, n *Notification) string {
	t.Helper()
	b, err := sign.EncodeForm(n.Params, sign.Charset(n.Charset))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A long poll for one trade's notification looks again only when that
// trade's notifications change, not at every change of the outbox.
func TestWaitLooksAgainOnlyForItsTrade(t *testing.T) {
	o := NewOutbox()
	put := func(i int, out string) {
		o.add(&Notification{ID: fmt.Sprintf("ntf_%06d", i), AppID: "2021", OutTradeNo: out, TradeNo: "T" + out, State: Pending,
			Params: map[string]string{"out_trade_no": out}, Charset: "utf-8"})
	}
	var looks atomic.Int32
	first := make(chan struct{})
	done := make(chan []Notification)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	f := Filter{OutTradeNo: "WANTED"}
	go func() {
		var list []Notification
		o.waitOn(ctx, &f, func() bool {
			if looks.Add(1) == 1 {
				close(first)
			}
			list, _ = o.Page(f, 0, 0, false)
			return len(list) > 0
		})
		done <- list
	}()
	<-first // the first look, before anything was put
	for i := 1; i <= 500; i++ {
		put(i, fmt.Sprintf("OTHER%d", i))
	}
	put(501, "WANTED")
	list := <-done
	if len(list) != 1 || list[0].OutTradeNo != "WANTED" {
		t.Fatalf("woke with %+v", list)
	}
	if n := looks.Load(); n != 2 {
		t.Fatalf("looked %d times for 501 changes, 1 of them its own; want 2 (the first look and its own)", n)
	}
	if c := o.Counts(); c[Pending] != 501 {
		t.Fatalf("counts %v", c)
	}
}

// Pages read through an index (by trade, by out_trade_no, pending) are the
// pages a walk over the whole outbox gives, in both directions.
func TestIndexedPagesAreWalkedPages(t *testing.T) {
	o := NewOutbox()
	for i := 1; i <= 60; i++ {
		st := []State{Pending, Delivered, GivenUp}[i%3]
		o.add(&Notification{ID: fmt.Sprintf("ntf_%06d", i), AppID: "2021", OutTradeNo: fmt.Sprintf("O%d", i%7),
			TradeNo: fmt.Sprintf("T%d", i%5), State: st})
	}
	o.update("ntf_000004", func(n *Notification) { n.State = Pending }) // delivered, pending again (a resend)
	o.update("ntf_000003", func(n *Notification) { n.State = Delivered })
	walk := func(f Filter, newest bool) []string {
		var out []string
		o.ledger.Walk(0, newest, func(seq, ref uint64) bool {
			if n := o.headOf(seq, ref); f.match(n) {
				out = append(out, n.ID)
			}
			return true
		})
		return out
	}
	for _, f := range []Filter{{TradeNo: "T3"}, {OutTradeNo: "O2"}, {State: Pending}, {State: Pending, AppID: "2021", TradeNo: "T1"}} {
		for _, newest := range []bool{false, true} {
			var got []string
			var at uint64
			for {
				page, next := o.Page(f, at, 3, newest)
				for _, n := range page {
					got = append(got, n.ID)
				}
				if next == 0 {
					break
				}
				at = next
			}
			if want := walk(f, newest); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%+v newest %v: %v, want %v", f, newest, got, want)
			}
		}
	}
	if c := o.Counts(); c[Pending] != 20 || c[Delivered] != 20 || c[GivenUp] != 20 {
		t.Errorf("counts %v", c)
	}
}

// An update that adds an attempt but leaves the form keeps the form as it
// was: its notify_time and sign stay those of the attempt it was packed with.
func TestUpdateWithoutANewFormKeepsTheForm(t *testing.T) {
	sig := "c2lnbmF0dXJlIG9mIGF0dGVtcHQgMQ=="
	p := map[string]string{"notify_time": "2026-11-23 10:00:00", "sign": sig, "trade_no": "T1", "charset": "utf-8"}
	body, err := sign.EncodeForm(p, sign.UTF8)
	if err != nil {
		t.Fatal(err)
	}
	o := NewOutbox()
	o.add(&Notification{ID: "ntf_000001", AppID: "2021", OutTradeNo: "O1", TradeNo: "T1", Charset: "utf-8", State: Pending,
		Params: p, Body: body, Attempts: []Attempt{{N: 1, NotifyTime: p["notify_time"], Sign: sig}}})
	o.update("ntf_000001", func(n *Notification) {
		n.Attempts = append(n.Attempts, Attempt{N: 2, NotifyTime: "2026-11-23 10:04:00", Sign: "b3RoZXI="})
	})
	got, _ := o.get("ntf_000001")
	if got.Params["notify_time"] != "2026-11-23 10:00:00" || got.Params["sign"] != sig || got.Body != body ||
		len(got.Attempts) != 2 || got.Attempts[0].Sign != sig || got.Attempts[1].Sign != "b3RoZXI=" {
		t.Fatalf("after the update: %+v", got)
	}
}

// A walk read a chunk at a time gives the pages one walk under the lock
// would, with a filter that matches few.
func TestWalkAcrossChunks(t *testing.T) {
	o := NewOutbox()
	var want []string
	for i := 1; i <= 3*chunk+5; i++ {
		app := "A"
		if i%101 == 7 {
			app = "B"
			want = append(want, fmt.Sprintf("ntf_%06d", i))
		}
		o.add(&Notification{ID: fmt.Sprintf("ntf_%06d", i), AppID: app, State: Delivered})
	}
	for _, newest := range []bool{false, true} {
		var got []string
		var at uint64
		for {
			page, next := o.Page(Filter{AppID: "B"}, at, 1, newest)
			for _, n := range page {
				got = append(got, n.ID)
			}
			if next == 0 {
				break
			}
			at = next
		}
		exp := append([]string(nil), want...)
		if newest {
			slices.Reverse(exp)
		}
		if fmt.Sprint(got) != fmt.Sprint(exp) {
			t.Fatalf("newest %v: %v, want %v", newest, got, exp)
		}
	}
}
