package notify

import (
	"bytes"
	"context"
	"errors"
	"hash/maphash"
	"slices"
	"sync"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/mock/limits"
)

// State is where a notification stands.
type State string

// Notification states.
const (
	Pending   State = "pending"   // more attempts to come
	Delivered State = "delivered" // the merchant answered "success"
	GivenUp   State = "given_up"  // the schedule ran out
	// Suppressed notifications were held back by a scenario: never sent.
	Suppressed State = "suppressed"
)

// Attempt is one delivery attempt, as it went over the wire.
type Attempt struct {
	N  int       `json:"n"`
	At time.Time `json:"at"` // on the mock's clock
	// NotifyTime and Sign are what this attempt's form carried: each
	// attempt is signed afresh with the time it is sent.
	// A message's NotifyTime is its utc_timestamp.
	NotifyTime string `json:"notify_time,omitempty"`
	Sign       string `json:"sign,omitempty"`
	// Body is the exact form body the attempt sent. It is not kept but
	// rebuilt when the outbox is read (Get, List, Page), from the
	// notification's parameters, NotifyTime and Sign.
	Body      string  `json:"body,omitempty"`
	Status    int     `json:"status,omitempty"`
	Response  string  `json:"response,omitempty"` // the body, cut at 1 KiB; at EarlierResponse once a later attempt is made
	LatencyMS float64 `json:"latency_ms"`         // wall time
	Error     string  `json:"error,omitempty"`    // without Go's "Post <url>: "; 1 KiB, EarlierError once a later attempt is made
	OK        bool    `json:"ok"`

	rawSign bool // in the outbox, Sign holds the signature's bytes, not its base64
}

// Notification is one asynchronous notification and its delivery history.
type Notification struct {
	ID string `json:"id"`
	// Kind is KindNotification (a form to notify_url) or KindMessage (an
	// 蚂蚁消息 to the app's 应用网关).
	Kind        string            `json:"kind"`
	NotifyID    string            `json:"notify_id"`
	AppID       string            `json:"app_id"`
	OutTradeNo  string            `json:"out_trade_no"`
	TradeNo     string            `json:"trade_no"`
	Event       string            `json:"event"`
	TradeStatus string            `json:"trade_status"`
	URL         string            `json:"url"`
	Charset     string            `json:"charset"`
	Params      map[string]string `json:"params"`
	// Params and Body are the form the last attempt sent (before the
	// first attempt, the one it will send, but for notify_time and sign).
	Body     string    `json:"body"`
	Created  time.Time `json:"created"`
	State    State     `json:"state"`
	Attempts []Attempt `json:"attempts"`
	// AttemptsDropped counts the attempts made but no longer kept (KeptAttempts).
	AttemptsDropped int        `json:"attempts_dropped,omitempty"`
	NextAttempt     *time.Time `json:"next_attempt,omitempty"`
	// Reason says why a notification was given up before its schedule
	// ran out: the pending bound (ReasonPendingBound). A resend clears it.
	Reason string `json:"reason,omitempty"`

	round int // attempts before the current round (set by a resend)
	// resent is when a shared store's resend (Resend) made it pending
	// again: the pending bound's order (bound.go).
	resent time.Time
	// madeAt is when it was made (enqueue), on the mock's clock; Created
	// is its event's time, which may be long before (a retold event).
	madeAt time.Time
	event  int  // 1 + the index in its trade's (red packet's) History of the event it tells, until stored
	packet bool // that event is a red packet's, whose auth_no is TradeNo
	// transfer is, for a transfer's status (event: 1 + fund.StatusEvent),
	// the transfer's app; its out_biz_no is OutTradeNo.
	transfer  string
	badSig    bool   // every attempt carries a signature that does not verify
	gen       int    // generation of the planned attempt
	flying    int    // attempts in flight (takeOff to their write-back): the pending bound passes over it
	key       string // scheduler key: one trade's (or red packet's) notifications stay in order
	seq       uint64 // position in the outbox's order, for cursors
	writeBack bool   // the write is one after the first (WriteBack)

	// In the outbox, a pending notification's Params and Body are not
	// kept but packed (pack.go): form holds the parameters, and the time
	// field and sign come from the last attempt when timeAtt and signAtt
	// say so. A final one is kept as a record (record.go).
	form, rawBody                    string
	packed, hasRaw, timeAtt, signAtt bool
}

