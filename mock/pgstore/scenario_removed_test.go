package pgstore_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// The replica that starts last defines the --scenario files in force for
// all: a file it was not given (removed from its flags) is gone on every
// replica; what was loaded through the control API stays.
func TestReplicaStartingWithoutAScenarioFileRemovesItForAll(t *testing.T) {
	file := func(path string) []*scenarios.File {
		f, err := scenarios.Parse(path, []byte("rules:\n  - name: r\n    when: {method: alipay.trade.query}\n"+
			"    then: {respond: {code: \"40004\", sub_code: \"ACQ.SYSTEM_ERROR\", sub_msg: \""+path+"\"}}\n"), nil)
		if err != nil {
			t.Fatal(err)
		}
		return []*scenarios.File{f}
	}
	rs, url := replicasAt(t, 1, mock.Options{Scenarios: append(file("once.yaml"), file("kept.yaml")...)})
	a := rs[0]
	a.Control(http.MethodPost, "/scenarios?name=uploaded", "rules:\n  - when: {method: alipay.trade.refund}\n"+
		"    then: {respond: {code: \"40004\"}}\n", http.StatusCreated)
	mocktest.New(t, mock.Options{Store: url, Scenarios: file("kept.yaml")})
	list := string(a.Control(http.MethodGet, "/scenarios", nil, http.StatusOK)) // takes up what the other stored
	if strings.Contains(list, `"path":"once.yaml"`) {
		t.Fatalf("once.yaml, not given to the replica that started last, is still in force")
	}
	if !strings.Contains(list, `"path":"kept.yaml"`) || !strings.Contains(list, `"path":"uploaded.yaml"`) {
		t.Fatalf("the file still given or the upload is gone")
	}
	if r := a.Call("alipay.trade.query", `{"out_trade_no":"none"}`); r["sub_msg"] != "kept.yaml" {
		t.Fatalf("the query was answered %v, want kept.yaml's rule", r)
	}
}
