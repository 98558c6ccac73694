package notify

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// stored reports whether the outbox keeps id as a record (not a struct).
func stored(t *testing.T, o *Outbox, id string) bool {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	seq, ok := o.seqOf(id)
	if !ok {
		t.Fatalf("%s: not in the outbox", id)
	}
	ref, _ := o.ledger.Get(seq)
	_, hot := o.hot[seq]
	return ref != 0 && !hot
}

func recordSize(o *Outbox, id string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	seq, _ := o.seqOf(id)
	ref, _ := o.ledger.Get(seq)
	return len(o.arena.get(ref))
}

// A final notification is kept as a record and reads back exactly as it
// was put in: every field, private state included, whatever the text.
func TestRecordReadsBackWhatWasPut(t *testing.T) {
	sig := "yr/KeImfiRnAZ5r7nnXiYbGbm5Os5fd0nNLDEWxI34mzefPAFb9VinXL0jYYRgQ=="
	at := time.Date(2026, 11, 23, 2, 0, 0, 123456789, time.UTC)
	next := at.Add(time.Hour).In(time.FixedZone("X", -3*3600))
	base := func(cs string) Notification {
		p := map[string]string{"notify_time": "2026-11-23 10:04:00", "sign": sig, "subject": "咖啡&蛋糕=1%", "body": "a\x00b",
			"fund_bill_list": `[{"amount":"1.00","fundChannel":"ALIPAYACCOUNT"}]`, "x_unknown_key": "v", "empty": "",
			"notify_id": "2026112300000000000000000000000001", "charset": cs, "app_id": "2021", "total_amount": "0.05",
			"buyer_id": "2088000000000001", "gmt_create": "2026-11-23 09:59:59", "trade_no": "0123", "odd": "012",
			"amount": "10.50", "big": "100000000000000.00", "trade_status": "TRADE_SUCCESS", "out_trade_no": "O1"}
		body, err := sign.EncodeForm(p, sign.Charset(cs))
		if err != nil {
			t.Fatal(err)
		}
		return Notification{ID: "ntf_000001", Kind: KindNotification, AppID: "2021", OutTradeNo: "O1", TradeNo: "0123",
			NotifyID: p["notify_id"], Charset: cs, Params: p, Body: body, State: Delivered, Event: "paid",
			TradeStatus: "TRADE_SUCCESS", URL: "http://127.0.0.1:1/notify", Created: at,
			Attempts: []Attempt{
				{N: 1, At: at, NotifyTime: "2026-11-23 10:00:00", Sign: "c2ln", Status: 500, Response: "no", LatencyMS: 1.5,
					Error: "boom"},
				{N: 2, At: at.Add(4 * time.Minute), NotifyTime: "2026-11-23 10:04:00", Sign: sig, Status: 200,
					Response: "success", LatencyMS: 0.125, OK: true}}}
	}
	for _, tc := range []struct {
		name string
		edit func(n *Notification)
	}{
		{"utf-8", func(*Notification) {}},
		{"made at its event", func(n *Notification) { n.madeAt = n.Created }},
		{"made after its event", func(n *Notification) { n.madeAt = n.Created.Add(time.Hour) }},
		{"gbk", func(n *Notification) { *n = base("GBK") }},
		{"given up", func(n *Notification) { n.State = GivenUp }},
		{"given up by the pending bound", func(n *Notification) { n.State, n.Reason = GivenUp, ReasonPendingBound }},
		{"suppressed, no attempts", func(n *Notification) { n.State, n.Attempts = Suppressed, nil }},
		{"empty attempts", func(n *Notification) { n.Attempts = []Attempt{} }},
		{"nil params", func(n *Notification) { n.Params, n.Body = nil, "" }},
		{"time not the last attempt's", func(n *Notification) { n.Params["notify_time"] = "2026-11-23 11:00:00"; n.Body = mustEncode(t, n) }},
		{"sign not the last attempt's", func(n *Notification) { n.Params["sign"] = "other"; n.Body = mustEncode(t, n) }},
		{"sign not base64", func(n *Notification) {
			n.Attempts[1].Sign = "not base64!"
			n.Params["sign"] = "not base64!"
			n.Body = mustEncode(t, n)
		}},
		{"older body", func(n *Notification) { n.Body = "kept=as-is" }},
		{"attempt kept with its body and odd numbers", func(n *Notification) {
			n.Attempts[0].Body, n.Attempts[0].N, n.Attempts[0].Status = "a=b", 7, -1
			n.Attempts[1].LatencyMS, n.Attempts[0].LatencyMS = 1.0/3, -2
			n.Attempts[0].NotifyTime = ""
		}},
		{"private state", func(n *Notification) {
			n.round, n.gen, n.badSig, n.key, n.NextAttempt = 2, 9, true, "coupon|X", &next
		}},
		{"odd id and times", func(n *Notification) {
			n.ID = "ntf_0000001"
			n.Created = at.In(time.Local)
			n.Attempts[1].At = at.In(time.FixedZone("GMT+8", 8*3600))
		}},
		{"message", func(n *Notification) {
			n.Kind = KindMessage
			delete(n.Params, "notify_time")
			n.Params["utc_timestamp"] = fmt.Sprint(n.Attempts[1].At.UnixMilli())
			n.Attempts[1].NotifyTime = n.Params["utc_timestamp"]
			n.Body = mustEncode(t, n)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := base("utf-8")
			tc.edit(&n)
			want := n.clone()
			o := NewOutbox()
			o.add(&n)
			if !stored(t, o, want.ID) {
				t.Fatal("a final notification is not kept as a record")
			}
			got, ok := o.get(want.ID)
			if !ok {
				t.Fatal("gone")
			}
			got.seq, want.seq = 0, 0
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("read back\n%#v\nwant\n%#v", got, want)
			}
		})
	}
}

