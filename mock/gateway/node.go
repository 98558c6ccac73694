package gateway

import (
	"bytes"
	"encoding/json"
	"sort"

	"github.com/alipay-mock/alipay-mock/client/apierr"
)

// encodeNode lays out a response node as production does: compact; code,
// msg, sub_code and sub_msg first, then the other fields alphabetically;
// non-ASCII text raw; "/" escaped as "\/". fields is a struct or map
// (omitempty fields left out), override replaces some of them; e carries
// the code (nil = 10000 Success).
func encodeNode(fields any, override map[string]string, e *apierr.Error) ([]byte, error) {
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
	if e == nil {
		e = &apierr.Error{Code: apierr.CodeSuccess, Msg: apierr.Msg(apierr.CodeSuccess)}
	}
	head := []struct{ k, v string }{{"code", e.Code}, {"msg", e.Msg}, {"sub_code", e.SubCode}, {"sub_msg", e.SubMsg}}
	rest := make([]string, 0, len(m))
	for k := range m {
		switch k {
		case "code", "msg", "sub_code", "sub_msg":
			continue
		}
		rest = append(rest, k)
	}
	sort.Strings(rest)

	var out bytes.Buffer
	out.WriteByte('{')
	first := true
	sep := func() {
		if !first {
			out.WriteByte(',')
		}
		first = false
	}
	for _, h := range head {
		if h.v == "" {
			continue
		}
		sep()
		k, _ := marshal(h.k)
		v, _ := marshal(h.v)
		out.Write(k)
		out.WriteByte(':')
		out.Write(v)
	}
	for _, k := range rest {
		sep()
		kb, _ := marshal(k)
		out.Write(kb)
		out.WriteByte(':')
		out.Write(m[k])
	}
	out.WriteByte('}')
	// "/" only occurs inside strings in JSON, where "\/" is a valid escape.
	return bytes.ReplaceAll(out.Bytes(), []byte("/"), []byte(`\/`)), nil
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
