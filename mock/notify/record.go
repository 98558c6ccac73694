package notify

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
)

// A final notification (delivered, given up, suppressed) is kept as one
// record: bytes in a large slab shared with other records (arena), holding
// no pointers, so a million of them cost what their bytes cost and the
// collector has nothing in them to mark. Read, a record decodes to the
// Notification that was put in, byte for byte (TestRecordReadsBackWhatWasPut).
//
// Strings are written by value (values.put): the strings many
// notifications share (kind, event, state, URL, charset, app_id, the
// "success" answer, the usual form values) as an index into the outbox's
// table of them (interns), form times (gmt_create) as seconds, digit
// strings (trade_no, notify_id) as two digits a byte, amounts as cents,
// and a form value equal to the notification's own notify_id, app_id,
// out_trade_no, trade_no, or the last attempt's notify_time or sign as a
// reference to it. The time field of each attempt is derived from when
// it was made where it is the one the notifier writes, signatures are
// kept as their bytes and the body as nothing where it is the form
// encoded in its charset.

// value tags: the low 3 bits of a value's first varint.
const (
	tagInline = iota // payload: length, then the bytes
	tagShared        // payload: index in the interns
	tagRef           // payload: one of the refs below
	tagTime          // payload: seconds after timeBase, as timestamp.Format writes them
	tagDigits        // payload: length, then two digits a byte
	tagCents         // payload: an amount in cents, written "I.DD"
)

// refs of a form value to a string the record holds before its form.
const (
	refNotifyID = iota
	refAppID
	refOutTradeNo
	refTradeNo
	refTime // the last attempt's notify_time (utc_timestamp)
	refSign // the last attempt's sign
	nRefs
)

const timeBase = 946684800 // 2000-01-01T00:00:00Z

// interns is the table of shared strings records point into: written
// under the outbox's lock, never changed once written, so a record copied
// under the lock decodes outside it (against the table it was copied
// with: the outbox starts a new one when no record is left). Each class (a form key, or a header
// field) shares at most perClass strings, so values that turn out unique
// fill it only to that bound and are then written in full.
type interns struct {
	index  map[string]uint32
	chunks [internChunks]*[internChunk]string
	n      uint32
	bytes  int64       // of the strings shared
	per    map[int]int // strings shared per class
	locs   [16]*time.Location
	nlocs  int
}

const (
	internChunk    = 1024
	internChunks   = 256 // at most 262,144 shared strings
	perClass       = 4096
	maxShared      = 512     // longer strings are never shared
	maxSharedBytes = 4 << 20 // nor any once the table holds this much
)

// classes of header strings (form keys are their packKeys index, 1…127).
const (
	classHeader = 200 + iota
	classURL
	classAnswer
	classError
)

func (in *interns) get(i uint32) string { return in.chunks[i/internChunk][i%internChunk] }

// lookup is the index of s, sharing it if its class has room.
func (in *interns) lookup(class int, s string) (uint32, bool) {
	if i, ok := in.index[s]; ok {
		return i, true
	}
	if len(s) > maxShared || in.n >= internChunk*internChunks || in.per[class] >= perClass || in.bytes+int64(len(s)) > maxSharedBytes {
		return 0, false
	}
	if in.index == nil {
		in.index, in.per = map[string]uint32{}, map[int]int{}
	}
	c := in.n / internChunk
	if in.chunks[c] == nil {
		in.chunks[c] = new([internChunk]string)
	}
	s = strings.Clone(s) // not a piece of the form it was cut from
	in.chunks[c][in.n%internChunk] = s
	in.index[s] = in.n
	in.per[class]++
	in.bytes += int64(len(s))
	in.n++
	return in.n - 1, true
}

// sharedKeys are the form keys whose values many notifications share.
var sharedKeys = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range []string{"notify_type", "app_id", "auth_app_id", "version", "charset", "sign_type", "trade_status",
		"seller_id", "seller_email", "subject", "body", "passback_params", "point_amount", "fund_bill_list",
		"voucher_detail_list", "msg_method", "operation_type", "status", "order_title", "extra_param"} {
		m[k] = true
	}
	return m
}()

