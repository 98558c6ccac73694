//go:build openssl

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/keys"
)

// TestOpenSSLBinary: the Dockerfile's openssl stage, without Docker: the
// binary built with CGO_ENABLED=1 -tags openssl says in its banner that
// OpenSSL signs, and its answers carry the signature crypto/rsa makes over
// the same bytes, which the client verifies.
func TestOpenSSLBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "alipay-mock-openssl")
	build := exec.Command("go", "build", "-tags", "openssl", "-trimpath", "-ldflags=-s -w", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=1 go build -tags openssl: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "ALIPAY_MOCK_ADDR=127.0.0.1:0")
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	var gw, signer string
	timeout := time.After(20 * time.Second)
	for gw == "" || signer == "" {
		select {
		case l := <-lines:
			if m := gatewayLine.FindStringSubmatch(l); m != nil {
				gw = m[1]
			}
			if s, ok := strings.CutPrefix(strings.TrimSpace(l), "RSA signer:"); ok {
				signer = strings.TrimSpace(s)
			}
		case <-timeout:
			t.Fatalf("banner incomplete: gateway %q, signer %q", gw, signer)
		}
	}
	if !strings.HasPrefix(signer, "openssl (OpenSSL ") {
		t.Fatalf("banner's signer: %q, want OpenSSL", signer)
	}
	var raw string
	c, err := client.New(client.Config{GatewayURL: gw + "/gateway.do", AppID: keys.DevAppID,
		PrivateKeyRSA: keys.DevAppPrivateKey(), AlipayPublicKeyRSA: &keys.DevAlipayPrivateKey().PublicKey,
		HTTPClient: &http.Client{Transport: recordBody{&raw}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Precreate(context.Background(), client.PrecreateRequest{Order: client.Order{OutTradeNo: "OSSL-1", TotalAmount: amount.MustParse("1.00"), Subject: "openssl"}}); err != nil {
		t.Fatalf("precreate (its signature checked by the client): %v", err)
	}
	r, err := sign.ParseResponse([]byte(raw), "alipay.trade.precreate")
	if err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256(r.Raw)
	want, err := rsa.SignPKCS1v15(nil, keys.DevAlipayPrivateKey(), crypto.SHA256, d[:])
	if err != nil {
		t.Fatal(err)
	}
	if r.Sign != base64.StdEncoding.EncodeToString(want) {
		t.Fatal("the OpenSSL binary's signature differs from crypto/rsa's over the same bytes")
	}
}

// recordBody is a transport that keeps the last answer's body.
type recordBody struct{ body *string }

func (r recordBody) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	*r.body = string(b)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}
