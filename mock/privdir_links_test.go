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

// A link of this user's that names another user's link is that user's to
// point anywhere as much as their own link is: the second link decides
// where the CA directory is, and must be refused as
// TestCADirThroughAnotherUsersLinkIsRefused refuses the first.
func TestCADirThroughAChainWithAnotherUsersLinkIsRefused(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() != 0 {
		t.Skip("needs root to make a link another user owns")
	}
	base := t.TempDir()
	dir := filepath.Join(base, "ca")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	theirs := filepath.Join(base, "theirs")
	if err := os.Symlink(dir, theirs); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(theirs, 4242, 4242); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(base, "mine") // this user's link to user 4242's
	if err := os.Symlink(theirs, mine); err != nil {
		t.Fatal(err)
	}
	srv, err := mock.Start(mock.Options{TLS: mock.TLSOptions{Addr: "127.0.0.1:0", CADir: mine}})
	if err == nil {
		srv.Close()
		t.Fatal("started with --ca-dir a link of ours to a link user 4242 owns (and can point anywhere)")
	}
}

// The same for a file in the --data directory: the data file reached
// through this user's link to another user's link.
func TestDataFileThroughAChainWithAnotherUsersLinkIsRefused(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() != 0 {
		t.Skip("needs root to make a link another user owns")
	}
	data := t.TempDir()
	srv, err := mock.Start(mock.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	other := t.TempDir()
	file := filepath.Join(other, "alipay-mock.db")
	if err := os.Rename(filepath.Join(data, "alipay-mock.db"), file); err != nil {
		t.Fatal(err)
	}
	theirs := filepath.Join(other, "theirs")
	if err := os.Symlink(file, theirs); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(theirs, 4242, 4242); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(theirs, filepath.Join(data, "alipay-mock.db")); err != nil {
		t.Fatal(err)
	}
	srv, err = mock.Start(mock.Options{DataDir: data})
	if err == nil {
		srv.Close()
		t.Fatal("opened a data file reached through a link user 4242 owns (and can point anywhere)")
	}
}

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
