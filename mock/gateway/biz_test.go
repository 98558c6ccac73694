package gateway

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// normaliseBiz drops null and "" members, turns numbers into strings and
// keeps everything else, in one pass; what is not one JSON object fails.
func TestNormaliseBiz(t *testing.T) {
	for _, tc := range []struct {
		in, raw string
		flat    map[string]string
	}{
		{`{"out_trade_no":12345,"total_amount":9.90,"subject":"<a&b>"}`,
			`{"out_trade_no":"12345","total_amount":"9.90","subject":"<a&b>"}`,
			map[string]string{"out_trade_no": "12345", "total_amount": "9.90", "subject": "<a&b>"}},
		{`{"a":"","b":null,"c":false,"d":true}`, `{"c":false,"d":true}`, map[string]string{"c": "false", "d": "true"}},
		{` {"x":{"y":null,"z":"","w":1,"v":{"u":[1,null,"",{"t":null}]}},"e":[]} `,
			`{"x":{"w":"1","v":{"u":["1",null,"",{}]}},"e":[]}`,
			map[string]string{"x": `{"w":"1","v":{"u":["1",null,"",{}]}}`, "e": `[]`}},
		{`{"k":"1","k":"2"}`, `{"k":"1","k":"2"}`, map[string]string{"k": "2"}},
		{`{}`, `{}`, map[string]string{}},
		{`{"s":"\u4e2d\"\/"}`, `{"s":"\u4e2d\"\/"}`, map[string]string{"s": `中"/`}},
		{"{\"s\":\"\xff\"}", "{\"s\":\"\xff\"}", map[string]string{"s": "\ufffd"}},
		{"\n{ \"a\" : [ 1 , 2e3 , -0.5 ] , \"b\" : { } }\t", `{"a":["1","2e3","-0.5"],"b":{}}`, map[string]string{"a": `["1","2e3","-0.5"]`, "b": `{}`}},
		{`{"c":"a\\b\n\t\r\u0001\u001f"}`, `{"c":"a\\b\n\t\r\u0001\u001f"}`, map[string]string{"c": "a\\b\n\t\r\x01\x1f"}},
	} {
		raw, flat, err := normaliseBiz([]byte(tc.in))
		if err != nil || string(raw) != tc.raw || !reflect.DeepEqual(flat, tc.flat) {
			t.Errorf("%s:\n raw  %s, %v\n want %s\n flat %v\n want %v", tc.in, raw, err, tc.raw, flat, tc.flat)
		}
		if !json.Valid(raw) {
			t.Errorf("%s: %s is not JSON", tc.in, raw)
		}
	}
	for _, bad := range []string{``, `null`, `[1]`, `"x"`, `{"a":1}{"b":2}`, `{"a":1}x`, `{"a":}`, `{"a":1`, `{"a":[1,}`, `{1:2}`, "\f{}", "{}\v", "\u00a0{}"} {
		if raw, _, err := normaliseBiz([]byte(bad)); err == nil {
			t.Errorf("%q: accepted as %s", bad, raw)
		}
	}
}

// Whatever normaliseBiz accepts it turns into one valid JSON object.
func FuzzNormaliseBiz(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"a":{"b":[null,""]}}`, `{"a":"\u0000"}`, `{`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		raw, flat, err := normaliseBiz([]byte(in))
		if err != nil {
			return
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil || m == nil {
			t.Fatalf("%q → %s: not a JSON object", in, raw)
		}
		// The same as decoding, cleaning and re-encoding (the old way).
		var want, got any
		dec := json.NewDecoder(strings.NewReader(in))
		dec.UseNumber()
		if dec.Decode(&want) != nil || json.Unmarshal(raw, &got) != nil {
			t.Fatalf("%q: decodes differently", in)
		}
		if want = reference(want); !dupKeys([]byte(in)) && !reflect.DeepEqual(want, got) {
			t.Fatalf("%q → %s\n got  %#v\n want %#v", in, raw, got, want)
		}
		for k, v := range m {
			text, ok := flat[k]
			if !ok {
				t.Fatalf("%q: member %q not in flat", in, k)
			}
			var str string
			if json.Unmarshal(v, &str) == nil && str != text {
				t.Fatalf("%q: member %q is %q, flat says %q", in, k, str, text)
			}
		}
	})
}

// reference cleans a decoded value as normaliseBiz does.
func reference(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if e == nil || e == "" {
				delete(x, k)
				continue
			}
			x[k] = reference(e)
		}
	case []any:
		for i, e := range x {
			x[i] = reference(e)
		}
	case json.Number:
		return string(x)
	}
	return v
}

// dupKeys reports whether an object of b names a member twice: decoding
// keeps the last, null or not, where the rewrite drops a null member and
// so keeps the one before it.
func dupKeys(b []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	t, err := dec.Token()
	if err != nil {
		return false
	}
	seen := map[string]bool{}
	for dec.More() {
		key := ""
		if t == json.Delim('{') {
			k, err := dec.Token()
			if err != nil {
				return false
			}
			key = k.(string)
		}
		var v json.RawMessage
		if dec.Decode(&v) != nil {
			return false
		}
		if (t == json.Delim('{') && seen[key]) || dupKeys(v) {
			return true
		}
		seen[key] = true
	}
	return false
}

// BenchmarkNormaliseBiz is a precreate's biz_content rewritten and decoded
// into its struct: the whole of its decoding.
func BenchmarkNormaliseBiz(b *testing.B) {
	biz := []byte(`{"out_trade_no":"BENCH-000001","total_amount":"88.88","subject":"Iphone6 16G","store_id":"NJ_001","timeout_express":"90m","extend_params":{"sys_service_provider_id":"2088511833207846"}}`)
	b.ReportAllocs()
	for b.Loop() {
		raw, _, err := normaliseBiz(biz)
		var o trade.Order
		if err != nil || json.Unmarshal(raw, &o) != nil {
			b.Fatal(err)
		}
	}
}
