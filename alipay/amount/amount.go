// Package amount holds Alipay money amounts as integer cents (fen). Alipay
// writes them as yuan with at most two decimals ("88.88"); no float64 is
// ever involved, in either direction.
package amount

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// Amount is a sum of money in cents.
type Amount int64

// Limits of a single amount on Alipay: [0.01, 100000000] yuan.
const (
	Min Amount = 1
	Max Amount = 100000000_00
)

// ErrSyntax is returned for text that is not a yuan amount with at most two decimals.
var ErrSyntax = errors.New("amount: not a yuan amount with at most two decimals")

// ErrRange is returned for a well-formed amount with more than 12 digits
// before the point: a number out of every range, not a malformed one.
var ErrRange = errors.New("amount: more than 12 digits of yuan")

// overlong is what Parse returns (with its sign) beside ErrRange: the least
// amount with 13 digits of yuan, past every limit, small enough to add.
const overlong Amount = 1_000_000_000_000_00

// Parse reads "88", "88.8", "88.88" or "-88.88". Other signs, exponents,
// spaces, more than two decimals and a negative zero ("-0", "-0.00") are
// ErrSyntax, as Alipay's Price type refuses them. A negative amount is
// returned as one, for the caller's range check to refuse; more than 12
// digits of yuan (leading zeros are not digits: "0001" is 1 yuan) are
// ErrRange, with overlong (or -overlong) as the amount.
func Parse(s string) (Amount, error) { return parse(s, true) }

// ParseWide is Parse for the mock's own records (what String writes): a
// merchant's balance or a sum over many trades may have more than 12
// digits of yuan, which no range check reads, so it reads any amount an
// Amount holds, exactly; past that it is ErrRange.
func ParseWide(s string) (Amount, error) { return parse(s, false) }

// parse is Parse, capped at 12 digits of yuan or (capped false) not.
func parse(s string, capped bool) (Amount, error) {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || (hasDot && frac == "") {
		return 0, ErrSyntax
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, ErrSyntax
		}
	}
	if whole = strings.TrimLeft(whole, "0"); capped && len(whole) > 12 {
		if neg {
			return -overlong, ErrRange
		}
		return overlong, ErrRange
	}
	for len(frac) < 2 {
		frac += "0"
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		return 0, ErrRange // past an Amount (capped, never: 14 digits fit)
	}
	if err != nil {
		return 0, ErrSyntax
	}
	if neg {
		if n == 0 {
			return 0, ErrSyntax
		}
		n = -n
	}
	return Amount(n), nil
}

// MustParse is Parse for constants in code and tests.
func MustParse(s string) Amount {
	a, err := Parse(s)
	if err != nil {
		panic(fmt.Sprintf("amount.MustParse(%q): %v", s, err))
	}
	return a
}

// String formats with exactly two decimals, as Alipay's responses do.
func (a Amount) String() string {
	sign := ""
	n := uint64(a)
	if a < 0 {
		sign, n = "-", uint64(-(a+1))+1 // no overflow at math.MinInt64
	}
	return fmt.Sprintf("%s%d.%02d", sign, n/100, n%100)
}

// MulDiv is a*b/c, truncated toward zero, computed without overflowing
// int64 in the product. ok is false when c is zero or the quotient does
// not fit in an Amount.
func MulDiv(a, b, c Amount) (q Amount, ok bool) {
	if c == 0 {
		return 0, false
	}
	p := new(big.Int).Mul(big.NewInt(int64(a)), big.NewInt(int64(b)))
	p.Quo(p, big.NewInt(int64(c)))
	if !p.IsInt64() {
		return 0, false
	}
	return Amount(p.Int64()), true
}

// InRange reports whether a lies in [Min, Max].
func (a Amount) InRange() bool { return a >= Min && a <= Max }

// MarshalJSON writes the amount as a JSON string, "88.00".
func (a Amount) MarshalJSON() ([]byte, error) {
	return []byte(`"` + a.String() + `"`), nil
}

