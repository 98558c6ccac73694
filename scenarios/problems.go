package scenarios

import (
	"bytes"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// This file turns what yaml.v3 reports into problems with the line a
// person would point at and a message that names the scenario format's
// words rather than Go's types.

// typeErr is a decode problem at n, returned by the UnmarshalYAML methods
// as a *yaml.TypeError: yaml.v3 collects those and decodes on, where any
// other error stops the decode at the first problem.
func typeErr(n *yaml.Node, format string, a ...any) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %s", n.Line, fmt.Sprintf(format, a...))}}
}

// mappingOf checks that n is a mapping whose keys are all fields of v's
// yaml tags, then decodes it into v (a pointer to a struct): every unknown
// key and every value of the wrong type is one error, with its line.
func mappingOf(n *yaml.Node, what string, v any) error {
	known := yamlFields(reflect.TypeOf(v).Elem())
	if n.Kind != yaml.MappingNode {
		return typeErr(n, "%s must be a mapping with %s", what, strings.Join(known, ", "))
	}
	var errs []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; !contains(known, k.Value) {
			errs = append(errs, fmt.Sprintf("line %d: unknown field %q in %s (known: %s)", k.Line, k.Value, what, strings.Join(known, ", ")))
		}
	}
	if err := n.Decode(v); err != nil {
		te, ok := err.(*yaml.TypeError)
		if !ok {
			return typeErr(n, "%s: %v", what, err)
		}
		errs = append(errs, te.Errors...)
	}
	if len(errs) > 0 {
		return &yaml.TypeError{Errors: errs}
	}
	return nil
}

// yamlFields lists the keys of a struct's yaml tags, in field order.
func yamlFields(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

// sections name the file's Go types as the format's words, for yaml.v3's
// messages ("field colour not found in type scenarios.Rule").
var sections = map[string]struct {
	what string
	t    reflect.Type
}{
	"scenarios.File":    {"the file", reflect.TypeOf(File{})},
	"scenarios.Rule":    {"a rule", reflect.TypeOf(Rule{})},
	"scenarios.Match":   {"when", reflect.TypeOf(Match{})},
	"scenarios.Action":  {"then", reflect.TypeOf(Action{})},
	"scenarios.Respond": {"then.respond", reflect.TypeOf(Respond{})},
	"scenarios.Buyer":   {"then.buyer", reflect.TypeOf(Buyer{})},
	"scenarios.Notify":  {"then.notify", reflect.TypeOf(Notify{})},
	"scenarios.Voucher": {"then.voucher", reflect.TypeOf(Voucher{})},
}

var (
	lineRe     = regexp.MustCompile(`(?s)^line (\d+): (.*)$`)
	notFoundRe = regexp.MustCompile(`^field (.+) not found in type (\S+)$`)
	intoRe     = regexp.MustCompile(`^cannot unmarshal (!!\w+) (.*)into (\S+)$`)
)

// goTypes are the other types a value may fail to decode into.
var goTypes = map[string]string{
	"int":                       "a whole number",
	"bool":                      "true or false",
	"string":                    "text",
	"[]string":                  "a list of text",
	"[]int":                     "a list of whole numbers",
	"[]*scenarios.Rule":         "a list of rules",
	"map[string]string":         "a mapping of field names to values",
	"map[string]scenarios.Cond": "a mapping of biz field names to conditions",
}

var yamlKinds = map[string]string{"!!str": "text", "!!int": "a number", "!!float": "a number", "!!bool": "true or false",
	"!!seq": "a list", "!!map": "a mapping", "!!null": "null", "!!binary": "binary data", "!!timestamp": "a timestamp"}

// decodeProblem turns one of yaml.v3's type errors into a problem.
func decodeProblem(path, e string) Problem {
	p := Problem{Path: path, Msg: e}
	if m := lineRe.FindStringSubmatch(e); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		p.Msg = m[2]
	}
	if m := notFoundRe.FindStringSubmatch(p.Msg); m != nil {
		if s, ok := sections[m[2]]; ok {
			p.Msg = fmt.Sprintf("unknown field %q in %s (known: %s)", m[1], s.what, strings.Join(yamlFields(s.t), ", "))
		}
	} else if m := intoRe.FindStringSubmatch(p.Msg); m != nil {
		want := goTypes[m[3]]
		if s, ok := sections[m[3]]; ok {
			want = s.what + " (a mapping)"
		}
		if want != "" {
			got := yamlKinds[m[1]]
			if got == "" {
				got = m[1]
			}
			if v := strings.TrimSpace(m[2]); v != "" {
				got += " " + v
			}
			p.Msg = fmt.Sprintf("%s where %s belongs", got, want)
		}
	}
	return p
}

