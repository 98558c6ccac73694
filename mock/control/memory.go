package control

import (
	"net/http"
	"net/url"
	"runtime/metrics"

	"github.com/labstack/echo/v4"

	"github.com/alipay-mock/alipay-mock/mock/appauth"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/paging"
)

// Page headers: the next page's cursor, and a Link to it.
const HeaderNextCursor = "X-Next-Cursor"

// readPage reads limit and cursor for a list; a bad one answers 400.
func readPage(c echo.Context, list string) (paging.Request, error) {
	return paging.Query(list, c.Request().URL.RawQuery)
}

// nextPage sets X-Next-Cursor and Link rel="next" when there is a next
// page (next != 0). The body stays a plain JSON array.
func nextPage(c echo.Context, list string, next uint64) {
	if next == 0 {
		return
	}
	cur := paging.Cursor(list, next)
	h := c.Response().Header()
	h.Set(HeaderNextCursor, cur)
	q := c.Request().URL.Query()
	q.Set("cursor", cur)
	u := url.URL{Path: c.Request().URL.Path, RawQuery: q.Encode()}
	h.Set("Link", "<"+u.String()+`>; rel="next"`)
}

// Memory is what GET /_mock/memory answers: what the mock holds against
// each of its ceilings, and the Go heap.
type Memory struct {
	Journal struct {
		Entries    int   `json:"entries"`
		Bytes      int64 `json:"bytes"`
		MaxEntries int   `json:"max_entries"`
		MaxBytes   int64 `json:"max_bytes"`
		// Dropped: entries a shared journal (--store) could not queue
		// while the database stalled.
		Dropped int64 `json:"dropped,omitempty"`
	} `json:"journal"`
	// Trades: also about the bytes the kept trades hold (records, refunds,
	// syncs, settlements and goods with their text), at most max_bytes
	// (--keep-trades-bytes; 0: no bound).
	Trades struct {
		Kept
		Bytes    int64 `json:"bytes"`
		MaxBytes int64 `json:"max_bytes"`
	} `json:"trades"`
	RedPackets    Kept `json:"red_packets"`
	Transfers     Kept `json:"transfers"`
	Notifications struct {
		Kept
		Pending int `json:"pending"`
		// MaxPending bounds Pending (--max-pending-notifications; 0: no
		// bound); with --store, every replica's together.
		MaxPending int `json:"max_pending"`
		Final      int `json:"final"`
		// SharedStrings and SharedBytes are the strings the final
		// notifications' records share (one table; emptied once none is
		// left, as after a reset; at most 4 MiB).
		SharedStrings int   `json:"shared_strings"`
		SharedBytes   int64 `json:"shared_bytes"`
	} `json:"notifications"`
	// AppAuthCodes and AppAuthTokens: third-party app authorisations
	// (appauth.MaxCodes, appauth.MaxTokens).
	AppAuthCodes  Kept `json:"app_auth_codes"`
	AppAuthTokens Kept `json:"app_auth_tokens"`
	PendingJobs   int  `json:"pending_jobs"`
	// WaitingBuyers: scenario buyers waiting for queries before they pay
	// (pay_after_queries), at most one per trade kept (with --data, those
	// kept in the data directory); with --store they are in the database
	// and this is 0.
	WaitingBuyers int `json:"waiting_buyers"`
	// BillFiles: the bills behind bill_download_urls that still work
	// (count URLs, at most keep), and the bytes of their zips (a bill
	// asked for again unchanged counted once), at most max_bytes.
	BillFiles struct {
		Kept
		Bytes    int64 `json:"bytes"`
		MaxBytes int64 `json:"max_bytes"`
	} `json:"bill_files"`
	// Heap is from runtime/metrics: bytes of live and unswept objects,
	// and all memory the Go runtime has mapped.
	Heap struct {
		ObjectsBytes uint64 `json:"objects_bytes"`
		TotalBytes   uint64 `json:"total_bytes"`
		GoalBytes    uint64 `json:"goal_bytes"`
	} `json:"heap"`
}

// Kept is a count and its limit (0: no limit).
type Kept struct {
	Count int `json:"count"`
	Keep  int `json:"keep"`
}

func (a *API) memory(c echo.Context) error {
	var m Memory
	st, err := a.Journal.Stats()
	if err != nil {
		return fail(c, http.StatusServiceUnavailable, err) // the shared store failed: not an empty journal
	}
	opts := a.Journal.Options()
	m.Journal.Entries, m.Journal.Bytes, m.Journal.MaxEntries, m.Journal.MaxBytes = st.Entries, st.Bytes, opts.MaxEntries, opts.MaxBytes
	m.Journal.Dropped = st.Dropped
	m.Trades.Kept = Kept{Count: a.Trades.Len(), Keep: a.Trades.Keep()}
	m.Trades.Bytes, m.Trades.MaxBytes = a.Trades.Bytes(), a.Trades.KeepBytes()
	m.RedPackets = Kept{Count: a.Coupons.Len(), Keep: a.Coupons.Keep()}
	m.Transfers = Kept{Count: a.Fund.Len(), Keep: a.Fund.Keep()}
	ob := a.Notifier.Outbox()
	counts := ob.Counts()
	m.Notifications.Count, m.Notifications.Keep = ob.Len(), ob.Keep()
	m.Notifications.Pending, m.Notifications.MaxPending = counts[notify.Pending], ob.MaxPending()
	m.Notifications.Final = m.Notifications.Count - m.Notifications.Pending
	m.Notifications.SharedStrings, m.Notifications.SharedBytes = ob.Shared()
	codes, tokens := a.Auth.Len()
	m.AppAuthCodes = Kept{Count: codes, Keep: appauth.MaxCodes}
	m.AppAuthTokens = Kept{Count: tokens, Keep: appauth.MaxTokens}
	m.PendingJobs = a.Sched.Pending()
	if a.WaitingBuyers != nil {
		m.WaitingBuyers = a.WaitingBuyers()
	}
	if a.BillFiles != nil {
		b := a.BillFiles()
		m.BillFiles.Kept = Kept{Count: b.URLs, Keep: b.Keep}
		m.BillFiles.Bytes, m.BillFiles.MaxBytes = b.Bytes, b.MaxBytes
	}
	samples := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/total:bytes"},
		{Name: "/gc/heap/goal:bytes"},
	}
	metrics.Read(samples)
	val := func(s metrics.Sample) uint64 {
		if s.Value.Kind() == metrics.KindUint64 {
			return s.Value.Uint64()
		}
		return 0
	}
	m.Heap.ObjectsBytes, m.Heap.TotalBytes, m.Heap.GoalBytes = val(samples[0]), val(samples[1]), val(samples[2])
	return c.JSON(http.StatusOK, m)
}