// Every kind of time a record holds comes back in its own location.
func TestRecordTimesKeepTheirLocation(t *testing.T) {
	o := NewOutbox()
	at := time.Date(2026, 11, 23, 2, 0, 0, 1, time.UTC)
	var want []time.Time
	for i := 0; i < 40; i++ { // more zones than the table holds
		z := at.In(time.FixedZone(fmt.Sprintf("Z%d", i), i*60))
		want = append(want, z)
		o.add(&Notification{ID: fmt.Sprintf("ntf_%06d", i+1), State: Delivered, Created: z})
	}
	for i, n := range o.List(Filter{}) {
		if !n.Created.Equal(want[i]) || n.Created.String() != want[i].String() {
			t.Fatalf("%d: %v, want %v", i, n.Created, want[i])
		}
	}
}

// A notification delivered for real (signed, POSTed, answered
// "success") ends as a record, and the outbox reads it back as it went
// over the wire: the same form, body and signature. One put in through
// Restore, as the memory benchmark fills the outbox, ends in the same
// storage.
func TestDeliveredNotificationIsARecordThatReadsBackAsSent(t *testing.T) {
	var mu sync.Mutex
	var got []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, string(b))
		mu.Unlock()
		_, _ = io.WriteString(w, "success")
	}))
	defer hook.Close()
	t0 := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	sched := clock.NewScheduler(clock.NewManual(t0), 1)
	o := NewOutbox()
	key := keys.DevAlipayPrivateKey()
	n := New(key, sched, fixtures.New(1), o, Options{})
	paid := t0
	tr := trade.Trade{AppID: "2021000000000001", TradeNo: "2026112322000000000000000001", OutTradeNo: "O-1",
		Status: trade.Success, Subject: "咖啡", Total: amount.MustParse("88.88"), NotifyURL: hook.URL + "/notify",
		Created: t0, Paid: &paid, Buyer: fixtures.Buyer{UserID: "2088000000000002", LogonID: "a***@b.com"},
		Seller: fixtures.Seller{UserID: "2088000000000001", Email: "s@b.com"}}
	n.TradeEvent(tr, trade.Event{At: paid, Type: trade.EventPaid, Status: trade.Success})
	sched.RunDue()
	list := o.List(Filter{})
	if len(list) != 1 || len(got) != 1 || list[0].State != Delivered {
		t.Fatalf("delivered %d, listed %+v", len(got), list)
	}
	nf := list[0]
	if !stored(t, o, nf.ID) {
		t.Fatal("the delivered notification is not kept as a record")
	}

	sent, err := url.ParseQuery(got[0])
	if err != nil {
		t.Fatal(err)
	}
	a := nf.Attempts[0]
	if nf.Body != got[0] || a.Body != got[0] || a.Sign != sent.Get("sign") || a.NotifyTime != sent.Get("notify_time") ||
		!a.OK || a.Response != "success" || a.Status != 200 {
		t.Fatalf("read back\n%+v\nsent\n%s", nf, got[0])
	}
	if len(sent) != len(nf.Params) {
		t.Fatalf("params %v, sent %v", nf.Params, sent)
	}
	for k, v := range nf.Params {
		if sent.Get(k) != v {
			t.Fatalf("%s: %q, sent %q", k, v, sent.Get(k))
		}
	}
	if err := sign.VerifyString(&key.PublicKey, sign.RSA2, sign.UTF8, sign.NotifyContent(nf.Params), a.Sign); err != nil {
		t.Fatal("the signature read back does not verify:", err)
	}
	if g, ok := o.Get(nf.ID); !ok || !reflect.DeepEqual(g, nf) {
		t.Fatalf("Get\n%+v\nList\n%+v", g, nf)
	}

	c := nf
	c.ID = "ntf_000002"
	c.Attempts = []Attempt{a}
	c.Attempts[0].Body = "" // as the store keeps it (rebuilt when read)
	n.Restore([]Notification{c})
	if !stored(t, o, c.ID) {
		t.Fatal("a restored notification is not kept as a record")
	}
	if a, b := recordSize(o, nf.ID), recordSize(o, c.ID); a != b || a > 450 {
		t.Fatalf("records of %d bytes (delivered) and %d (restored)", a, b)
	}
	r, _ := o.Get(c.ID)
	r.ID = nf.ID
	if r.seq, nf.seq = 0, 0; !reflect.DeepEqual(r, nf) {
		t.Fatalf("restored\n%+v\nwant\n%+v", r, nf)
	}
}

