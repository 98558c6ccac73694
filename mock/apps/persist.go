package apps

import (
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

// Persist makes the registry write every app it registers through s.
func (r *Registry) Persist(s Store) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.store = s
}

// Restore registers stored apps with their merchant accounts. An app whose
// key, or the mock's Alipay key (SetChecks), is too small for its sign type
// is not served (and let go if it was): the others are restored, and the
// error names each one refused. An app Checks.NoDevKey refuses is left
// out too (and let go if it was), told to Checks.Dropped.
func (r *Registry) Restore(recs []Record) error {
	var refused []error
	r.mu.RLock()
	c := r.checks
	r.mu.RUnlock()
	for _, rec := range recs {
		pub, err := keys.ParsePublicKey([]byte(rec.Spec.PublicKey))
		if err != nil {
			return fmt.Errorf("apps: stored app %s: %w", rec.Spec.AppID, err)
		}
		st := sign.RSA2
		if rec.Spec.SignType != "" {
			if st, err = sign.ParseType(rec.Spec.SignType); err != nil {
				return fmt.Errorf("apps: stored app %s: %w", rec.Spec.AppID, err)
			}
		}
		if c.devKeyRefused(rec.Spec.AppID, pub) {
			r.mu.Lock()
			delete(r.apps, rec.Spec.AppID)
			r.mu.Unlock()
			if c.Dropped != nil {
				c.Dropped(rec.Spec.AppID)
			}
			continue
		}
		if err := r.checkKeys(rec.Spec, pub, st); err != nil {
			r.mu.Lock()
			delete(r.apps, rec.Spec.AppID)
			r.mu.Unlock()
			refused = append(refused, fmt.Errorf("%w (a stored app, from --data or --store: not served)", err))
			continue
		}
		seller := rec.Seller
		if _, err := r.add(rec.Spec, pub, st, &seller, false); err != nil {
			return err
		}
	}
	return errors.Join(refused...)
}
