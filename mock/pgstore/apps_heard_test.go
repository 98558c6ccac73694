package pgstore_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// An app registered through replica a (POST /_mock/apps, 201) serves the
// next gateway call, wherever it lands: replica b, which has not heard the
// announcement yet, reads the app from the database. b asked about the id
// before it was registered (isv.invalid-app-id) and keeps nothing of that.
func TestReplicasServeAnAppRegisteredOnAnotherAtTheNextCall(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	a, b := rs[0], rs[1]
	missed := 0
	for i := 0; i < 5; i++ {
		id := fmt.Sprintf("20210000000009%02d", 20+i)
		biz := fmt.Sprintf(`{"out_trade_no":"AH%d","total_amount":"1.00","subject":"s"}`, i)
		appID := func(p map[string]string) { p["app_id"] = id }
		if r, err := try(b, "alipay.trade.precreate", biz, appID); err == nil || !strings.Contains(err.Error(), "isv.invalid-app-id") {
			t.Fatalf("precreate for app %s before its registration: %v %v, want isv.invalid-app-id (unsigned)", id, r, err)
		}
		a.Control(http.MethodPost, "/apps", map[string]string{"app_id": id,
			"public_key": string(keys.DevFile("app_public_key.pem")), "sign_type": "RSA2"}, http.StatusCreated)
		r, err := try(b, "alipay.trade.precreate", biz, appID)
		if err != nil || !ok(r) {
			t.Logf("precreate for app %s on b right after its registration on a: %v %v", id, r, err)
			missed++
		}
	}
	if missed > 0 {
		t.Errorf("%d of 5 apps registered on a refused on b's gateway right after", missed)
	}
}