// encoder writes one record.
type encoder struct {
	b    []byte
	in   *interns
	refs [nRefs]string
}

func (e *encoder) uv(v uint64) { e.b = binary.AppendUvarint(e.b, v) }

func (e *encoder) tagged(tag int, payload uint64) { e.uv(payload<<3 | uint64(tag)) }

// str writes s; share says whether it may go in the interns (class).
func (e *encoder) str(class int, share bool, s string) {
	if share {
		if i, ok := e.in.lookup(class, s); ok {
			e.tagged(tagShared, uint64(i))
			return
		}
	}
	if sec, ok := formTime(s); ok {
		e.tagged(tagTime, sec)
		return
	}
	if c, ok := cents(s); ok {
		e.tagged(tagCents, c)
		return
	}
	if digits(s) {
		e.tagged(tagDigits, uint64(len(s)))
		for i := 0; i < len(s); i += 2 {
			d := (s[i] - '0') << 4
			if i+1 < len(s) {
				d |= s[i+1] - '0'
			}
			e.b = append(e.b, d)
		}
		return
	}
	e.tagged(tagInline, uint64(len(s)))
	e.b = append(e.b, s...)
}

// value writes a form value: a reference where it is a string the record
// already holds.
func (e *encoder) value(class int, share bool, s string) {
	for r, v := range e.refs {
		if v != "" && v == s {
			e.tagged(tagRef, uint64(r))
			return
		}
	}
	e.str(class, share, s)
}

func formTime(s string) (uint64, bool) {
	if len(s) != len(timestamp.Layout) {
		return 0, false
	}
	t, err := time.ParseInLocation(timestamp.Layout, s, timestamp.Zone)
	if err != nil || t.Unix() < timeBase || timestamp.Format(t) != s {
		return 0, false
	}
	return uint64(t.Unix() - timeBase), true
}

// cents is s as an amount in cents when amount.String writes it back as s
// exactly (so the record reads back the same bytes).
func cents(s string) (uint64, bool) {
	a, err := amount.Parse(s)
	if err != nil || a < 0 || a.String() != s {
		return 0, false
	}
	return uint64(a), true
}

