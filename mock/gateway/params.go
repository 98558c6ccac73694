package gateway

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
)

// Limits on what a request may carry. MaxPairs is checked before parsing:
// net/url stops at 10,000 pairs (about 1.7 MB allocated), where no SDK
// sends more than a few dozen, and all but MaxParams are refused anyway.
const (
	MaxBodyBytes = 1 << 20 // 1 MiB
	MaxParams    = 200
	MaxPairs     = 4 * MaxParams
)

// parseQuery is url.ParseQuery for at most MaxPairs pairs.
func parseQuery(s string) (url.Values, error) {
	if strings.Count(s, "&") >= MaxPairs {
		return nil, errTooLarge
	}
	v, err := url.ParseQuery(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errEncoding, err)
	}
	return v, nil
}

// Why a request could not be read; unreadable turns each into the
// answer's sub_msg, and the Go error they wrap goes only to the log.
var (
	errTooLarge  = errors.New("request too large")
	errEncoding  = errors.New("not urlencoded")
	errMultipart = errors.New("malformed multipart/form-data body")
	errCharset   = errors.New("parameter not in the request's charset")
)

// unreadable is the answer to a request whose parameters (or v3 body)
// could not be read: isv.invalid-parameter with a sub_msg that says why in
// production's words, never Go's error text (which the journal and the log
// keep).
func (g *Gateway) unreadable(cl *call, err error) *apierr.Error {
	var tooBig *http.MaxBytesError
	var msg string
	switch {
	case errors.Is(err, errTooLarge) || errors.As(err, &tooBig) || errors.Is(err, multipart.ErrMessageTooLarge):
		msg = "参数无效：请求过大，请求体不能超过1MB，参数不能超过200个"
	case errors.Is(err, errCharset):
		msg = "参数无效：参数值不是charset所指定的编码"
	case errors.Is(err, errMultipart):
		msg = "参数无效：multipart/form-data请求体格式错误"
	case errors.Is(err, errEncoding):
		msg = "参数无效：请求参数不是合法的URL编码"
	default: // the body could not be read: the client went away or was too slow
		msg = "参数无效：无法读取请求体"
	}
	cl.entry.Explanation = "request unreadable: " + err.Error()
	g.Log.Warn("request unreadable", "path", cl.req.URL.Path, "err", err)
	return apierr.Invalid("isv.invalid-parameter", msg)
}

// paramsHint sizes a request's parameter map: up to 14 pairs (a request
// sends 9 to 12) fit without growing, in half the memory a hint of 16
// takes (Go's maps hold 7 of 8 slots: 16 would need 32).
const paramsHint = 14

// Params are a request's parameters, query and body merged, decoded from
// the request charset.
type Params map[string]string

// readParams merges the query string and the form body (urlencoded or
// multipart) into one set. The charset comes from the query string first,
// as production reads it, then from the body; the raw bytes of every value
// are decoded from it. A key in both places keeps the query's value.
func readParams(r *http.Request) (Params, sign.Charset, error) {
	raw := make(map[string]string, paramsHint)
	if ok, err := addPairs(raw, r.URL.RawQuery); !ok || err != nil {
		return readParamsSlow(r)
	}
	if r.Body != nil && r.Method != http.MethodGet {
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if ct == "multipart/form-data" {
			return readParamsSlow(r)
		}
		// urlencoded, or no content type at all (gopay sends none)
		var refused string // the body, when addPairs leaves it to net/url
		err := withBody(r, func(b []byte) error {
			ok, err := addPairs(raw, b)
			if !ok && err == nil {
				refused = string(b)
			}
			return err
		})
		if err != nil {
			return nil, "", err
		}
		if refused != "" {
			return readParamsSlow(&http.Request{Method: r.Method, URL: r.URL, Header: r.Header,
				Body: io.NopCloser(strings.NewReader(refused))})
		}
	}
	// The query's charset if it has one (its pairs went in first, and the
	// first of a key is kept), else the body's: as readParamsSlow reads it.
	return decodeParams(raw, raw["charset"])
}

// addPairs adds the pairs of urlencoded text (a query string, or a body
// read into a buffer) to raw as parseQuery and addFirst would, without
// url.Values' slice per key: the common request's path. Every name and
// value is unescaped into one pooled buffer, made one string, and cut from
// it, one allocation for all of them. It reports false, adding none, on
// what net/url refuses (too many pairs, a semicolon, a bad escape), for
// readParamsSlow to answer with its error, and errTooLarge for more than
// MaxParams names, as addFirst does.
func addPairs[T string | []byte](raw map[string]string, b T) (ok bool, err error) {
	if len(b) == 0 {
		return true, nil
	}
	buf := unescaped.Get().(*[]byte)
	defer func() {
		if cap(*buf) <= 64<<10 { // a rare large text's buffer is not kept
			unescaped.Put(buf)
		}
	}()
	out := slices.Grow((*buf)[:0], len(b))[:len(b)] // unescaping never lengthens
	*buf = out[:0]
	type pair struct{ k0, k1, v0, v1 int } // spans of out
	var first [32]pair
	pairs := first[:0]
	w, amps := 0, 0
	from := 0        // where the pair starts in b
	p := pair{}      // the pair being read
	inValue := false // past the pair's first '='
	for i := 0; i <= len(b); i++ {
		if i == len(b) || b[i] == '&' {
			if i > from { // an empty pair is skipped
				if !inValue {
					p.k1, p.v0 = w, w
				}
				p.v1 = w
				pairs = append(pairs, p)
			}
			if i < len(b) {
				if amps++; amps >= MaxPairs {
					return false, nil
				}
			}
			from, p, inValue = i+1, pair{k0: w}, false
			continue
		}
		switch c := b[i]; c {
		case '=':
			if !inValue {
				p.k1, p.v0, inValue = w, w, true
				continue
			}
			out[w] = c
		case '+':
			out[w] = ' '
		case '%': // as url.QueryUnescape: '&' and '=' are not hex digits
			if i+2 >= len(b) || !ishex(b[i+1]) || !ishex(b[i+2]) {
				return false, nil
			}
			out[w] = unhex(b[i+1])<<4 | unhex(b[i+2])
			i += 2
		case ';': // ParseQuery refuses a semicolon anywhere in a pair
			return false, nil
		default:
			out[w] = c
		}
		w++
	}
	text := string(out[:w])
	for _, p := range pairs {
		k := text[p.k0:p.k1]
		if _, seen := raw[k]; !seen {
			raw[k] = text[p.v0:p.v1]
			if len(raw) > MaxParams {
				return false, errTooLarge
			}
		}
	}
	return true, nil
}

