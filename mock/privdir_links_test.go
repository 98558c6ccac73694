package mock_test

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
)

// A directory or data file reached through a symbolic link another user
// owns is that user's to point anywhere of ours (between two starts, or
// between the check and the write): refused, whether that link is the
// first on the way or one an own link names, and whether the path ends in
// the slash a shell's completion adds (lstat("link/") follows the link).
func TestPathsThroughAnotherUsersLinkAreRefused(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() != 0 {
		t.Skip("needs root to make a link another user owns")
	}
	// link makes a link at name to target, owned by user 4242 if theirs.
	link := func(target, name string, theirs bool) string {
		t.Helper()
		if err := os.Symlink(target, name); err != nil {
			t.Fatal(err)
		}
		if theirs {
			if err := os.Lchown(name, 4242, 4242); err != nil {
				t.Fatal(err)
			}
		}
		return name
	}
	// dirs returns a private directory and user 4242's link to it, and,
	// with mine, this user's link to theirs to use instead.
	dirs := func(mine bool) string {
		base := t.TempDir()
		dir := filepath.Join(base, "dir")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		theirs := link(dir, filepath.Join(base, "theirs"), true)
		if mine {
			return link(theirs, filepath.Join(base, "mine"), false)
		}
		return theirs
	}
	ca := func(dir string) mock.Options {
		return mock.Options{TLS: mock.TLSOptions{Addr: "127.0.0.1:0", CADir: dir}}
	}
	data := func(dir string) mock.Options { return mock.Options{DataDir: dir} }
	for _, tc := range []struct {
		name string
		opts mock.Options
	}{
		{"--ca-dir their link", ca(dirs(false))},
		{"--ca-dir their link/", ca(dirs(false) + "/")},
		{"--ca-dir my link to their link", ca(dirs(true))},
		{"--data their link", data(dirs(false))},
		{"--data their link/", data(dirs(false) + "/")},
		{"--data my link to their link", data(dirs(true))},
	} {
		if srv, err := mock.Start(tc.opts); err == nil {
			srv.Close()
			t.Errorf("%s: started through a link user 4242 owns", tc.name)
		}
	}

	// The data file, reached through this user's link to user 4242's.
	dir := t.TempDir()
	srv, err := mock.Start(data(dir))
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	moved := filepath.Join(t.TempDir(), "alipay-mock.db")
	if err := os.Rename(filepath.Join(dir, "alipay-mock.db"), moved); err != nil {
		t.Fatal(err)
	}
	link(link(moved, moved+".theirs", true), filepath.Join(dir, "alipay-mock.db"), false)
	if srv, err := mock.Start(data(dir)); err == nil {
		srv.Close()
		t.Error("opened a data file reached through a link user 4242 owns")
	}
}
