package gateway

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// TestReadParamsAgreesWithNetURL: the fast parser (addPairs) gives the
// parameters, charset and error net/url's path gives, for well-formed
// requests and for every kind it hands over.
func TestReadParamsAgreesWithNetURL(t *testing.T) {
	many := strings.Repeat("a=1&", MaxPairs)
	keys := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "k%d=v&", i)
		}
		return b.String()
	}
	for _, tc := range []struct{ name, query, body, ct string }{
		{"plain", "", "app_id=1&method=alipay.trade.query&charset=utf-8&biz_content=%7B%22a%22%3A1%7D", ""},
		{"query wins", "app_id=q&charset=GBK", "app_id=b&charset=utf-8&x=%D6%D0", "application/x-www-form-urlencoded"},
		{"body charset", "app_id=q", "charset=gbk&x=%D6%D0", ""},
		{"empty query charset", "charset=", "charset=gbk&x=1", ""},
		{"unknown charset", "", "charset=latin9&x=1", ""},
		{"not in charset", "", "charset=gbk&x=%FF", ""},
		{"repeated keys", "a=1&a=2", "a=3&b=1&b=2", ""},
		{"empty pairs and no value", "&&a&=x&b=", "&c&&", ""},
		{"plus and escapes", "", "a=x+y%20z&b%3Dc=d%26e", ""},
		{"space around body", "", "  \n a=1&b=2 \r\n", ""},
		{"semicolon in query", "a=1;b=2", "c=1", ""},
		{"semicolon in body", "", "a=1&b=2;c", ""},
		{"bad escape in query", "a=%zz", "b=1", ""},
		{"bad escape in body", "", "a=1&b=%4", ""},
		{"bad key escape", "", "%=1", ""},
		{"too many pairs in query", many, "", ""},
		{"too many pairs in body", "", many, ""},
		{"too many keys", keys(MaxParams / 2), keys(MaxParams + 1), ""},
		{"just enough keys", "", keys(MaxParams), ""},
		{"bad utf-8", "", "a=%FF%FE&charset=utf-8", ""},
		{"multipart", "", "--X\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--X--\r\n", "multipart/form-data; boundary=X"},
		{"get", "a=1&b=%E4%B8%AD", "", "-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := func() *http.Request {
				method := http.MethodPost
				if tc.ct == "-" {
					method = http.MethodGet
				}
				r := httptest.NewRequest(method, "/gateway.do?"+tc.query, strings.NewReader(tc.body))
				if tc.ct != "" && tc.ct != "-" {
					r.Header.Set("Content-Type", tc.ct)
				}
				return r
			}
			p1, cs1, err1 := readParams(req())
			p2, cs2, err2 := readParamsSlow(req())
			if fmt.Sprint(err1) != fmt.Sprint(err2) || cs1 != cs2 || !reflect.DeepEqual(p1, p2) {
				t.Fatalf("fast: %v %q %v\nnet/url: %v %q %v", p1, cs1, err1, p2, cs2, err2)
			}
		})
	}
}

// TestConcurrentRequestsKeepTheirOwnParams: read buffers are pooled, so
// requests read at once (run with -race) must each get exactly their own
// bytes, also after their buffers went back to the pool.
func TestConcurrentRequestsKeepTheirOwnParams(t *testing.T) {
	const workers, each = 8, 200
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var kept []Params
			for i := range each {
				// Bodies of different lengths, so a shared buffer would show.
				v := fmt.Sprintf("w%d-%d-%s", w, i, strings.Repeat("x", (w*each+i)%97))
				r := httptest.NewRequest(http.MethodPost, "/gateway.do", strings.NewReader("out_trade_no="+v+"&charset=utf-8"))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				p, _, err := readParams(r)
				if err != nil {
					errs <- err
					return
				}
				kept = append(kept, p)
			}
			for i, p := range kept {
				if want := fmt.Sprintf("w%d-%d-%s", w, i, strings.Repeat("x", (w*each+i)%97)); p["out_trade_no"] != want {
					errs <- fmt.Errorf("request %d of worker %d: out_trade_no %q, want %q", i, w, p["out_trade_no"], want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// FuzzReadParamsAgreesWithNetURL: on any query and urlencoded body, the
// fast parser gives the parameters, charset and error net/url's path
// gives.
func FuzzReadParamsAgreesWithNetURL(f *testing.F) {
	f.Add("", "app_id=1&method=alipay.trade.query&charset=utf-8&biz_content=%7B%22a%22%3A1%7D&sign=ab%2Bc%2F%3D&timestamp=2026-01-01+00%3A00%3A00")
	f.Add("a=1&charset=gbk", "a=2&x=%D6%D0&&b&=c&d=%4")
	f.Add("", "a=x+y%20z&b%3Dc=d%26e&a=3&%41=%42")
	f.Add("", "a=%zz&b=1;c")
	f.Add("", " \n a=1&b=%E4%B8%AD \r\n")
	f.Add("\xcb&charset=gBk", "%90=0") // two names that decode to one
	f.Fuzz(func(t *testing.T, query, body string) {
		req := func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/gateway.do", strings.NewReader(body))
			r.URL.RawQuery = query
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}
		p1, cs1, err1 := readParams(req())
		p2, cs2, err2 := readParamsSlow(req())
		if fmt.Sprint(err1) != fmt.Sprint(err2) || cs1 != cs2 || !reflect.DeepEqual(p1, p2) {
			t.Fatalf("query %q body %q\nfast: %v %q %v\nnet/url: %v %q %v", query, body, p1, cs1, err1, p2, cs2, err2)
		}
	})
}
