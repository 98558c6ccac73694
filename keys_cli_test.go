package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// keys --out into a directory that already holds a key pair refuses,
// naming the file, and leaves the pair (and a certificate issued for it)
// as it was: a key registered in an app's config is not lost. --force
// replaces it.
func TestKeysOutRefusesToReplaceAKeyPair(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mykeys")
	if code, _, errs := runCLI(t, "", "keys", "--out", dir, "--cert", "2021004100000000"); code != 0 {
		t.Fatalf("first keys --out: exit %d, %s", code, errs)
	}
	first, err := os.ReadFile(filepath.Join(dir, "app_private_key_pkcs1.pem"))
	if err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, "", "keys", "--out", dir)
	second, _ := os.ReadFile(filepath.Join(dir, "app_private_key_pkcs1.pem"))
	if !bytes.Equal(first, second) {
		t.Errorf("a second keys --out %s (exit %d, %q %q) replaced the app private key already there; "+
			"the certificate appCertPublicKey_2021004100000000.crt left in the directory now certifies a key that is gone", dir, code, out, errs)
	}
	if code == 0 || !strings.Contains(errs, "app_private_key_pkcs1.pem is there already") {
		t.Errorf("keys --out into a directory holding a key pair: exit %d %q, want a refusal naming the file", code, errs)
	}
	if code, _, errs := runCLI(t, "", "keys", "--out", dir, "--force"); code != 0 {
		t.Fatalf("keys --out --force: exit %d, %s", code, errs)
	}
	if third, _ := os.ReadFile(filepath.Join(dir, "app_private_key_pkcs1.pem")); bytes.Equal(first, third) {
		t.Errorf("keys --out --force kept the key pair already there")
	}
}

// keys --cert takes only an app id the mock registers (16 digits), and
// refuses another with exit 2 before writing any file.
func TestKeysCertWantsA16DigitAppID(t *testing.T) {
	for _, id := range []string{"x y", "a/b", "123"} {
		dir := filepath.Join(t.TempDir(), "k")
		code, _, errs := runCLI(t, "", "keys", "--cert", id, "--out", dir)
		if code != 2 {
			t.Errorf("keys --cert %q: exit %d (%s), want 2: an app id is 16 digits (mock/apps refuses any other)", id, code, errs)
		}
		if ents, _ := os.ReadDir(dir); len(ents) > 0 {
			t.Errorf("keys --cert %q wrote %d files before (or without) refusing", id, len(ents))
		}
	}
}

// keys --bits 1024 makes a key only an RSA (SHA1) app may use, so its
// hint registers one with :RSA (an RSA2 app needs 2048 bits); a size under
// 1024 is a command-line mistake, exit 2.
func TestKeysBitsHintAndRefusal(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "k")
	code, out, _ := runCLI(t, "", "keys", "--bits", "1024", "--out", dir)
	if code == 0 && strings.Contains(out, "--app APP_ID=") && !strings.Contains(out, ":RSA\n") {
		t.Errorf("keys --bits 1024 hints a registration the mock refuses (RSA2 needs 2048 bits):\n%s", out)
	}
	if code, _, errs := runCLI(t, "", "keys", "--bits", "512"); code != 2 {
		t.Errorf("keys --bits 512: exit %d (%q), want 2 with the sizes the mock takes", code, errs)
	}
}

// keys --bits 1024 --cert: the certificate-mode hint, taken as printed into
// an apps file, registers an app the mock takes: an RSA one, as the --app
// hint's :RSA (RSA2, the default sign type, needs 2048 bits).
func TestKeysBits1024CertHintRegisters(t *testing.T) {
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

// keys --force without --out would replace nothing: it is refused, exit 2,
// as serve refuses a flag that needs another.
func TestKeysForceNeedsOut(t *testing.T) {
	code, out, errs := runCLI(t, "", "keys", "--force")
	if code != 2 || !strings.Contains(errs, "--force needs --out") {
		t.Errorf("keys --force: exit %d (%q), want 2 naming --out", code, errs)
	}
	if strings.Contains(out, "PRIVATE KEY") {
		t.Errorf("keys --force printed a key pair before (or without) refusing:\n%s", out)
	}
}
