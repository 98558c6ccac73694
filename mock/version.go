package mock

import "runtime/debug"

// modulePath is this module's path, looked up in the build info.
const modulePath = "github.com/alipay-mock/alipay-mock"

func init() {
	if Version == "" {
		bi, _ := debug.ReadBuildInfo()
		Version = versionFrom(bi)
	}
}

// versionFrom reads the version from build info: the module's version when
// built with `go install …@v1.2.3` or from a tagged checkout, else the VCS
// revision (short, "+dirty" when modified), else "devel".
func versionFrom(bi *debug.BuildInfo) string {
	if bi == nil {
		return "devel"
	}
	mod := &bi.Main
	if mod.Path != modulePath {
		// The mock used as a library: its version among the dependencies.
		for _, d := range bi.Deps {
			if d.Path == modulePath {
				mod = d
				if d.Replace != nil {
					mod = d.Replace
				}
			}
		}
	}
	if v := mod.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev != "" {
		return "devel-" + rev[:min(12, len(rev))] + dirty
	}
	return "devel"
}
