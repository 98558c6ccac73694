package gateway

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay"
)

// TestTable fails when a method lacks a fact: every method the protocol
// lists has an entry and every entry a descriptor, a biz_content struct
// with fields, a handler or the cashier, what it is about and its family;
// page methods have no v3 route and trade page methods a product code;
// fund methods are certOnly.
func TestTable(t *testing.T) {
	for _, d := range alipay.Methods() {
		if _, ok := table[d.Name]; !ok {
			t.Errorf("%s: in alipay.Methods but not in the gateway's table", d.Name)
		}
	}
	for name, e := range table {
		d, ok := alipay.Lookup(name)
		if !ok {
			t.Errorf("%s: no descriptor in alipay/methods.go", name)
			continue
		}
		if !reflect.DeepEqual(d, e.Method) {
			t.Errorf("%s: entry's descriptor %+v, alipay's %+v", name, e.Method, d)
		}
		if e.biz == nil || e.biz.Kind() != reflect.Struct || len(jsonFields(e.biz)) == 0 {
			t.Errorf("%s: no biz_content struct with JSON fields (%v)", name, e.biz)
		}
		if (e.handle == nil) != e.Page {
			t.Errorf("%s: page %v but handler set %v: a method has exactly one of the two", name, e.Page, e.handle != nil)
		}
		if e.about == 0 {
			t.Errorf("%s: what it is about is not set", name)
		}
		if e.family == 0 {
			t.Errorf("%s: family not set", name)
		}
		if fund := strings.HasPrefix(name, "alipay.fund."); e.certOnly != fund {
			t.Errorf("%s: certOnly %v: production takes fund methods, and only them, in certificate mode only", name, e.certOnly)
		}
		if e.Page && (e.V3HTTPMethod != "" || !e.opens) {
			t.Errorf("%s: a page method opens a trade or red packet and has no v3 route", name)
		}
		if e.Page && e.family == familyTrade && e.ProductCode == "" {
			t.Errorf("%s: a trade page method needs its product_code", name)
		}
		if e.V3HTTPMethod != "" {
			got, ok := v3Method(d.V3Path())
			if !ok || got.Name != name {
				t.Errorf("%s: v3 path %s does not lead back to it", name, d.V3Path())
			}
		}
	}
	cat := Catalogue()
	if len(cat) != len(table) {
		t.Errorf("catalogue has %d methods, table %d", len(cat), len(table))
	}
}

// The catalogue's fields are the biz struct's JSON names, embedded
// structs' included and "-" left out.
func TestJSONFields(t *testing.T) {
	got := jsonFields(reflect.TypeFor[closeRequest]())
	want := []string{"operator_id", "out_trade_no", "trade_no"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("closeRequest fields %v, want %v", got, want)
	}
}

// The docs document every method of the table.
func TestTableDocumented(t *testing.T) {
	pages, _ := filepath.Glob("../../docs/*.md")
	var docs strings.Builder
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		docs.Write(b)
	}
	for name := range table {
		if !strings.Contains(docs.String(), "`"+name+"`") {
			t.Errorf("docs/ does not name `%s`", name)
		}
	}
}