// UnmarshalJSON takes a JSON string or a JSON number ("88.88" or 88.88;
// doc samples and some SDKs send numbers). An empty string is zero. A
// negative amount, or one with more than 12 digits of yuan, is read (the
// latter as overlong) for the caller's range check to refuse.
func (a *Amount) UnmarshalJSON(b []byte) error {
	s, ok, err := jsonText(b)
	if err != nil || !ok {
		return err
	}
	if s == "" {
		*a = 0
		return nil
	}
	v, err := Parse(s)
	if err != nil && !errors.Is(err, ErrRange) {
		return err
	}
	*a = v // one past every limit for ErrRange: the caller's range check answers it
	return nil
}

// Wide is an Amount whose JSON is read with ParseWide: a record of the
// mock's own, or an answer that may be a sum (a merchant's balance), may
// pass 12 digits of yuan and is read exactly. Requests are read as Amount.
type Wide Amount

// UnmarshalJSON reads a JSON string or number as ParseWide does: "" is
// zero, null leaves w as it is, an amount no Amount holds is an error.
func (w *Wide) UnmarshalJSON(b []byte) error {
	s, ok, err := jsonText(b)
	if err != nil || !ok {
		return err
	}
	if s == "" {
		*w = 0
		return nil
	}
	v, err := ParseWide(s)
	if err != nil {
		return fmt.Errorf("amount %q: %w", s, err)
	}
	*w = Wide(v)
	return nil
}

// jsonText is a JSON amount's text: a string's content or a number's
// digits; ok false for null.
func jsonText(b []byte) (s string, ok bool, err error) {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return "", false, nil
	}
	if len(b) == 0 {
		return "", false, ErrSyntax // not JSON; only a string may be empty
	}
	s = string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := jsonString(b, &s); err != nil {
			return "", false, err
		}
	}
	return s, true, nil
}

func jsonString(b []byte, s *string) error {
	u, err := strconv.Unquote(string(b))
	if err != nil {
		return ErrSyntax
	}
	*s = u
	return nil
}

// Sent reports whether a JSON object carries a value for field: present
// and neither null nor "" (which Alipay reads as absent). A request that
// sends 0 has given an amount, one out of range; a request that leaves the
// field out is missing it, and the two get different errors.
func Sent(object []byte, field string) bool {
	if !json.Valid(object) {
		return false
	}
	// Read in place: every request with an amount asks, and decoding the
	// object into a map cost a string and a copy per member. A key with an
	// escape goes to sentByMap, which unescapes it as encoding/json does.
	b := bytes.TrimSpace(object)
	if len(b) == 0 || b[0] != '{' {
		return false
	}
	type seen struct {
		key  string
		sent bool
	}
	var found []seen // keys equal to field but for case: the last value of each counts, as in a map
	for i := 1; ; {
		i = skipSpace(b, i)
		if b[i] == '}' {
			break
		}
		if b[i] == ',' {
			i = skipSpace(b, i+1)
		}
		k0 := i
		i = skipValue(b, i) // the key: a string
		key := b[k0+1 : i-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			return sentByMap(object, field)
		}
		i = skipSpace(b, i) + 1 // the colon
		i = skipSpace(b, i)
		v0 := i
		i = skipValue(b, i)
		if !strings.EqualFold(string(key), field) {
			continue
		}
		v := b[v0:i]
		sent := !bytes.Equal(v, []byte("null")) && !bytes.Equal(v, []byte(`""`))
		j := 0
		for j < len(found) && found[j].key != string(key) {
			j++
		}
		if j == len(found) {
			found = append(found, seen{key: string(key)})
		}
		found[j].sent = sent
	}
	for _, f := range found {
		if f.sent {
			return true
		}
	}
	return false
}

// sentByMap is Sent by decoding the object into a map.
func sentByMap(object []byte, field string) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(object, &m) != nil {
		return false
	}
	for k, v := range m {
		// encoding/json matches field names case-insensitively: so does this.
		if strings.EqualFold(k, field) {
			v = bytes.TrimSpace(v)
			if !bytes.Equal(v, []byte("null")) && !bytes.Equal(v, []byte(`""`)) {
				return true
			}
		}
	}
	return false
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the index just past the value at i of valid JSON.
func skipValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		for i++; b[i] != '"'; i++ {
			if b[i] == '\\' {
				i++
			}
		}
		return i + 1
	case '{', '[':
		depth := 0
		for ; ; i++ {
			switch b[i] {
			case '"':
				i = skipValue(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
	}
	for i < len(b) && !strings.ContainsRune(",}] \t\n\r", rune(b[i])) {
		i++
	}
	return i
}
