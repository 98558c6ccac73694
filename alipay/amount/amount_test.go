package amount_test

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		in   string
		want amount.Amount
	}{
		{"0", 0},
		{"0.0", 0},
		{"0.00", 0},
		{"0.01", 1},
		{"0.1", 10},
		{"0.10", 10},
		{"1", 100},
		{"88", 8800},
		{"88.8", 8880},
		{"88.80", 8880},
		{"88.88", 8888},
		{"88.08", 8808},
		{"100000000", 100000000_00},
		{"100000000.00", 100000000_00},
		{"100000000.01", 100000000_01},
		// Leading zeros in the whole part are accepted as plain digits.
		{"000.10", 10},
		{"007", 700},
		// Twelve whole digits is the longest accepted.
		{"999999999999.99", 999999999999_99},
		{"000000000000", 0},
		// Leading zeros are not digits of yuan: 13 digits here, 1 yuan.
		{"0000000000001.00", 100},
		{"0000000000000", 0},
		// A leading '-' is read, for the caller's range check to refuse.
		{"-1", -100},
		{"-0.01", -1},
		{"-88.8", -8880},
		{"-999999999999.99", -999999999999_99},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := amount.Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q) error = %v, want nil", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("Parse(%q) = %d, want %d", tt.in, int64(got), int64(tt.want))
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"dot only", "."},
		{"no whole part", ".5"},
		{"no whole part two decimals", ".55"},
		{"trailing dot", "5."},
		{"three decimals", "1.234"},
		{"three zero decimals", "1.000"},
		{"two minus signs", "--1"},
		{"minus only", "-"},
		{"minus no whole part", "-.5"},
		{"minus after a space", " -1"},
		{"minus inside", "1-2"},
		{"negative three decimals", "-1.234"},
		{"negative zero", "-0"},
		{"negative zero with decimals", "-0.00"},
		{"negative zeros", "-000.0"},
		{"plus sign", "+1"},
		{"exponent", "1e2"},
		{"upper exponent", "1E2"},
		{"leading space", " 1"},
		{"trailing space", "1 "},
		{"inner space", "1 000"},
		{"thousands comma", "1,000"},
		{"decimal comma", "1,5"},
		{"underscore", "1_000"},
		{"hex", "0x10"},
		{"two dots", "1.2.3"},
		{"double dot", "1..2"},
		{"fullwidth digit", "１"},
		{"fullwidth fraction digit", "1.２"},
		{"arabic-indic digit", "٣"},
		{"letters", "abc"},
		{"NaN", "NaN"},
		{"Inf", "Inf"},
		{"yuan sign", "¥1"},
		{"tab", "1\t"},
		{"newline", "1\n"},
		{"overlong with three decimals", "1234567890123.456"},
		{"overlong with a letter", "123456789012x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := amount.Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %d, want error", tt.in, int64(got))
			}
			if !errors.Is(err, amount.ErrSyntax) {
				t.Errorf("Parse(%q) error = %v, want ErrSyntax", tt.in, err)
			}
			if got != 0 {
				t.Errorf("Parse(%q) value on error = %d, want 0", tt.in, int64(got))
			}
		})
	}
}

// More than twelve whole digits is a number out of every range, not a
// malformed one: ErrRange, with an amount past every limit (of the sign
// given) that sums of a few cannot overflow.
func TestParseRange(t *testing.T) {
	for _, in := range []string{"1000000000000", "01000000000000", "1234567890123.45", "99999999999999999999",
		"-1000000000000", "-99999999999999999999.99", "9" + strings.Repeat("9", 1000)} {
		got, err := amount.Parse(in)
		if !errors.Is(err, amount.ErrRange) {
			t.Errorf("Parse(%.30q) error = %v, want ErrRange", in, err)
		}
		neg := strings.HasPrefix(in, "-")
		if neg && got >= -amount.Max*100 || !neg && (got <= amount.Max*100 || got > math.MaxInt64/4) {
			t.Errorf("Parse(%.30q) = %d, want past every limit, of its sign", in, int64(got))
		}
		var j amount.Amount
		if err := j.UnmarshalJSON([]byte(strconv.Quote(in))); err != nil || j != got {
			t.Errorf("UnmarshalJSON(%.30q) = %d, %v; want %d, nil (the caller's range check refuses it)", in, int64(j), err, int64(got))
		}
	}
}

