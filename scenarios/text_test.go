package scenarios_test

import (
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/scenarios"
)

// A scenario's strings are text: a NUL ("\0" in a quoted string) in a
// state, a name or any other string is refused where the file is read, in
// every mode, since --store keeps no such text (fixtures.Unstorable).
func TestScenarioStringsAreText(t *testing.T) {
	for _, yaml := range []string{
		"rules:\n  - when: {method: alipay.trade.query}\n    then: {set_state: \"S\\0X\", respond: {code: \"40004\", sub_code: ACQ.TRADE_NOT_EXIST}}\n",
		"name: \"a\\0b\"\nrules:\n  - when: {method: alipay.trade.query}\n    then: {delay: 1ms}\n",
		"rules:\n  - name: \"r\\0\"\n    when: {method: alipay.trade.query, state: \"\\0\"}\n    then: {delay: 1ms}\n",
	} {
		_, err := scenarios.Parse("t.yaml", []byte(yaml), nil)
		if err == nil || !strings.Contains(err.Error(), "NUL") {
			t.Errorf("%q: %v, want a problem naming the NUL", yaml, err)
		}
	}
}