// Kinds of notification.
const (
	KindNotification = "notification"
	KindMessage      = "message"
)

// Final reports whether nothing more will happen to the notification
// unless it is sent again: delivered, given up or suppressed.
func (n *Notification) Final() bool {
	return n.State == Delivered || n.State == GivenUp || n.State == Suppressed
}

// Seq is the notification's position in the outbox's order, for cursors.
func (n *Notification) Seq() uint64 { return n.seq }

func (n *Notification) clone() Notification {
	c := *n
	c.Attempts = append([]Attempt(nil), n.Attempts...)
	c.unpack()
	if n.NextAttempt != nil {
		t := *n.NextAttempt
		c.NextAttempt = &t
	}
	return c
}

// view is a copy for readers, with each attempt's body rebuilt.
func (n *Notification) view() Notification {
	n.unpack()
	c := n.clone()
	if c.Kind == "" {
		c.Kind = KindNotification // kept before notifications had a kind
	}
	c.AttemptsDropped = c.made() - len(c.Attempts)
	tf := timeField(c.Kind)
	for i, a := range c.Attempts {
		if a.NotifyTime == "" || a.Sign == "" {
			continue // an attempt kept before attempts kept their own form
		}
		p := make(map[string]string, len(n.Params))
		for k, v := range n.Params {
			p[k] = v
		}
		p[tf], p["sign"] = a.NotifyTime, a.Sign
		if b, err := sign.EncodeForm(p, sign.Charset(n.Charset)); err == nil {
			c.Attempts[i].Body = b
		}
	}
	return c
}

// Filter selects notifications.
type Filter struct {
	AppID      string
	OutTradeNo string
	TradeNo    string
	State      State
}

func (f Filter) match(n *Notification) bool {
	return (f.AppID == "" || n.AppID == f.AppID) &&
		(f.OutTradeNo == "" || n.OutTradeNo == f.OutTradeNo) &&
		(f.TradeNo == "" || n.TradeNo == f.TradeNo) &&
		(f.State == "" || n.State == f.State)
}

// DefaultKeep is how many final notifications the mock keeps unless told
// otherwise.
const DefaultKeep = 10_000

// Outbox keeps the notifications with every attempt: all pending ones,
// and the final ones (delivered, given up, suppressed) up to a limit,
// past which those that became final longest ago go.
//
// A pending notification is kept as a struct with its form packed
// (pack.go); a final one as a record in the arena (record.go), bytes with
// no pointers. The indexes hold no pointers either: ids, out_trade_no and
// trade_no (by a hash of them: a filter checks what it reads) lead to a
// position in the ledger, which holds the record's place.
type Outbox struct {
	mu       sync.Mutex
	hot      map[uint64]*Notification // by position: the ones not final (pending)
	ids      map[uint64]uint64        // n of ntf_%06d → position
	oddIDs   map[string]uint64        // any other id → position
	byOut    map[uint64]uint64        // hash of out_trade_no → position of the first with it
	byNo     map[uint64]uint64        // hash of trade_no → position of the first with it
	nextOut  map[uint64]uint64        // position → the next with the same out_trade_no hash
	nextNo   map[uint64]uint64        // position → the next with the same trade_no hash
	seed     maphash.Seed
	counts   map[State]int
	ledger   limits.Ledger[uint64] // position → the final one's record (0: in hot)
	arena    arena
	interns  *interns // replaced, not emptied, when no record is left (dropLocked): items read outside the lock keep theirs
	buf      []byte
	finished int // how many items are final
	keep     int
	waiters  map[*waiter]struct{}
	store    Store
	// untold are the notifications whose event is still marked untold
	// (by position): each write carries the mark's deletion until one
	// is known to be on disk.
	untold map[uint64]told
	// shared is set when replicas share the store (--store): a
	// notification whose first write failed is dropped, not kept.
	shared bool
	// maxPending bounds the pending ones (bound.go): pending holds
	// their positions, oldest first; givenUp hears of those given up.
	maxPending int
	pending    seqHeap
	givenUp    func([]Notification)
}