// Messages of yaml.v3's parser (not its scanner). Parser errors carry a
// 0-based line; those about a block collection name the line the
// collection starts on, not the line that breaks it.
var (
	parserErrors = []string{"did not find expected key", "did not find expected node content",
		"did not find expected '-' indicator", "did not find expected ',' or ']'", "did not find expected ',' or '}'",
		"did not find expected <document start>", "did not find expected <stream-end>"}
	blockErrors = []string{"did not find expected key", "did not find expected '-' indicator"}
	hints       = map[string]string{
		"did not find expected ',' or '}'":            "the { on this line is not closed, or two of its entries lack a comma between them",
		"did not find expected ',' or ']'":            "the [ on this line is not closed, or two of its items lack a comma between them",
		"did not find expected key":                   "this line is indented differently from the keys around it",
		"did not find expected '-' indicator":         "this line does not line up with the list items around it",
		"found character that cannot start any token": "a tab, or a character such as @ or ` that YAML does not allow at the start of a value; indent with spaces and quote such values",
	}
)

// MaxLocateBytes bounds the YAML re-parsed to find the line a block
// collection breaks on (a binary search over the file's prefixes: about 20
// parses of a 1 MiB file).
const MaxLocateBytes = 32 << 20

// syntaxProblem reports a file that is not YAML at the line that breaks
// it. yaml.v3 names a line from 0 for parser errors and from 1 for scanner
// errors, and falls back from the context's line to the problem's when
// the context is on the first line; parsing the file one line down keeps
// the context off the first line, so every message names the same mark.
func syntaxProblem(path string, data []byte) Problem {
	bom := []byte("\ufeff")
	shifted := make([]byte, 0, len(data)+1)
	if bytes.HasPrefix(data, bom) {
		shifted = append(append(append(shifted, bom...), '\n'), data[len(bom):]...)
	} else {
		shifted = append(append(shifted, '\n'), data...)
	}
	var n yaml.Node
	err := yaml.Unmarshal(shifted, &n)
	if err == nil { // only the shift made it parse: report what the file itself gives
		if err = yaml.Unmarshal(data, &n); err == nil {
			return Problem{Path: path, Msg: "not YAML"}
		}
	}
	p := Problem{Path: path, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	if m := lineRe.FindStringSubmatch(p.Msg); m != nil {
		p.Line, _ = strconv.Atoi(m[1])
		p.Msg = m[2]
	}
	if !contains(parserErrors, p.Msg) && p.Line > 0 {
		p.Line-- // a scanner error, counted from 1 in the shifted text
	}
	if contains(blockErrors, p.Msg) {
		if l := firstBrokenLine(data, p.Line); l > 0 {
			p.Line = l
		}
	}
	if last := lastLine(data); p.Line > last {
		p.Line = last
		p.Msg += ": the file ends before the value is complete (a [ or { left open, or a key without its value)"
	} else if h := hints[p.Msg]; h != "" {
		p.Msg += ": " + h
	}
	return p
}

// lastLine is the number of the last line that holds more than spaces.
func lastLine(data []byte) int {
	last := 0
	for i, l := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(l)) > 0 {
			last = i + 1
		}
	}
	return last
}

