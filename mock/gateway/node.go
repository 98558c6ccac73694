package gateway

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/alipay-mock/alipay-mock/alipay/apierr"
)

// encodeNode lays out a response node as production does: compact; code,
// msg, sub_code and sub_msg first, then the other fields alphabetically;
// non-ASCII text raw; "/" escaped as "\/", into out (empty; the node is
// its bytes). fields is a struct or map
// (omitempty fields left out), override replaces some of them; e carries
// the code (nil = 10000 Success).
func encodeNode(out *bytes.Buffer, fields any, override map[string]string, e *apierr.Error) ([]byte, error) {
	if e == nil {
		e = &apierr.Error{Code: apierr.CodeSuccess, Msg: apierr.Msg(apierr.CodeSuccess)}
	}
	b, err := layout(out, fields, override, e)
	if err != nil {
		return nil, err
	}
	return escapeSlash(b), nil
}

// layout writes e's code, msg, sub_code and sub_msg (none when e is nil),
// then the other fields sorted by name: compact, non-ASCII raw. A struct
// whose fields already come out in order is spliced in as encoded; others
// are taken apart and sorted. It writes into out, which must be empty,
// and returns its bytes.
func layout(out *bytes.Buffer, fields any, override map[string]string, e *apierr.Error) ([]byte, error) {
	out.Grow(512) // most nodes fit
	out.WriteByte('{')
	if e != nil {
		writeHead(out, e)
	}
	if fields != nil && override == nil && inOrder(reflect.TypeOf(fields)) {
		// Encoded in place after the head: "{inner}\n" becomes ",inner"
		// (or "inner" moved over its brace when there is no head).
		start := out.Len()
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(fields); err != nil { // writes nothing on error
			return nil, err
		}
		b := out.Bytes()
		inner := b[start+1 : len(b)-2]
		switch {
		case len(inner) == 0:
			out.Truncate(start)
		case start > 1:
			b[start] = ','
			out.Truncate(len(b) - 2)
		default:
			copy(b[start:], inner)
			out.Truncate(start + len(inner))
		}
		out.WriteByte('}')
		return out.Bytes(), nil
	}
	m := map[string]json.RawMessage{}
	if fields != nil {
		b, err := marshal(fields)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, err
		}
	}
	for k, v := range override {
		b, err := marshal(v)
		if err != nil {
			return nil, err
		}
		m[k] = b
	}
	rest := make([]string, 0, len(m))
	for k := range m {
		switch k {
		case "code", "msg", "sub_code", "sub_msg":
			continue
		}
		rest = append(rest, k)
	}
	sort.Strings(rest)
	for _, k := range rest {
		if out.Len() > 1 {
			out.WriteByte(',')
		}
		kb, _ := marshal(k)
		out.Write(kb)
		out.WriteByte(':')
		out.Write(m[k])
	}
	out.WriteByte('}')
	return out.Bytes(), nil
}

// escapeSlash writes "/" as "\/": it only occurs inside strings in JSON,
// where that is a valid escape. It writes over b (its caller's own
// buffer), in b's spare room when there is enough, instead of a copy.
func escapeSlash(b []byte) []byte {
	n := bytes.Count(b, []byte("/"))
	if n == 0 {
		return b
	}
	out := slices.Grow(b, n)[:len(b)+n]
	// From the end backwards: each byte lands at or after where it was
	// read, so what is still to be read is never overwritten.
	j := len(out)
	for i := len(b) - 1; i >= 0; i-- {
		j--
		out[j] = b[i]
		if b[i] == '/' {
			j--
			out[j] = '\\'
		}
	}
	return out
}

// writeHead writes code, msg, sub_code and sub_msg (those set), comma-separated.
func writeHead(out *bytes.Buffer, e *apierr.Error) {
	first := true
	for _, kv := range [...][2]string{{"code", e.Code}, {"msg", e.Msg}, {"sub_code", e.SubCode}, {"sub_msg", e.SubMsg}} {
		if kv[1] == "" {
			continue
		}
		if !first {
			out.WriteByte(',')
		}
		first = false
		out.WriteByte('"')
		out.WriteString(kv[0]) // a plain name
		out.WriteString(`":`)
		writeString(out, kv[1])
	}
}

// writeString writes s as encoding/json (HTML not escaped) would: quoted
// as it is when it has nothing to escape (codes and messages), else
// through marshal.
func writeString(out *bytes.Buffer, s string) {
	plain := true
	for _, r := range s {
		if r < 0x20 || r == '"' || r == '\\' || r == utf8.RuneError || r == '\u2028' || r == '\u2029' {
			plain = false // RuneError: invalid UTF-8 becomes \ufffd
			break
		}
	}
	if !plain {
		b, _ := marshal(s) // a string: cannot fail
		out.Write(b)
		return
	}
	out.WriteByte('"')
	out.WriteString(s)
	out.WriteByte('"')
}

var orderedTypes sync.Map // reflect.Type → bool

// inOrder reports whether encoding/json writes a type's fields in sorted
// order without code, msg, sub_code or sub_msg among them: a struct (or a
// pointer to one) whose JSON names, embedded structs inlined where they
// stand, are sorted and unique.
func inOrder(t reflect.Type) bool {
	if v, ok := orderedTypes.Load(t); ok {
		return v.(bool)
	}
	st := t
	if st.Kind() == reflect.Pointer {
		st = st.Elem()
	}
	ok := false
	if st.Kind() == reflect.Struct {
		names, known := jsonNames(st)
		ok = known && sort.StringsAreSorted(names)
		for i, n := range names {
			switch {
			case n == "code" || n == "msg" || n == "sub_code" || n == "sub_msg":
				ok = false
			case i > 0 && names[i-1] == n:
				ok = false
			}
		}
	}
	orderedTypes.Store(t, ok)
	return ok
}

// jsonNames lists a struct's JSON field names in encoding order; known is
// false for what it does not model (an embedded non-struct).
func jsonNames(t reflect.Type) (names []string, known bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() != reflect.Struct {
				return nil, false
			}
			sub, ok := jsonNames(ft)
			if !ok {
				return nil, false
			}
			names = append(names, sub...)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
	}
	return names, true
}

func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
