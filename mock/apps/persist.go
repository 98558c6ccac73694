package apps

import (
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

// Restore registers stored apps with their merchant accounts.
func (r *Registry) Restore(recs []Record) error {
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
		seller := rec.Seller
		if _, err := r.add(rec.Spec, pub, st, &seller, false); err != nil {
			return err
		}
	}
	return nil
}
