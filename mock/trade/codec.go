package trade

import (
	"encoding/binary"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/sign"
	"github.com/alipay-mock/alipay-mock/fixtures"
)

// The book keeps each trade between calls as a compact record: a string of
// varints and bytes with no pointers inside (the collector never scans it),
// decoded into a Trade while a call works on it (cell.go). Strings many
// trades repeat (app ids, notify_url, method, charset, event details...)
// are numbers into the book's string table; the rest are written out.
// Rare, nested fields (goods, vouchers, refunds, syncs, settlements,
// royalty and settle info) stay Go values beside the record (extras).

// strTable numbers the strings many trades share, up to maxInterned of
// them; a record refers to one by its number. It only grows (a reset of
// every trade empties it), so a number stays valid while a record holds it.
type strTable struct {
	strs []string
	idx  map[string]uint32
}

func (s *strTable) reset() { s.strs, s.idx = nil, map[string]uint32{} }

// number is s's number, adding s while the table has room.
func (s *strTable) number(str string) (uint32, bool) {
	if i, ok := s.idx[str]; ok {
		return i, true
	}
	if len(s.strs) >= maxInterned {
		return 0, false
	}
	str = strings.Clone(str)
	i := uint32(len(s.strs))
	s.strs = append(s.strs, str)
	s.idx[str] = i
	return i, true
}

// locTable numbers the time zones the trades' times are in, by name and
// offset, so a time decodes in the zone it was kept in.
type locTable struct {
	locs []*time.Location
	idx  map[string]uint32
}

func (l *locTable) reset() { l.locs, l.idx = nil, map[string]uint32{} }

func (l *locTable) number(t time.Time) (uint32, bool) {
	loc := t.Location()
	name, off := t.Zone()
	// The key is made in a stack buffer: looking it up as string(key)
	// does not allocate, and a trade's every time is looked up.
	var buf [64]byte
	key := append(append(append(append(buf[:0], loc.String()...), 0), name...), 0)
	key = strconv.AppendInt(key, int64(off), 10)
	if i, ok := l.idx[string(key)]; ok {
		return i, true
	}
	if len(l.locs) >= maxInterned {
		return 0, false
	}
	i := uint32(len(l.locs))
	l.locs = append(l.locs, loc)
	l.idx[string(key)] = i
	return i, true
}

// extras are a trade's rare nested fields, kept as they are.
type extras struct {
	Goods       []Goods
	Vouchers    []Voucher
	Refunds     []Refund
	Syncs       []Sync
	Settlements []Settlement
	RoyaltyInfo []byte
	SettleInfo  []byte
}

// size is about the bytes x holds: its values and the text they point to
// (Book.Bytes). A nil x holds none.
func (x *extras) size() int {
	if x == nil {
		return 0
	}
	n := int(unsafe.Sizeof(*x)) + len(x.RoyaltyInfo) + len(x.SettleInfo)
	for _, g := range x.Goods {
		n += int(unsafe.Sizeof(g)) + len(g.GoodsID) + len(g.GoodsName) + len(g.GoodsCategory)
	}
	for _, v := range x.Vouchers {
		n += int(unsafe.Sizeof(v)) + len(v.ID) + len(v.Name) + len(v.Type)
	}
	for _, r := range x.Refunds {
		n += int(unsafe.Sizeof(r)) + len(r.OutRequestNo) + len(r.Reason)
		for _, rb := range r.RoyaltyBack {
			n += int(unsafe.Sizeof(rb)) + len(rb.TransOut)
		}
	}
	for _, y := range x.Syncs {
		n += int(unsafe.Sizeof(y)) + len(y.OutRequestNo) + len(y.BizType) + len(y.OrderBizInfo) + len(y.OrigRequestNo)
	}
	for _, st := range x.Settlements {
		n += int(unsafe.Sizeof(st)) + len(st.SettleNo) + len(st.OutRequestNo) + len(st.Mode)
		for _, d := range st.Details {
			n += int(unsafe.Sizeof(d)) + len(d.DetailID) + len(d.TransIn) + len(d.TransInType) + len(d.Desc)
		}
	}
	return n
}

// flag bits of a record.
const (
	fScanned = 1 << iota
	fOpenID
	fPaid
	fClosed
	fFingerprint
	fRoyaltyInfoNil
	fSettleInfoNil
	fLogonDrawn
	fIDDrawn
	fRoyaltyFreeze
	fUnfrozen
)

// encoder writes records into a buffer the book reuses.
type encoder struct {
	buf  []byte
	strs *strTable
	locs *locTable
}

func (e *encoder) uv(x uint64) { e.buf = binary.AppendUvarint(e.buf, x) }
func (e *encoder) v(x int64)   { e.buf = binary.AppendVarint(e.buf, x) }

// lit writes s out: its length times two, then its bytes.
func (e *encoder) lit(s string) {
	e.uv(uint64(len(s)) << 1)
	e.buf = append(e.buf, s...)
}

