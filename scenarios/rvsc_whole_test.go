package scenarios_test

import (
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// A count that is not whole is a problem of the file (1.5 loaded as 1),
// but only when written in place: the same 1.5 reached through a YAML
// alias (the anchor on a field that is text) still loads truncated,
// without a word.
func TestRvscCountNotWholeThroughAnAliasStillLoadsTruncated(t *testing.T) {
	for name, src := range map[string]string{
		"alias":     "name: a\ndescription: &n 1.5\nrules:\n  - name: r\n    when: {method: alipay.trade.query}\n    times: *n\n    then: {respond: {code: \"20000\"}}\n",
		"alias nth": "name: a\ndescription: &n 2.5\nrules:\n  - name: r\n    when: {method: alipay.trade.query, nth: *n}\n    then: {respond: {code: \"20000\"}}\n",
		"in place":  "name: a\nrules:\n  - name: r\n    when: {method: alipay.trade.query}\n    times: 1.5\n    then: {respond: {code: \"20000\"}}\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := scenarios.Parse("a.yaml", []byte(src), gateway.Catalogue())
			if err == nil || !strings.Contains(err.Error(), "not a whole number") {
				t.Fatalf("a count of 1.5 (%s): %v (the file loaded, the count truncated), want a problem naming it not a whole number", name, err)
			}
		})
	}
}
