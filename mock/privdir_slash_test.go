package mock_test

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// TestCADirThroughAnotherUsersLinkIsRefused, with the trailing slash a
// shell's completion adds to a link to a directory: lstat("link/")
// follows the link, so its owner is never looked at.
func TestCADirThroughAnotherUsersLinkWithATrailingSlashIsRefused(t *testing.T) {
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
	srv, err := mock.Start(mock.Options{TLS: mock.TLSOptions{Addr: "127.0.0.1:0", CADir: link + "/"}})
	if err == nil {
		srv.Close()
		t.Fatal("started with --ca-dir link/, a link user 4242 owns (and can point anywhere)")
	}
}

// The same for --data DIR/.
func TestDataDirThroughAnotherUsersLinkWithATrailingSlashIsRefused(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() != 0 {
		t.Skip("needs root to make a link another user owns")
	}
	base := t.TempDir()
	dir := filepath.Join(base, "data")
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
	if srv, err := mock.Start(mock.Options{DataDir: link}); err == nil {
		srv.Close()
		t.Fatal("started with --data link, a link user 4242 owns")
	}
	srv, err := mock.Start(mock.Options{DataDir: link + "/"})
	if err == nil {
		srv.Close()
		t.Fatal("started with --data link/, a link user 4242 owns (and can point anywhere)")
	}
}