// key writes s out and returns where its bytes are in the record: the
// book's indexes key the trade by these bytes (cell.go rekey).
func (e *encoder) key(s string) span {
	e.uv(uint64(len(s)) << 1)
	at := len(e.buf)
	e.buf = append(e.buf, s...)
	return span{at, len(e.buf)}
}

// span is where a string is in a record.
type span struct{ from, to int }

// keys are where a record holds the strings the book indexes it by.
type keys struct{ no, out, qr, page span }

// shared writes s as its number in the table (odd), or out when the table
// is full.
func (e *encoder) shared(s string) {
	if s == "" {
		e.uv(0)
		return
	}
	if i, ok := e.strs.number(s); ok {
		e.uv(uint64(i)<<1 | 1)
		return
	}
	e.lit(s)
}

// time writes 0 for the zero time, else its zone's number plus one
// (plus two and the zone written out when the table is full), seconds
// and nanoseconds.
func (e *encoder) time(t time.Time) {
	if t.IsZero() {
		e.uv(0)
		return
	}
	if i, ok := e.locs.number(t); ok {
		e.uv(uint64(i)<<1 | 1)
	} else {
		name, off := t.Zone()
		e.uv(2)
		e.lit(name)
		e.v(int64(off))
	}
	e.v(t.Unix())
	e.uv(uint64(t.Nanosecond()))
}

// encode appends t's record to e.buf (seq and the book's bookkeeping are
// the cell's) and returns t's rare fields, nil when it has none, and
// where its index keys are in the record.
func (e *encoder) encode(t *Trade) (*extras, keys) {
	var k keys
	e.shared(t.AppID) // first: appOf reads it without decoding the rest
	e.shared(t.ISVAppID)
	k.no = e.key(t.TradeNo)
	k.out = e.key(t.OutTradeNo)
	e.shared(t.Method)
	e.shared(t.ProductCode)
	e.shared(string(t.Status))
	e.shared(t.Subject)
	e.shared(t.Body)
	e.v(int64(t.Total))
	e.v(int64(t.Discountable))
	e.v(int64(t.Undiscountable))
	var flags uint64
	if t.Scanned {
		flags |= fScanned
	}
	if t.OpenID {
		flags |= fOpenID
	}
	if t.Paid != nil {
		flags |= fPaid
	}
	if t.Closed != nil {
		flags |= fClosed
	}
	if t.fingerprint != "" {
		flags |= fFingerprint
	}
	if t.RoyaltyInfo == nil {
		flags |= fRoyaltyInfoNil
	}
	if t.SettleInfo == nil {
		flags |= fSettleInfoNil
	}
	if t.BuyerLogonDrawn {
		flags |= fLogonDrawn
	}
	if t.BuyerIDDrawn {
		flags |= fIDDrawn
	}
	if t.RoyaltyFreeze {
		flags |= fRoyaltyFreeze
	}
	if t.Unfrozen != nil {
		flags |= fUnfrozen
	}
	e.uv(flags)
	e.lit(t.BuyerLogonRequired)
	e.v(int64(t.GoodsOmitted))
	e.lit(t.Buyer.UserID)
	e.lit(t.Buyer.LogonID)
	e.lit(t.Buyer.Name)
	e.lit(t.Buyer.Account)
	e.shared(t.Seller.UserID)
	e.shared(t.Seller.Email)
	e.shared(t.Seller.Name)
	e.lit(t.AuthCode)
	k.qr = e.key(t.QRToken)
	k.page = e.key(t.CashierToken)
	e.shared(t.StoreID)
	e.shared(t.OperatorID)
	e.shared(t.TerminalID)
	e.lit(t.PassbackParams)
	e.lit(t.MerchantOrderNo)
	e.shared(t.SysServiceProviderID)
	e.shared(t.NotifyURL)
	e.shared(t.ReturnURL)
	e.shared(t.QuitURL)
	e.shared(string(t.Charset))
	e.shared(string(t.SignType))
	e.lit(t.BuyerOpenID)
	e.time(t.Created)
	if t.Paid != nil {
		e.time(*t.Paid)
	}
	if t.Closed != nil {
		e.time(*t.Closed)
	}
	if t.Unfrozen != nil {
		e.time(*t.Unfrozen)
	}
	e.time(t.Expires)
	e.shared(t.CancelAction)
	if t.fingerprint != "" {
		e.lit(t.fingerprint)
	}
	if t.History == nil {
		e.uv(0)
	} else {
		e.uv(uint64(len(t.History)) + 1)
	}
	for _, h := range t.History {
		e.time(h.At)
		e.shared(string(h.Type))
		e.shared(string(h.Status))
		e.v(int64(h.Amount))
		e.shared(h.Detail)
	}
	if t.Goods == nil && t.Vouchers == nil && t.Refunds == nil && t.Syncs == nil && t.Settlements == nil &&
		len(t.RoyaltyInfo) == 0 && len(t.SettleInfo) == 0 {
		return nil, k
	}
	return &extras{Goods: t.Goods, Vouchers: t.Vouchers, Refunds: t.Refunds, Syncs: t.Syncs,
		Settlements: t.Settlements, RoyaltyInfo: t.RoyaltyInfo, SettleInfo: t.SettleInfo}, k
}

