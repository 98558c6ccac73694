package mock_test

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// A --ca-dir reached through a symbolic link another user owns is that
// user's to point anywhere (between two starts, or between the check and
// the write): refused, as a link to a file in it is (privdir.CheckFile).
func TestCADirThroughAnotherUsersLinkIsRefused(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() != 0 {
		t.Skip("needs root to make a link another user owns")
	}
	base := t.TempDir()
	dir := filepath.Join(base, "ca")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(base, "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(link, 4242, 4242); err != nil {
		t.Fatal(err)
	}
	srv, err := mock.Start(mock.Options{TLS: mock.TLSOptions{Addr: "127.0.0.1:0", CADir: link}})
	if err == nil {
		srv.Close()
		t.Fatal("started with --ca-dir a link user 4242 owns")
	}
}
