package scenarios

import (
	_ "embed"
	"log/slog"
)

//go:embed magic-amounts.yaml
var magicAmounts []byte

// MagicAmounts is the built-in scenario of test amounts (magic-amounts.yaml).
func MagicAmounts(methods Catalogue) (*File, error) {
	return Parse("scenarios/magic-amounts.yaml", magicAmounts, methods)
}

// Log writes the one line a scenario load gets: name, scope (global or
// the app id), rules, and where it came from (a path, "control API PUT",
// "built in").
func Log(l *slog.Logger, f *File, from string) {
	scope := f.AppID
	if scope == "" {
		scope = "global"
	}
	l.Info("scenario loaded", "name", f.Name, "scope", scope, "rules", len(f.Rules), "from", from)
}
