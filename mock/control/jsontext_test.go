package control_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/mock/control"
)

type inner struct {
	At   time.Time  `json:"at"`
	Next *time.Time `json:"next,omitempty"`
	Note string     `json:"note,omitempty"`
}

type outer struct {
	inner
	ID     int               `json:"id"`
	Amount amount.Amount     `json:"amount"`
	Tags   []string          `json:"tags"`
	Params map[string]string `json:"params"`
	Items  []inner           `json:"items"`
	Hidden string            `json:"-"`
	Count  int64             `json:"count,string"`
	Wait   time.Duration     `json:"wait"`
	Zero   time.Time         `json:"zero"`
	secret int
}

// MarshalText writes what encoding/json writes, times as GMT+8 text (a
// time not set as null, omitempty or not: items' next), and UnmarshalText
// reads it back into the same value (to the second).
func TestMarshalTextRoundTrip(t *testing.T) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	next := at.Add(90 * time.Minute)
	in := outer{inner: inner{At: at, Next: &next}, ID: 7, Amount: 1234, Params: map[string]string{"gmt_create": "2026-03-04 13:06:07", "b": "<&>"},
		Items: []inner{{At: at.Add(time.Hour), Note: "n"}}, Hidden: "h", Count: 42, Wait: time.Second, secret: 1}
	got, err := control.MarshalText(in)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"at":"2026-03-04 13:06:07","next":"2026-03-04 14:36:07","id":7,"amount":"12.34","tags":null,` +
		`"params":{"b":"\u003c\u0026\u003e","gmt_create":"2026-03-04 13:06:07"},"items":[{"at":"2026-03-04 14:06:07","next":null,"note":"n"}],` +
		`"count":"42","wait":1000000000,"zero":null}`
	if string(got) != want {
		t.Fatalf("MarshalText\n got %s\nwant %s", got, want)
	}
	// Apart from times, the same bytes as encoding/json.
	std, _ := json.Marshal(struct {
		ID     int               `json:"id"`
		Params map[string]string `json:"params"`
	}{7, in.Params})
	sub, _ := control.MarshalText(struct {
		ID     int               `json:"id"`
		Params map[string]string `json:"params"`
	}{7, in.Params})
	if string(std) != string(sub) {
		t.Fatalf("without times: %s, encoding/json %s", sub, std)
	}
	var back outer
	if err := control.UnmarshalText(got, &back); err != nil {
		t.Fatal(err)
	}
	in.Hidden, in.secret, in.Zero = "", 0, time.Time{}
	if !back.At.Equal(in.At) || !back.Next.Equal(*in.Next) || !back.Items[0].At.Equal(in.Items[0].At) {
		t.Fatalf("times back: %+v", back)
	}
	back.At, back.Next, back.Items[0].At = in.At, in.Next, in.Items[0].At
	if !reflect.DeepEqual(back, in) {
		t.Fatalf("round trip\n got %+v\nwant %+v", back, in)
	}
	if timestamp.Format(at) != "2026-03-04 13:06:07" {
		t.Fatal("GMT+8")
	}
}
