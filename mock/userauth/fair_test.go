package userauth_test

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/mock/userauth"
)

// One app's flood of forms, codes and tokens past the bounds (the public
// sign-in page serves any app) evicts its own oldest: another app's open
// form, pending code and token stay, as do the flood's newest.
func TestAFloodEvictsOnlyItsOwnApps(t *testing.T) {
	b, _ := newBook()
	form, _ := b.Open(userauth.Form{AppID: other, Scope: userauth.ScopeBase, RedirectURI: "https://example.com/cb"})
	code, err := b.Grant(other, userauth.ScopeBase, user)
	if err != nil {
		t.Fatal(err)
	}
	c, err := b.Grant(other, userauth.ScopeBase, user)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := b.Exchange(other, c.Code)
	if err != nil {
		t.Fatal(err)
	}
	var lastForm userauth.Form
	for range userauth.MaxForms + 10 {
		lastForm, _ = b.Open(userauth.Form{AppID: app, Scope: userauth.ScopeBase, RedirectURI: "https://example.com/cb"})
	}
	var last userauth.Token
	for range userauth.MaxTokens + 10 {
		c, err := b.Grant(app, userauth.ScopeBase, user)
		if err != nil {
			t.Fatal(err)
		}
		if last, err = b.Exchange(app, c.Code); err != nil {
			t.Fatal(err)
		}
	}
	var lastCode userauth.Code
	for range userauth.MaxCodes + 10 {
		if lastCode, err = b.Grant(app, userauth.ScopeBase, user); err != nil {
			t.Fatal(err)
		}
	}
	if forms, codes, tokens := b.Len(); forms != userauth.MaxForms || codes != userauth.MaxCodes || tokens != userauth.MaxTokens {
		t.Fatalf("kept %d forms, %d codes, %d tokens; want the bounds", forms, codes, tokens)
	}
	if _, err := b.Resolve(other, tok.AccessToken); err != nil {
		t.Fatalf("the other app's token after the flood: %v", err)
	}
	if _, err := b.Resolve(app, last.AccessToken); err != nil {
		t.Fatalf("the flood's newest token: %v", err)
	}
	if _, err := b.Exchange(other, code.Code); err != nil {
		t.Fatalf("the other app's pending code after the flood: %v", err)
	}
	if _, err := b.Exchange(app, lastCode.Code); err != nil {
		t.Fatalf("the flood's newest code: %v", err)
	}
	if _, err := b.Form(form.Token); err != nil {
		t.Fatalf("the other app's form after the flood: %v", err)
	}
	if _, err := b.Form(lastForm.Token); err != nil {
		t.Fatalf("the flood's newest form: %v", err)
	}
}

// A restart refills the book from the store; past the bounds the largest
// app's oldest go there too (and from the store).
func TestRestorePastTheBoundsKeepsOtherApps(t *testing.T) {
	src, _ := newBook()
	mine, err := src.Grant(other, userauth.ScopeBase, user)
	if err != nil {
		t.Fatal(err)
	}
	c, err := src.Grant(other, userauth.ScopeBase, user)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := src.Exchange(other, c.Code)
	if err != nil {
		t.Fatal(err)
	}
	codes, tokens := []userauth.Code{mine}, []userauth.Token{tok}
	for range userauth.MaxTokens + 10 {
		c, err := src.Grant(app, userauth.ScopeBase, user)
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, c)
		tk, err := src.Exchange(app, c.Code)
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, tk)
	}
	b, _ := newBook()
	st := newMemStore()
	b.Persist(st)
	b.Restore(codes, tokens)
	if _, nc, nt := b.Len(); nc != userauth.MaxCodes || nt != userauth.MaxTokens {
		t.Fatalf("restored %d codes, %d tokens; want the bounds", nc, nt)
	}
	if len(st.deleted) != len(codes)-userauth.MaxCodes+len(tokens)-userauth.MaxTokens {
		t.Fatalf("deleted %d from the store, want what did not fit", len(st.deleted))
	}
	for _, k := range st.deleted {
		if k == mine.Code || k == tok.AccessToken {
			t.Fatalf("deleted the other app's %s", k)
		}
	}
	if _, err := b.Resolve(other, tok.AccessToken); err != nil {
		t.Fatalf("the other app's token after the restore: %v", err)
	}
	if _, err := b.Resolve(app, tokens[len(tokens)-1].AccessToken); err != nil {
		t.Fatalf("the flood's newest token after the restore: %v", err)
	}
	if _, err := b.Exchange(other, mine.Code); err != nil {
		t.Fatalf("the other app's pending code after the restore: %v", err)
	}
}
