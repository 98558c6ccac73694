package notify

import (
	"errors"
	"net/url"
	"strings"
	"unicode/utf8"
)

// KeptAttempts bounds the attempts a notification keeps: its first and
// its latest KeptAttempts-1. Resends add attempts without end; the
// attempts between are dropped, their count kept in AttemptsDropped.
// A notification never sent again makes at most 8 (DefaultSchedule).
const KeptAttempts = 17

// made is how many attempts the notification has made, dropped ones
// included: the last one's number.
func (n *Notification) made() int {
	if k := len(n.Attempts); k > 0 {
		return n.Attempts[k-1].N
	}
	return 0
}

// EarlierResponse bounds the merchant's answer, and EarlierError the error
// text, an attempt keeps once a later one is made: the latest attempt keeps
// each up to 1 KiB (maxResponse), the earlier ones their first 64 and 128
// bytes, so a notify_url answering 1 KiB of anything but "success" (or a
// status line Go's error quotes) costs a notification about 1 KiB, not 1 KiB
// an attempt. 128 bytes hold an ordinary cause ("dial tcp …: connect:
// connection refused"), which ErrorText leaves first.
const (
	EarlierResponse = 64
	EarlierError    = 128
)

// ErrorText is a Post's error as an attempt keeps it: without Go's
// `Post "<url>": ` (the notify_url, shown beside it), so a cut keeps the
// cause, and cut to n bytes (maxResponse, or EarlierError).
func ErrorText(err error, n int) string {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		err = ue.Err
	}
	return cut(err.Error(), n)
}

// keep appends a to the attempts, dropping the oldest but the first past
// KeptAttempts and cutting the answer and error of the one before a to
// EarlierResponse and EarlierError. It copies rather than changes the
// slice in place: a reader (Outbox.update) may hold the old one.
func (n *Notification) keep(a Attempt) {
	k := len(n.Attempts)
	if k < KeptAttempts && (k == 0 || len(n.Attempts[k-1].Response) <= EarlierResponse && len(n.Attempts[k-1].Error) <= EarlierError) {
		n.Attempts = append(n.Attempts, a)
		return
	}
	kept := make([]Attempt, 0, min(k+1, KeptAttempts))
	if k < KeptAttempts {
		kept = append(kept, n.Attempts...)
	} else {
		kept = append(kept, n.Attempts[0])
		kept = append(kept, n.Attempts[k-KeptAttempts+2:]...)
	}
	for i := range kept { // the last one, and any kept whole before (a data file of an earlier version)
		kept[i].Response = cut(kept[i].Response, EarlierResponse)
		kept[i].Error = cut(kept[i].Error, EarlierError)
	}
	n.Attempts = append(kept, a)
}

// cut is s cut to n bytes, at a character's start when s is UTF-8, and
// copied: the cut must not hold the whole text.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > n-utf8.UTFMax && !utf8.RuneStart(s[i]) {
		i--
	}
	return strings.Clone(s[:i])
}
