package scenarios_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// then.fields beside respond without execute never acts: dispatch answers
// the stand-in with g.forced(cl, out.Err, nil), no override
// (mock/gateway/methods.go). It is refused at load, pointing at
// respond.execute, as buyer, notify, voucher and transfer beside it are.
func TestFieldsBesideAForcedAnswerWithoutExecuteNeverAct(t *testing.T) {
	e := newEnv(t, mock.Options{})
	e.precreate("F-1", "1.00")
	file := "name: f\nrules:\n  - name: r\n    when: {method: alipay.trade.close}\n" +
		"    then: {respond: {code: \"40004\", sub_code: ACQ.TRADE_STATUS_ERROR}, fields: {out_trade_no: CHANGED}}\n"
	resp, err := http.Post(e.m.URL+"/_mock/scenarios?name=f&app_id="+keys.DevAppID, "application/yaml", strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "then.fields beside respond without execute") || !strings.Contains(string(b), "respond.execute: true") {
		t.Fatalf("upload of fields beside respond without execute: %s %s; want 400 naming then.fields and respond.execute", resp.Status, b)
	}
	// With execute: true the same rule loads and its fields act.
	file = strings.Replace(file, "ACQ.TRADE_STATUS_ERROR}", "ACQ.TRADE_STATUS_ERROR, execute: true}", 1)
	resp, err = http.Post(e.m.URL+"/_mock/scenarios?name=f&app_id="+keys.DevAppID, "application/yaml", strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload with execute: %s %s", resp.Status, b)
	}
	r := e.m.Call("alipay.trade.close", `{"out_trade_no":"F-1"}`)
	if r["out_trade_no"] != "CHANGED" {
		t.Errorf("the fields of a rule with respond.execute did not act: %v", r)
	}
}