// decoder reads a record. Strings written out are taken from the record
// itself, without a copy, but for the trade's numbers.
type decoder struct {
	rec  string
	at   int
	strs *strTable
	locs *locTable
}

func (d *decoder) uv() uint64 {
	var x uint64
	var s uint
	for {
		c := d.rec[d.at]
		d.at++
		if c < 0x80 {
			return x | uint64(c)<<s
		}
		x |= uint64(c&0x7f) << s
		s += 7
	}
}

func (d *decoder) v() int64 {
	u := d.uv()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (d *decoder) str() string {
	x := d.uv()
	if x&1 == 1 {
		return d.strs.strs[x>>1]
	}
	n := int(x >> 1)
	s := d.rec[d.at : d.at+n]
	d.at += n
	if n == 0 {
		return ""
	}
	return s
}

func (d *decoder) time() time.Time {
	x := d.uv()
	if x == 0 {
		return time.Time{}
	}
	var loc *time.Location
	if x&1 == 1 {
		loc = d.locs.locs[x>>1]
	} else {
		name := d.str()
		loc = time.FixedZone(name, int(d.v()))
	}
	sec := d.v()
	nsec := int64(d.uv())
	return time.Unix(sec, nsec).In(loc)
}

// decode is the trade a record and its extras hold.
func (d *decoder) decode(x *extras) *Trade {
	t := &Trade{}
	t.AppID = d.str()
	t.ISVAppID = d.str()
	// Copies, not bytes of the record: these two are what others keep
	// (a notification keeps its trade's numbers), and a copy does not
	// hold a record the trade may have replaced since.
	t.TradeNo = strings.Clone(d.str())
	t.OutTradeNo = strings.Clone(d.str())
	t.Method = d.str()
	t.ProductCode = d.str()
	t.Status = Status(d.str())
	t.Subject = d.str()
	t.Body = d.str()
	t.Total = amount.Amount(d.v())
	t.Discountable = amount.Amount(d.v())
	t.Undiscountable = amount.Amount(d.v())
	flags := d.uv()
	t.Scanned = flags&fScanned != 0
	t.OpenID = flags&fOpenID != 0
	t.BuyerLogonDrawn = flags&fLogonDrawn != 0
	t.BuyerIDDrawn = flags&fIDDrawn != 0
	t.RoyaltyFreeze = flags&fRoyaltyFreeze != 0
	t.BuyerLogonRequired = d.str()
	t.GoodsOmitted = int(d.v())
	t.Buyer = fixtures.Buyer{UserID: d.str(), LogonID: d.str(), Name: d.str(), Account: d.str()}
	t.Seller = fixtures.Seller{UserID: d.str(), Email: d.str(), Name: d.str()}
	t.AuthCode = d.str()
	t.QRToken = d.str()
	t.CashierToken = d.str()
	t.StoreID = d.str()
	t.OperatorID = d.str()
	t.TerminalID = d.str()
	t.PassbackParams = d.str()
	t.MerchantOrderNo = d.str()
	t.SysServiceProviderID = d.str()
	t.NotifyURL = d.str()
	t.ReturnURL = d.str()
	t.QuitURL = d.str()
	t.Charset = sign.Charset(d.str())
	t.SignType = sign.Type(d.str())
	t.BuyerOpenID = d.str()
	t.Created = d.time()
	if flags&fPaid != 0 {
		p := d.time()
		t.Paid = &p
	}
	if flags&fClosed != 0 {
		c := d.time()
		t.Closed = &c
	}
	if flags&fUnfrozen != 0 {
		u := d.time()
		t.Unfrozen = &u
	}
	t.Expires = d.time()
	t.CancelAction = d.str()
	if flags&fFingerprint != 0 {
		t.fingerprint = d.str()
	}
	if n := d.uv(); n > 0 {
		t.History = make([]Event, n-1)
		for i := range t.History {
			h := &t.History[i]
			h.At = d.time()
			h.Type = EventType(d.str())
			h.Status = Status(d.str())
			h.Amount = amount.Amount(d.v())
			h.Detail = d.str()
		}
	}
	if x != nil {
		t.Goods, t.Vouchers, t.Refunds, t.Syncs, t.Settlements = x.Goods, x.Vouchers, x.Refunds, x.Syncs, x.Settlements
		if x.RoyaltyInfo != nil {
			t.RoyaltyInfo = x.RoyaltyInfo
		}
		if x.SettleInfo != nil {
			t.SettleInfo = x.SettleInfo
		}
	}
	if t.RoyaltyInfo == nil && flags&fRoyaltyInfoNil == 0 {
		t.RoyaltyInfo = []byte{}
	}
	if t.SettleInfo == nil && flags&fSettleInfoNil == 0 {
		t.SettleInfo = []byte{}
	}
	return t
}

// appOf is the app id a record starts with.
func appOf(rec string, strs *strTable) string {
	d := decoder{rec: rec, strs: strs}
	return d.str()
}