// unescaped are the buffers addPairs unescapes into.
var unescaped = sync.Pool{New: func() any { return new([]byte) }}

func ishex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// bodies are read buffers: a body is read into one, its parameters
// copied out as strings and the buffer put back, so no request's
// parameters share another's memory.
var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// withBody reads an urlencoded body (at most MaxBodyBytes) into a read
// buffer and calls f with it, without its surrounding space; f must keep
// none of it.
func withBody(r *http.Request, f func(b []byte) error) error {
	buf := bodies.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 64<<10 { // a rare large body's buffer is not kept
			buf.Reset()
			bodies.Put(buf)
		}
	}()
	buf.Reset()
	if n := r.ContentLength; n > 0 && n <= MaxBodyBytes {
		buf.Grow(int(n) + bytes.MinRead) // room for the whole body up front
	}
	if _, err := buf.ReadFrom(io.LimitReader(r.Body, MaxBodyBytes+1)); err != nil {
		return err
	}
	b := buf.Bytes()
	if len(b) > MaxBodyBytes {
		return errTooLarge
	}
	return f(bytes.TrimSpace(b))
}

// readBody is the body withBody reads, as a string.
func readBody(r *http.Request) (string, error) {
	var s string
	err := withBody(r, func(b []byte) error {
		s = string(b)
		return nil
	})
	return s, err
}

// readParamsSlow is readParams through net/url, for what addPairs does
// not take: multipart bodies and requests it refuses, whose error it
// gives.
func readParamsSlow(r *http.Request) (Params, sign.Charset, error) {
	raw := make(map[string]string, paramsHint)
	add := func(v url.Values) error { return addFirst(raw, v) }
	q, err := parseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, "", err
	}
	if err := add(q); err != nil {
		return nil, "", err
	}
	if r.Body != nil && r.Method != http.MethodGet {
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		switch ct {
		case "multipart/form-data":
			r.Body = http.MaxBytesReader(nil, r.Body, MaxBodyBytes)
			if err := r.ParseMultipartForm(MaxBodyBytes); err != nil {
				return nil, "", fmt.Errorf("%w: %w", errMultipart, err)
			}
			if err := add(url.Values(r.MultipartForm.Value)); err != nil {
				return nil, "", err
			}
		default:
			b, err := readBody(r)
			if err != nil {
				return nil, "", err
			}
			body, err := parseQuery(b)
			if err != nil {
				return nil, "", err
			}
			if err := add(body); err != nil {
				return nil, "", err
			}
		}
	}
	return decodeParams(raw, q.Get("charset"))
}

// queryParams are the parameters of a query string alone: an app pay
// order string.
func queryParams(query string) (Params, sign.Charset, error) {
	q, err := parseQuery(query)
	if err != nil {
		return nil, "", err
	}
	raw := make(map[string]string, len(q))
	if err := addFirst(raw, q); err != nil {
		return nil, "", err
	}
	return decodeParams(raw, q.Get("charset"))
}

// addFirst adds the first value of each key not in raw yet, up to MaxParams.
func addFirst(raw map[string]string, v url.Values) error {
	for k, vs := range v {
		if len(vs) == 0 {
			continue
		}
		if _, seen := raw[k]; !seen {
			raw[k] = vs[0]
		}
		if len(raw) > MaxParams {
			return errTooLarge
		}
	}
	return nil
}

// decodeParams decodes raw parameters from the charset the query string
// names (queryCharset) or else the charset parameter; an unknown charset
// leaves them as they are, with no charset.
func decodeParams(raw map[string]string, queryCharset string) (Params, sign.Charset, error) {
	csName := queryCharset
	if csName == "" {
		csName = raw["charset"]
	}
	cs, err := sign.ParseCharset(csName)
	if err != nil {
		// Decode as UTF-8 so the error can still name the parameters.
		return Params(raw), "", nil
	}
	if cs == sign.UTF8 {
		return Params(raw), cs, nil
	}
	out := make(Params, len(raw))
	for k, v := range raw {
		dk, err1 := cs.Decode([]byte(k))
		dv, err2 := cs.Decode([]byte(v))
		if err1 != nil || err2 != nil {
			return nil, "", fmt.Errorf("%w %s", errCharset, cs)
		}
		// Two names that decode to one (bytes not in the charset become
		// U+FFFD) would leave the value to map order: refused instead.
		if _, twice := out[dk]; twice {
			return nil, "", fmt.Errorf("%w %s: two parameter names decode to %q", errCharset, cs, dk)
		}
		out[dk] = dv
	}
	return out, cs, nil
}
