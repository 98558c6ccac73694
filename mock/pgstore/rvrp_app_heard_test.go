package pgstore_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
)

// An app registered through replica a (POST /_mock/apps, 201) is unknown
// to replica b's gateway until b hears the announcement: a gateway call
// right after the registration, reaching b, is refused as an app that
// does not exist. On one mock the app serves the next request; b's
// control API waits for the announcement (catchUp), its gateway does not
// and does not read the database for an app it does not know.
func TestRvrpAppRegisteredOnOneReplicaServesTheNextCallOnAnother(t *testing.T) {
	rs := replicas(t, 2, mock.Options{})
	a, b := rs[0], rs[1]
	missed := 0
	for i := 0; i < 5; i++ {
		id := fmt.Sprintf("20210000000009%02d", 20+i)
		a.Control(http.MethodPost, "/apps", map[string]string{"app_id": id,
			"public_key": string(keys.DevFile("app_public_key.pem")), "sign_type": "RSA2"}, http.StatusCreated)
		r, err := try(b, "alipay.trade.precreate", fmt.Sprintf(`{"out_trade_no":"RVA%d","total_amount":"1.00","subject":"s"}`, i),
			func(p map[string]string) { p["app_id"] = id })
		if err != nil || !ok(r) {
			t.Logf("precreate for app %s on b right after its registration on a: %v %v", id, r, err)
			missed++
		}
	}
	if missed > 0 {
		t.Errorf("%d of 5 apps registered on a refused on b's gateway right after", missed)
	}
}
