package scenarios_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// --scenario DIR gives "every .yaml/.yml file in it and below"
// (docs/scenarios.md), DIR a symbolic link to a directory too (a shared
// folder of scenarios, a mount point a deployment links in): WalkDir does
// not descend into a root that is a link, so none was read, silently.
func TestScenarioDirectoryGivenAsASymlinkLoadsItsFiles(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	if err := os.Mkdir(real, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(real, "a.yaml"), []byte(closeRule), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Skip(err)
	}
	files, err := scenarios.LoadPath(link, gateway.Catalogue())
	if err != nil || len(files) != 1 || files[0].Path != filepath.Join(link, "a.yaml") {
		t.Errorf("LoadPath of a link to a directory holding a.yaml: %d file(s), %v; want 1", len(files), err)
	}
}

// "A directory (or a link to one) gives every .yaml/.yml file in it and
// below" (docs/scenarios.md): a link to a directory inside it (a shared
// folder of scenarios linked in) is followed, its files named under the
// link, where they were left out without a word (and a directory holding
// only such a link was refused as having no scenario file). A link back
// up is read once, not looped through.
func TestScenarioDirectoryFollowsLinkedSubdirectories(t *testing.T) {
	dir := t.TempDir()
	shared := filepath.Join(dir, "shared")
	top := filepath.Join(dir, "scenarios")
	for _, d := range []string{shared, top} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(shared, "a.yaml"), []byte(closeRule), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(shared, filepath.Join(top, "common")); err != nil {
		t.Skip(err)
	}
	files, err := scenarios.LoadPath(top, gateway.Catalogue())
	if err != nil || len(files) != 1 || files[0].Path != filepath.Join(top, "common", "a.yaml") {
		t.Fatalf("LoadPath of a directory whose subdirectory common/ links to one holding a.yaml: %d file(s), %v; want common/a.yaml", len(files), err)
	}
	if err := os.Symlink(top, filepath.Join(shared, "up")); err != nil { // a loop: scenarios/common/up is scenarios
		t.Fatal(err)
	}
	files, err = scenarios.LoadPath(top, gateway.Catalogue())
	if err != nil || len(files) != 1 {
		t.Errorf("LoadPath through a link back up: %d file(s), %v; want common/a.yaml once", len(files), err)
	}
}