// firstBrokenLine finds the first line from "from" on (1-based) whose
// prefix of the file no longer parses as a block collection: a prefix
// that ends before the broken line parses (or fails otherwise, cut inside
// a flow collection or a quoted scalar), one that holds it fails the same
// way, so the search halves. 0 when it finds none within MaxLocateBytes.
func firstBrokenLine(data []byte, from int) int {
	ends := []int{0} // ends[k] is where line k ends (1-based)
	for end := 0; end < len(data); {
		if i := bytes.IndexByte(data[end:], '\n'); i >= 0 {
			end += i + 1
		} else {
			end = len(data)
		}
		ends = append(ends, end)
	}
	budget := MaxLocateBytes
	broken := func(k int) bool {
		budget -= ends[k]
		var n yaml.Node
		err := yaml.Unmarshal(data[:ends[k]], &n)
		if err == nil {
			return false
		}
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := lineRe.FindStringSubmatch(msg); m != nil {
			msg = m[2]
		}
		return contains(blockErrors, msg)
	}
	lo, hi := max(from, 1), len(ends)-1 // the answer is in [lo, hi] if hi breaks
	if lo > hi || !broken(hi) {
		return 0
	}
	for lo < hi && budget > 0 {
		mid := (lo + hi) / 2
		if broken(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if lo < hi {
		return 0
	}
	return lo
}

// span is the lines a key and its value take.
type span struct{ first, last int }

func (s span) holds(line int) bool { return line >= s.first && line <= s.last }

// MaxDepth bounds how deeply a scenario file nests (the file's mapping
// is level 1; a rule's range bounds, the deepest the format has, are at
// level 8). yaml.v3 alone allows 10,000.
const MaxDepth = 32

// tooDeep is the first node nested more than MaxDepth levels, counting n
// as level depth; nil if none is.
func tooDeep(n *yaml.Node, depth int) *yaml.Node {
	if depth > MaxDepth {
		return n
	}
	for _, c := range n.Content {
		if d := tooDeep(c, depth+1); d != nil {
			return d
		}
	}
	return nil
}

// MaxAliasNodes bounds the nodes a file's aliases stand for. Each alias
// (*name) is decoded again as the nodes of its anchor, and each condition
// decodes its own copy (a fresh decoder, whose count of aliases starts
// again), so a 100 KB file of aliases to a long range list allocated
// 269 MB (an alias bomb). Anchors that repeat a few blocks stand for far
// fewer.
const MaxAliasNodes = 100_000

// aliasNodes is how many nodes the aliases under n stand for, counting
// each anchor's nodes once per alias (at most limit+1: it stops counting
// there), and the first alias under n.
func aliasNodes(n *yaml.Node, limit int) (int, *yaml.Node) {
	sizes := map[*yaml.Node]int{} // an anchor's nodes, aliases expanded
	var size func(n *yaml.Node) int
	size = func(n *yaml.Node) int {
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			n = n.Alias
		}
		if s, ok := sizes[n]; ok {
			return s
		}
		sizes[n] = 0 // while counting: an anchor that contains itself is the decoder's to refuse
		s := 1
		for _, c := range n.Content {
			if s += size(c); s > limit {
				s = limit + 1
				break
			}
		}
		sizes[n] = s
		return s
	}
	total := 0
	var first *yaml.Node
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		for _, c := range n.Content {
			if total > limit {
				return
			}
			if c.Kind == yaml.AliasNode {
				if first == nil {
					first = c
				}
				total += size(c)
				continue
			}
			walk(c)
		}
	}
	walk(n)
	return min(total, limit+1), first
}

// keyLevels is how many keys deep check looks up a line
// ("when.biz.total_amount"), and maxKeyPath the longest path it looks
// up: deeper or longer paths are not recorded, so the paths kept grow
// with the file's size, not with its size times its depth.
const (
	keyLevels  = 3
	maxKeyPath = 256
)

// keyLines records the lines of every key under a mapping, by dotted path
// ("when.biz.total_amount"), and of every scalar of a list under its path
// and value ("when.method=alipay.trade.pay"), so check can point at the
// line that is wrong rather than the rule's first. It goes levels keys
// deep.
func keyLines(n *yaml.Node, prefix string, levels int, out map[string]span) {
	if levels <= 0 {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if prefix != "" {
				p = prefix + "." + k.Value
			}
			if len(p) > maxKeyPath {
				continue
			}
			if _, seen := out[p]; !seen {
				out[p] = span{k.Line, max(k.Line, lastLineOf(v))}
			}
			keyLines(v, p, levels-1, out)
		}
	case yaml.SequenceNode:
		for _, item := range n.Content {
			if item.Kind == yaml.ScalarNode {
				if _, seen := out[prefix+"="+item.Value]; !seen {
					out[prefix+"="+item.Value] = span{item.Line, item.Line}
				}
			}
		}
	}
}

// lastLineOf is the last line a node's content starts on.
func lastLineOf(n *yaml.Node) int {
	last := n.Line
	for _, c := range n.Content {
		last = max(last, lastLineOf(c))
	}
	return last
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
