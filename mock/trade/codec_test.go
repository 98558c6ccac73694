package trade

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
)

// fill sets every exported field of v (a pointer to a struct) to a value
// that is not its zero, recursing into structs and slices, so a field the
// record forgets shows up as a difference.
func fill(t *testing.T, v reflect.Value, n *int) {
	t.Helper()
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString("s" + string(rune('a'+*n%26)) + string(rune('A'+*n%26)))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(*n*37 + 1))
	case reflect.Ptr:
		p := reflect.New(v.Type().Elem())
		fill(t, p.Elem(), n)
		v.Set(p)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 { // json.RawMessage
			v.SetBytes([]byte(`{"k":"v"}`))
			return
		}
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := 0; i < 2; i++ {
			fill(t, s.Index(i), n)
		}
		v.Set(s)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			zone := time.FixedZone("CST", 8*3600)
			v.Set(reflect.ValueOf(time.Date(2026, 1, 2, 3, 4, 5, *n*1000+7, zone)))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(t, v.Field(i), n)
			}
		}
	default:
		t.Fatalf("fill: no rule for %s", v.Type())
	}
}

// A trade with every field set comes back from its record unchanged, and
// so does a trade with every field empty; a record that read any field
// wrong or forgot one fails here.
func TestRecordRoundTripsEveryField(t *testing.T) {
	var full Trade
	n := 0
	fill(t, reflect.ValueOf(&full).Elem(), &n)
	full.fingerprint = "fp|1"
	full.Status = Success
	paid := time.Date(2262, 1, 1, 0, 0, 0, 1, time.UTC) // far out: seconds and nanoseconds apart
	full.Paid = &paid
	empty := Trade{TradeNo: "2026", AppID: "app"}
	noSlices := full
	noSlices.Goods, noSlices.Vouchers, noSlices.Refunds, noSlices.Syncs, noSlices.Settlements = nil, nil, nil, nil, nil
	noSlices.RoyaltyInfo, noSlices.SettleInfo = json.RawMessage{}, nil
	local := full
	local.Created = time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.Local)

	for name, in := range map[string]Trade{"full": full, "empty": empty, "no rare fields": noSlices, "before 1970": local} {
		var b Book
		b.strs.reset()
		b.locs.reset()
		e := encoder{strs: &b.strs, locs: &b.locs}
		x, _ := e.encode(&in)
		d := decoder{rec: string(e.buf), strs: &b.strs, locs: &b.locs}
		got := d.decode(x)
		if d.at != len(e.buf) {
			t.Errorf("%s: read %d of %d bytes", name, d.at, len(e.buf))
		}
		if !reflect.DeepEqual(*got, in) {
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(in)
			t.Errorf("%s: round trip\n got %s\nwant %s", name, gj, wj)
		}
		if name == "full" && got.fingerprintOf() != "fp|1" {
			t.Errorf("fingerprint %q", got.fingerprintOf())
		}
	}
}

// Strings past the table's room are written out, and still come back.
func TestRecordPastTheStringTable(t *testing.T) {
	var b Book
	b.strs.reset()
	b.locs.reset()
	for i := 0; i < maxInterned; i++ {
		b.strs.number(string(rune(0x4e00 + i)))
	}
	in := Trade{AppID: "2021000000000001", Subject: "a subject no table holds", Total: amount.MustParse("88.88"),
		Created: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)}
	e := encoder{strs: &b.strs, locs: &b.locs}
	x, _ := e.encode(&in)
	d := decoder{rec: string(e.buf), strs: &b.strs, locs: &b.locs}
	if got := d.decode(x); !reflect.DeepEqual(*got, in) {
		t.Errorf("got %+v", got)
	}
	if len(b.strs.strs) != maxInterned {
		t.Errorf("the table grew past its bound: %d", len(b.strs.strs))
	}
}