// Records of notifications evicted or sent again give their memory back:
// slabs whose records are all gone are dropped, and the arena is compacted
// when most of its bytes are gone; what is left reads back unchanged.
func TestRecordsGoneGiveTheirMemoryBack(t *testing.T) {
	o := NewOutbox()
	o.SetKeep(500)
	pad := string(make([]byte, 900))
	for i := 1; i <= 20000; i++ {
		o.add(&Notification{ID: fmt.Sprintf("ntf_%06d", i), AppID: "2021", OutTradeNo: fmt.Sprint("O", i), State: Delivered,
			Params: map[string]string{"pad": pad, "i": fmt.Sprint(i)}, Body: "x"})
		if i%3 == 0 { // sent again and final again: its old record is gone
			o.update(fmt.Sprintf("ntf_%06d", i), func(n *Notification) { n.State = Pending })
			o.update(fmt.Sprintf("ntf_%06d", i), func(n *Notification) { n.State = GivenUp })
		}
	}
	o.mu.Lock()
	held := 0
	for _, s := range o.arena.slabs {
		held += cap(s)
	}
	used := o.arena.used
	o.mu.Unlock()
	if used > 500*1000 || held > 3*used+2*slabSize {
		t.Fatalf("500 records of ~1 KB: %d bytes live, %d held", used, held)
	}
	list := o.List(Filter{})
	if len(list) != 500 || list[0].ID != "ntf_019501" || list[499].Params["i"] != "20000" || list[0].Params["pad"] != pad {
		t.Fatalf("kept %d: %s … %v", len(list), list[0].ID, list[len(list)-1].Params["i"])
	}
	if l := o.List(Filter{OutTradeNo: "O19998"}); len(l) != 1 || l[0].State != GivenUp {
		t.Fatalf("by out_trade_no: %+v", l)
	}
	if l := o.List(Filter{OutTradeNo: "O5"}); len(l) != 0 {
		t.Fatalf("an evicted notification is still indexed: %+v", l)
	}
}

// Readers decode records outside the lock while writers add records that
// share new strings (run with -race).
func TestRecordsReadWhileWritten(t *testing.T) {
	o := NewOutbox()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 1; i <= 2000; i++ {
			o.add(&Notification{ID: fmt.Sprintf("ntf_%06d", i), AppID: "2021", OutTradeNo: fmt.Sprint("O", i), State: Delivered,
				URL: fmt.Sprintf("http://127.0.0.1:%d/n", i), Created: time.Unix(int64(i), 0).In(time.FixedZone(fmt.Sprint(i%20), i%20)),
				Params: map[string]string{"subject": fmt.Sprint("s", i), "notify_type": "trade_status_sync"}})
		}
	}()
	for reads := 0; ; reads++ {
		select {
		case <-done:
			if l := o.List(Filter{}); len(l) != 2000 || l[1999].Params["subject"] != "s2000" || l[1999].URL != "http://127.0.0.1:2000/n" {
				t.Fatalf("after the writes: %d", len(l))
			}
			return
		default:
		}
		page, _ := o.Page(Filter{}, 0, 50, true)
		for _, n := range page {
			if want := "s" + n.OutTradeNo[1:]; n.Params["subject"] != want {
				t.Fatalf("%s: subject %q, want %q", n.ID, n.Params["subject"], want)
			}
		}
	}
}

