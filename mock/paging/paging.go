// Package paging reads and writes the page parameters of the mock's list
// endpoints: limit (1 to Max, default Default) and an opaque cursor that
// names where the previous page stopped in one list's stable order.
package paging

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
)

// Page sizes.
const (
	Default = 100
	Max     = 1000
)

// Request is one page asked for: how many items, and after which position
// of the list (0: from the start).
type Request struct {
	Limit int
	After uint64
}

// ErrLimit is the error of a limit out of range.
var ErrLimit = fmt.Errorf("limit is a whole number from 1 to %d (default %d)", Max, Default)

var errCursor = errors.New("cursor is not one this list gave out: pass the X-Next-Cursor value of the previous page unchanged")

// Parse reads limit and cursor for the list named list; a cursor made for
// another list, or one that was never made, is refused.
func Parse(list, limit, cursor string) (Request, error) {
	r := Request{Limit: Default}
	if limit = strings.TrimSpace(limit); limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil || n < 1 || n > Max {
			return Request{}, ErrLimit
		}
		r.Limit = n
	}
	if cursor = strings.TrimSpace(cursor); cursor != "" {
		after, ok := decode(list, cursor)
		if !ok {
			return Request{}, errCursor
		}
		r.After = after
	}
	return r, nil
}

// Query reads limit and cursor, as Parse does, from a request's raw query
// (URL.RawQuery). A value that does not unescape (cursor=%zz) is refused
// as a bad value: net/url drops such a pair, which then read as absent
// (the first page).
func Query(list, rawQuery string) (Request, error) {
	var limit, cursor string
	var seenLimit, seenCursor bool
	for rawQuery != "" {
		var pair string
		pair, rawQuery, _ = strings.Cut(rawQuery, "&")
		k, v, _ := strings.Cut(pair, "=")
		k, err := url.QueryUnescape(k)
		if err != nil || (k != "limit" || seenLimit) && (k != "cursor" || seenCursor) {
			continue // the first of each counts, as url.Values.Get reads it
		}
		v, err = url.QueryUnescape(v)
		switch {
		case k == "limit" && err != nil:
			return Request{}, ErrLimit
		case k == "limit":
			limit, seenLimit = v, true
		case err != nil:
			return Request{}, errCursor
		default:
			cursor, seenCursor = v, true
		}
	}
	return Parse(list, limit, cursor)
}

// Cursor is the opaque cursor of position after in the list named list.
func Cursor(list string, after uint64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(list + ":" + strconv.FormatUint(after, 10)))
}

func decode(list, cursor string) (uint64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return 0, false
	}
	name, pos, ok := strings.Cut(string(b), ":")
	if !ok || name != list {
		return 0, false
	}
	// Positions are int64 in the database and int in the journal: one
	// past math.MaxInt64 was never given out, and read back it would wrap
	// to the first page.
	n, err := strconv.ParseUint(pos, 10, 64)
	if err != nil || n == 0 || n > math.MaxInt64 {
		return 0, false
	}
	return n, true
}
