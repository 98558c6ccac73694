package control

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
)

// JSONSerializer is the mock's JSON out (c.JSON): encoding/json's, except
// that every time.Time is written as Alipay writes times, GMT+8
// "yyyy-MM-dd HH:mm:ss" at any depth, and a time not set (the zero time,
// a nil *time.Time) as null: a struct's time member is never left out,
// omitempty or not (docs/control-api.md). The
// books keep full time.Time values and persist them as RFC 3339; only
// what the control API shows changes. Input is encoding/json's.
type JSONSerializer struct{ echo.DefaultJSONSerializer }

// Serialize writes i as JSON, indented when indent is set.
func (s JSONSerializer) Serialize(c echo.Context, i any, indent string) error {
	b, err := MarshalText(i)
	if err != nil {
		return err
	}
	if indent != "" {
		var out bytes.Buffer
		if err := json.Indent(&out, b, "", indent); err != nil {
			return err
		}
		b = out.Bytes()
	}
	b = append(b, '\n')
	_, err = c.Response().Write(b)
	return err
}

// MarshalText is json.Marshal with times as GMT+8 text.
func MarshalText(v any) ([]byte, error) {
	var buf textBuf
	if err := writeValue(&buf, reflect.ValueOf(v)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// textBuf is where MarshalText writes; rawHTML leaves <, > and & as they
// are (encoding/json writes \u003c…, six bytes for one).
type textBuf struct {
	bytes.Buffer
	rawHTML bool
}

// rawJSON answers v as c.JSON would (?pretty indents), with <, > and &
// as they are, as streamList writes each element.
func rawJSON(c echo.Context, code int, v any) error {
	buf := textBuf{rawHTML: true}
	if err := writeValue(&buf, reflect.ValueOf(v)); err != nil {
		return err
	}
	out := buf.Bytes()
	if _, pretty := c.QueryParams()["pretty"]; pretty || c.Echo().Debug {
		var ind bytes.Buffer
		if err := json.Indent(&ind, out, "", "  "); err != nil {
			return err
		}
		out = ind.Bytes()
	}
	return c.JSONBlob(code, append(out, '\n'))
}

// streamList answers list as c.JSON would (?pretty indents), but writes
// one element at a time with <, > and & as they are: what it holds is
// one element's JSON, and the answer is as long as the elements' JSON
// (the journal counts its entries' size so: journal.Entry).
func streamList[T any](c echo.Context, code int, list []T) error {
	_, pretty := c.QueryParams()["pretty"]
	pretty = pretty || c.Echo().Debug
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	c.Response().WriteHeader(code)
	w := c.Response()
	if len(list) == 0 {
		_, err := w.Write([]byte("[]\n"))
		return err
	}
	sep, end := []byte(","), []byte("]\n")
	if pretty {
		sep, end = []byte(",\n  "), []byte("\n]\n")
		if _, err := w.Write([]byte("[\n  ")); err != nil {
			return err
		}
	} else if _, err := w.Write([]byte("[")); err != nil {
		return err
	}
	var buf, ind textBuf
	buf.rawHTML = true
	for i := range list {
		buf.Reset()
		if err := writeValue(&buf, reflect.ValueOf(&list[i]).Elem()); err != nil {
			return err
		}
		out := buf.Bytes()
		if pretty {
			ind.Reset()
			if err := json.Indent(&ind.Buffer, out, "  ", "  "); err != nil {
				return err
			}
			out = ind.Bytes()
		}
		if i > 0 {
			if _, err := w.Write(sep); err != nil {
				return err
			}
		}
		if _, err := w.Write(out); err != nil {
			return err
		}
	}
	_, err := w.Write(end)
	return err
}

var (
	timeType      = reflect.TypeOf(time.Time{})
	marshalerType = reflect.TypeOf((*json.Marshaler)(nil)).Elem()
	textType      = reflect.TypeOf((*encoding.TextMarshaler)(nil)).Elem()
)

func writeValue(buf *textBuf, v reflect.Value) error {
	if !v.IsValid() {
		buf.WriteString("null")
		return nil
	}
	t := v.Type()
	if t == timeType {
		tm := v.Interface().(time.Time)
		if tm.IsZero() {
			buf.WriteString("null")
			return nil
		}
		return writeLeaf(buf, timestamp.Format(tm))
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			buf.WriteString("null")
			return nil
		}
		if t.Kind() == reflect.Pointer && t.Elem() != timeType && (t.Implements(marshalerType) || t.Implements(textType)) {
			return writeLeaf(buf, v.Interface())
		}
		return writeValue(buf, v.Elem())
	}
	if t.Implements(marshalerType) || t.Implements(textType) {
		return writeLeaf(buf, v.Interface())
	}
	if v.CanAddr() && (reflect.PointerTo(t).Implements(marshalerType) || reflect.PointerTo(t).Implements(textType)) {
		return writeLeaf(buf, v.Addr().Interface())
	}
	switch t.Kind() {
	case reflect.Struct:
		return writeStruct(buf, v)
	case reflect.Map:
		if v.IsNil() {
			buf.WriteString("null")
			return nil
		}
		if t.Key().Kind() != reflect.String {
			return writeLeaf(buf, v.Interface())
		}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeLeaf(buf, k.String()); err != nil {
				return err
			}
			buf.WriteByte(':')
			if err := writeValue(buf, v.MapIndex(k)); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
		return nil
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && (v.IsNil() || t.Elem().Kind() == reflect.Uint8) {
			return writeLeaf(buf, v.Interface())
		}
		buf.WriteByte('[')
		for i := range v.Len() {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeValue(buf, v.Index(i)); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
		return nil
	}
	return writeLeaf(buf, v.Interface())
}

// writeLeaf writes what holds no time as encoding/json does.
func writeLeaf(buf *textBuf, x any) error {
	if buf.rawHTML {
		enc := json.NewEncoder(&buf.Buffer) // writes nothing when it fails
		enc.SetEscapeHTML(false)
		if err := enc.Encode(x); err != nil {
			return err
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
		return nil
	}
	b, err := json.Marshal(x)
	if err != nil {
		return err
	}
	buf.Write(b)
	return nil
}

// field is one JSON member of a struct: where it is and how it is named.
type field struct {
	name      string
	key       []byte // the name as JSON
	index     []int
	omitEmpty bool // never for a time: one not set is null
	quoted    bool
}

// fieldCache holds fields' answer per type: every answer of the control
// API walks the same few types.
var fieldCache sync.Map // reflect.Type → []field

// fields lists t's JSON members in encoding/json's order, embedded
// structs' members in line; a name at a shallower depth hides a deeper one.
func fields(t reflect.Type) []field {
	if v, ok := fieldCache.Load(t); ok {
		return v.([]field)
	}
	out := typeFields(t)
	for i := range out {
		out[i].key, _ = json.Marshal(out[i].name)
	}
	fieldCache.Store(t, out)
	return out
}

func typeFields(t reflect.Type) []field {
	var out []field
	depth := map[string]int{}
	var walk func(t reflect.Type, index []int)
	walk = func(t reflect.Type, index []int) {
		for i := range t.NumField() {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			idx := append(append([]int(nil), index...), i)
			ft := sf.Type
			if sf.Anonymous && name == "" {
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					walk(ft, idx)
					continue
				}
			}
			if !sf.IsExported() {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			if d, seen := depth[name]; seen && d <= len(idx) {
				continue
			}
			depth[name] = len(idx)
			isTime := ft == timeType || ft.Kind() == reflect.Pointer && ft.Elem() == timeType
			out = append(out, field{name: name, index: idx, omitEmpty: hasOpt(opts, "omitempty") && !isTime, quoted: hasOpt(opts, "string")})
		}
	}
	walk(t, nil)
	// A shallower member found after a deeper one of the same name wins.
	kept := out[:0]
	for _, f := range out {
		if depth[f.name] == len(f.index) {
			kept = append(kept, f)
		}
	}
	return kept
}

func hasOpt(opts, want string) bool {
	for _, o := range strings.Split(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

func writeStruct(buf *textBuf, v reflect.Value) error {
	buf.WriteByte('{')
	first := true
	for _, f := range fields(v.Type()) {
		fv, ok := fieldByIndex(v, f.index)
		if !ok || f.omitEmpty && isEmpty(fv) {
			continue
		}
		if !first {
			buf.WriteByte(',')
		}
		first = false
		buf.Write(f.key)
		buf.WriteByte(':')
		if f.quoted {
			b, err := json.Marshal(fv.Interface())
			if err != nil {
				return err
			}
			if err := writeLeaf(buf, string(b)); err != nil {
				return err
			}
			continue
		}
		if err := writeValue(buf, fv); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	buf.WriteByte('}')
	return nil
}

// fieldByIndex is v.FieldByIndex, false through a nil embedded pointer.
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

func isEmpty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// UnmarshalText is json.Unmarshal of what MarshalText wrote: the members
// of v's type that are times are read as GMT+8 text (RFC 3339 is taken
// too), everything else as encoding/json reads it. Go clients of the
// control API decode its answers into the mock's own types with it.
func UnmarshalText(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var tree any
	if err := d.Decode(&tree); err != nil {
		return err
	}
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer {
		return fmt.Errorf("UnmarshalText: need a pointer, got %T", v)
	}
	tree, err := retime(tree, t.Elem())
	if err != nil {
		return err
	}
	b, err = json.Marshal(tree)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// retime rewrites the times in x, the decoded JSON of a t, as RFC 3339.
func retime(x any, t reflect.Type) (any, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if x == nil {
		return nil, nil
	}
	if t == timeType {
		s, ok := x.(string)
		if !ok {
			return x, nil
		}
		if tm, err := timestamp.Parse(s); err == nil {
			return tm.Format(time.RFC3339Nano), nil
		}
		return s, nil
	}
	if t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType) {
		return x, nil
	}
	switch t.Kind() {
	case reflect.Struct:
		m, ok := x.(map[string]any)
		if !ok {
			return x, nil
		}
		for _, f := range fields(t) {
			if v, ok := m[f.name]; ok && !f.quoted {
				ft := t.FieldByIndex(f.index).Type
				nv, err := retime(v, ft)
				if err != nil {
					return nil, err
				}
				m[f.name] = nv
			}
		}
		return m, nil
	case reflect.Map:
		m, ok := x.(map[string]any)
		if !ok {
			return x, nil
		}
		for k, v := range m {
			nv, err := retime(v, t.Elem())
			if err != nil {
				return nil, err
			}
			m[k] = nv
		}
		return m, nil
	case reflect.Slice, reflect.Array:
		l, ok := x.([]any)
		if !ok {
			return x, nil
		}
		for i, v := range l {
			nv, err := retime(v, t.Elem())
			if err != nil {
				return nil, err
			}
			l[i] = nv
		}
		return l, nil
	}
	return x, nil
}
