package scenarios

import _ "embed"

//go:embed magic-amounts.yaml
var magicAmounts []byte

// MagicAmounts is the built-in scenario of test amounts (magic-amounts.yaml).
func MagicAmounts(methods Catalogue) (*File, error) {
	return Parse("scenarios/magic-amounts.yaml", magicAmounts, methods)
}
