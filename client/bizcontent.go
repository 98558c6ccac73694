package client

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// bizContent marshals biz into compact JSON without empty members.
func bizContent(biz any) (string, error) {
	b, err := marshalJSON(biz)
	if err != nil {
		return "", err
	}
	b, _, err = prune(b)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// marshalJSON is json.Marshal without HTML escaping: "&" stays "&", as
// every SDK sends it.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// prune drops object members whose value is "", null, {} or [] (after
// pruning their own members), keeping member order. Array elements are
// pruned inside but kept, so positions do not shift. It reports whether
// the value itself is empty.
func prune(data []byte) ([]byte, bool, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return data, true, nil
	}
	switch data[0] {
	case '{':
		return pruneObject(data)
	case '[':
		return pruneArray(data)
	}
	empty := bytes.Equal(data, []byte(`""`)) || bytes.Equal(data, []byte("null"))
	return data, empty, nil
}

func pruneObject(data []byte) ([]byte, bool, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // {
		return nil, false, err
	}
	var out bytes.Buffer
	out.WriteByte('{')
	n := 0
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, false, fmt.Errorf("json object key is %v", tok)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, false, err
		}
		val, empty, err := prune(raw)
		if err != nil {
			return nil, false, err
		}
		if empty {
			continue
		}
		k, err := marshalJSON(key)
		if err != nil {
			return nil, false, err
		}
		if n > 0 {
			out.WriteByte(',')
		}
		out.Write(k)
		out.WriteByte(':')
		out.Write(val)
		n++
	}
	out.WriteByte('}')
	return out.Bytes(), n == 0, nil
}

func pruneArray(data []byte) ([]byte, bool, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // [
		return nil, false, err
	}
	var out bytes.Buffer
	out.WriteByte('[')
	n := 0
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, false, err
		}
		val, _, err := prune(raw)
		if err != nil {
			return nil, false, err
		}
		if n > 0 {
			out.WriteByte(',')
		}
		out.Write(val)
		n++
	}
	out.WriteByte(']')
	return out.Bytes(), n == 0, nil
}
