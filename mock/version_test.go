package mock

import (
	"runtime/debug"
	"testing"
)

func TestVersionFromBuildInfo(t *testing.T) {
	for _, tc := range []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"no build info", nil, "devel"},
		{"go install @version", &debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: "v1.4.0"}}, "v1.4.0"},
		{"checkout with VCS stamping", &debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "31b0285abcdef0123456789"}, {Key: "vcs.modified", Value: "true"}}}, "devel-31b0285abcde+dirty"},
		{"library in another module", &debug.BuildInfo{Main: debug.Module{Path: "example.com/shop", Version: "v9.9.9"},
			Deps: []*debug.Module{{Path: "example.com/other", Version: "v0.1.0"}, {Path: modulePath, Version: "v1.2.3"}}}, "v1.2.3"},
		{"replaced library", &debug.BuildInfo{Main: debug.Module{Path: "example.com/shop"},
			Deps: []*debug.Module{{Path: modulePath, Version: "v1.2.3", Replace: &debug.Module{Path: "../alipay-mock"}}}}, "devel"},
		{"nothing known", &debug.BuildInfo{Main: debug.Module{Path: modulePath}}, "devel"},
	} {
		if got := versionFrom(tc.bi); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