func TestMustParse(t *testing.T) {
	if got := amount.MustParse("12.34"); got != 1234 {
		t.Errorf("MustParse(12.34) = %d, want 1234", int64(got))
	}
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("MustParse(\"1.234\") did not panic")
		}
		msg, _ := r.(string)
		if !strings.Contains(msg, `"1.234"`) {
			t.Errorf("panic message %q does not name the input", msg)
		}
	}()
	amount.MustParse("1.234")
}

func TestString(t *testing.T) {
	tests := []struct {
		in   amount.Amount
		want string
	}{
		{0, "0.00"},
		{1, "0.01"},
		{9, "0.09"},
		{10, "0.10"},
		{99, "0.99"},
		{100, "1.00"},
		{101, "1.01"},
		{8800, "88.00"},
		{8880, "88.80"},
		{8888, "88.88"},
		{amount.Min, "0.01"},
		{amount.Max, "100000000.00"},
		{-1, "-0.01"},
		{-10, "-0.10"},
		{-100, "-1.00"},
		{-8888, "-88.88"},
		{math.MaxInt64, "92233720368547758.07"},
		{-math.MaxInt64, "-92233720368547758.07"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.in.String(); got != tt.want {
				t.Errorf("Amount(%d).String() = %q, want %q", int64(tt.in), got, tt.want)
			}
		})
	}
}

// The most negative int64 cannot be negated; String must still print it
// with a single sign and two fraction digits.
func TestStringMinInt64(t *testing.T) {
	const want = "-92233720368547758.08"
	if got := amount.Amount(math.MinInt64).String(); got != want {
		t.Errorf("Amount(math.MinInt64).String() = %q, want %q", got, want)
	}
}

func TestInRange(t *testing.T) {
	tests := []struct {
		in   amount.Amount
		want bool
	}{
		{math.MinInt64, false},
		{-1, false},
		{0, false},
		{1, true},
		{amount.Min, true},
		{amount.MustParse("0.01"), true},
		{amount.MustParse("88.88"), true},
		{amount.Max - 1, true},
		{amount.Max, true},
		{amount.MustParse("100000000"), true},
		{amount.Max + 1, false},
		{amount.MustParse("100000000.01"), false},
		{math.MaxInt64, false},
	}
	for _, tt := range tests {
		if got := tt.in.InRange(); got != tt.want {
			t.Errorf("Amount(%d).InRange() = %v, want %v", int64(tt.in), got, tt.want)
		}
	}
	if amount.Min != 1 || amount.Max != 10_000_000_000 {
		t.Errorf("Min, Max = %d, %d; want 1, 10000000000", int64(amount.Min), int64(amount.Max))
	}
}

