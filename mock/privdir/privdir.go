// Package privdir makes and checks the directories that hold the mock's
// secrets and state (the local CA's key, the --data directory, the keys
// `alipay-mock keys --out` writes): the one home for the rule that no
// other user may write there.
package privdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Make creates dir (and its parents) with mode 0700 if it is missing, then
// checks it as Check does. what names the directory in the error (a flag,
// "--ca-dir").
func Make(dir, what string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("%s %s: %w", what, dir, err)
	}
	return Check(dir, what)
}

// Check refuses a directory other users could have put files in: on Unix
// one that is group- or world-writable without the sticky bit, or owned
// by another user than this one or root (a planted CA key or data file
// would be trusted); symbolic links as followed says. On Windows, where
// modes do not say that, it only checks that dir is a directory. The
// error names the directory and the fix.
func Check(dir, what string) error {
	fi, err := followed(dir, what)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%s %s: not a directory", what, dir)
	}
	return checkOwner(dir, what, fi, "700")
}

// CheckFile refuses a file in a private directory that other users could
// write or that another user owns, as Check does for the directory;
// symbolic links (a Kubernetes Secret's files are links into its ..data)
// as followed says.
func CheckFile(path, what string) error {
	fi, err := followed(path, what)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s %s: not a regular file (move it away)", what, path)
	}
	return checkOwner(path, what, fi, "600")
}

// followed is what path names, through symbolic links only when every
// link on the way is this user's or root's: another user's link could be
// pointed anywhere of ours between two starts, or between the check and
// the write. The path is cleaned first: "link/" would have Lstat follow
// the link unchecked.
func followed(path, what string) (fs.FileInfo, error) {
	p := filepath.Clean(path)
	for hops := 0; ; hops++ {
		fi, err := os.Lstat(p)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", what, path, err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return fi, nil
		}
		if err := checkOwner(p, what, fi, ""); err != nil {
			return nil, err
		}
		if hops == 40 { // as Linux's ELOOP
			return nil, fmt.Errorf("%s %s: too many symbolic links", what, path)
		}
		to, err := os.Readlink(p)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", what, path, err)
		}
		if !filepath.IsAbs(to) {
			to = filepath.Join(filepath.Dir(p), to)
		}
		p = filepath.Clean(to)
	}
}

// Private makes dir as Make does and checks, as CheckFile does, each of
// the named files in it that exists: a file planted while the directory
// was open to others stays refused after a chmod of the directory.
func Private(dir, what string, names ...string) error {
	if err := Make(dir, what); err != nil {
		return err
	}
	for _, n := range names {
		p := filepath.Join(dir, n)
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := CheckFile(p, what+" file"); err != nil {
			return err
		}
	}
	return nil
}

// WriteFile writes a file with mode perm in full or not at all: a new
// temporary file in the same directory, renamed over the old one. A file
// already there, its mode and owner, or a symbolic link in its place, are
// replaced, never written through.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	tmp, err := WriteTemp(path, data, perm)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // a no-op after the rename
	return os.Rename(tmp, path)
}

// WriteTemp writes data to a new file with mode perm beside path and
// names it.
func WriteTemp(path string, data []byte, perm os.FileMode) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return "", err
	}
	err = f.Chmod(perm)
	if err == nil {
		_, err = f.Write(data)
	}
	if e := f.Close(); err == nil {
		err = e
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}
