package pgstore_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// A scenario whose set_state holds a NUL (YAML's "\0" escape) is text the
// database keeps in no jsonb column. Without --store it loads and works;
// with --store it must be refused at upload with 400 (as a NUL in ?name=
// or a queued answer's sub_msg now is), or work the same: not load fine
// and then answer the merchant's calls 20000 because the store "failed".
func TestScenarioStateWithNULWithStore(t *testing.T) {
	m := replicas(t, 1, mock.Options{})[0]
	const yaml = "rules:\n" +
		"  - when: {method: alipay.trade.query}\n" +
		"    then: {set_state: \"S\\0X\", respond: {code: \"40004\", sub_code: \"ACQ.TRADE_NOT_EXIST\"}}\n"
	req, _ := http.NewRequest(http.MethodPost, m.URL+"/_mock/scenarios?name=nulstate", strings.NewReader(yaml))
	req.Header.Set("Content-Type", "application/yaml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusBadRequest {
		return // refused as bad input: fine
	}
	if resp.StatusCode/100 != 2 {
		t.Fatalf("upload: HTTP %d %s", resp.StatusCode, b)
	}
	r := m.Call("alipay.trade.query", `{"out_trade_no":"RX-NUL"}`)
	if r["code"] != "40004" || r["sub_code"] != "ACQ.TRADE_NOT_EXIST" {
		t.Errorf("a scenario accepted with set_state \"S\\0X\": the call got %v %v %v, want the rule's 40004 (as without --store), or the upload refused 400", r["code"], r["sub_code"], r["sub_msg"])
	}
}
