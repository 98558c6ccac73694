package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// keys --bits 1024 --cert prints, besides the --app hint ending in :RSA,
// a certificate-mode hint for --apps-file. Taken as printed, that app is
// RSA2 (the default sign type) with a 1024-bit key, which the mock refuses
// at start: the certificate-mode hint lacks the sign_type: RSA the --app
// hint got.
func TestRvfcKeysBits1024CertHintRegisters(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "k")
	code, out, errs := runCLI(t, "", "keys", "--bits", "1024", "--cert", "2021004100000123", "--out", dir)
	if code != 0 {
		t.Fatalf("keys: exit %d %s", code, errs)
	}
	_, hint, ok := strings.Cut(out, "in --apps-file: ")
	if !ok {
		t.Fatalf("no certificate-mode hint in:\n%s", out)
	}
	file := filepath.Join(t.TempDir(), "apps.yaml")
	if err := os.WriteFile(file, []byte("apps:\n  - "+strings.TrimSpace(hint)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	specs, err := readAppsFile(file)
	if err != nil {
		t.Fatalf("the hint %q as an apps file: %v", hint, err)
	}
	srv, err := mock.New(mock.Options{Apps: specs, NoDevApp: true})
	if err != nil {
		t.Fatalf("keys --bits 1024 --cert hints %q, which the mock refuses: %v", strings.TrimSpace(hint), err)
	}
	srv.Close()
}
