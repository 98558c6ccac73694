package mock_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// A file loaded through the control API stays until PUT or DELETE
// /_mock/scenarios (docs/persistence.md), whatever --scenario files later
// starts give or drop: a start file that happens to share its path (an
// upload's path is NAME.yaml, as `--scenario NAME.yaml` is) neither
// replaces it nor takes it away with it when no longer given.
func TestRVOUploadSharingAStartFilesPathSurvivesRestarts(t *testing.T) {
	const uploaded = `name: uploaded
rules:
  - name: refusal
    when: {method: alipay.trade.query}
    then: {respond: {code: "40004", sub_code: "ACQ.SYSTEM_ERROR", sub_msg: "uploaded"}}
`
	const started = `name: started
rules:
  - name: refusal
    when: {method: alipay.trade.refund}
    then: {respond: {code: "40004", sub_code: "ACQ.SYSTEM_ERROR", sub_msg: "started"}}
`
	o := mock.Options{DataDir: t.TempDir()}
	m := mocktest.New(t, o)
	m.Control(http.MethodPost, "/scenarios?name=once", uploaded, http.StatusCreated)
	if got := answers(m, 1); !slices.Equal(got, []string{"uploaded"}) {
		t.Fatalf("after the upload: %q", got)
	}
	// A start with a --scenario once.yaml of its own.
	o.Scenarios = scenarioFile(t, "once.yaml", started)()
	m = restart(t, m, o)
	if got := answers(m, 1); !slices.Equal(got, []string{"uploaded"}) {
		t.Errorf("after a start given once.yaml: the upload answered %q, want it still in force (the start file replaced it)", got)
	}
	// That --scenario removed again.
	o.Scenarios = nil
	m = restart(t, m, o)
	if got := answers(m, 1); !slices.Equal(got, []string{"uploaded"}) {
		t.Fatalf("after a start without once.yaml: the upload answered %q, want it still in force (dropped as a start file)", got)
	}
}
