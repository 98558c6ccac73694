package sdktest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	gopay "github.com/go-pay/gopay/alipay"
	"github.com/smartwalle/alipay/v3"

	"github.com/alipay-mock/alipay-mock/keys"
)

// The certificate-mode SNs (app_cert_sn, alipay_cert_sn, alipay_root_cert_sn)
// that each SDK computes from the shipped development certificates must be
// the ones package keys computes, or the mock would reject their requests
// and they its responses. Production's root bundle, which holds a root Go
// cannot parse, is checked too.

var productionRootCert = filepath.Join("..", "keys", "testdata", "alipay_root_cert_production.crt")

type certSNs struct{ App, Alipay, Root string }

func wantDevSNs(t *testing.T) certSNs {
	t.Helper()
	want := certSNs{keys.DevAppCertSN(), keys.DevAlipayCertSN(), keys.DevRootCertSN()}
	if want.App == "" || want.Alipay == "" || !strings.Contains(want.Root, "_") {
		t.Fatalf("keys gives %+v", want)
	}
	return want
}

func TestCertSNSmartwalle(t *testing.T) {
	t.Parallel()
	want := wantDevSNs(t)
	dev := devCredentials()
	client, err := alipay.New(dev.AppID, dev.AppPrivateKeyPKCS1PEM, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := client.LoadAppCertPublicKey(string(keys.DevAppCertPEM())); err != nil {
		t.Fatal(err)
	}
	if err := client.LoadAliPayRootCert(string(keys.DevRootCertPEM())); err != nil {
		t.Fatal(err)
	}
	if err := client.LoadAlipayCertPublicKey(string(keys.DevAlipayCertPEM())); err != nil {
		t.Fatal(err)
	}

	// app_cert_sn and alipay_root_cert_sn go into every request.
	values, err := client.URLValues(alipay.TradeQuery{OutTradeNo: "certsn"})
	if err != nil {
		t.Fatal(err)
	}
	if got := values.Get("app_cert_sn"); got != want.App {
		t.Errorf("app_cert_sn = %q, want %q", got, want.App)
	}
	if got := values.Get("alipay_root_cert_sn"); got != want.Root {
		t.Errorf("alipay_root_cert_sn = %q, want %q", got, want.Root)
	}

	// smartwalle files the key of alipay_cert_public_key_rsa2.crt under its
	// SN and picks the verifier by the alipay_cert_sn a message carries.
	alipaySigner, err := alipay.New(dev.AppID, string(keys.DevFile("alipay_private_key.pem")), false)
	if err != nil {
		t.Fatal(err)
	}
	signed := func(certSN string) url.Values {
		v := url.Values{"app_id": {dev.AppID}, "out_trade_no": {"certsn"}, "trade_status": {"TRADE_SUCCESS"}}
		sig, err := alipaySigner.SignValues(v)
		if err != nil {
			t.Fatal(err)
		}
		v.Set("sign", base64.StdEncoding.EncodeToString(sig))
		v.Set("sign_type", "RSA2")
		v.Set("alipay_cert_sn", certSN)
		return v
	}
	if err := client.VerifySign(context.Background(), signed(want.Alipay)); err != nil {
		t.Errorf("VerifySign with alipay_cert_sn %s: %v", want.Alipay, err)
	}
	if err := client.VerifySign(context.Background(), signed(strings.Repeat("0", 32))); !errors.Is(err, alipay.ErrAliPublicKeyNotFound) {
		t.Errorf("VerifySign with an unknown alipay_cert_sn: %v, want ErrAliPublicKeyNotFound", err)
	}

	prod, err := os.ReadFile(productionRootCert)
	if err != nil {
		t.Fatal(err)
	}
	wantProd, err := keys.RootCertSNFromPEM(prod)
	if err != nil {
		t.Fatal(err)
	}
	if err := client.LoadAliPayRootCert(string(prod)); err != nil {
		t.Fatal(err)
	}
	values, err = client.URLValues(alipay.TradeQuery{OutTradeNo: "certsn"})
	if err != nil {
		t.Fatal(err)
	}
	if got := values.Get("alipay_root_cert_sn"); got != wantProd {
		t.Errorf("production alipay_root_cert_sn = %q, keys gives %q", got, wantProd)
	}
}

func TestCertSNGopay(t *testing.T) {
	t.Parallel()
	want := wantDevSNs(t)
	dev := devCredentials()
	client, err := gopay.NewClient(dev.AppID, dev.AppPrivateKeyPKCS8Base64, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := client.SetCertSnByContent(keys.DevAppCertPEM(), keys.DevRootCertPEM(), keys.DevAlipayCertPEM()); err != nil {
		t.Fatal(err)
	}
	got := certSNs{client.AppCertSN, client.AliPayPublicCertSN, client.AliPayRootCertSN}
	if got != want {
		t.Errorf("SetCertSnByContent gives %+v, want %+v", got, want)
	}

	prod, err := os.ReadFile(productionRootCert)
	if err != nil {
		t.Fatal(err)
	}
	wantProd, err := keys.RootCertSNFromPEM(prod)
	if err != nil {
		t.Fatal(err)
	}
	if gotProd, err := gopay.GetRootCertSN(prod); err != nil || gotProd != wantProd {
		t.Errorf("GetRootCertSN(production) = %q, %v; keys gives %q", gotProd, err, wantProd)
	}
}

// TestCertSNNode asks the official Node SDK (node/node_modules/alipay-sdk)
// for the SNs its constructor computes from certificate contents, and the
// Alipay public key it takes from alipay_cert_public_key_rsa2.crt.
func TestCertSNNode(t *testing.T) {
	t.Parallel()
	skip := t.Skip
	if os.Getenv("SDKTEST_REQUIRE_NODE") != "" {
		skip = t.Fatal
	}
	node, err := exec.LookPath("node")
	if err != nil {
		skip("node is not installed")
	}
	if _, err := os.Stat(filepath.Join("node", "node_modules", "alipay-sdk", "package.json")); err != nil {
		skip("node/node_modules is missing; run: (cd sdktest/node && npm ci)")
	}
	want := wantDevSNs(t)
	prod, err := os.ReadFile(productionRootCert)
	if err != nil {
		t.Fatal(err)
	}
	wantProd, err := keys.RootCertSNFromPEM(prod)
	if err != nil {
		t.Fatal(err)
	}

	const script = `
const { AlipaySdk } = require('alipay-sdk');
const e = process.env;
const sdk = new AlipaySdk({ appId: e.APP_ID, privateKey: e.APP_PRIVATE_KEY,
  appCertContent: e.APP_CERT, alipayPublicCertContent: e.ALIPAY_CERT, alipayRootCertContent: e.ROOT_CERT });
const prod = new AlipaySdk({ appId: e.APP_ID, privateKey: e.APP_PRIVATE_KEY,
  appCertContent: e.APP_CERT, alipayPublicCertContent: e.ALIPAY_CERT, alipayRootCertContent: e.PROD_ROOT_CERT });
console.log(JSON.stringify({ app: sdk.config.appCertSn, alipay: sdk.config.alipayCertSn,
  root: sdk.config.alipayRootCertSn, prodRoot: prod.config.alipayRootCertSn, key: sdk.config.alipayPublicKey }));
`
	dev := devCredentials()
	cmd := exec.Command(node, "-e", script)
	cmd.Dir = "node"
	cmd.Env = append(os.Environ(),
		"APP_ID="+dev.AppID,
		"APP_PRIVATE_KEY="+dev.AppPrivateKeyPKCS1PEM,
		"APP_CERT="+string(keys.DevAppCertPEM()),
		"ALIPAY_CERT="+string(keys.DevAlipayCertPEM()),
		"ROOT_CERT="+string(keys.DevRootCertPEM()),
		"PROD_ROOT_CERT="+string(prod),
	)
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("node: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var r struct{ App, Alipay, Root, ProdRoot, Key string }
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got := (certSNs{r.App, r.Alipay, r.Root}); got != want {
		t.Errorf("Node SDK gives %+v, want %+v", got, want)
	}
	if r.ProdRoot != wantProd {
		t.Errorf("Node SDK gives production root SN %q, keys %q", r.ProdRoot, wantProd)
	}
	// The Node SDK wraps the key it reads in PEM lines; compare the base64.
	if got := strings.Join(strings.Fields(strings.NewReplacer("-----BEGIN PUBLIC KEY-----", "", "-----END PUBLIC KEY-----", "").Replace(r.Key)), ""); got != dev.AlipayPublicKeyBase64 {
		t.Errorf("Node SDK read Alipay public key %q from the certificate, want the dev Alipay key", r.Key)
	}
}
