package amount

import "testing"

// FuzzSentAgreesWithMap: Sent, which reads the object in place, answers
// as decoding it into a map does (sentByMap), for any input.
//
//	go test ./alipay/amount -run '^$' -fuzz '^FuzzSentAgreesWithMap$' -fuzztime 30s
func FuzzSentAgreesWithMap(f *testing.F) {
	for _, s := range []string{
		`{"total_amount":"1.00"}`, `{"total_amount":null}`, `{"total_amount":""}`, `{"total_amount":0}`,
		`{}`, `null`, `[]`, `"x"`, `1`, ``, `{"a":1}`, ` { "Total_Amount" : "2" } `, `{"TOTAL_AMOUNT":""}`,
		`{"total_amount":"1","total_amount":null}`, `{"total_amount":null,"total_amount":"1"}`,
		`{"total_amount":"1","TOTAL_amount":null}`, `{"total_amount":null,"Total_amount":""}`,
		`{"\u0074otal_amount":"1"}`, `{"t\"otal":"1","total_amount":{"a":[1,"}",{"b":"]"}]}}`,
		`{"x":{"total_amount":"1"}}`, `{"x":["total_amount","1"],"total_amount":[]}`, `{"total_amount":" "}`,
		`{"total_amount":"\"\""}`, `{"total_amount":false}`, `{"total_amount":true}`, `{"total_amount":-1e3}`,
		`{"total_amount":"1"`, `{"total_amount":"1"}}`, "{\"total_amount\"\t:\n\"1\"\r}", `{"ſ":"1"}`,
		"{\"total_amount\xff\":\"1\"}", `{"total_amount":"1","a":"\\"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, field := range []string{"total_amount", "amount", "s"} {
			if got, want := Sent([]byte(s), field), sentByMap([]byte(s), field); got != want {
				t.Fatalf("Sent(%q, %q) = %v, decoded into a map: %v", s, field, got, want)
			}
		}
	})
}
