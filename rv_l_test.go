package main

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// Reviewer rv-l: `alipay-mock keys --out DIR` writes the app's private
// keys with os.WriteFile(…, 0600), which keeps the mode (and owner) of a
// file already there and follows a symlink: in a shared or reused
// directory the new private key lands in a file others can read.
func TestRVLKeysOutNeverWritesAPrivateKeyReadableByOthers(t *testing.T) {
	dir := t.TempDir()
	planted := filepath.Join(dir, "app_private_key_pkcs8.pem")
	if err := os.WriteFile(planted, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(planted, 0o644); err != nil {
		t.Fatal(err)
	}
	if code := run([]string{"keys", "--out", dir}, io.Discard, io.Discard); code != 0 {
		return // refused: fine
	}
	fi, err := os.Stat(planted)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > 0 && fi.Mode().Perm()&0o077 != 0 {
		t.Fatalf("the new private key was written to %s with mode %v", planted, fi.Mode().Perm())
	}
}
