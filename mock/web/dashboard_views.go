package web

// View models of the dashboard: everything a template shows is computed
// here as text (times in GMT+8, amounts, links), so the templates need no
// function but html/template's built-ins.

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock/clock"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/journal"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/trade"
	"github.com/alipay-mock/alipay-mock/scenarios"
)

// ts formats a time as Alipay does: yyyy-MM-dd HH:mm:ss, GMT+8.
func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return timestamp.Format(t)
}

func tsp(t *time.Time) string {
	if t == nil {
		return ""
	}
	return ts(*t)
}

func money(a amount.Amount) string {
	if a == 0 {
		return ""
	}
	return a.String()
}

// statusClass is the CSS class of a status cell: "status status-trade_success".
func statusClass(s string) string {
	if s == "" {
		return "status"
	}
	return "status status-" + strings.ToLower(s)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func buyerText(b fixtures.Buyer) string {
	switch {
	case b.UserID == "" && b.LogonID == "":
		return ""
	case b.LogonID == "":
		return b.UserID
	case b.UserID == "":
		return b.LogonID
	}
	return b.LogonID + " (" + b.UserID + ")"
}

// field is one row of a detail table.
type field struct {
	Key   string // data-field
	Label string
	Value string
	Class string
	Href  string
	Pre   bool
}

// fields drops the rows with no value.
func fields(fs ...field) []field {
	out := fs[:0]
	for _, f := range fs {
		if f.Value != "" {
			out = append(out, f)
		}
	}
	return out
}

type kv struct{ Key, Value string }

func sortedParams(m map[string]string) []kv {
	out := make([]kv, 0, len(m))
	for k, v := range m {
		out = append(out, kv{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

type clockView struct {
	Now       string
	Speed     string
	Frozen    bool
	Wall      string // the wall clock, GMT+8
	Offset    string // "on wall time", "25h0m0s ahead of wall time"
	OnWall    bool
	Pending   int
	NextDue   string
	NextDueIn string
}

// filterView is the state of a list page's filter form.
type filterView struct {
	AppID      string
	Status     string
	OutTradeNo string
	TradeNo    string
	Apps       []string
	Statuses   []string
}

// ---- overview ----

type countRow struct {
	Key   string
	N     int
	Class string
	Href  string
}

type appRow struct {
	AppID, Name, SignType, Fingerprint, SellerID, SellerEmail, Methods string
	// Mode is "public key" or "certificate <app_cert_sn>", plus ", AES" when
	// the app encrypts content and ", open ids" for user_id_type open_id.
	Mode string
	// Unscanned says how the app's trades no buyer acted on answer
	// (unscanned precreate; page, wap and app pay before a buyer logs in).
	Unscanned string
}

type faultRow struct {
	ID                           int
	AppID, Method, Code, SubCode string
	SubMsg, Execute, Times, Used string
	Remaining                    int
}

type overviewView struct {
	Version        string
	Clock          clockView
	Trades         []countRow
	TradeTotal     int
	Packets        []countRow
	PacketTotal    int
	Claims         int
	Notes          []countRow
	NoteTotal      int
	Journal        int
	JournalFailed  int
	JournalError   string // the shared journal's store failed: its counts are unknown
	TradeError     string // the shared store failed: the trades' counts are unknown, not 0
	PacketError    string // and the red packets'
	KeyPEM         string
	KeyFingerprint string
	Apps           []appRow
	Faults         []faultRow
	HasFaults      bool
	ScenarioFiles  int
}

func (d *Dashboard) overviewView() overviewView {
	v := overviewView{Version: d.Version, Clock: d.clockView(), HasFaults: d.Faults != nil,
		KeyPEM: string(keys.PublicPEM(&d.Key.PublicKey)), KeyFingerprint: keys.Fingerprint(&d.Key.PublicKey)}
	tradeCounts, err := d.Trades.Counts()
	if err != nil {
		v.TradeError = err.Error()
	}
	for _, s := range tradeStatuses {
		n := tradeCounts[trade.Status(s)]
		v.TradeTotal += n
		v.Trades = append(v.Trades, countRow{Key: s, N: n, Class: statusClass(s), Href: withQuery(ui("trades"), "status", s)})
	}
	packetCounts, claims, err := d.Coupons.Counts()
	if err != nil {
		v.PacketError = err.Error()
	}
	v.Claims = claims
	for _, s := range packetStatuses {
		n := packetCounts[coupon.OrderStatus(s)]
		v.PacketTotal += n
		v.Packets = append(v.Packets, countRow{Key: s, N: n, Class: statusClass(s), Href: withQuery(ui("red-packets"), "status", s)})
	}
	counts := d.Notifier.Outbox().Counts()
	for _, s := range notifyStates {
		n := counts[notify.State(s)]
		v.NoteTotal += n
		v.Notes = append(v.Notes, countRow{Key: s, N: n, Class: statusClass(s), Href: withQuery(ui("notifications"), "state", s)})
	}
	st, err := d.Journal.Stats()
	if err == nil {
		v.Journal = st.Entries
		v.JournalFailed, err = d.Journal.Count(journal.Filter{Failed: true})
	}
	if err != nil {
		v.JournalError = err.Error()
	}
	for _, a := range d.Apps.All() {
		mode := "public key"
		if a.CertSN != "" {
			mode = "certificate " + a.CertSN
		}
		if a.EncryptKey != "" {
			mode += ", AES"
		}
		if a.OpenID {
			mode += ", open ids" // user_id_type open_id
		}
		v.Apps = append(v.Apps, appRow{AppID: a.AppID, Name: a.Name, SignType: string(a.SignType), Fingerprint: a.Fingerprint(),
			SellerID: a.Seller.UserID, SellerEmail: a.Seller.Email, Methods: strings.Join(a.Methods, ", "), Mode: mode,
			Unscanned: unscannedText(d.Trades.ShowsUnscanned(a.AppID))})
	}
	if d.Faults != nil {
		for _, f := range d.Faults.List() {
			v.Faults = append(v.Faults, faultRow{ID: f.ID, AppID: f.AppID, Method: f.Method, Code: f.Code, SubCode: f.SubCode,
				SubMsg: f.SubMsg, Execute: yesNo(f.Execute), Times: strconv.Itoa(f.Times), Used: strconv.Itoa(f.Used), Remaining: f.Times - f.Used})
		}
	}
	for _, files := range d.Scenarios.List() {
		v.ScenarioFiles += len(files)
	}
	return v
}

// unscannedText is the apps table's word for how trades no buyer acted on
// answer.
func unscannedText(show bool) string {
	if show {
		return "shown: WAIT_BUYER_PAY at once (show_unscanned)"
	}
	return "hidden until a buyer scans or logs in: ACQ.TRADE_NOT_EXIST (production)"
}

// ---- trades ----

type tradeRow struct {
	TradeNo, OutTradeNo, AppID, Method, Status, StatusClass string
	Subject, Total, Refunded, Buyer, Created, Paid, Href    string
}

func newTradeRow(t trade.Trade) tradeRow {
	return tradeRow{TradeNo: t.TradeNo, OutTradeNo: t.OutTradeNo, AppID: t.AppID, Method: t.Method, Status: string(t.Status),
		StatusClass: statusClass(string(t.Status)), Subject: t.Subject, Total: t.Total.String(), Refunded: money(t.Refunded()),
		Buyer: buyerText(t.Buyer), Created: ts(t.Created), Paid: tsp(t.Paid), Href: ui("trades", t.TradeNo)}
}

type tradesView struct {
	Filter filterView
	Rows   []tradeRow
	Page   pager
}

type eventRow struct {
	At, Type, Status, StatusClass, Amount, Detail, OperationID string
}

type refundRow struct {
	OutRequestNo, Amount, Reason, At, Cancel string
}

type tradeDetailView struct {
	TradeNo, OutTradeNo, Status, StatusClass, Subject string
	Fields                                            []field
	History                                           []eventRow
	Refunds                                           []refundRow
	Notes                                             []noteRow
	NotesHref, CashierHref, QRHref                    string
	// AuditHref opens the audit form for this trade and its notify_url.
	AuditHref string
}

func (d *Dashboard) appName(id string) string {
	if a, ok := d.Apps.Get(id); ok && a.Name != "" {
		return id + " (" + a.Name + ")"
	}
	return id
}

// goodsText is a trade's goods_detail on one line: "id name ×qty @ price"
// per item, and how many items the mock did not keep.
// vouchersText lists the vouchers the buyer pays with: amount, type, who
// funds it, name.
func vouchersText(t trade.Trade) string {
	var b strings.Builder
	for i, v := range t.Vouchers {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s %s (merchant %s, other %s) %s", v.Amount, v.Type, v.MerchantContribute, v.OtherContribute, v.Name)
	}
	return b.String()
}

// voucherAmount shows an amount a voucher makes differ from the total.
func voucherAmount(t trade.Trade, a amount.Amount) string {
	if len(t.Vouchers) == 0 {
		return ""
	}
	return a.String()
}

func goodsText(t trade.Trade) string {
	var b strings.Builder
	for i, g := range t.Goods {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s %s ×%d @ %s", g.GoodsID, g.GoodsName, g.Quantity, g.Price)
	}
	if t.GoodsOmitted > 0 {
		fmt.Fprintf(&b, "; … %d more items not kept", t.GoodsOmitted)
	}
	return b.String()
}

func (d *Dashboard) tradeDetail(t trade.Trade, notes []notify.Notification, pages string) tradeDetailView {
	v := tradeDetailView{TradeNo: t.TradeNo, OutTradeNo: t.OutTradeNo, Status: string(t.Status), StatusClass: statusClass(string(t.Status)),
		Subject: t.Subject, NotesHref: withQuery(ui("notifications"), "trade_no", t.TradeNo), CashierHref: pages + "/cashier/" + t.CashierToken,
		AuditHref: withQuery(ui("audit"), "app_id", t.AppID, "out_trade_no", t.OutTradeNo, "notify_url", t.NotifyURL)}
	if t.QRToken != "" {
		v.QRHref = pages + "/qr/" + t.QRToken
	}
	scanned, scannedLabel := "", "QR scanned"
	if t.Method != "alipay.trade.precreate" {
		scannedLabel = "buyer logged in"
	}
	if trade.WaitsForBuyer(t.Method) {
		scanned = yesNo(t.Scanned)
		if d.Trades.Hidden(t) {
			scanned += ": to the merchant this trade does not exist yet, as in production (query, close and refund answer ACQ.TRADE_NOT_EXIST, cancel answers with no action, nothing is notified); poll query, read ACQ.TRADE_NOT_EXIST as still waiting, cancel when you give up"
		}
	}
	v.Fields = fields(
		field{Key: "trade_no", Label: "trade_no", Value: t.TradeNo},
		field{Key: "out_trade_no", Label: "out_trade_no", Value: t.OutTradeNo},
		field{Key: "app_id", Label: "app_id", Value: d.appName(t.AppID)},
		field{Key: "trade_status", Label: "trade_status", Value: string(t.Status), Class: statusClass(string(t.Status))},
		field{Key: "method", Label: "opened by", Value: t.Method},
		field{Key: "product_code", Label: "product_code", Value: t.ProductCode},
		field{Key: "subject", Label: "subject", Value: t.Subject},
		field{Key: "body", Label: "body", Value: t.Body},
		field{Key: "total_amount", Label: "total_amount", Value: t.Total.String()},
		field{Key: "discountable_amount", Label: "discountable_amount", Value: money(t.Discountable)},
		field{Key: "undiscountable_amount", Label: "undiscountable_amount", Value: money(t.Undiscountable)},
		field{Key: "voucher_detail_list", Label: "paid with vouchers (voucher_detail_list)", Value: vouchersText(t)},
		field{Key: "buyer_pay_amount", Label: "buyer_pay_amount", Value: voucherAmount(t, t.BuyerPayAmount())},
		field{Key: "receipt_amount", Label: "receipt_amount", Value: voucherAmount(t, t.ReceiptAmount())},
		field{Key: "refund_fee", Label: "refunded (refund_fee)", Value: money(t.Refunded())},
		field{Key: "buyer_id", Label: "buyer_id", Value: t.Buyer.UserID},
		field{Key: "buyer_logon_id", Label: "buyer_logon_id", Value: t.Buyer.LogonID},
		field{Key: "buyer_name", Label: "buyer name", Value: t.Buyer.Name},
		field{Key: "buyer_logon_required", Label: "only this buyer may pay (buyer_logon_id)", Value: t.BuyerLogonRequired},
		field{Key: "seller_id", Label: "seller_id", Value: t.Seller.UserID},
		field{Key: "seller_email", Label: "seller_email", Value: t.Seller.Email},
		field{Key: "seller_name", Label: "seller name", Value: t.Seller.Name},
		field{Key: "scanned", Label: scannedLabel, Value: scanned},
		field{Key: "qr_token", Label: "QR token", Value: t.QRToken, Href: v.QRHref},
		field{Key: "auth_code", Label: "auth_code", Value: t.AuthCode},
		field{Key: "store_id", Label: "store_id", Value: t.StoreID},
		field{Key: "operator_id", Label: "operator_id", Value: t.OperatorID},
		field{Key: "terminal_id", Label: "terminal_id", Value: t.TerminalID},
		field{Key: "passback_params", Label: "passback_params", Value: t.PassbackParams},
		field{Key: "goods_detail", Label: "goods_detail", Value: goodsText(t)},
		field{Key: "sys_service_provider_id", Label: "sys_service_provider_id", Value: t.SysServiceProviderID},
		field{Key: "isv_app_id", Label: "made by ISV app (app_auth_token)", Value: t.ISVAppID},
		field{Key: "notify_url", Label: "notify_url", Value: t.NotifyURL},
		field{Key: "return_url", Label: "return_url", Value: t.ReturnURL},
		field{Key: "charset", Label: "charset", Value: string(t.Charset)},
		field{Key: "sign_type", Label: "sign_type", Value: string(t.SignType)},
		field{Key: "gmt_create", Label: "gmt_create", Value: ts(t.Created)},
		field{Key: "gmt_payment", Label: "gmt_payment", Value: tsp(t.Paid)},
		field{Key: "gmt_close", Label: "gmt_close", Value: tsp(t.Closed)},
		field{Key: "time_expire", Label: "expires", Value: ts(t.Expires)},
		field{Key: "cancel_action", Label: "cancel action", Value: t.CancelAction},
	)
	for _, e := range t.History {
		v.History = append(v.History, eventRow{At: ts(e.At), Type: string(e.Type), Status: string(e.Status),
			StatusClass: statusClass(string(e.Status)), Amount: money(e.Amount), Detail: e.Detail})
	}
	for _, r := range t.Refunds {
		cancel := ""
		if r.Cancel {
			cancel = "cancel"
		}
		v.Refunds = append(v.Refunds, refundRow{OutRequestNo: r.OutRequestNo, Amount: r.Amount.String(), Reason: r.Reason, At: ts(r.At), Cancel: cancel})
	}
	for _, n := range notes {
		v.Notes = append(v.Notes, newNoteRow(n))
	}
	return v
}

// ---- red packets ----

type packetRow struct {
	AuthNo, OutOrderNo, AppID, Kind, Title, Amount, Rest string
	Status, StatusClass, Payer, Payee, Created, Href     string
	PacketHref, DeductAuthNo                             string
}

func newPacketRow(o coupon.Order) packetRow {
	r := packetRow{AuthNo: o.AuthNo, OutOrderNo: o.OutOrderNo, AppID: o.AppID, Kind: "red packet", Title: o.Title,
		Amount: o.Amount.String(), Rest: o.Rest.String(), Status: string(o.Status), StatusClass: statusClass(string(o.Status)),
		Payer: buyerText(o.Payer), Created: ts(o.Created), Href: ui("red-packets", o.AuthNo)}
	if o.Payee != nil {
		r.Payee = buyerText(*o.Payee)
	}
	if o.Claim {
		r.Kind, r.DeductAuthNo, r.PacketHref = "claim", o.DeductAuthNo, ui("red-packets", o.DeductAuthNo)
	}
	return r
}

type packetsView struct {
	Filter filterView
	Rows   []packetRow
	Page   pager
}

type opRow struct {
	OperationID, OutRequestNo, Type, Amount, Status, StatusClass string
	Created, Trans, Remark, Auto, NotifyURL, DoneAt              string
}

type packetDetailView struct {
	AuthNo, OutOrderNo, Title, Kind, Status, StatusClass string
	Fields                                               []field
	Operations                                           []opRow
	History                                              []eventRow
	Claims                                               []packetRow
	Notes                                                []noteRow
	NotesHref, CashierHref, PacketHref                   string
}

func packetDetail(o coupon.Order, claims []coupon.Order, notes []notify.Notification, pages string) packetDetailView {
	v := packetDetailView{AuthNo: o.AuthNo, OutOrderNo: o.OutOrderNo, Title: o.Title, Kind: "Red packet", Status: string(o.Status),
		StatusClass: statusClass(string(o.Status)), NotesHref: withQuery(ui("notifications"), "trade_no", o.AuthNo)}
	if o.Claim {
		v.Kind, v.PacketHref = "Claim", ui("red-packets", o.DeductAuthNo)
	} else {
		v.CashierHref = pages + "/cashier/coupon/" + o.CashierToken
	}
	payee := ""
	if o.Payee != nil {
		payee = buyerText(*o.Payee)
	}
	v.Fields = fields(
		field{Key: "auth_no", Label: "auth_no", Value: o.AuthNo},
		field{Key: "out_order_no", Label: "out_order_no", Value: o.OutOrderNo},
		field{Key: "app_id", Label: "app_id", Value: o.AppID},
		field{Key: "status", Label: "status", Value: string(o.Status), Class: statusClass(string(o.Status))},
		field{Key: "method", Label: "opened by", Value: o.Method},
		field{Key: "order_title", Label: "order_title", Value: o.Title},
		field{Key: "amount", Label: "amount", Value: o.Amount.String()},
		field{Key: "rest_amount", Label: "rest_amount", Value: o.Rest.String()},
		field{Key: "total_refunded", Label: "refunded to the sender", Value: money(o.TotalRefunded())},
		field{Key: "payer", Label: "payer (sender)", Value: buyerText(o.Payer)},
		field{Key: "payee", Label: "payee", Value: payee},
		field{Key: "deduct_auth_no", Label: "paid from red packet", Value: o.DeductAuthNo, Href: v.PacketHref},
		field{Key: "extra_param", Label: "extra_param", Value: o.ExtraParam},
		field{Key: "notify_url", Label: "notify_url", Value: o.NotifyURL},
		field{Key: "return_url", Label: "return_url", Value: o.ReturnURL},
		field{Key: "charset", Label: "charset", Value: string(o.Charset)},
		field{Key: "sign_type", Label: "sign_type", Value: string(o.SignType)},
		field{Key: "gmt_create", Label: "gmt_create", Value: ts(o.Created)},
		field{Key: "gmt_payment", Label: "gmt_payment", Value: tsp(o.Paid)},
		field{Key: "pay_expire", Label: "pay expires", Value: ts(o.Expires)},
		field{Key: "auto_refund_at", Label: "automatic refund at", Value: tsp(o.RefundAt)},
	)
	for _, op := range o.Operations {
		v.Operations = append(v.Operations, opRow{OperationID: op.OperationID, OutRequestNo: op.OutRequestNo, Type: string(op.Type),
			Amount: op.Amount.String(), Status: string(op.Status), StatusClass: statusClass(string(op.Status)), Created: ts(op.Created),
			Trans: tsp(op.Trans), Remark: op.Remark, Auto: map[bool]string{true: "automatic"}[op.Auto], NotifyURL: op.NotifyURL, DoneAt: tsp(op.DoneAt)})
	}
	for _, e := range o.History {
		v.History = append(v.History, eventRow{At: ts(e.At), Type: e.Type, Status: string(e.Status), StatusClass: statusClass(string(e.Status)),
			OperationID: e.OperationID, Detail: e.Detail})
	}
	for _, c := range claims {
		v.Claims = append(v.Claims, newPacketRow(c))
	}
	for _, n := range notes {
		v.Notes = append(v.Notes, newNoteRow(n))
	}
	return v
}

// ---- notifications ----

type noteRow struct {
	ID, Href, Created, AppID, OutTradeNo, TradeNo, OwnerHref string
	Event, TradeStatus, URL, State, StateClass               string
	Attempts                                                 int
	Last, LastClass, NextAttempt                             string
}

// ownerHref links a notification to its trade or red packet.
func ownerHref(n notify.Notification) string {
	if n.TradeNo == "" {
		return ""
	}
	if t := n.Params["notify_type"]; strings.HasPrefix(t, "fund_") {
		return ui("red-packets", n.TradeNo)
	}
	return ui("trades", n.TradeNo)
}

func attemptSummary(a notify.Attempt) string {
	s := fmt.Sprintf("attempt %d at %s: ", a.N, ts(a.At))
	switch {
	case a.OK:
		s += "delivered (HTTP 200 \"success\")"
	case a.Error != "":
		s += "failed: " + a.Error
	default:
		resp := a.Response
		if len(resp) > 60 {
			resp = resp[:60] + "…"
		}
		s += fmt.Sprintf("failed: HTTP %d %q", a.Status, resp)
	}
	return s
}

// noteEvent is a notification's event, marked when it is a message
// (蚂蚁消息 to the app gateway) rather than a notify_url notification.
func noteEvent(n notify.Notification) string {
	if n.Kind == notify.KindMessage {
		return "message: " + n.Event
	}
	return n.Event
}

func newNoteRow(n notify.Notification) noteRow {
	r := noteRow{ID: n.ID, Href: ui("notifications", n.ID), Created: ts(n.Created), AppID: n.AppID, OutTradeNo: n.OutTradeNo,
		TradeNo: n.TradeNo, OwnerHref: ownerHref(n), Event: noteEvent(n), TradeStatus: n.TradeStatus, URL: n.URL, State: string(n.State),
		StateClass: statusClass(string(n.State)), Attempts: len(n.Attempts) + n.AttemptsDropped, NextAttempt: tsp(n.NextAttempt)}
	if k := len(n.Attempts); k > 0 {
		a := n.Attempts[k-1]
		switch {
		case a.OK:
			r.Last, r.LastClass = "HTTP 200 success", "ok"
		case a.Error != "":
			r.Last, r.LastClass = "error", "bad"
		default:
			r.Last, r.LastClass = "HTTP "+strconv.Itoa(a.Status), "bad"
		}
	}
	return r
}

type notesView struct {
	Filter filterView
	Rows   []noteRow
	Page   pager
}

type attemptRow struct {
	N                               int
	At, Status, Result, ResultClass string
	Response, Latency, Error        string
	NotifyTime, Body                string // what this attempt sent
}

type noteDetailView struct {
	ID, State, StateClass, NextAttempt, OwnerHref, ResendAction string
	Fields                                                      []field
	Attempts                                                    []attemptRow
	Body                                                        string
	Params                                                      []kv
	Schedule                                                    string
	Dropped                                                     int // attempts made but not kept
}

func noteDetail(n notify.Notification) noteDetailView {
	v := noteDetailView{ID: n.ID, State: string(n.State), StateClass: statusClass(string(n.State)), NextAttempt: tsp(n.NextAttempt), Dropped: n.AttemptsDropped,
		OwnerHref: ownerHref(n), ResendAction: ui("notifications", n.ID, "resend"), Body: n.Body, Params: sortedParams(n.Params)}
	v.Fields = fields(
		field{Key: "id", Label: "id", Value: n.ID},
		field{Key: "notify_id", Label: "notify_id", Value: n.NotifyID},
		field{Key: "state", Label: "state", Value: string(n.State), Class: statusClass(string(n.State))},
		field{Key: "reason", Label: "given up because", Value: n.Reason},
		field{Key: "attempts_dropped", Label: "attempts dropped", Value: dropped(n.AttemptsDropped)},
		field{Key: "next_attempt", Label: "next attempt", Value: tsp(n.NextAttempt)},
		field{Key: "app_id", Label: "app_id", Value: n.AppID},
		field{Key: "out_trade_no", Label: "out_trade_no / out_order_no", Value: n.OutTradeNo, Href: v.OwnerHref},
		field{Key: "trade_no", Label: "trade_no / auth_no", Value: n.TradeNo, Href: v.OwnerHref},
		field{Key: "kind", Label: "kind", Value: n.Kind},
		field{Key: "event", Label: "event", Value: n.Event},
		field{Key: "trade_status", Label: "trade_status / status", Value: n.TradeStatus},
		field{Key: "notify_type", Label: "notify_type", Value: n.Params["notify_type"]},
		field{Key: "url", Label: "sent to", Value: n.URL},
		field{Key: "charset", Label: "charset", Value: n.Charset},
		field{Key: "created", Label: "created", Value: ts(n.Created)},
	)
	for _, a := range n.Attempts {
		r := attemptRow{N: a.N, At: ts(a.At), Response: a.Response, Latency: strconv.FormatFloat(a.LatencyMS, 'f', 1, 64) + " ms", Error: a.Error,
			NotifyTime: a.NotifyTime, Body: a.Body}
		if a.Status != 0 {
			r.Status = strconv.Itoa(a.Status)
		}
		if a.OK {
			r.Result, r.ResultClass = "delivered", "status status-delivered"
		} else {
			r.Result, r.ResultClass = "failed", "status status-failed"
		}
		v.Attempts = append(v.Attempts, r)
	}
	return v
}

// dropped says how many attempts a notification made but no longer keeps
// (it keeps its first and its latest: notify.KeptAttempts).
func dropped(k int) string {
	if k <= 0 {
		return ""
	}
	return fmt.Sprintf("%d (made between the first and the latest %d, not kept)", k, notify.KeptAttempts-1)
}

// ---- journal ----

type journalFilter struct {
	AppID, Method string
	Failed        bool
	Limit         int
	Apps          []string
}

type journalRow struct {
	ID                                     int
	Href, At, HTTPMethod, Method, AppID    string
	Verified, VerifiedClass, Code, SubCode string
	Rule, Status, Fault                    string
}

// verified is the three-way verification state of an entry: a request
// rejected before its signature was checked is "not checked".
func verified(e journal.Entry) (string, string) {
	switch {
	case e.Verified:
		return "yes", "verified verified-yes"
	case e.StringToSign != "":
		return "no", "verified verified-no"
	}
	return "not checked", "verified verified-none"
}

func newJournalRow(e journal.Entry) journalRow {
	r := journalRow{ID: e.ID, Href: ui("journal", strconv.Itoa(e.ID)), At: ts(e.At), HTTPMethod: e.HTTPMethod, Method: e.Method,
		AppID: e.AppID, Code: e.Code, SubCode: e.SubCode, Rule: e.Rule, Fault: e.Fault}
	r.Verified, r.VerifiedClass = verified(e)
	if e.Status != 0 {
		r.Status = strconv.Itoa(e.Status)
	}
	return r
}

type journalView struct {
	Filter journalFilter
	Rows   []journalRow
	Page   pager
}

type journalDetailView struct {
	ID                                 int
	Verified, VerifiedClass            string
	Fields                             []field
	Params                             []kv
	SignatureFailed                    bool
	TimestampRefused                   string // how far a refused timestamp missed each clock
	StringToSign, Explanation, KeyUsed string
	KeyOwner, SignType, Charset, Sign  string
	Checklist                          []string
	Rule                               string
	Misses                             []string
	Response                           string
	Links                              []field
}

// signatureChecklist is the static list of the usual signing mistakes.
var signatureChecklist = []string{
	"The app is registered with the APP public key (the pair of the private key you sign with), not the Alipay public key: the Alipay public key only verifies the mock's answers.",
	"sign_type matches the key registered for the app: RSA2 is SHA256withRSA, RSA is SHA1withRSA.",
	"The string is signed in the request's charset: GBK bytes and UTF-8 bytes of Chinese text differ.",
	"Requests sign every parameter but sign, sign_type included; notifications leave sign_type out. Empty values are left out.",
	"Parameters are sorted by name and joined as key=value with &, with raw (not URL-encoded) values.",
	"What is sent is exactly what was signed: biz_content not re-serialised, no whitespace or field order change, the same timestamp.",
	"The private key is the one whose public key is registered (not another app's; PKCS#1 and PKCS#8 exports of one key are the same key).",
}

func (d *Dashboard) journalDetail(e journal.Entry) journalDetailView {
	v := journalDetailView{ID: e.ID, Params: sortedParams(e.Params), Rule: e.Rule, Misses: e.Misses, Response: e.Response,
		SignatureFailed: !e.Verified && e.StringToSign != ""}
	v.Verified, v.VerifiedClass = verified(e)
	status := ""
	if e.Status != 0 {
		status = strconv.Itoa(e.Status)
	}
	v.Fields = fields(
		field{Key: "id", Label: "id", Value: strconv.Itoa(e.ID)},
		field{Key: "at", Label: "at", Value: ts(e.At)},
		field{Key: "http_method", Label: "HTTP method", Value: e.HTTPMethod},
		field{Key: "method", Label: "method", Value: e.Method},
		field{Key: "app_id", Label: "app_id", Value: e.AppID},
		field{Key: "charset", Label: "charset", Value: e.Charset},
		field{Key: "sign_type", Label: "sign_type", Value: e.SignType},
		field{Key: "verified", Label: "signature verified", Value: v.Verified, Class: v.VerifiedClass},
		field{Key: "code", Label: "code", Value: e.Code},
		field{Key: "sub_code", Label: "sub_code", Value: e.SubCode},
		field{Key: "status", Label: "HTTP status", Value: status},
		field{Key: "fault", Label: "fault", Value: e.Fault},
		field{Key: "rule", Label: "scenario rule", Value: e.Rule},
		field{Key: "wall_ms", Label: "wall time", Value: strconv.FormatFloat(e.WallMS, 'f', 1, 64) + " ms"},
	)
	if e.SubCode == "isv.invalid-timestamp" {
		v.TimestampRefused = e.Explanation
	}
	if v.SignatureFailed {
		v.StringToSign, v.Explanation, v.KeyUsed = e.StringToSign, e.Explanation, e.KeyUsed
		v.SignType, v.Charset, v.Sign, v.Checklist = e.SignType, e.Charset, e.Params["sign"], signatureChecklist
		if a, ok := d.Apps.Get(e.AppID); ok && a.Fingerprint() == e.KeyUsed {
			v.KeyOwner = "the public key registered for app " + a.AppID + " (" + string(a.SignType) + ")"
		}
	}
	v.Links = d.journalLinks(e)
	return v
}

// journalLinks names the trade or red packet a request was about (the
// gateway's method table says which, in the entry), when the mock still
// has it.
func (d *Dashboard) journalLinks(e journal.Entry) []field {
	switch e.About {
	case "trade":
		if t, err := d.Trades.Get(e.AppID, e.Ref); err == nil {
			return []field{{Key: "trade", Label: "trade", Value: t.TradeNo + " (" + t.OutTradeNo + ")", Href: ui("trades", t.TradeNo)}}
		}
	case "red_packet":
		if o, err := d.Coupons.Get(e.AppID, e.Ref); err == nil {
			return []field{{Key: "red_packet", Label: "red packet", Value: o.AuthNo + " (" + o.OutOrderNo + ")", Href: ui("red-packets", o.AuthNo)}}
		}
	case "transfer":
		if t, ok, _ := d.Fund.Get(e.AppID, e.Ref); ok { // a link only: the journal's page still shows
			return []field{{Key: "transfer", Label: "transfer", Value: t.OrderID + " (" + t.OutBizNo + ", " + string(t.Status) + ")",
				Href: withQuery(ui("transfers"), "app_id", t.AppID) + "#transfer-" + t.OrderID}}
		}
	}
	return nil
}

// ---- clock ----

type firedRow struct {
	At, Kind, Ref, Href, Detail string
}

type reportView struct {
	ID     int
	Action string
	Count  int
	Shown  []firedRow
	More   int
}

// ---- transfers ----

type transferRow struct {
	OrderID, OutBizNo, AppID, Amount, Status, StatusClass string
	Payee, Title, Scene, Created, Changed, Reason         string
}

func newTransferRow(t fund.Transfer) transferRow {
	payee := t.Payee.IdentityType + " " + t.Payee.Identity
	if t.Payee.Name != "" {
		payee += " (" + t.Payee.Name + ")"
	}
	r := transferRow{OrderID: t.OrderID, OutBizNo: t.OutBizNo, AppID: t.AppID, Amount: t.Amount.String(), Status: string(t.Status),
		StatusClass: statusClass(string(t.Status)), Payee: payee, Title: t.OrderTitle, Created: ts(t.Created), Changed: ts(t.Changed)}
	r.Scene = t.SceneName
	for _, x := range t.SceneReportInfos {
		r.Scene += "; " + x.InfoType + ": " + x.InfoContent
	}
	if t.FailReason != "" {
		r.Reason = t.ErrorCode + " " + t.FailReason
	}
	if t.Due != nil {
		r.Reason = "until " + ts(*t.Due) + ", then " + string(t.Next)
	}
	return r
}

type transfersView struct {
	Filter          filterView
	Rows            []transferRow
	Page            pager
	Balance, Freeze string
}

func firedHref(f clock.Fired) string {
	switch {
	case f.Ref == "":
		return ""
	case f.Kind == "notify":
		return ui("notifications", f.Ref)
	case strings.HasPrefix(f.Kind, "trade"):
		return ui("trades", f.Ref)
	case strings.HasPrefix(f.Kind, "red_packet"):
		return ui("red-packets", f.Ref)
	case f.Kind == "transfer":
		return ui("transfers")
	}
	return ""
}

func newReportView(r clockReport) *reportView {
	v := &reportView{ID: r.ID, Action: r.Action, Count: len(r.Fired) + r.More, More: r.More}
	for i, f := range r.Fired {
		if i == maxFiredShown {
			v.More += len(r.Fired) - i
			break
		}
		v.Shown = append(v.Shown, firedRow{At: ts(f.At), Kind: f.Kind, Ref: f.Ref, Href: firedHref(f), Detail: f.Detail})
	}
	return v
}

type clockPageView struct {
	Quick    []string
	Report   *reportView
	Expired  bool
	Upcoming []noteRow
}

// ---- scenarios ----

type ruleView struct {
	N            int
	Name, Method string
	When, Then   []string
	Times        string
	Acted        int
	Line         int
}

type fileView struct {
	Name, Description, Path, AppID, State string
	Rules                                 []ruleView
}

type scopeView struct {
	Scope, Label string
	Files        []fileView
}

func scopesView(m map[string][]scenarios.Status) []scopeView {
	names := make([]string, 0, len(m))
	for s := range m {
		names = append(names, s)
	}
	sort.Strings(names) // "" (global) first
	out := []scopeView{}
	for _, s := range names {
		sv := scopeView{Scope: s, Label: "app " + s}
		if s == "" {
			sv.Scope, sv.Label = "global", "global (every app)"
		}
		for _, st := range m[s] {
			f := st.File
			fv := fileView{Name: f.Name, Description: f.Description, Path: f.Path, AppID: f.AppID, State: st.State}
			for i, r := range f.Rules {
				rv := ruleView{N: i + 1, Name: r.Name, Method: strings.Join(r.When.Method, ", "), When: whenSummary(r.When),
					Then: thenSummary(r.Then), Times: "always", Line: r.Line}
				if rv.Method == "" {
					rv.Method = "any method"
				}
				if r.Times > 0 {
					rv.Times = strconv.Itoa(r.Times)
				}
				if i < len(st.Acted) {
					rv.Acted = st.Acted[i]
				}
				fv.Rules = append(fv.Rules, rv)
			}
			sv.Files = append(sv.Files, fv)
		}
		out = append(out, sv)
	}
	return out
}

func whenSummary(w scenarios.Match) []string {
	var out []string
	if w.AppID != "" {
		out = append(out, "app_id = "+w.AppID)
	}
	fs := make([]string, 0, len(w.Biz))
	for f := range w.Biz {
		fs = append(fs, f)
	}
	sort.Strings(fs)
	for _, f := range fs {
		c := w.Biz[f]
		s := "biz." + f + " "
		switch {
		case c.Absent:
			s += "absent"
		case c.Prefix != "":
			s += "starts with " + strconv.Quote(c.Prefix)
		case c.Regex != "":
			s += "matches /" + c.Regex + "/"
		case c.Range != nil:
			s += "in [" + strings.Join(c.Range, ", ") + "]"
		default:
			s += "= " + strconv.Quote(c.Equals)
		}
		out = append(out, s)
	}
	if len(w.Nth) > 0 {
		ns := make([]string, len(w.Nth))
		for i, n := range w.Nth {
			ns[i] = strconv.Itoa(n)
		}
		out = append(out, "only call "+strings.Join(ns, ", "))
	}
	if w.State != "" {
		out = append(out, "in state "+strconv.Quote(w.State))
	}
	if len(out) == 0 {
		out = append(out, "every request")
	}
	return out
}

func dur(d *scenarios.Duration) string { return time.Duration(*d).String() }

func thenSummary(a scenarios.Action) []string {
	var out []string
	if r := a.Respond; r != nil {
		s := "respond code " + r.Code
		if r.SubCode != "" {
			s += " sub_code " + r.SubCode
		}
		if r.SubMsg != "" {
			s += " sub_msg " + strconv.Quote(r.SubMsg)
		}
		if r.Execute {
			s += " (executed first)"
		}
		out = append(out, s)
	}
	if len(a.Fields) > 0 {
		var kvs []string
		for _, p := range sortedParams(a.Fields) {
			kvs = append(kvs, p.Key+"="+p.Value)
		}
		out = append(out, "fields "+strings.Join(kvs, ", "))
	}
	if dl := a.Delay; dl != nil {
		if dl.Max > dl.Min {
			out = append(out, "delay "+dl.Min.String()+"–"+dl.Max.String())
		} else {
			out = append(out, "delay "+dl.Min.String())
		}
	}
	if a.Fault != "" {
		s := "fault " + a.Fault
		if why, ok := scenarios.Faults[a.Fault]; ok {
			s += " (" + why + ")"
		}
		out = append(out, s)
	}
	if b := a.Buyer; b != nil {
		var parts []string
		if b.ScanAfter != nil {
			parts = append(parts, "scans after "+dur(b.ScanAfter))
		}
		if b.PayAfter != nil {
			parts = append(parts, "pays after "+dur(b.PayAfter))
		}
		if b.PayAfterQueries > 0 {
			parts = append(parts, "pays after "+strconv.Itoa(b.PayAfterQueries)+" queries")
		}
		if b.FailAfter != nil {
			parts = append(parts, "fails after "+dur(b.FailAfter))
		}
		if b.CloseAfter != nil {
			parts = append(parts, "gives up after "+dur(b.CloseAfter))
		}
		if b.BuyerID != "" {
			parts = append(parts, "buyer_id "+b.BuyerID)
		}
		if b.BuyerLogonID != "" {
			parts = append(parts, "buyer_logon_id "+b.BuyerLogonID)
		}
		if b.Never {
			parts = append(parts, "never pays")
		}
		out = append(out, "buyer: "+strings.Join(parts, ", "))
	}
	if n := a.Notify; n != nil {
		var parts []string
		if n.Suppress {
			parts = append(parts, "suppressed")
		}
		if n.Delay != nil {
			parts = append(parts, "delayed "+dur(n.Delay))
		}
		if n.Duplicate > 0 {
			parts = append(parts, strconv.Itoa(n.Duplicate)+" duplicates")
		}
		if n.Reorder {
			parts = append(parts, "reordered")
		}
		if n.BadSignature {
			parts = append(parts, "bad signature")
		}
		if n.URL != "" {
			parts = append(parts, "sent to "+n.URL)
		}
		out = append(out, "notify: "+strings.Join(parts, ", "))
	}
	if a.SetState != "" {
		out = append(out, "set state "+strconv.Quote(a.SetState))
	}
	if len(out) == 0 {
		out = append(out, "nothing (the request goes on)")
	}
	return out
}
