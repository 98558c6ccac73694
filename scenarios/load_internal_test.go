package scenarios

import (
	"reflect"
	"testing"
)

// check reads the rules it checks and changes nothing in them: naming and
// compiling are prepare's.
func TestCheckDoesNotMutate(t *testing.T) {
	f := &File{Path: "x.yaml", Rules: []*Rule{{
		When: Match{Method: []string{"alipay.trade.query"}, Biz: map[string]Cond{"out_trade_no": {Regex: "^A"}}},
		Then: Action{Fault: "nope"},
	}}}
	before := *f.Rules[0]
	before.When.Biz = map[string]Cond{"out_trade_no": f.Rules[0].When.Biz["out_trade_no"]}
	ps := check(f, Catalogue{"alipay.trade.query": {Fields: []string{"out_trade_no", "trade_no"}}})
	if len(ps) != 1 {
		t.Fatalf("want the bad fault only: %v", ps)
	}
	if !reflect.DeepEqual(*f.Rules[0], before) {
		t.Errorf("check changed the rule:\n%+v\nwas\n%+v", *f.Rules[0], before)
	}
	if ps := prepare(f); len(ps) != 0 || f.Rules[0].Name != "rule 1" || f.Rules[0].When.Biz["out_trade_no"].re == nil {
		t.Errorf("prepare did not name and compile: %v %+v", ps, f.Rules[0])
	}
}