func digits(s string) bool {
	if len(s) < 4 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// when writes a time: seconds, nanoseconds and location, which comes back
// as the same *time.Location for UTC, Local and the first few others.
func (e *encoder) when(t time.Time) {
	sec := t.Unix()
	e.uv(uint64(sec<<1 ^ sec>>63)) // zigzag
	e.uv(uint64(t.Nanosecond()))
	loc := t.Location()
	switch {
	case loc == time.UTC:
		e.uv(0)
		return
	case loc == time.Local:
		e.uv(1)
		return
	}
	for i := 0; i < e.in.nlocs; i++ {
		if e.in.locs[i] == loc {
			e.uv(uint64(3 + i))
			return
		}
	}
	if e.in.nlocs < len(e.in.locs) {
		e.in.locs[e.in.nlocs] = loc
		e.in.nlocs++
		e.uv(uint64(3 + e.in.nlocs - 1))
		return
	}
	name, off := t.Zone() // a zone like the others: kept as the fixed zone in force
	e.uv(2)
	e.str(classHeader, true, name)
	e.uv(uint64(int64(off)<<1 ^ int64(off)>>63))
}

// record flags.
const (
	fIDNum       = 1 << iota // ntf_%06d: the number
	fKey                     // a scheduler key of its own
	fNext                    // NextAttempt set
	fBadSig                  // signatures that do not verify
	fRawBody                 // a body that is not the form encoded
	fNilParams               // Params nil
	fNilAtts                 // Attempts nil
	fReason                  // Reason set
	fMade                    // madeAt set, not Created: written
	fMadeCreated             // madeAt is Created
)

// attempt flags.
const (
	aN       = 1 << iota // N is not its position
	aOK                  // OK
	aTime                // NotifyTime is not the one derived from At
	aRawSign             // Sign kept as the bytes of its base64
	aBody                // Body kept
	aFloat               // LatencyMS is not whole microseconds
)

// encodeRecord writes n, unpacked, as a record.
func encodeRecord(in *interns, n *Notification, buf []byte) []byte {
	e := encoder{b: buf[:0], in: in}
	var flags uint64
	idNum, idOK := idNumber(n.ID)
	if idOK {
		flags |= fIDNum
	}
	key := n.key
	if key == n.AppID+"|"+n.OutTradeNo {
		key = ""
	}
	if key != "" {
		flags |= fKey
	}
	if n.NextAttempt != nil {
		flags |= fNext
	}
	if n.badSig {
		flags |= fBadSig
	}
	if n.Params == nil {
		flags |= fNilParams
	}
	if n.Attempts == nil {
		flags |= fNilAtts
	}
	if n.Reason != "" {
		flags |= fReason
	}
	switch {
	case n.madeAt == n.Created && !n.madeAt.IsZero():
		flags |= fMadeCreated
	case !n.madeAt.IsZero():
		flags |= fMade
	}
	if enc, err := sign.EncodeForm(n.Params, sign.Charset(n.Charset)); err != nil || enc != n.Body {
		flags |= fRawBody
	}
	e.uv(flags)
	if idOK {
		e.uv(idNum)
	} else {
		e.str(classHeader, false, n.ID)
	}
	e.str(classHeader, true, string(n.State))
	e.str(classHeader, true, n.Kind)
	e.str(classHeader, true, n.AppID)
	e.str(classHeader, false, n.OutTradeNo)
	e.str(classHeader, false, n.TradeNo)
	e.str(classHeader, false, n.NotifyID)
	e.str(classHeader, true, n.Event)
	e.str(classHeader, true, n.TradeStatus)
	e.str(classURL, true, n.URL)
	e.str(classHeader, true, n.Charset)
	e.when(n.Created)
	e.uv(uint64(n.round))
	e.uv(uint64(n.gen))
	if key != "" {
		e.str(classHeader, false, key)
	}
	if n.NextAttempt != nil {
		e.when(*n.NextAttempt)
	}
	if n.Reason != "" {
		e.str(classHeader, true, n.Reason)
	}
	if flags&fMade != 0 {
		e.when(n.madeAt)
	}
	e.uv(uint64(len(n.Attempts)))
	tf := timeField(n.Kind)
	for i := range n.Attempts {
		a := &n.Attempts[i]
		var af uint64
		if a.N != i+1 {
			af |= aN
		}
		if a.OK {
			af |= aOK
		}
		if a.NotifyTime != attemptTime(tf, a.At) {
			af |= aTime
		}
		raw, rawOK := rawSign(a)
		if rawOK {
			af |= aRawSign
		}
		if a.Body != "" {
			af |= aBody
		}
		us := int64(math.Round(a.LatencyMS * 1000))
		if a.LatencyMS < 0 || float64(us)/1000 != a.LatencyMS || math.Signbit(a.LatencyMS) {
			af |= aFloat
		}
		e.uv(af)
		if af&aN != 0 {
			e.uv(uint64(int64(a.N)<<1 ^ int64(a.N)>>63))
		}
		e.when(a.At)
		if af&aTime != 0 {
			e.str(classHeader, false, a.NotifyTime)
		}
		if rawOK {
			e.uv(uint64(len(raw)))
			e.b = append(e.b, raw...)
		} else {
			e.str(classHeader, false, a.Sign)
		}
		if af&aBody != 0 {
			e.str(classHeader, false, a.Body)
		}
		e.uv(uint64(int64(a.Status)<<1 ^ int64(a.Status)>>63))
		e.str(classAnswer, true, a.Response)
		if af&aFloat != 0 {
			e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(a.LatencyMS))
		} else {
			e.uv(uint64(us))
		}
		e.str(classError, true, a.Error)
	}
	if flags&fRawBody != 0 {
		e.str(classHeader, false, n.Body)
	}
	e.refs = [nRefs]string{refNotifyID: n.NotifyID, refAppID: n.AppID, refOutTradeNo: n.OutTradeNo, refTradeNo: n.TradeNo}
	if len(n.Attempts) > 0 {
		last := n.Attempts[len(n.Attempts)-1]
		e.refs[refTime], e.refs[refSign] = last.NotifyTime, last.Sign
	}
	keys := make([]string, 0, len(n.Params))
	for k := range n.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	e.uv(uint64(len(keys)))
	for _, k := range keys {
		class := 0
		if i, ok := packIndex[k]; ok {
			e.b = append(e.b, i)
			class = int(i)
		} else {
			e.b = append(e.b, 0)
			e.uv(uint64(len(k)))
			e.b = append(e.b, k...)
		}
		e.value(class, sharedKeys[k], n.Params[k])
	}
	return e.b
}