func TestMarshalJSON(t *testing.T) {
	tests := []struct {
		in   amount.Amount
		want string
	}{
		{0, `"0.00"`},
		{1, `"0.01"`},
		{8800, `"88.00"`},
		{8888, `"88.88"`},
		{-150, `"-1.50"`},
		{amount.Max, `"100000000.00"`},
	}
	for _, tt := range tests {
		b, err := tt.in.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON(%d) error = %v", int64(tt.in), err)
		}
		if string(b) != tt.want {
			t.Errorf("MarshalJSON(%d) = %s, want %s", int64(tt.in), b, tt.want)
		}
	}

	// Through encoding/json, as a field and as a pointer field.
	type body struct {
		Total  amount.Amount  `json:"total_amount"`
		Refund *amount.Amount `json:"refund_amount,omitempty"`
	}
	r := amount.Amount(5)
	b, err := json.Marshal(body{Total: 8800, Refund: &r})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"total_amount":"88.00","refund_amount":"0.05"}`; string(b) != want {
		t.Errorf("json.Marshal = %s, want %s", b, want)
	}
}

func TestUnmarshalJSON(t *testing.T) {
	const sentinel = amount.Amount(777)
	tests := []struct {
		name    string
		json    string
		want    amount.Amount
		wantErr bool
	}{
		{"string", `"88.88"`, 8888, false},
		{"string whole", `"88"`, 8800, false},
		{"string one decimal", `"88.8"`, 8880, false},
		{"string cent", `"0.01"`, 1, false},
		{"string unicode escapes", `"\u0038\u0038.88"`, 8888, false},
		{"number", `88.88`, 8888, false},
		{"number whole", `88`, 8800, false},
		{"number one decimal", `0.5`, 50, false},
		{"number zero", `0`, 0, false},
		{"null keeps value", `null`, sentinel, false},
		{"empty string is zero", `""`, 0, false},
		{"string three decimals", `"88.888"`, 0, true},
		{"number three decimals", `88.888`, 0, true},
		{"negative number", `-1`, -100, false},
		{"negative string", `"-0.01"`, -1, false},
		{"two minus signs", `"--1"`, 0, true},
		{"exponent number", `1e2`, 0, true},
		{"exponent string", `"1e2"`, 0, true},
		{"spaced string", `" 1"`, 0, true},
		{"comma string", `"1,000"`, 0, true},
		{"fullwidth string", `"１"`, 0, true},
		{"bool", `true`, 0, true},
		{"object", `{}`, 0, true},
		{"array", `["1"]`, 0, true},
		{"whitespace string", `" "`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v struct {
				A amount.Amount `json:"a"`
			}
			v.A = sentinel
			err := json.Unmarshal([]byte(`{"a":`+tt.json+`}`), &v)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("json.Unmarshal(%s) = %d, want error", tt.json, int64(v.A))
				}
				if !errors.Is(err, amount.ErrSyntax) {
					t.Errorf("json.Unmarshal(%s) error = %v, want ErrSyntax", tt.json, err)
				}
				if v.A != sentinel {
					t.Errorf("json.Unmarshal(%s) changed the value to %d on error", tt.json, int64(v.A))
				}
				return
			}
			if err != nil {
				t.Fatalf("json.Unmarshal(%s) error = %v", tt.json, err)
			}
			if v.A != tt.want {
				t.Errorf("json.Unmarshal(%s) = %d, want %d", tt.json, int64(v.A), int64(tt.want))
			}
		})
	}
}

// UnmarshalJSON called directly, with bytes encoding/json would have rejected
// or trimmed.
func TestUnmarshalJSONDirect(t *testing.T) {
	tests := []struct {
		in      string
		want    amount.Amount
		wantErr bool
	}{
		{"  \"12.30\"\n", 1230, false},
		{" 12.3 ", 1230, false},
		{" null ", 5, false},
		{`"12.30`, 0, true},
		{``, 0, true},
	}
	for _, tt := range tests {
		a := amount.Amount(5)
		err := a.UnmarshalJSON([]byte(tt.in))
		if (err != nil) != tt.wantErr {
			t.Errorf("UnmarshalJSON(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if tt.wantErr {
			if !errors.Is(err, amount.ErrSyntax) {
				t.Errorf("UnmarshalJSON(%q) error = %v, want ErrSyntax", tt.in, err)
			}
			continue
		}
		if a != tt.want {
			t.Errorf("UnmarshalJSON(%q) = %d, want %d", tt.in, int64(a), int64(tt.want))
		}
	}
}

// Parse(Amount(n).String()) == n for every amount String can write with at
// most twelve whole digits, negatives too.
func TestRoundTrip(t *testing.T) {
	check := func(n int64) {
		t.Helper()
		a := amount.Amount(n)
		s := a.String()
		got, err := amount.Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q) (from %d) error = %v", s, n, err)
		}
		if got != a {
			t.Fatalf("Parse(Amount(%d).String() = %q) = %d", n, s, int64(got))
		}
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		var back amount.Amount
		if err := json.Unmarshal(b, &back); err != nil || back != a {
			t.Fatalf("JSON round trip of %d via %s = %d, %v", n, b, int64(back), err)
		}
	}
	for n := int64(0); n <= 200_000; n++ {
		check(n)
	}
	for n := int64(amount.Max) - 1000; n <= int64(amount.Max)+1000; n++ {
		check(n)
	}
	const top = 999999999999_99 // twelve whole digits
	for n := int64(top) - 1000; n <= top; n++ {
		check(n)
	}
	for _, n := range []int64{top + 1, math.MaxInt64, -top - 1, math.MinInt64} {
		if _, err := amount.Parse(amount.Amount(n).String()); !errors.Is(err, amount.ErrRange) {
			t.Errorf("Parse(%q) error = %v, want ErrRange (thirteen or more whole digits)", amount.Amount(n).String(), err)
		}
	}
	for n := int64(-1); n >= -1000; n-- {
		check(n)
	}
	check(-top)
}

