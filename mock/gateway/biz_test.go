package gateway

import (
	"encoding/json"
	"reflect"
	"testing"
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
		{`{"s":"\u4e2d\"\/"}`, `{"s":"中\"/"}`, map[string]string{"s": `中"/`}},
	} {
		raw, flat, err := normaliseBiz([]byte(tc.in))
		if err != nil || string(raw) != tc.raw || !reflect.DeepEqual(flat, tc.flat) {
			t.Errorf("%s:\n raw  %s, %v\n want %s\n flat %v\n want %v", tc.in, raw, err, tc.raw, flat, tc.flat)
		}
		if !json.Valid(raw) {
			t.Errorf("%s: %s is not JSON", tc.in, raw)
		}
	}
	for _, bad := range []string{``, `null`, `[1]`, `"x"`, `{"a":1}{"b":2}`, `{"a":1}x`, `{"a":}`, `{"a":1`, `{"a":[1,}`, `{1:2}`} {
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
		for k := range m {
			if _, ok := flat[k]; !ok {
				t.Fatalf("%q: member %q not in flat", in, k)
			}
		}
	})
}