// told is the event a notification tells (Notification.Told).
type told struct {
	event    int // 1 + its index in History
	packet   bool
	transfer string
}

// waiter is a long poll: told (without blocking) when a notification its
// filter matches changes; a nil filter is told of every change.
type waiter struct {
	f  *Filter
	ch chan struct{}
}

// NewOutbox makes an empty outbox that keeps every notification.
func NewOutbox() *Outbox {
	return &Outbox{untold: map[uint64]told{}, hot: map[uint64]*Notification{}, ids: map[uint64]uint64{}, oddIDs: map[string]uint64{},
		byOut: map[uint64]uint64{}, byNo: map[uint64]uint64{}, nextOut: map[uint64]uint64{}, nextNo: map[uint64]uint64{},
		seed: maphash.MakeSeed(), counts: map[State]int{}, arena: newArena(), interns: &interns{}, waiters: map[*waiter]struct{}{}}
}

// SetKeep bounds the final notifications kept; 0 keeps them all.
func (o *Outbox) SetKeep(n int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.keep = n
	o.evictLocked()
}

// Keep is the most final notifications kept; 0 is no limit.
func (o *Outbox) Keep() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.keep
}

// Len is how many notifications the outbox holds.
func (o *Outbox) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.ledger.Len()
}

// wakeLocked tells the waiters whose filter matches n (every waiter when
// n is nil) that something changed. The lock is held.
// wake tells every waiter to look again: a change made outside the outbox
// (an attempt planned on the clock) that a waiter may wait for.
func (o *Outbox) wake() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.wakeLocked(nil)
}

func (o *Outbox) wakeLocked(n *Notification) {
	for w := range o.waiters {
		if n == nil || w.f == nil || w.f.match(n) {
			select {
			case w.ch <- struct{}{}:
			default: // already told
			}
		}
	}
}

// watch registers a waiter for f (nil: every change); the caller must
// unwatch it.
func (o *Outbox) watch(f *Filter) *waiter {
	w := &waiter{f: f, ch: make(chan struct{}, 1)}
	o.mu.Lock()
	o.waiters[w] = struct{}{}
	o.mu.Unlock()
	return w
}

func (o *Outbox) unwatch(w *waiter) {
	o.mu.Lock()
	delete(o.waiters, w)
	o.mu.Unlock()
}

// seqOf is the position of the notification id.
func (o *Outbox) seqOf(id string) (uint64, bool) {
	if v, ok := idNumber(id); ok {
		seq, ok := o.ids[v]
		return seq, ok
	}
	seq, ok := o.oddIDs[id]
	return seq, ok
}

// headOf is the notification at seq (ref its record, 0 when hot), to
// match filters and unindex: the kept struct itself when hot (not to be
// changed), else a struct with everything but the attempts and the form.
func (o *Outbox) headOf(seq, ref uint64) *Notification {
	if ref == 0 {
		return o.hot[seq]
	}
	n := &Notification{seq: seq}
	d := decoder{b: o.arena.get(ref), in: o.interns}
	decodeHead(&d, n)
	return n
}

// headLocked is headOf the notification at seq, which is filed.
func (o *Outbox) headLocked(seq uint64) *Notification {
	ref, _ := o.ledger.Get(seq)
	return o.headOf(seq, ref)
}

