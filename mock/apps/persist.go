package apps

import (
	"crypto/rsa"
	"errors"
	"fmt"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/keys"
)

// Record is an app as stored: its spec, with the public key as PEM, and
// the merchant account its trades belong to.
type Record struct {
	Spec   Spec            `json:"spec"`
	Seller fixtures.Seller `json:"seller"`
}

// Store is where the registry writes apps through when persistence is on.
type Store interface {
	PutApp(Record) error
}

// Reader is a Store that also reads one app by id (pgstore): an app
// another mock process sharing it registered is found there when this one
// has not heard of it yet.
type Reader interface {
	App(appID string) (Record, bool, error)
}

// Persist makes the registry write every app it registers through s.
func (r *Registry) Persist(s Store) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.store = s
}

// Restore registers stored apps with their merchant accounts. An app
// admit refuses is not served (and let go if it was): one Checks.NoDevKey
// refuses is told to Checks.Dropped; the others are restored, and the
// error names each one whose keys are too small.
func (r *Registry) Restore(recs []Record) error {
	var refused []error
	r.mu.RLock()
	dropped := r.checks.Dropped
	r.mu.RUnlock()
	for _, rec := range recs {
		pub, st, err := stored(rec)
		if err != nil {
			return err
		}
		if err := r.admit(rec.Spec, pub, st); err != nil {
			r.mu.Lock()
			delete(r.apps, rec.Spec.AppID)
			r.mu.Unlock()
			if errors.Is(err, errDevKey) {
				if dropped != nil {
					dropped(rec.Spec.AppID)
				}
				continue
			}
			refused = append(refused, fmt.Errorf("%w (a stored app, from --data or --store: not served)", err))
			continue
		}
		seller := rec.Seller
		if _, err := r.add(rec.Spec, pub, st, &seller, false, false); err != nil {
			return err
		}
	}
	return errors.Join(refused...)
}

// errDevKey is admit's refusal of an app Checks.NoDevKey leaves out.
var errDevKey = errors.New("apps: a stored app with a shipped dev key, left out under --no-dev-app")

// admit is the one check a stored app passes before it is served (Restore,
// Find): not one Checks.NoDevKey refuses (errDevKey), and keys big enough
// (checkKeys).
func (r *Registry) admit(s Spec, pub *rsa.PublicKey, st sign.Type) error {
	r.mu.RLock()
	c := r.checks
	r.mu.RUnlock()
	if c.devKeyRefused(s.AppID, pub) != "" {
		return errDevKey
	}
	return r.checkKeys(s, pub, st)
}

// stored is a stored app's public key and sign type.
func stored(rec Record) (*rsa.PublicKey, sign.Type, error) {
	pub, err := keys.ParsePublicKey([]byte(rec.Spec.PublicKey))
	if err != nil {
		return nil, "", fmt.Errorf("apps: stored app %s: %w", rec.Spec.AppID, err)
	}
	st := sign.RSA2
	if rec.Spec.SignType != "" {
		if st, err = sign.ParseType(rec.Spec.SignType); err != nil {
			return nil, "", fmt.Errorf("apps: stored app %s: %w", rec.Spec.AppID, err)
		}
	}
	return pub, st, nil
}

// Find is Get, else, with a shared store (Reader), the app read from it:
// registered on another replica, not yet heard of here. It is taken with
// Restore's admission check (one that fails it is not served: not found),
// and kept unless this replica heard of the app meanwhile. Nothing is kept
// of an id the store does not hold: each costs one read of one row, and an
// id that could not be registered (not 16 digits) none. An error is the
// store's failure, not "no such app".
func (r *Registry) Find(appID string) (*App, error) {
	if a, ok := r.Get(appID); ok {
		return a, nil
	}
	r.mu.RLock()
	rd, ok := r.store.(Reader)
	r.mu.RUnlock()
	if !ok || !appIDPattern.MatchString(appID) {
		return nil, nil
	}
	rec, found, err := rd.App(appID)
	if err != nil || !found {
		return nil, err
	}
	pub, st, err := stored(rec)
	if err != nil {
		return nil, nil // a record it cannot read is not served
	}
	if r.admit(rec.Spec, pub, st) != nil {
		return nil, nil
	}
	seller := rec.Seller
	a, err := r.add(rec.Spec, pub, st, &seller, false, true)
	if err != nil {
		return nil, nil
	}
	return a, nil
}
