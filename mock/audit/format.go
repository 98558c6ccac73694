package audit

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// Formats are the report's formats, for --format.
var Formats = []string{"text", "json", "junit"}

// Write writes the report in format: text, json or junit.
func (r *Report) Write(w io.Writer, format string) error {
	switch format {
	case "", "text":
		return r.Text(w)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(r)
	case "junit":
		return r.JUnit(w)
	}
	return fmt.Errorf("audit: format %q: want one of %s", format, strings.Join(Formats, ", "))
}

// fieldLine is an exchange's telling fields on one line, in a fixed order.
func fieldLine(x Exchange) string {
	var b strings.Builder
	for _, k := range shown {
		if v, ok := x.Fields[k]; ok {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(k + "=" + v)
		}
	}
	return b.String()
}

// answerLine is what the handler answered.
func answerLine(x Exchange) string {
	if x.Error != "" {
		return fmt.Sprintf("no answer: %s (%.1f ms)", x.Error, x.MS)
	}
	return fmt.Sprintf("HTTP %d %q (%.1f ms)", x.Status, truncate(x.Answer, 200), x.MS)
}

func checkLine(c *Check) string {
	s := fmt.Sprintf("%s: exit status %d", c.Command, c.ExitCode)
	if c.Passed {
		s += " (passed)"
	} else {
		s += " (FAILED)"
	}
	if out := strings.TrimSpace(c.Output); out != "" {
		s += ": " + truncate(out, 500)
	}
	return s
}

// Text is the report for people: every probe, what was sent and
// answered, what should have been, and the finding.
func (r *Report) Text(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "audit of %s\ntrade %s (app_id %s, out_trade_no %s), amount %s; answers waited for %s (inferred)\n\n",
		r.NotifyURL, r.TradeNo, r.AppID, r.OutTradeNo, r.Amount, r.Timeout)
	for _, res := range r.Results {
		mark := "ok  "
		if res.Finding != None {
			mark = "FAIL"
		}
		fmt.Fprintf(&b, "%s %-22s %s\n", mark, res.Probe, res.Title)
		for _, x := range res.Sent {
			fmt.Fprintf(&b, "     sent     %s\n              %s\n", x.What, fieldLine(x))
			fmt.Fprintf(&b, "     answered %s\n", answerLine(x))
		}
		fmt.Fprintf(&b, "     should   %s\n", res.Expected)
		if res.Check != nil {
			fmt.Fprintf(&b, "     check    %s\n", checkLine(res.Check))
		}
		if res.Finding != None {
			fmt.Fprintf(&b, "     finding  %s: %s\n", strings.ToUpper(string(res.Finding)), res.Detail)
		} else {
			fmt.Fprintf(&b, "     finding  none\n")
		}
	}
	if r.Check != nil {
		fmt.Fprintf(&b, "\ncheck after all probes: %s\n", checkLine(r.Check))
	}
	fmt.Fprintf(&b, "\n%d probe(s): %d finding(s): %d security, %d correctness\n", len(r.Results), r.Findings, r.Security, r.Correctness)
	_, err := io.WriteString(w, b.String())
	return err
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Time     string      `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// JUnit is the report as JUnit XML: a test case per probe, a failure per
// finding (type security or correctness), so a CI job shows and fails on
// them.
func (r *Report) JUnit(w io.Writer) error {
	s := junitSuite{Name: "alipay-mock audit " + r.NotifyURL}
	var total float64
	for _, res := range r.Results {
		var ms float64
		var out strings.Builder
		for _, x := range res.Sent {
			ms += x.MS
			fmt.Fprintf(&out, "sent: %s\n%s\nbody: %s\nanswered: %s\nwanted: %s\n\n", x.What, fieldLine(x), x.Body, answerLine(x), x.Want)
		}
		if res.Check != nil {
			fmt.Fprintf(&out, "check: %s\n", checkLine(res.Check))
		}
		c := junitCase{Name: res.Probe + ": " + res.Title, Classname: "alipay-mock.audit." + string(res.Severity),
			Time: fmt.Sprintf("%.3f", ms/1000), SystemOut: out.String()}
		if res.Finding != None {
			c.Failure = &junitFailure{Type: string(res.Finding), Message: string(res.Finding) + " finding: " + truncate(res.Detail, 500),
				Text: "expected: the handler " + res.Expected + "\n" + res.Detail}
			s.Failures++
		}
		total += ms
		s.Cases = append(s.Cases, c)
	}
	if r.Check != nil {
		c := junitCase{Name: "check after all probes", Classname: "alipay-mock.audit.check", Time: "0", SystemOut: checkLine(r.Check)}
		if !r.Check.Passed {
			c.Failure = &junitFailure{Type: string(Correctness), Message: fmt.Sprintf("the check failed (exit status %d): the merchant's state is wrong", r.Check.ExitCode), Text: checkLine(r.Check)}
			s.Failures++
		}
		s.Cases = append(s.Cases, c)
	}
	s.Tests, s.Time = len(s.Cases), fmt.Sprintf("%.3f", total/1000)
	doc := junitSuites{Name: "alipay-mock audit", Tests: s.Tests, Failures: s.Failures, Suites: []junitSuite{s}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
