package bill

import (
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/fixtures"
)

// eol ends every line of a bill file.
const eol = "\r\n"

// sheet accumulates the text of one CSV file.
type sheet struct{ b strings.Builder }

func (s *sheet) line(text string) {
	s.b.WriteString(text)
	s.b.WriteString(eol)
}

func (s *sheet) row(cells ...string) {
	for i, c := range cells {
		if i > 0 {
			s.b.WriteByte(',')
		}
		s.b.WriteString(quote(c))
	}
	s.b.WriteString(eol)
}

func (s *sheet) String() string { return s.b.String() }

// quote applies RFC 4180 quoting to a cell that needs it.
func quote(c string) string {
	if !strings.ContainsAny(c, ",\"\r\n") {
		return c
	}
	return `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
}

// id is an identifier cell: production ends it with a TAB so spreadsheets
// keep it as text.
func id(s string) string { return s + "\t" }

// marker is a "#---…名称…---" section line; the dash counts are production's.
func marker(name string, left, right int) string {
	return "#" + strings.Repeat("-", left) + name + strings.Repeat("-", right)
}

// header writes the first three lines every bill file starts with.
func header(s *sheet, title, userID string, p Period) {
	s.line("#" + title)
	s.line("#账号：[" + userID + "]")
	s.line("#起始日期：[" + cnTime(p.Start) + "]   终止日期：[" + cnTime(p.End) + "]")
}

func exportLine(s *sheet, at time.Time) { s.line("#导出时间：[" + cnTime(at) + "]") }

// cnTime is the 2006年01月02日 15:04:05 form of the header and footer lines.
func cnTime(t time.Time) string { return t.In(timestamp.Zone).Format("2006年01月02日 15:04:05") }

// counterparty is the 对方账户 cell: the masked name and logon,
// **博(156******89) or *佳(yan***@163.com).
func counterparty(b fixtures.Buyer) string {
	logon := b.LogonID
	if b.Account != "" {
		logon = maskAccount(b.Account)
	}
	name := maskName(b.Name)
	switch {
	case name == "":
		return logon
	case logon == "":
		return name
	}
	return name + "(" + logon + ")"
}

// maskName keeps the last character of a name.
func maskName(name string) string {
	n := utf8.RuneCountInString(name)
	if n <= 1 {
		return name
	}
	r := []rune(name)
	return strings.Repeat("*", n-1) + string(r[n-1])
}

// maskAccount masks a phone number as 156******89; anything else as
// fixtures.MaskLogon does.
func maskAccount(a string) string {
	if len(a) == 11 && strings.Trim(a, "0123456789") == "" {
		return a[:3] + "******" + a[9:]
	}
	return fixtures.MaskLogon(a)
}

// gbk encodes text as GBK; a character GBK lacks becomes '?'.
func gbk(text string) []byte {
	enc := simplifiedchinese.GBK.NewEncoder()
	if b, err := enc.Bytes([]byte(text)); err == nil {
		return b
	}
	out := make([]byte, 0, len(text))
	for _, r := range text {
		b, err := enc.Bytes([]byte(string(r)))
		if err != nil || r == utf8.RuneError {
			b = []byte{'?'}
		}
		out = append(out, b...)
	}
	return out
}
