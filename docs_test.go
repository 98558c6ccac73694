package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// Every relative link in the README and docs/ points at a file that exists
// and, with a #fragment, at a heading of that file (GitHub's anchors).
func TestDocsLinksResolve(t *testing.T) {
	files, _ := filepath.Glob("docs/*.md")
	files = append(files, "README.md", "ARCHITECTURE.md", "CONTRIBUTING.md", "CHANGELOG.md")
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	checked := 0
	for _, f := range files {
		text, err := os.ReadFile(f)
		if os.IsNotExist(err) && !strings.HasPrefix(f, "docs/") {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(stripCode(string(text)), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			path, frag, _ := strings.Cut(target, "#")
			file := f
			if path != "" {
				file = filepath.Join(filepath.Dir(f), path)
				if _, err := os.Stat(file); err != nil {
					t.Errorf("%s: link %q: %v", f, target, err)
					continue
				}
			}
			if frag != "" && strings.HasSuffix(file, ".md") {
				body, _ := os.ReadFile(file)
				if !anchors(string(body))[frag] {
					t.Errorf("%s: link %q: no heading with that anchor in %s", f, target, file)
				}
			}
			checked++
		}
	}
	if checked < 20 {
		t.Errorf("checked only %d links; the pattern no longer finds them", checked)
	}
}

// stripCode drops fenced code blocks, whose brackets are not links.
func stripCode(s string) string {
	var out []string
	fence := false
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "```") {
			fence = !fence
			continue
		}
		if !fence {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// anchors are the fragments GitHub gives a file's headings: lower case,
// spaces to hyphens, punctuation other than - and _ dropped.
func anchors(s string) map[string]bool {
	out := map[string]bool{}
	for _, l := range strings.Split(stripCode(s), "\n") {
		if !strings.HasPrefix(l, "#") {
			continue
		}
		h := strings.TrimSpace(strings.TrimLeft(l, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(h) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		out[b.String()] = true
	}
	return out
}

// ARCHITECTURE.md maps the code: its tree names every package under mock/.
func TestArchitectureTreeNamesEveryMockPackage(t *testing.T) {
	arch, err := os.ReadFile("ARCHITECTURE.md")
	if err != nil {
		t.Fatal(err)
	}
	tree := string(arch)
	if i := strings.Index(tree, "## "); i > 0 {
		tree = tree[:i] // the tree is above the first section
	}
	ents, err := os.ReadDir("mock")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !e.IsDir() || e.Name() == "testdata" {
			continue
		}
		if !strings.Contains(tree, " "+e.Name()+"/") {
			t.Errorf("ARCHITECTURE.md's tree does not name mock/%s/", e.Name())
		}
	}
}

// CONTRIBUTING.md names every switch .ci/run sets and the packages it
// installs for the docs' commands and the OpenSSL build.
func TestContributingNamesEverySwitchCIUses(t *testing.T) {
	ci, err := os.ReadFile(".ci/run")
	if err != nil {
		t.Fatal(err)
	}
	contrib, err := os.ReadFile("CONTRIBUTING.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range strings.Fields(string(ci)) {
		name, val, ok := strings.Cut(w, "=")
		if !ok || name == "" || name == "DEBIAN_FRONTEND" || strings.ToUpper(name) != name || strings.ContainsAny(name, "$({") {
			continue
		}
		if !strings.Contains(string(contrib), "`"+name+"="+val+"`") && !strings.Contains(string(contrib), name) {
			t.Errorf(".ci/run sets %s=%s; CONTRIBUTING.md never names it", name, val)
		}
	}
	for _, pkg := range []string{"curl", "gcc", "libssl-dev"} {
		if strings.Contains(string(ci), "need+=("+pkg+")") && !strings.Contains(string(contrib), pkg) {
			t.Errorf(".ci/run installs %s; CONTRIBUTING.md's account of it does not say so", pkg)
		}
	}
}
