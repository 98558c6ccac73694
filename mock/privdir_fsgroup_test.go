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
// "chmod -R go-w" it in an init container. The kubelet makes every file in
// the volume group-writable at each mount (mode |= 0660, the default
// fsGroupChangePolicy Always), not only the directory, so a chmod of the
// directory alone let the first start through and refused the second,
// on alipay-mock.db.
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
	// The documented init container: chmod -R go-w.
	_ = filepath.WalkDir(data, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, _ := os.Lstat(p)
		return os.Chmod(p, fi.Mode()&^0o022)
	})
	srv, err = mock.Start(mock.Options{DataDir: data})
	if err != nil {
		t.Fatalf("the second start after the documented chmod -R go-w of the fsGroup volume: %v", err)
	}
	srv.Close()
}
