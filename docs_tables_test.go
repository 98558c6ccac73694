package main

import (
	"os"
	"strings"
	"testing"
)

// docs/configuration.md's table of call and sign's flags ends with its
// last row closed and a blank line, so the healthcheck paragraph after it
// is no cell or row of the table.
func TestCallFlagsTableEndsBeforeHealthcheckParagraph(t *testing.T) {
	b, err := os.ReadFile("docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "| `--timeout` (`call`)") {
			continue
		}
		if !strings.HasSuffix(strings.TrimSpace(l), "|") {
			t.Errorf("line %d does not end its row with |: the paragraph after it is a cell of the row: %q", i+1, l)
		}
		if i+1 < len(lines) && strings.TrimSpace(lines[i+1]) != "" {
			t.Errorf("line %d follows the table without a blank line: %q", i+2, lines[i+1])
		}
		return
	}
	t.Fatal("no `--timeout` (`call`) row in docs/configuration.md")
}
