//go:build unix

package privdir

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// checkOwner refuses what other users could have written; mode is the fix
// to name. The rule is OpenSSH's for its own files (StrictModes): owned by
// this user or root, and writable by no one else. A directory others may
// write is allowed only with the sticky bit (a Kubernetes Secret or
// projected volume, /tmp): there no one replaces what its owner put, and
// a file someone else adds is refused by its owner.
func checkOwner(path, what string, fi fs.FileInfo, mode string) error {
	sticky := fi.IsDir() && fi.Mode()&fs.ModeSticky != 0
	link := fi.Mode()&fs.ModeSymlink != 0 // a link's mode means nothing: its owner counts
	if fi.Mode().Perm()&0o022 != 0 && !sticky && !link {
		return fmt.Errorf("%s %s: mode %v lets other users write there (run chmod %s %s)",
			what, path, fi.Mode().Perm(), mode, path)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid != 0 && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("%s %s: owned by user %d, not by this user (%d) or root (run chown %d %s, or use one of your own)",
			what, path, st.Uid, os.Geteuid(), os.Geteuid(), path)
	}
	return nil
}
