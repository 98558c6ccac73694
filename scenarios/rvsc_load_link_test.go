package scenarios_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/gateway"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// "A directory (or a link to one) gives every .yaml/.yml file in it and
// below" (docs/scenarios.md): a link to a directory inside it (a shared
// folder of scenarios linked in) is not descended, so its files are left
// out without a word, and a directory holding only such a link is now
// refused as having no scenario file.
func TestRvscLinkedSubdirectoryOfAScenarioDirectoryIsNotLoaded(t *testing.T) {
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
	if err != nil || len(files) != 1 {
		t.Errorf("LoadPath of a directory whose subdirectory common/ links to one holding a.yaml: %d file(s), %v; want common/a.yaml", len(files), err)
	}
}