// loadLocked is the notification at seq whole, unpacked, in a struct of
// its own. The lock is held.
func (o *Outbox) loadLocked(seq uint64) (*Notification, bool) {
	if n, ok := o.hot[seq]; ok {
		c := n.copyLocked()
		c.unpack()
		return &c, true
	}
	ref, ok := o.ledger.Get(seq)
	if !ok || ref == 0 {
		return nil, false
	}
	n, err := decodeRecord(o.interns, o.arena.get(ref))
	if err != nil {
		return nil, false
	}
	n.seq = seq
	return &n, true
}

// item is a notification copied under the lock, to be read outside it: a
// copy of a pending one, still packed, or a final one's record.
type item struct {
	n   Notification
	rec []byte
	in  *interns // the table rec points into
	seq uint64
}

func (o *Outbox) itemOf(seq, ref uint64, h *Notification) item {
	if ref == 0 {
		return item{n: h.copyLocked(), seq: seq}
	}
	return item{rec: bytes.Clone(o.arena.get(ref)), in: o.interns, seq: seq}
}

// read is the notification an item holds, unpacked. Records only point
// into interns entries written before them, and a table once replaced
// is not changed, so this needs no lock.
func (o *Outbox) read(it item) Notification {
	if it.rec == nil {
		it.n.unpack()
		return it.n
	}
	n, err := decodeRecord(it.in, it.rec)
	if err != nil { // only what encodeRecord wrote is read
		panic(err)
	}
	n.seq = it.seq
	if len(n.Attempts) == 0 {
		n.Attempts = nil // as a copy of a pending one has them
	}
	return n
}

// placeLocked keeps n at its position: packed in hot while not final,
// else as a record. The lock is held; n is the outbox's from now on when
// hot.
func (o *Outbox) placeLocked(n *Notification) {
	old, _ := o.ledger.Get(n.seq)
	if old != 0 {
		o.arena.remove(old)
	}
	if !n.Final() {
		n.pack()
		o.hot[n.seq] = n
		o.ledger.Set(n.seq, 0)
		return
	}
	delete(o.hot, n.seq)
	n.unpack()
	o.buf = encodeRecord(o.interns, n, o.buf)
	o.ledger.Set(n.seq, o.arena.put(o.buf))
	if cap(o.buf) > 64<<10 {
		o.buf = nil
	}
}

// indexLocked files n in the outbox. The lock is held.
func (o *Outbox) indexLocked(n *Notification) {
	n.seq = o.ledger.Add(0)
	o.placeLocked(n)
	if v, ok := idNumber(n.ID); ok {
		o.ids[v] = n.seq
	} else {
		o.oddIDs[n.ID] = n.seq
	}
	o.counts[n.State]++
	if n.Final() {
		o.finished++
		o.ledger.Final(n.seq)
	} else {
		o.pendingLocked(n)
	}
	o.link(o.byOut, o.nextOut, n.OutTradeNo, n.seq)
	o.link(o.byNo, o.nextNo, n.TradeNo, n.seq)
}

// unindexLocked takes the notification at seq out of the outbox; h is its
// head (headOf). The lock is held.
func (o *Outbox) unindexLocked(seq uint64, h *Notification) {
	if ref, _ := o.ledger.Get(seq); ref != 0 {
		o.arena.remove(ref)
	}
	o.ledger.Remove(seq)
	delete(o.hot, seq)
	delete(o.untold, seq)
	if v, ok := idNumber(h.ID); ok {
		if o.ids[v] == seq {
			delete(o.ids, v)
		}
	} else if o.oddIDs[h.ID] == seq {
		delete(o.oddIDs, h.ID)
	}
	if o.counts[h.State]--; o.counts[h.State] <= 0 {
		delete(o.counts, h.State)
	}
	if h.Final() {
		o.finished--
	}
	o.unlink(o.byOut, o.nextOut, h.OutTradeNo, seq)
	o.unlink(o.byNo, o.nextNo, h.TradeNo, seq)
	o.compactLocked()
}