// attemptTime is the time field the notifier writes in an attempt made at.
func attemptTime(tf string, at time.Time) string {
	if tf == "utc_timestamp" {
		return strconv.FormatInt(at.UnixMilli(), 10)
	}
	return timestamp.Format(at)
}

// rawSign is an attempt's signature as its bytes, when its base64 is the
// standard encoding of them.
func rawSign(a *Attempt) ([]byte, bool) {
	if a.Sign == "" {
		return nil, false
	}
	if a.rawSign {
		return []byte(a.Sign), true
	}
	raw, err := base64.StdEncoding.DecodeString(a.Sign)
	if err != nil || base64.StdEncoding.EncodeToString(raw) != a.Sign {
		return nil, false
	}
	return raw, true
}

// idNumber is n of an id ntf_%06d.
func idNumber(id string) (uint64, bool) {
	const p = "ntf_"
	if len(id) < len(p)+6 || id[:len(p)] != p || (id[len(p)] == '0' && len(id) > len(p)+6) {
		return 0, false
	}
	var v uint64
	for _, c := range id[len(p):] {
		if c < '0' || c > '9' || v > math.MaxUint64/10-1 {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}

func formatID(v uint64) string {
	s := strconv.FormatUint(v, 10)
	for len(s) < 6 {
		s = "0" + s
	}
	return "ntf_" + s
}

var errRecord = errors.New("notification record: corrupt")

// decoder reads one record.
type decoder struct {
	b    []byte
	in   *interns
	err  error
	refs [nRefs]string
}

func (d *decoder) uv() uint64 {
	v, w := binary.Uvarint(d.b)
	if w <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[w:]
	return v
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errRecord
	}
	d.b = nil
}

func (d *decoder) bytes(n uint64) []byte {
	if n > uint64(len(d.b)) {
		d.fail()
		return nil
	}
	b := d.b[:n]
	d.b = d.b[n:]
	return b
}

func (d *decoder) sint() int64 {
	v := d.uv()
	return int64(v>>1) ^ -int64(v&1)
}

func (d *decoder) str() string {
	v := d.uv()
	tag, p := int(v&7), v>>3
	switch tag {
	case tagInline:
		return string(d.bytes(p))
	case tagShared:
		// Not checked against in.n, which the outbox's lock guards: a
		// record read outside it only points at entries written before it.
		if p >= internChunk*internChunks || d.in.chunks[p/internChunk] == nil {
			d.fail()
			return ""
		}
		return d.in.get(uint32(p))
	case tagRef:
		if p >= nRefs {
			d.fail()
			return ""
		}
		return d.refs[p]
	case tagTime:
		return timestamp.Format(time.Unix(int64(p)+timeBase, 0))
	case tagCents:
		if p > math.MaxInt64 {
			d.fail()
			return ""
		}
		return amount.Amount(p).String()
	case tagDigits:
		b := d.bytes((p + 1) / 2)
		if b == nil && p > 0 {
			return ""
		}
		out := make([]byte, p)
		for i := range out {
			c := b[i/2]
			if i%2 == 0 {
				c >>= 4
			}
			out[i] = '0' + c&15
		}
		return string(out)
	}
	d.fail()
	return ""
}

func (d *decoder) when() time.Time {
	sec := d.sint()
	nsec := d.uv()
	var loc *time.Location
	switch l := d.uv(); {
	case l == 0:
		loc = time.UTC
	case l == 1:
		loc = time.Local
	case l == 2:
		name := d.str()
		loc = time.FixedZone(name, int(d.sint()))
	case l-3 < uint64(len(d.in.locs)) && d.in.locs[l-3] != nil:
		loc = d.in.locs[l-3]
	default:
		d.fail()
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).In(loc)
}

// decodeHead reads what identifies a notification and where it stands:
// everything but its attempts and form. d is left before the attempts.
func decodeHead(d *decoder, n *Notification) uint64 {
	flags := d.uv()
	if flags&fIDNum != 0 {
		n.ID = formatID(d.uv())
	} else {
		n.ID = d.str()
	}
	n.State = State(d.str())
	n.Kind = d.str()
	n.AppID = d.str()
	n.OutTradeNo = d.str()
	n.TradeNo = d.str()
	n.NotifyID = d.str()
	n.Event = d.str()
	n.TradeStatus = d.str()
	n.URL = d.str()
	n.Charset = d.str()
	n.Created = d.when()
	n.round = int(d.uv())
	n.gen = int(d.uv())
	if flags&fKey != 0 {
		n.key = d.str()
	}
	if flags&fNext != 0 {
		t := d.when()
		n.NextAttempt = &t
	}
	if flags&fReason != 0 {
		n.Reason = d.str()
	}
	switch {
	case flags&fMade != 0:
		n.madeAt = d.when()
	case flags&fMadeCreated != 0:
		n.madeAt = n.Created
	}
	n.badSig = flags&fBadSig != 0
	return flags
}

// decodeRecord reads a record whole: the notification as it was put in,
// unpacked.
func decodeRecord(in *interns, b []byte) (Notification, error) {
	d := decoder{b: b, in: in}
	var n Notification
	flags := decodeHead(&d, &n)
	count := d.uv()
	if count > uint64(len(d.b)) {
		return Notification{}, errRecord
	}
	if flags&fNilAtts == 0 {
		n.Attempts = make([]Attempt, count)
	}
	tf := timeField(n.Kind)
	for i := 0; i < int(count) && d.err == nil; i++ {
		var a Attempt
		af := d.uv()
		a.N = i + 1
		if af&aN != 0 {
			a.N = int(d.sint())
		}
		a.OK = af&aOK != 0
		a.At = d.when()
		if af&aTime != 0 {
			a.NotifyTime = d.str()
		} else {
			a.NotifyTime = attemptTime(tf, a.At)
		}
		if af&aRawSign != 0 {
			a.Sign = base64.StdEncoding.EncodeToString(d.bytes(d.uv()))
		} else {
			a.Sign = d.str()
		}
		if af&aBody != 0 {
			a.Body = d.str()
		}
		a.Status = int(d.sint())
		a.Response = d.str()
		if af&aFloat != 0 {
			a.LatencyMS = math.Float64frombits(binary.LittleEndian.Uint64(d.bytes(8)))
		} else {
			a.LatencyMS = float64(d.uv()) / 1000
		}
		a.Error = d.str()
		if n.Attempts != nil {
			n.Attempts[i] = a
		}
	}
	if flags&fRawBody != 0 {
		n.Body = d.str()
	}
	d.refs = [nRefs]string{refNotifyID: n.NotifyID, refAppID: n.AppID, refOutTradeNo: n.OutTradeNo, refTradeNo: n.TradeNo}
	if len(n.Attempts) > 0 {
		last := n.Attempts[len(n.Attempts)-1]
		d.refs[refTime], d.refs[refSign] = last.NotifyTime, last.Sign
	}
	np := d.uv()
	if np > uint64(len(d.b)) {
		return Notification{}, errRecord
	}
	if flags&fNilParams == 0 {
		n.Params = make(map[string]string, np)
	}
	for i := 0; i < int(np) && d.err == nil; i++ {
		var k string
		kb := d.bytes(1)
		switch {
		case kb == nil:
		case kb[0] != 0 && int(kb[0]) <= len(packKeys):
			k = packKeys[kb[0]-1]
		case kb[0] == 0:
			k = string(d.bytes(d.uv()))
		default:
			d.fail()
		}
		v := d.str()
		if n.Params != nil {
			n.Params[k] = v
		}
	}
	if d.err != nil {
		return Notification{}, d.err
	}
	if flags&fRawBody == 0 {
		n.Body, _ = sign.EncodeForm(n.Params, sign.Charset(n.Charset))
	}
	return n, nil
}

// arena holds the records in slabs: a record is its length, then its
// bytes, at a ref (slab+1)<<32 | offset. A slab whose records are all gone
// is dropped; when more than half the bytes are gone the outbox copies what
// is left into fresh slabs (compact).
type arena struct {
	slabs [][]byte
	live  []int // bytes of live records per slab
	free  []int // dropped slabs' numbers, for reuse
	cur   int   // the slab being filled; -1 none
	used  int   // bytes of live records
	dead  int   // bytes of gone records in slabs still held
}

const slabSize = 256 << 10

func newArena() arena { return arena{cur: -1} }

func (a *arena) put(rec []byte) uint64 {
	need := binary.MaxVarintLen32 + len(rec)
	if a.cur < 0 || len(a.slabs[a.cur])+need > cap(a.slabs[a.cur]) {
		a.retire()
		s := make([]byte, 0, max(slabSize, need))
		if len(a.free) > 0 {
			a.cur = a.free[len(a.free)-1]
			a.free = a.free[:len(a.free)-1]
			a.slabs[a.cur], a.live[a.cur] = s, 0
		} else {
			a.cur = len(a.slabs)
			a.slabs, a.live = append(a.slabs, s), append(a.live, 0)
		}
	}
	s := a.slabs[a.cur]
	off := len(s)
	s = binary.AppendUvarint(s, uint64(len(rec)))
	s = append(s, rec...)
	a.slabs[a.cur] = s
	size := len(s) - off
	a.live[a.cur] += size
	a.used += size
	return uint64(a.cur+1)<<32 | uint64(off)
}

// retire stops filling the current slab, dropping it if nothing in it lives.
func (a *arena) retire() {
	if a.cur >= 0 && a.live[a.cur] == 0 {
		a.drop(a.cur)
	}
	a.cur = -1
}

func (a *arena) drop(i int) {
	a.dead -= len(a.slabs[i])
	a.slabs[i], a.live[i] = nil, 0
	a.free = append(a.free, i)
}

// get is the record at ref (shared with the slab: copy what is kept).
func (a *arena) get(ref uint64) []byte {
	s := a.slabs[ref>>32-1][ref&math.MaxUint32:]
	l, w := binary.Uvarint(s)
	return s[w : w+int(l)]
}

// remove marks the record at ref gone.
func (a *arena) remove(ref uint64) {
	i := int(ref>>32 - 1)
	s := a.slabs[i][ref&math.MaxUint32:]
	l, w := binary.Uvarint(s)
	size := w + int(l)
	a.live[i] -= size
	a.used -= size
	a.dead += size
	if a.live[i] == 0 && i != a.cur {
		a.drop(i)
	}
}

// wasteful reports whether compacting would free a good share of memory.
func (a *arena) wasteful() bool { return a.dead > 4<<20 && a.dead > a.used }
