package mock_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// docs/security.md gives the way out for a Kubernetes fsGroup volume:
// "chmod 700 it in an init container". But the kubelet makes every file
// in the volume group-writable too (mode |= 0660 at each mount, the
// default fsGroupChangePolicy Always), so after the documented chmod of
// the directory the second start is still refused, on alipay-mock.db.
func TestDataDirOnAnFSGroupVolumeStartsAgainAfterTheDocumentedChmod(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	data := t.TempDir()
	srv, err := mock.Start(mock.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	// What the kubelet does at the next mount (SetVolumeOwnership).
	_ = filepath.WalkDir(data, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, _ := os.Lstat(p)
		mode := fi.Mode() | 0o660
		if d.IsDir() {
			mode |= 0o110 | fs.ModeSetgid
		}
		return os.Chmod(p, mode)
	})
	if err := os.Chmod(data, 0o700); err != nil { // the documented init container
		t.Fatal(err)
	}
	srv, err = mock.Start(mock.Options{DataDir: data})
	if err != nil {
		t.Fatalf("the second start after the documented chmod 700 of the fsGroup volume: %v", err)
	}
	srv.Close()
}