// compactLocked copies the records into fresh slabs when most of the
// arena's bytes are records gone. The lock is held.
func (o *Outbox) compactLocked() {
	if !o.arena.wasteful() {
		return
	}
	old := o.arena
	o.arena = newArena()
	o.ledger.Rewrite(func(_ uint64, ref uint64) uint64 {
		if ref == 0 {
			return 0
		}
		return o.arena.put(old.get(ref))
	})
}

// link appends seq to the chain of key k (chains stay in the outbox's
// order); an empty key is not indexed (no filter asks for it).
func (o *Outbox) link(head, next map[uint64]uint64, k string, seq uint64) {
	if k == "" {
		return
	}
	h := maphash.String(o.seed, k)
	p, ok := head[h]
	if !ok {
		head[h] = seq
		return
	}
	for {
		n, ok := next[p]
		if !ok {
			break
		}
		p = n
	}
	next[p] = seq
}

func (o *Outbox) unlink(head, next map[uint64]uint64, k string, seq uint64) {
	if k == "" {
		return
	}
	h := maphash.String(o.seed, k)
	p, ok := head[h]
	if !ok {
		return
	}
	after, more := next[seq]
	if p == seq {
		if more {
			head[h] = after
			delete(next, seq)
		} else {
			delete(head, h)
		}
		return
	}
	for {
		n, ok := next[p]
		if !ok {
			return
		}
		if n == seq {
			if more {
				next[p] = after
				delete(next, seq)
			} else {
				delete(next, p)
			}
			return
		}
		p = n
	}
}

// chain is the positions in the chain of k, oldest first.
func (o *Outbox) chain(head, next map[uint64]uint64, k string) []uint64 {
	var out []uint64
	for s, ok := head[maphash.String(o.seed, k)]; ok; s, ok = next[s] {
		out = append(out, s)
	}
	return out
}

// add keeps a new notification and returns once it is on disk (with
// --data), with the write's error: the change that made it is answered
// only then, and not as done when the write failed.
func (o *Outbox) add(n *Notification) error {
	o.mu.Lock()
	o.indexLocked(n)
	if n.event > 0 && o.store != nil {
		o.untold[n.seq] = told{n.event, n.packet, n.transfer}
	}
	n.event = 0 // kept in untold until a write clears the mark
	wait := o.writeLocked(n, true)
	gone := o.boundLocked(n.seq)
	o.evictLocked()
	o.mu.Unlock()
	defer o.tellGivenUp(gone)
	err := wait()
	o.mu.Lock()
	switch {
	case err == nil:
		delete(o.untold, n.seq) // the mark went with it
	case o.shared || errors.Is(err, ErrToldElsewhere):
		// Not stored, and no replica will attempt it (the shared schedule
		// is the database's): out of memory too. The mark stays for the
		// sweep, or another notification already tells the event.
		if seq, ok := o.seqOf(n.ID); ok && seq == n.seq {
			o.unindexLocked(seq, o.headLocked(seq))
		}
	}
	o.wakeLocked(n) // waiters wake to what is on disk
	o.mu.Unlock()
	return err
}