func TestSent(t *testing.T) {
	tests := []struct {
		obj  string
		want bool
	}{
		{`{"total_amount":0}`, true},
		{`{"total_amount":"0"}`, true},
		{`{"total_amount":"0.00"}`, true},
		{`{"total_amount":"88.88"}`, true},
		{`{"total_amount": "" }`, false},
		{`{"total_amount":null}`, false},
		{`{"subject":"s"}`, false},
		{`{"Total_Amount":0}`, true}, // as encoding/json matches it
		{`not json`, false},
		{`[]`, false},
	}
	for _, tt := range tests {
		if got := amount.Sent([]byte(tt.obj), "total_amount"); got != tt.want {
			t.Errorf("Sent(%s) = %v, want %v", tt.obj, got, tt.want)
		}
	}
}

func TestMulDiv(t *testing.T) {
	for _, c := range []struct {
		a, b, c, want amount.Amount
		ok            bool
	}{
		{5000000000, 4000000000, 5000000000, 4000000000, true}, // a*b overflows int64
		{7, 10, 3, 23, true},                  // truncated
		{-7, 10, 3, -23, true},                // toward zero
		{1, 1, 0, 0, false},                   // no divisor
		{amount.Max, amount.Max, 1, 0, false}, // quotient too large
		{0, amount.Max, amount.Max, 0, true},
	} {
		got, ok := amount.MulDiv(c.a, c.b, c.c)
		if got != c.want || ok != c.ok {
			t.Errorf("MulDiv(%d, %d, %d) = %d, %v; want %d, %v", c.a, c.b, c.c, got, ok, c.want, c.ok)
		}
	}
}

// ParseWide reads what String writes, at any size an Amount holds: the
// mock's own records (a balance, a sum over many trades) may pass the 12
// digits of yuan Parse stops at. Past an Amount it is ErrRange; what Parse
// refuses as malformed it refuses too.
func TestParseWide(t *testing.T) {
	for _, a := range []amount.Amount{0, 1, -1, 99999999999999, 100000000000000, -100000000000001, 123456789012345678, math.MaxInt64, math.MinInt64 + 1} {
		if got, err := amount.ParseWide(a.String()); err != nil || got != a {
			t.Errorf("ParseWide(%q) = %v, %v; want %d", a.String(), got, err, int64(a))
		}
	}
	if a, err := amount.Parse("1000000000000.00"); !errors.Is(err, amount.ErrRange) || a != 100000000000000 {
		t.Errorf("Parse of 13 digits of yuan: %v, %v; want the least 13-digit amount and ErrRange", a, err)
	}
	if a, err := amount.Parse("1000000000000.01"); !errors.Is(err, amount.ErrRange) || a == 100000000000001 {
		t.Errorf("Parse of 1000000000000.01: %v, %v; want it refused, not read", a, err)
	}
	for _, s := range []string{"92233720368547758.08", "-92233720368547758.09", "1" + strings.Repeat("0", 30)} {
		if _, err := amount.ParseWide(s); !errors.Is(err, amount.ErrRange) {
			t.Errorf("ParseWide(%q): %v, want ErrRange", s, err)
		}
	}
	for _, s := range []string{"", "-0", "1.234", "1e3", " 1", "+1", "1.", ".5", "--1"} {
		if _, err := amount.ParseWide(s); !errors.Is(err, amount.ErrSyntax) {
			t.Errorf("ParseWide(%q): %v, want ErrSyntax", s, err)
		}
	}
}
