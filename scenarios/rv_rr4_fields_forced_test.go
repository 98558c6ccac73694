package scenarios_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// scnfix refuses respond without execute beside buyer, notify, voucher or
// transfer, "the forced answer stands in for the request, the method does
// not run, so that part would never act". then.fields beside such a
// respond is the same: dispatch answers the stand-in with
// g.forced(cl, out.Err, nil), no override (mock/gateway/methods.go), so the
// fields never change the answer. The file loads (201) and the fields it
// promises (docs/scenarios.md: fields "changes fields of the real
// answer") never come; with execute: true the same rule does change them.
func TestRVFieldsBesideAForcedAnswerWithoutExecuteNeverAct(t *testing.T) {
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
	if resp.StatusCode == http.StatusBadRequest && strings.Contains(string(b), "execute") {
		return // refused at load, as buyer/notify beside it are
	}
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("upload: %s %s", resp.Status, b)
	}
	r := e.m.Call("alipay.trade.close", `{"out_trade_no":"F-1"}`)
	if r["out_trade_no"] != "CHANGED" {
		t.Errorf("a rule forcing an answer with fields loaded, and its fields did not act: %v; want the upload refused at respond.execute (or the fields in the answer)", r)
	}
}