// update changes a notification under the lock; false if it is gone. f
// sees the notification packed, Params and Body empty, when it is pending,
// and unpacked when it is final: it may set them (a new form) or leave
// them. The write is queued, not waited for: an attempt is acknowledged by
// the run of the scheduler that made it (the clock advance's answer),
// which waits for the store (mock/persist.go), and readers wait too
// (sync).
func (o *Outbox) update(id string, f func(n *Notification)) bool {
	var gone []Notification
	defer func() { o.tellGivenUp(gone) }() // after the unlock
	o.mu.Lock()
	defer o.mu.Unlock()
	seq, ok := o.seqOf(id)
	if !ok {
		return false
	}
	n, ok := o.hot[seq]
	if !ok {
		if n, ok = o.loadLocked(seq); !ok {
			return false
		}
	}
	was, state, flew := n.Final(), n.State, n.flying
	before := n.Attempts[:len(n.Attempts):len(n.Attempts)]
	f(n)
	if n.Params == nil && n.packed && len(n.Attempts) != len(before) {
		// New attempts but the same form: unpack it against the attempts
		// it was packed with, then pack it against the new ones.
		after := n.Attempts
		n.Attempts = before
		n.unpack()
		n.Attempts = after
	}
	n.pack() // f set a new form, or the one unpacked above; else it stays packed
	if n.State != state {
		if o.counts[state]--; o.counts[state] <= 0 {
			delete(o.counts, state)
		}
		o.counts[n.State]++
	}
	now := n.Final()
	switch {
	case now && !was:
		o.finished++
		o.ledger.Final(n.seq)
	case was && !now:
		o.finished--
		o.ledger.Unfinal(n.seq)
		o.pendingLocked(n)
	}
	o.placeLocked(n)
	wait := o.writeLocked(n, false)
	if o.shared {
		// An attempt's write-back, made at once: when the store did not
		// apply it, its copy replaces this one, or none does.
		var nh *NotHeld
		if errors.As(wait(), &nh) {
			o.unindexLocked(n.seq, o.headLocked(n.seq))
			if nh.Stored == nil {
				o.wakeLocked(nil)
				return true
			}
			c := nh.Stored.clone()
			c.gen = n.gen
			o.indexLocked(&c)
			o.evictLocked()
			o.wakeLocked(&c)
			return true
		}
	}
	o.forgetWhenStored(n.seq, wait)
	switch {
	case was && !now:
		gone = o.boundLocked(n.seq)
	case flew > n.flying && !now:
		gone = o.boundLocked(0) // the bound passed over it while in flight
	}
	o.evictLocked()
	o.compactLocked()
	o.wakeLocked(n)
	return true
}

// evictLocked drops final notifications past keep, those that became
// final longest ago first, from the store too. The lock is held.
func (o *Outbox) evictLocked() {
	if o.keep <= 0 || o.finished <= o.keep {
		return
	}
	var gone []Notification
	for o.finished > o.keep {
		seq, ref, ok := o.ledger.NextFinal()
		if !ok {
			break
		}
		h := o.headOf(seq, ref)
		c := *h
		if t, ok := o.untold[seq]; ok { // its mark goes with it (Told)
			c.event, c.packet, c.transfer = t.event, t.packet, t.transfer
		}
		o.unindexLocked(seq, h)
		if o.store != nil {
			gone = append(gone, c)
		}
	}
	if o.store != nil && len(gone) > 0 {
		_ = o.store.RemoveNotifications(gone) // the store reports failures
	}
}

// Get returns one notification.
func (o *Outbox) Get(id string) (Notification, bool) {
	o.sync()
	c, ok := o.get(id)
	if !ok {
		return Notification{}, false
	}
	return c.view(), true
}

// has reports whether the outbox holds the notification id, without
// waiting for the store or reading it.
func (o *Outbox) has(id string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, ok := o.seqOf(id)
	return ok
}

// takeOff marks attempt gen of the notification id as in flight, if it
// is still pending and that attempt still stands: the pending bound
// passes over it until the attempt's write-back (landed) clears the mark.
func (o *Outbox) takeOff(id string, gen int) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	seq, ok := o.seqOf(id)
	n := o.hot[seq]
	if !ok || n == nil || n.State != Pending || n.gen != gen {
		return false
	}
	n.flying++
	return true
}

// landed clears one in-flight mark (takeOff) of n; call it in the
// attempt's write-back (update).
func (n *Notification) landed() {
	if n.flying > 0 {
		n.flying--
	}
}

