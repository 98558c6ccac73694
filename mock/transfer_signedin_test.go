package mock_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/apps"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// docs/sign-in.md: "the same user has the same open id in sign-in, trades
// and transfers of one app". An app of user_id_type open_id signs a user
// in, gets the user's open id, and pays that user with
// alipay.fund.trans.uni.transfer (identity_type ALIPAY_OPEN_ID): the money
// goes to the user sign-in named, not to a made-up one, though the user
// never paid the app.
func TestTransferToASignedInOpenID(t *testing.T) {
	const app, user = "2021000000000032", "2088102177846885"
	// In certificate mode, which transfers need.
	m := mocktest.New(t, mock.Options{Apps: []apps.Spec{{AppID: app, AppCert: string(keys.DevAppCertPEM()), UserIDType: "open_id"}}}).CertApp()
	var code struct {
		Code string `json:"auth_code"`
	}
	m.ControlJSON(http.MethodPost, "/user-auth-codes", `{"app_id":"`+app+`","user_id":"`+user+`"}`, http.StatusCreated, &code)
	c := m.Client(func(cfg *client.Config) { cfg.AppID, cfg.AppCert = app, string(keys.DevAppCertPEM()) })
	ctx := context.Background()
	tok, err := c.OAuthToken(ctx, code.Code)
	if err != nil || tok.OpenID == "" {
		t.Fatalf("sign-in: %+v %v", tok, err)
	}
	if _, err := c.Transfer(ctx, client.TransferRequest{TransferSceneName: "佣金报酬", OutBizNo: "PAYOUT-1", TransAmount: amount.MustParse("1.00"),
		PayeeInfo: client.Participant{Identity: tok.OpenID, IdentityType: "ALIPAY_OPEN_ID"}}); err != nil {
		t.Fatal(err)
	}
	var ts []struct {
		OutBizNo    string `json:"out_biz_no"`
		PayeeUserID string `json:"payee_user_id"`
	}
	m.ControlJSON(http.MethodGet, "/transfers?app_id="+app, nil, http.StatusOK, &ts)
	if len(ts) != 1 || ts[0].PayeeUserID != user {
		t.Errorf("transfer to the signed-in user's open id %s paid %+v, want user %s", tok.OpenID, ts, user)
	}
}
