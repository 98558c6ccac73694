package gateway

import (
	"encoding/base64"
	"strings"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/keys"
)

// checkCerts applies certificate mode's common parameters to an app in
// that mode: app_cert_sn names its certificate, alipay_root_cert_sn the
// root bundle it trusts (any one of its RSA roots will do, since bundles
// differ by SDK and version). An app in public-key mode may not call a
// method production takes in certificate mode only (entry.certOnly: fund
// methods), unless FundPublicKey; production's answer is the one for a
// missing app_cert_sn (yansongda/pay#325, Abbotton/alipay-sdk-php#28).
func (g *Gateway) checkCerts(cl *call) *apierr.Error {
	app, p := cl.app, cl.params
	if app.CertSN == "" {
		if cl.ent.certOnly && !g.FundPublicKey {
			or := "" // the dev app in certificate mode, when it is served (not with --no-dev-app)
			if dev, ok := g.Apps.Get(keys.DevCertAppID); ok && dev.CertSN != "" {
				or = ", or use the dev app " + keys.DevCertAppID
			}
			cl.entry.Explanation = "app " + app.AppID + " is in public-key mode: production takes " + cl.method +
				" only in certificate mode (register an app_cert" + or + "; --fund-public-key accepts it)"
			g.Log.Warn("fund method refused to an app in public-key mode", "app_id", app.AppID, "method", cl.method)
			return missingAppCertSN()
		}
		return nil
	}
	switch {
	case p["app_cert_sn"] == "":
		return missingAppCertSN()
	case p["alipay_root_cert_sn"] == "":
		return apierr.Invalid("isv.missing-alipay-root-cert-sn", "缺少支付宝根证书序列号")
	case p["app_cert_sn"] != app.CertSN:
		g.Log.Warn("app_cert_sn is not the registered app certificate's", "app_id", app.AppID,
			"app_cert_sn", p["app_cert_sn"], "registered", app.CertSN)
		return apierr.Invalid("isv.app-cert-not-exist", "应用公钥证书不存在")
	case !cl.now.Before(app.CertExpires):
		return apierr.Invalid("isv.app-cert-expired", "应用公钥证书已过期")
	case !sharesRoot(p["alipay_root_cert_sn"], g.RootCertSN):
		g.Log.Warn("alipay_root_cert_sn names none of the mock's roots", "app_id", app.AppID,
			"alipay_root_cert_sn", p["alipay_root_cert_sn"], "mock", g.RootCertSN)
		return apierr.Invalid("isv.invalid-alipay-root-cert-sn", "无效的支付宝根证书序列号")
	}
	return nil
}

// missingAppCertSN is production's answer to a request without
// app_cert_sn that needs one.
func missingAppCertSN() *apierr.Error {
	return apierr.Invalid("isv.missing-app-cert-sn", "缺少应用公钥证书序列号")
}

func sharesRoot(sent, ours string) bool {
	for _, a := range strings.Split(sent, "_") {
		for _, b := range strings.Split(ours, "_") {
			if a != "" && a == b {
				return true
			}
		}
	}
	return false
}

// certRequest is the biz_content of alipay.open.app.alipaycert.download.
type certRequest struct {
	AlipayCertSN string `json:"alipay_cert_sn"`
}

// alipayCert serves the Alipay public-key certificate an SDK does not
// have yet (it calls this when a response's alipay_cert_sn is new to it).
func (g *Gateway) alipayCert(cl *call, in certRequest) (any, *apierr.Error) {
	if in.AlipayCertSN != g.AlipayCertSN {
		return nil, apierr.Business("CERT_NOT_EXIST", "证书不存在")
	}
	return struct {
		AlipayCertContent string `json:"alipay_cert_content"`
	}{base64.StdEncoding.EncodeToString(g.AlipayCertPEM)}, nil
}
