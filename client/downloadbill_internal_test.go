package client

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
)

// A bill larger than the client reads is an error, never the first part of
// the zip passed off as the whole; one of exactly the limit is read whole.
// The limit is lowered for the test (256 MiB in use).
func TestDownloadBillOverTheLimitIsAnError(t *testing.T) {
	old := maxBillBytes
	maxBillBytes = 1024
	t.Cleanup(func() { maxBillBytes = old })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int64(1024)
		switch r.URL.Query().Get("size") {
		case "over":
			n = 1025
		case "endless":
			n = 1 << 40 // a server that would send a terabyte: only limit+1 bytes are read
		}
		w.Header().Set("Content-Type", "application/zip")
		_, _ = io.Copy(w, io.LimitReader(zeros{}, n))
	}))
	defer srv.Close()
	c, err := New(Config{GatewayURL: srv.URL + "/gateway.do", AppID: keys.DevAppID, PrivateKeyRSA: keys.DevAppPrivateKey(),
		AlipayPublicKeyRSA: &keys.DevAlipayPrivateKey().PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.DownloadBill(context.Background(), srv.URL+"/bill?size=exact")
	if err != nil || !bytes.Equal(b, make([]byte, 1024)) {
		t.Fatalf("a bill of exactly the limit: %d bytes, %v", len(b), err)
	}
	for _, size := range []string{"over", "endless"} {
		b, err := c.DownloadBill(context.Background(), srv.URL+"/bill?size="+size)
		if err == nil || b != nil || !strings.Contains(err.Error(), "larger than 1024 bytes") {
			t.Errorf("a bill %s the limit: %d bytes, error %v; want an error and no bytes", size, len(b), err)
		}
	}
}

// zeros reads as endless zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
