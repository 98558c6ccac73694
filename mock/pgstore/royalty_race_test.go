package pgstore_test

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/royalty"
)

// receiver is the i-th userId receiver of these tests.
func receiver(i int) string { return fmt.Sprintf("20880000000%05d", i) }

func relationCall(i int, no string) string {
	return `{"out_request_no":"` + no + `","receiver_list":[{"type":"userId","account":"` + receiver(i) + `"}]}`
}

// boundOn is every receiver m's batch query lists for the dev app.
func boundOn(t *testing.T, m *mocktest.Mock) []string {
	t.Helper()
	q := m.Call("alipay.trade.royalty.relation.batchquery", `{"out_request_no":"Q","page_size":100}`)
	if !ok(q) {
		t.Fatalf("batchquery: %v", q)
	}
	var out []string
	for _, e := range q["receiver_list"].([]any) {
		out = append(out, e.(map[string]any)["account"].(string))
	}
	slices.Sort(out)
	return out
}

// Binds of one app's receivers on two replicas at the same moment are all
// kept: each changes the app's relations under its row's lock, never
// writing back a list read before the other's bind.
func TestReplicasKeepEveryConcurrentBind(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	const n = 40
	got := roundRobin(t, rs, n, "alipay.trade.royalty.relation.bind", func(i int) string {
		return relationCall(i, fmt.Sprintf("B%d", i))
	})
	var want []string
	for i := range n {
		if !ok(got[i]) {
			t.Errorf("bind %d: %v", i, got[i])
		}
		want = append(want, receiver(i))
	}
	for i, m := range rs {
		if b := boundOn(t, m); !slices.Equal(b, want) {
			t.Errorf("replica %d lists %d receivers %v, want the %d bound", i, len(b), b, n)
		}
	}
}

// Unbinds on one replica and binds on another at the same moment: every
// unbound receiver is gone and every bound one is kept.
func TestReplicasKeepEveryConcurrentBindAndUnbind(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	const n = 20
	for i := range n {
		if b := rs[0].Call("alipay.trade.royalty.relation.bind", relationCall(i, fmt.Sprintf("P%d", i))); !ok(b) {
			t.Fatalf("bind %d: %v", i, b)
		}
	}
	got := make([]map[string]any, 2*n)
	errs := make([]error, 2*n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 2 * n {
		wg.Go(func() {
			<-start
			if i < n { // unbind the i-th bound above
				got[i], errs[i] = try(rs[0], "alipay.trade.royalty.relation.unbind", relationCall(i, fmt.Sprintf("U%d", i)), nil)
			} else { // bind a new one
				got[i], errs[i] = try(rs[1], "alipay.trade.royalty.relation.bind", relationCall(i, fmt.Sprintf("B%d", i)), nil)
			}
		})
	}
	close(start)
	wg.Wait()
	var want []string
	for i := range 2 * n {
		if errs[i] != nil || !ok(got[i]) {
			t.Errorf("call %d: %v %v", i, got[i], errs[i])
		}
		if i >= n {
			want = append(want, receiver(i))
		}
	}
	for i, m := range rs {
		if b := boundOn(t, m); !slices.Equal(b, want) {
			t.Errorf("replica %d lists %v, want %v", i, b, want)
		}
	}
}

// The rules hold across replicas binding at once: an app keeps at most
// royalty.MaxPerApp receivers (51 binds of 20 new ones: one refused), a
// receiver bound again is kept once and the bind succeeds, and unbinding
// one not bound succeeds.
func TestReplicasKeepTheRelationRulesAtOnce(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	got := roundRobin(t, rs, 51, "alipay.trade.royalty.relation.bind", func(i int) string {
		list := make([]string, 20)
		for j := range list {
			list[j] = `{"type":"userId","account":"` + receiver(20*i+j) + `"}`
		}
		return fmt.Sprintf(`{"out_request_no":"L%d","receiver_list":[%s]}`, i, strings.Join(list, ","))
	})
	refused := count(got, func(r map[string]any) bool {
		return r["sub_code"] == "ACQ.INVALID_PARAMETER" && strings.Contains(r["sub_msg"].(string), "分账关系数量超过上限")
	})
	if refused != 1 || count(got, ok) != 50 {
		t.Fatalf("51 binds of 20 at once: %d refused for the limit, %d bound; want 1 and 50: %v", refused, count(got, ok), got)
	}
	q := rs[1].Call("alipay.trade.royalty.relation.batchquery", `{"out_request_no":"Q","page_size":100}`)
	if fmt.Sprint(q["total_record_num"]) != strconv.Itoa(royalty.MaxPerApp) {
		t.Fatalf("bound: %v, want %d", q["total_record_num"], royalty.MaxPerApp)
	}
	first := q["receiver_list"].([]any)[0].(map[string]any)["account"].(string)
	if r := rs[0].Call("alipay.trade.royalty.relation.bind", `{"out_request_no":"AGAIN","receiver_list":[{"type":"userId","account":"`+first+`"}]}`); !ok(r) {
		t.Errorf("a bound receiver bound again at the limit: %v", r)
	}
	if r := rs[0].Call("alipay.trade.royalty.relation.unbind", relationCall(2000, "NOTB")); !ok(r) {
		t.Errorf("unbinding one not bound: %v", r)
	}
	q = rs[1].Call("alipay.trade.royalty.relation.batchquery", `{"out_request_no":"Q","page_size":100}`)
	if fmt.Sprint(q["total_record_num"]) != strconv.Itoa(royalty.MaxPerApp) {
		t.Errorf("bound after a repeat and an unbind of none: %v, want %d", q["total_record_num"], royalty.MaxPerApp)
	}
}
