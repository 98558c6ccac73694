//go:build unix

package privdir

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// checkOwner refuses what other users could write; mode is the fix to name.
func checkOwner(path, what string, fi fs.FileInfo, mode string) error {
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%s %s: mode %v lets other users write there (run chmod %s %s)",
			what, path, fi.Mode().Perm(), mode, path)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("%s %s: owned by user %d, not by this user (%d) (run chown %d %s, or use one of your own)",
			what, path, st.Uid, os.Geteuid(), os.Geteuid(), path)
	}
	return nil
}
