package scenarios_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// FuzzScenario: Parse never panics on any bytes; a file it accepts has a
// rule, and the engine matches arbitrary requests against it without
// panicking.
//
//	go test ./scenarios -run '^$' -fuzz '^FuzzScenario$' -fuzztime 10s
func FuzzScenario(f *testing.F) {
	methods := gateway.Catalogue()
	paths, _ := filepath.Glob("examples/*.yaml")
	paths = append(paths, "magic-amounts.yaml")
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "alipay.trade.pay", "out_trade_no=PWD-1&total_amount=20000.00")
	}
	f.Add([]byte("rules: [~]"), "", "")
	f.Add([]byte("rules:\n  - when: {method: alipay.trade.query, biz: {out_trade_no: {regex: \"(\"}}}\n    then: {respond: {code: \"40004\"}}\n"), "alipay.trade.query", "out_trade_no=x")
	f.Add([]byte("rules:\n  - when: {method: alipay.trade.query, nth: [1, 2], state: S, biz: {a: {absent: true}}}\n    then: {delay: {min: 1s, max: 0s}, set_state: S}\n"), "alipay.trade.query", "a=1")
	f.Add([]byte("&a [*a]"), "", "")
	f.Add([]byte("rules: !!binary AAAA"), "", "")
	f.Fuzz(func(t *testing.T, data []byte, method, biz string) {
		file, err := scenarios.Parse("fuzz.yaml", data, methods)
		if err != nil {
			if file != nil {
				t.Fatal("Parse returned a file and an error")
			}
			return
		}
		if file == nil || len(file.Rules) == 0 {
			t.Fatalf("accepted a file without rules: %q", data)
		}
		fields := map[string]string{}
		for _, kv := range bytes.Split([]byte(biz), []byte("&")) {
			k, v, _ := bytes.Cut(kv, []byte("="))
			fields[string(k)] = string(v)
		}
		e := scenarios.NewEngine()
		e.Add(file)
		for _, app := range []string{"", file.AppID, "9021000100000001"} {
			for i := 0; i < 3; i++ {
				plan, _, _ := e.Match(scenarios.Request{AppID: app, Method: method, Biz: fields})
				if d := plan.DelayFor(); d < 0 {
					t.Fatalf("negative delay %v", d)
				}
			}
		}
		_ = e.List()
		e.Reset("")
		e.Clear("", true)
	})
}