// get is Get without the attempts' bodies, for the notifier.
func (o *Outbox) get(id string) (Notification, bool) {
	o.mu.Lock()
	seq, ok := o.seqOf(id)
	var it item
	if ok {
		ref, _ := o.ledger.Get(seq)
		it = o.itemOf(seq, ref, o.hot[seq])
	}
	o.mu.Unlock()
	if !ok {
		return Notification{}, false
	}
	return o.read(it), true
}

// copyLocked is a copy of n that shares nothing it can change, still
// packed (unpack it outside the lock). The lock is held.
func (n *Notification) copyLocked() Notification {
	c := *n
	c.Attempts = append([]Attempt(nil), n.Attempts...)
	if n.NextAttempt != nil {
		t := *n.NextAttempt
		c.NextAttempt = &t
	}
	return c
}

// List returns the notifications matching f, oldest first.
func (o *Outbox) List(f Filter) []Notification {
	list, _ := o.Page(f, 0, 0, false)
	return list
}

// Page returns up to limit notifications matching f made after the one at
// position at (0: from the first), oldest first, or with newest made
// before it, newest first; and the position to pass as at for the next
// page: 0 when there is none. A filter by out_trade_no or trade_no reads
// only that trade's notifications, one by state pending only the pending
// ones (the outbox's indexes); the page is
// copied under the lock and read outside it.
func (o *Outbox) Page(f Filter, at uint64, limit int, newest bool) ([]Notification, uint64) {
	o.sync()
	var items []item
	var next uint64
	if f.TradeNo != "" || f.OutTradeNo != "" || f.State == Pending {
		o.mu.Lock()
		items, next = o.pageLocked(f, at, limit, newest)
		o.mu.Unlock()
	} else {
		items, next = o.walk(f, at, limit, newest)
	}
	list := make([]Notification, len(items))
	for i, it := range items {
		n := o.read(it)
		list[i] = n.view()
	}
	return list, next
}

func (o *Outbox) pageLocked(f Filter, at uint64, limit int, newest bool) ([]item, uint64) {
	out := []item{}
	var next uint64
	visit := func(seq, ref uint64) bool {
		h := o.headOf(seq, ref)
		if h == nil || !f.match(h) {
			return true
		}
		if limit > 0 && len(out) == limit {
			next = out[len(out)-1].seq
			return false
		}
		out = append(out, o.itemOf(seq, ref, h))
		return true
	}
	var chain []uint64
	in := func(seq uint64) bool { return newest && (at == 0 || seq < at) || !newest && seq > at }
	switch {
	case f.TradeNo != "":
		chain = o.chain(o.byNo, o.nextNo, f.TradeNo)
	case f.OutTradeNo != "":
		chain = o.chain(o.byOut, o.nextOut, f.OutTradeNo)
	case f.State == Pending:
		for seq, n := range o.hot {
			if n.State == Pending {
				chain = append(chain, seq)
			}
		}
		slices.Sort(chain)
	default:
		o.ledger.Walk(at, newest, func(seq, ref uint64) bool { return visit(seq, ref) })
		return out, next
	}
	chain = slices.DeleteFunc(chain, func(seq uint64) bool { return !in(seq) })
	if newest {
		slices.Reverse(chain)
	}
	for _, seq := range chain {
		ref, ok := o.ledger.Get(seq)
		if ok && !visit(seq, ref) {
			break
		}
	}
	return out, next
}

// chunk is how many notifications a walk reads under the lock at a time.
const chunk = 256

// walk is a page read through the outbox's order, at most chunk
// notifications under the lock at a time, so a filter that matches few
// does not hold up the notifier and the books' observers while it reads.
func (o *Outbox) walk(f Filter, at uint64, limit int, newest bool) ([]item, uint64) {
	out := []item{}
	var next uint64
	for done := false; !done && next == 0; {
		o.mu.Lock()
		seen := 0
		done = true
		o.ledger.Walk(at, newest, func(seq, ref uint64) bool {
			if seen == chunk {
				done = false
				return false
			}
			seen++
			at = seq
			h := o.headOf(seq, ref)
			if h == nil || !f.match(h) {
				return true
			}
			if limit > 0 && len(out) == limit {
				next = out[len(out)-1].seq
				return false
			}
			out = append(out, o.itemOf(seq, ref, h))
			return true
		})
		o.mu.Unlock()
	}
	return out, next
}

