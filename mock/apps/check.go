package apps

import (
	"crypto/rsa"
	"fmt"
	"sort"
	"strings"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/keys"
)

// Checks are what every spec is held to beyond its own fields: mistakes
// that would otherwise pass silently and fail every later call.
type Checks struct {
	// Methods are the methods the gateway implements: a spec whose methods
	// list another would have every call to the intended one answered 40006.
	Methods []string
	// AlipayKey is the mock's Alipay public key: an app registering it as
	// its own has taken one key for the other, and no request would verify.
	AlipayKey *rsa.PublicKey
	// NoDevKey (--no-dev-app) refuses an app whose public key is the
	// public half of a private key in keys/dev (keys.ShippedKeyFile: anyone
	// can sign for it), but for the ids in DevKeyApps (the apps given at
	// start): Add and AddText refuse it, Restore leaves a stored one out and
	// calls Dropped with its id.
	NoDevKey   bool
	DevKeyApps map[string]bool
	Dropped    func(appID string)
}

// devKeyRefused is the keys/dev file of pub's private key when c refuses
// an app with this id and key, else "".
func (c Checks) devKeyRefused(appID string, pub *rsa.PublicKey) string {
	if !c.NoDevKey || c.DevKeyApps[appID] {
		return ""
	}
	return keys.ShippedKeyFile(pub)
}

// SetChecks makes Add and AddText refuse specs that fail c, and Restore
// those whose keys are too small (checkKeys). Apps already registered are
// not checked again.
func (r *Registry) SetChecks(c Checks) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checks = c
}

func (r *Registry) check(s Spec, pub *rsa.PublicKey) error {
	r.mu.RLock()
	c := r.checks
	r.mu.RUnlock()
	if c.AlipayKey != nil && c.AlipayKey.Equal(pub) {
		return fmt.Errorf("apps: app %s: public_key is the Alipay public key (the one the mock signs answers with, keys/dev/alipay_public_key.pem): register the app's own public key, the pair of the private key that signs its requests", s.AppID)
	}
	if f := c.devKeyRefused(s.AppID, pub); f != "" {
		return fmt.Errorf("apps: app %s: public_key is a shipped dev key, the public half of keys/dev/%s, whose private key is public: with --no-dev-app only an app given at start (--app, --apps-file) may have it; register a key of the app's own", s.AppID, f)
	}
	if len(c.Methods) == 0 {
		return nil
	}
	known := make(map[string]bool, len(c.Methods))
	for _, m := range c.Methods {
		known[m] = true
	}
	for _, m := range s.Methods {
		if known[m] {
			continue
		}
		hint := ""
		if near := nearest(m, c.Methods); near != "" {
			hint = fmt.Sprintf(" (did you mean %s?)", near)
		}
		return fmt.Errorf("apps: app %s: methods: %q is not a method the mock implements%s; listed, the app could not call the method it meant (every call answers 40006 isv.insufficient-isv-permissions)", s.AppID, m, hint)
	}
	return nil
}

// checkKeys refuses an app key too small for its sign type (no request
// could verify, or Alipay's console would refuse it), and an RSA2 app when
// the mock's Alipay key is too small to sign RSA2 answers.
func (r *Registry) checkKeys(s Spec, pub *rsa.PublicKey, st sign.Type) error {
	if err := sign.CheckKeyBits(st, pub.N.BitLen()); err != nil {
		return fmt.Errorf("apps: app %s: public_key (sign_type %s): %w", s.AppID, st, err)
	}
	r.mu.RLock()
	alipay := r.checks.AlipayKey
	r.mu.RUnlock()
	if alipay != nil {
		if err := sign.CheckKeyBits(st, alipay.N.BitLen()); err != nil {
			return fmt.Errorf("apps: app %s: the mock's Alipay private key cannot sign its %s answers: %w", s.AppID, st, err)
		}
	}
	return nil
}

// nearest is the known method closest to m by edit distance, if close.
func nearest(m string, methods []string) string {
	sorted := append([]string(nil), methods...)
	sort.Strings(sorted)
	best, bestD := "", len(m)/4+2
	for _, k := range sorted {
		if d := distance(strings.ToLower(m), k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
