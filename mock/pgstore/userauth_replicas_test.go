package pgstore_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// signIn is a sign-in gateway call (alipay.system.oauth.token,
// alipay.user.info.share) with request parameters, for goroutines: the
// answer's node (error_response on an error), or an error.
func signIn(m *mocktest.Mock, method string, params map[string]string) (map[string]any, error) {
	return try(m, method, "", func(p map[string]string) {
		for k, v := range params {
			p[k] = v
		}
	})
}

func mustSignIn(t *testing.T, m *mocktest.Mock, method string, params map[string]string) map[string]any {
	t.Helper()
	out, err := signIn(m, method, params)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func exchangeCode(t *testing.T, m *mocktest.Mock, code string) map[string]any {
	t.Helper()
	return mustSignIn(t, m, "alipay.system.oauth.token", map[string]string{"grant_type": "authorization_code", "code": code})
}

func refreshToken(t *testing.T, m *mocktest.Mock, refresh string) map[string]any {
	t.Helper()
	return mustSignIn(t, m, "alipay.system.oauth.token", map[string]string{"grant_type": "refresh_token", "refresh_token": refresh})
}

func userInfo(t *testing.T, m *mocktest.Mock, token string) map[string]any {
	t.Helper()
	return mustSignIn(t, m, "alipay.user.info.share", map[string]string{"auth_token": token})
}

// grantUserCode makes a sign-in auth_code on m (POST /_mock/user-auth-codes).
func grantUserCode(t *testing.T, m *mocktest.Mock, userID string) string {
	t.Helper()
	var out struct {
		Code string `json:"auth_code"`
	}
	m.ControlJSON(http.MethodPost, "/user-auth-codes", map[string]string{"app_id": keys.DevAppID, "user_id": userID}, http.StatusCreated, &out)
	return out.Code
}

func subCode(m map[string]any) any { return m["sub_code"] }

// Sign-in's codes and tokens are shared: a code issued on one replica
// (POST /_mock/user-auth-codes, or the page's Allow) is exchanged on
// another, the token works on every replica, a spent code is spent on
// all, and a refresh on a third replica ends the old pair everywhere.
func TestReplicasShareSignInCodesAndTokens(t *testing.T) {
	rs := replicas(t, 3, mock.Options{})
	const user = "2088102177846880"

	code := grantUserCode(t, rs[0], user)
	x := exchangeCode(t, rs[1], code)
	token, _ := x["access_token"].(string)
	refresh, _ := x["refresh_token"].(string)
	if token == "" || refresh == "" || x["user_id"] != user {
		t.Fatalf("a code made on replica 0 exchanged on replica 1: %v", x)
	}
	for i, m := range rs {
		if u := userInfo(t, m, token); u["code"] != "10000" || u["user_id"] != user {
			t.Errorf("replica %d: alipay.user.info.share with the token replica 1 issued: %v", i, u)
		}
	}
	for i, m := range rs {
		if x := exchangeCode(t, m, code); subCode(x) != "isv.code-invalid" {
			t.Errorf("replica %d: the spent code exchanged again: %v; want isv.code-invalid", i, x)
		}
	}

	// The page's code: Allow on replica 0, exchanged on replica 2.
	p := authPages[1]
	form := p.open(t, rs[0])
	status, pageCode, body, err := p.post(rs[0], form, "consent")
	if err != nil || status != http.StatusFound || pageCode == "" {
		t.Fatalf("Allow: HTTP %d %v %.200s", status, err, body)
	}
	if x := exchangeCode(t, rs[2], pageCode); x["access_token"] == nil {
		t.Fatalf("the page's code made on replica 0 exchanged on replica 2: %v", x)
	}

	// A refresh on replica 2 of the pair replica 1 issued.
	r := refreshToken(t, rs[2], refresh)
	newToken, _ := r["access_token"].(string)
	if newToken == "" {
		t.Fatalf("refresh on replica 2: %v", r)
	}
	for i, m := range rs {
		m.Control(http.MethodGet, "/clock", nil, http.StatusOK) // a control call waits for the announcements
		if u := userInfo(t, m, token); subCode(u) != "aop.invalid-auth-token" {
			t.Errorf("replica %d: the refreshed pair's old token: %v; want aop.invalid-auth-token", i, u)
		}
		if u := userInfo(t, m, newToken); u["code"] != "10000" {
			t.Errorf("replica %d: the new token: %v", i, u)
		}
		if x := refreshToken(t, m, refresh); subCode(x) != "isv.refresh-token-invalid" {
			t.Errorf("replica %d: the used refresh token again: %v; want isv.refresh-token-invalid", i, x)
		}
	}
}

// One code exchanged on two replicas at once gives one token and one
// isv.code-invalid; one refresh token used on two at once, one new pair
// and one isv.refresh-token-invalid.
func TestReplicasSpendASignInCodeAndRefreshTokenOnce(t *testing.T) {
	rs := replicas(t, 3, mock.Options{})
	race := func(params map[string]string) []map[string]any {
		t.Helper()
		out := make([]map[string]any, 2)
		errs := make([]error, 2)
		var start, done sync.WaitGroup
		start.Add(1)
		for i := range out {
			done.Add(1)
			go func() {
				defer done.Done()
				start.Wait()
				out[i], errs[i] = signIn(rs[1+i], "alipay.system.oauth.token", params)
			}()
		}
		start.Done()
		done.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	tally := func(what string, got []map[string]any, lost string) {
		t.Helper()
		won, refused := 0, 0
		for _, x := range got {
			switch {
			case x["access_token"] != nil:
				won++
			case subCode(x) == lost:
				refused++
			}
		}
		if won != 1 || refused != 1 {
			t.Fatalf("%s on two replicas at once: %v; want one token and one %s", what, got, lost)
		}
	}
	for round := range 5 {
		code := grantUserCode(t, rs[0], "2088102177846880")
		got := race(map[string]string{"grant_type": "authorization_code", "code": code})
		tally(fmt.Sprintf("round %d: one code exchanged", round), got, "isv.code-invalid")
		refresh := ""
		for _, x := range got {
			if s, ok := x["refresh_token"].(string); ok {
				refresh = s
			}
		}
		got = race(map[string]string{"grant_type": "refresh_token", "refresh_token": refresh})
		tally(fmt.Sprintf("round %d: one refresh token used", round), got, "isv.refresh-token-invalid")
	}
}

// With the database gone, a sign-in code or token this replica cannot
// look up (another may have made it), a code it cannot spend and a
// refresh it cannot store are 20000, never isv.code-invalid nor
// aop.invalid-auth-token; POST /_mock/user-auth-codes is 503.
func TestReplicasSignInDatabaseGoneIs20000(t *testing.T) {
	rs, dbURL := replicasAt(t, 2, mock.Options{})
	code := grantUserCode(t, rs[0], "2088102177846880")
	x := exchangeCode(t, rs[0], grantUserCode(t, rs[0], "2088102177846880"))
	refresh, _ := x["refresh_token"].(string)
	if refresh == "" {
		t.Fatalf("exchange: %v", x)
	}
	databaseGone(t, dbURL)
	for i, m := range rs {
		for what, got := range map[string]map[string]any{
			"the code exchanged":                exchangeCode(t, m, code),
			"a code made on another replica":    exchangeCode(t, m, "madeOnAnotherReplica00000000TX64"),
			"a token made on another replica":   userInfo(t, m, "authusrBmadeOnAnotherReplica00000000X64"),
			"a refresh token":                   refreshToken(t, m, refresh),
			"a refresh made on another replica": refreshToken(t, m, "authusrBmadeOnAnotherReplica00000000X64"),
		} {
			if got["code"] != "20000" {
				t.Errorf("replica %d: %s with the database gone: %v; want 20000", i, what, got)
			}
		}
	}
	resp, err := http.Post(rs[1].URL+"/_mock/user-auth-codes", "application/json", strings.NewReader(`{"app_id":"`+keys.DevAppID+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("POST /_mock/user-auth-codes with the database gone: HTTP %d; want 503", resp.StatusCode)
	}
}