// Any notification reads back from its record as it was put in.
func FuzzRecordRoundTrip(f *testing.F) {
	f.Add("subject", "咖啡", "ntf_000001", "2026-11-23 10:00:00", "c2ln", 1.25, int64(1795000000), int64(5), 28800)
	f.Add("trade_no", "2026112322000000000000000001", "x", "", "", 0.0, int64(-1), int64(999999999), -3600)
	f.Add("total_amount", "0.05", "ntf_0000001", "1795000000000", "not base64!", -1.0, int64(0), int64(0), 0)
	f.Add("gmt_create", "2000-01-01 08:00:00", "ntf_9999999", "2026-02-30 10:00:00", "", 1e300, int64(1<<40), int64(1), 1)
	f.Fuzz(func(t *testing.T, k, v, id, nt, sig string, ms float64, sec, nsec int64, off int) {
		at := time.Unix(sec, nsec).In(time.FixedZone(k, off))
		p := map[string]string{k: v, "notify_time": nt, "sign": sig, "out_trade_no": v, "amount": v, "notify_id": id}
		n := Notification{ID: id, Kind: KindNotification, AppID: v, OutTradeNo: v, TradeNo: nt, NotifyID: sig, Charset: "utf-8",
			Event: k, URL: v, State: GivenUp, Created: at, Params: p, Body: v,
			Attempts: []Attempt{{N: 1, At: at, NotifyTime: nt, Sign: sig, Status: int(sec), Response: v, LatencyMS: ms, Error: k},
				{N: int(nsec), At: at.UTC(), NotifyTime: v, Sign: sig, Body: nt, LatencyMS: float64(nsec) / 1000, OK: true}}}
		if ms != ms { // NaN never equals itself
			n.Attempts[0].LatencyMS = 0
		}
		in := &interns{}
		rec := encodeRecord(in, &n, nil)
		got, err := decodeRecord(in, rec)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, n) {
			t.Fatalf("read back\n%#v\nwant\n%#v", got, n)
		}
	})
}

// The shared strings are bounded by bytes too: values of their own in
// every shared field stop being shared at maxSharedBytes (they are written
// in full), and every record still reads back.
func TestSharedStringsAreBoundedByBytes(t *testing.T) {
	o := NewOutbox()
	o.SetKeep(100)
	long := strings.Repeat("v", maxShared-8)
	const n = 3 * perClass
	for i := 1; i <= n; i++ {
		v := fmt.Sprintf("%s%08d", long, i)
		o.add(&Notification{ID: fmt.Sprintf("ntf_%06d", i), AppID: "2021", OutTradeNo: fmt.Sprint("O", i), State: Delivered,
			Params: map[string]string{"subject": v, "body": v, "passback_params": v}})
	}
	if _, b := o.Shared(); b > maxSharedBytes {
		t.Fatalf("%d bytes of shared strings, bound %d", b, maxSharedBytes)
	}
	last := fmt.Sprintf("%s%08d", long, n)
	if l := o.List(Filter{OutTradeNo: fmt.Sprint("O", n)}); len(l) != 1 || l[0].Params["subject"] != last || l[0].Params["passback_params"] != last {
		t.Fatalf("the last record reads back %+v", l)
	}
}

// A clear that leaves no record gives the shared strings a new table,
// while readers decode records copied before it against the old one
// (run with -race).
func TestRecordsReadAcrossAClear(t *testing.T) {
	o := NewOutbox()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 1; i <= 2000; i++ {
			o.add(&Notification{ID: fmt.Sprintf("ntf_%06d", i), AppID: "2021", OutTradeNo: fmt.Sprint("O", i), State: Delivered,
				URL: fmt.Sprintf("http://127.0.0.1:%d/n", i), Params: map[string]string{"subject": fmt.Sprint("s", i)}})
			if i%100 == 0 {
				o.Clear("", func() int64 { return 0 })
			}
		}
	}()
	for {
		select {
		case <-done:
			if s, _ := o.Shared(); s != 0 {
				t.Fatalf("%d shared strings after the last clear", s)
			}
			return
		default:
		}
		page, _ := o.Page(Filter{}, 0, 50, true)
		for _, n := range page {
			if want := "s" + n.OutTradeNo[1:]; n.Params["subject"] != want {
				t.Fatalf("%s: subject %q, want %q", n.ID, n.Params["subject"], want)
			}
		}
	}
}

// A stored notification keeps when it was made (the pending bound's
// order with --store); one stored before that was kept is taken as made
// at its event's time.
func TestStoredNotificationKeepsWhenItWasMade(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	n := Notification{ID: "ntf_000001", State: Pending, Created: at, madeAt: at.Add(time.Hour)}
	b, err := Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if !got.madeOn().Equal(at.Add(time.Hour)) {
		t.Errorf("made %v, want %v", got.madeOn(), at.Add(time.Hour))
	}
	old, err := Unmarshal([]byte(`{"id":"ntf_000002","state":"pending","created":"2026-11-23T10:00:00Z","round":0,"key":""}`))
	if err != nil {
		t.Fatal(err)
	}
	if !old.madeOn().Equal(at) {
		t.Errorf("a record without made: made %v, want its created %v", old.madeOn(), at)
	}
}
