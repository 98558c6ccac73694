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
