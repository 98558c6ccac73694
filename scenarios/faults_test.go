package scenarios_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
)

// POST /_mock/faults refuses a field it does not take, naming it: {"time":
// 3} (for "times") was dropped, the answer queued for one request.
func TestFaultWithAMisspeltFieldIsRefused(t *testing.T) {
	e := newEnv(t, mock.Options{})
	body := `{"method":"alipay.trade.close","code":"40004","sub_code":"ACQ.TRADE_STATUS_ERROR","time":3}`
	resp, err := http.Post(e.http.URL+"/_mock/faults", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "time") {
		t.Errorf("POST /_mock/faults with \"time\" for \"times\": HTTP %d %s, want 400 naming the field", resp.StatusCode, b)
	}
}

// DELETE /_mock/faults?app_id= forgets that app's queued answers alone,
// as reset and DELETE /_mock/scenarios scope theirs: it cleared every
// app's.
func TestDeleteFaultsOfOneAppForgetsThatAppsAlone(t *testing.T) {
	const other = "2021000000000077"
	e := newEnv(t, mock.Options{Apps: []apps.Spec{{AppID: other, PublicKey: string(keys.DevFile("app_public_key.pem"))}}})
	e.control("POST", "/faults", `{"app_id":"`+keys.DevAppID+`","method":"alipay.trade.close","code":"20000"}`, http.StatusCreated)
	e.control("DELETE", "/faults?app_id="+other, "", http.StatusOK)
	var left []map[string]any
	if err := json.Unmarshal(e.control("GET", "/faults", "", http.StatusOK), &left); err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 {
		t.Errorf("queued answers after DELETE /_mock/faults?app_id= of another app: %v, want the dev app's answer kept", left)
	}
}