// Wait returns the notifications matching f as soon as there are at
// least count of them (at least one when count < 1), or what there is
// (possibly too few) when ctx ends: a long poll, so tests never sleep.
func (o *Outbox) Wait(ctx context.Context, f Filter, count int) []Notification {
	list, _ := o.WaitPage(ctx, f, 0, 0, count)
	return list
}

// WaitPage is Wait for one page (see Page): it returns as soon as the page
// holds count notifications, or is full when limit is below count. It
// looks again only when a notification f matches changes.
func (o *Outbox) WaitPage(ctx context.Context, f Filter, after uint64, limit, count int) ([]Notification, uint64) {
	count = max(count, 1)
	if limit > 0 {
		count = min(count, limit)
	}
	var list []Notification
	var next uint64
	o.waitOn(ctx, &f, func() bool {
		list, next = o.Page(f, after, limit, false)
		return len(list) >= count
	})
	return list, next
}

// WaitFunc calls done now and after every change to the outbox until it
// reports true or ctx ends, and reports whether it did. done may read the
// outbox. Tests wait with it for what a filter cannot say, such as a
// number of attempts.
func (o *Outbox) WaitFunc(ctx context.Context, done func() bool) bool {
	return o.waitOn(ctx, nil, done)
}

func (o *Outbox) waitOn(ctx context.Context, f *Filter, done func() bool) bool {
	w := o.watch(f) // first: a change while done runs is not missed
	defer o.unwatch(w)
	for {
		if done() {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-w.ch:
		}
	}
}

// Clear forgets the notifications of one app, or all, in the store too;
// the untold marks no write of them cleared go in the same change, so
// the next start does not make them again. last reads the number of the
// last id handed out; it is read under the outbox's lock, after any
// notification the clear takes had its id.
func (o *Outbox) Clear(app string, last func() int64) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	marked := o.dropLocked(app)
	var err error
	if o.store != nil {
		err = o.store.DeleteNotifications(app, marked, last())
	}
	o.wakeLocked(nil)
	return err
}

// dropLocked takes every notification, or one app's, out of memory and
// the indexes, and returns those whose event is still marked untold
// (Told). The lock is held.
func (o *Outbox) dropLocked(app string) (marked []Notification) {
	type one struct {
		seq uint64
		h   *Notification
	}
	var gone []one
	o.ledger.Each(0, func(seq, ref uint64) bool {
		if h := o.headOf(seq, ref); h != nil && (app == "" || h.AppID == app) {
			gone = append(gone, one{seq, h})
		}
		return true
	})
	for _, g := range gone {
		if t, ok := o.untold[g.seq]; ok {
			c := *g.h
			c.event, c.packet, c.transfer = t.event, t.packet, t.transfer
			marked = append(marked, c)
		}
		o.unindexLocked(g.seq, g.h)
	}
	if len(o.hot) == 0 {
		o.rebuildPendingLocked()
	}
	if o.finished == 0 && o.interns.n > 0 {
		// No record points into the shared strings: a new table, so a
		// reset frees what the old one held (up to maxSharedBytes).
		o.interns = &interns{}
	}
	return marked
}

// Shared is how many strings the final notifications' records share,
// and their bytes (GET /_mock/memory).
func (o *Outbox) Shared() (n int, size int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return int(o.interns.n), o.interns.bytes
}

// Counts is the number of notifications in each state, from counters kept
// as notifications change.
func (o *Outbox) Counts() map[State]int {
	o.mu.Lock()
	defer o.mu.Unlock()
	c := make(map[State]int, len(o.counts))
	for s, n := range o.counts {
		c[s] = n
	}
	return c
}
