package trade

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/apierr"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/fixtures"
)

// Settlement errors. The sub_codes are production's as merchants report
// them; the sub_msg texts are inferred (docs/differences.md).
var (
	ErrAllocAmount      = apierr.Business("ACQ.ALLOC_AMOUNT_VALIDATE_ERROR", "分账金额超过最大可分账金额")
	ErrReceiverNotBound = apierr.Business("ACQ.ROYALTY_RECEIVER_INVALID", "收入方不在分账关系内")
	// ErrRefundAlloc is the refund's: 退分账金额超限 is documented.
	ErrRefundAlloc = apierr.Business("ACQ.ALLOC_AMOUNT_VALIDATE_ERROR", "退分账金额超限")
	// ErrRoyaltyFinished answers a settlement after one with
	// royalty_finish=true: order.settle's documented 分账处理失败 (its use
	// here is inferred).
	ErrRoyaltyFinished = apierr.Business("ACQ.TRADE_SETTLE_ERROR", "分账处理失败")
)

// ErrSettleToSeller answers a split to the trade's own seller: the money
// would leave its account and come back to it. A transfer so is refused
// (PAYER_PAYEE_CANNOT_SAME); order.settle's sub_code and text for it are
// not published (inferred, docs/differences.md).
var ErrSettleToSeller = InvalidParameter("分账收入方不能是交易的收款方")

// paysSeller reports whether d names the trade's seller: its user id, or
// its logon (seller_email, which logons match without case).
func (t *Trade) paysSeller(d SettleDetail) bool {
	if d.TransInType == "loginName" {
		return t.Seller.Email != "" && strings.EqualFold(d.TransIn, t.Seller.Email)
	}
	return d.TransIn == t.Seller.UserID
}

// RoyaltyBack is money a refund took back from a receiver.
type RoyaltyBack struct {
	TransOut string        `json:"trans_out"`
	Amount   amount.Amount `json:"amount"`
}

// checkRoyaltyBack validates refund_royalty_parameters.
func checkRoyaltyBack(ps []RoyaltyParam) error {
	if len(ps) > MaxRoyaltyParams {
		return InvalidParameter("refund_royalty_parameters最多20条")
	}
	for _, p := range ps {
		switch {
		case p.TransOut == "":
			return InvalidParameter("refund_royalty_parameters.trans_out不能为空")
		case !p.Amount.InRange():
			return InvalidParameter("refund_royalty_parameters.amount取值范围[0.01,100000000]")
		}
	}
	return nil
}

// royaltyBack is what refund_royalty_parameters take back: from each
// receiver at most what settlements done by now transferred to it (an
// async one still PROCESSING gave it nothing yet) and was not taken back.
func (t *Trade) royaltyBack(ps []RoyaltyParam, now time.Time) ([]RoyaltyBack, error) {
	if len(ps) == 0 {
		return nil, nil
	}
	left := map[string]amount.Amount{}
	for _, s := range t.Settlements {
		if !s.Done(now) {
			continue
		}
		for _, d := range s.Details {
			left[d.TransIn] += d.Amount
		}
	}
	for _, r := range t.Refunds {
		for _, b := range r.RoyaltyBack {
			left[b.TransOut] -= b.Amount
		}
	}
	out := make([]RoyaltyBack, 0, len(ps))
	for _, p := range ps {
		if p.Amount > left[p.TransOut] {
			return nil, ErrRefundAlloc
		}
		left[p.TransOut] -= p.Amount
		out = append(out, RoyaltyBack{TransOut: strings.Clone(p.TransOut), Amount: p.Amount})
	}
	return out, nil
}

// FaceToFace reports whether t is a face-to-face trade (当面付:
// alipay.trade.pay, alipay.trade.precreate), whose refunds take split
// money back on their own (autoBack).
func (t *Trade) FaceToFace() bool {
	return t.Method == "alipay.trade.pay" || t.Method == "alipay.trade.precreate"
}

// ErrRoyaltyBackFaceToFace answers refund_royalty_parameters on a
// face-to-face trade: "当面付且非直付通模式无需传入退分账明细……不支持指定退款金额与
// 退款方" (AlipayTradeRefundModel.refund_royalty_parameters); the sub_code
// and text are inferred.
var ErrRoyaltyBackFaceToFace = InvalidParameter("当面付交易不支持指定退分账明细refund_royalty_parameters")

// autoBack is what a face-to-face trade's refunds, having refunded after
// in all, take back from receivers: "系统自动按退款金额与订单金额的比率，从收款方和
// 分账收入方退款" (AlipayTradeRefundModel.refund_royalty_parameters). Each
// receiver gives back its share of what settlements done by now gave it,
// rounded down, less what earlier refunds took back, so a full refund takes
// all of it back. Nil for other trades.
func (t *Trade) autoBack(after amount.Amount, now time.Time) []RoyaltyBack {
	if !t.FaceToFace() || t.Total <= 0 {
		return nil
	}
	given := map[string]amount.Amount{}
	var order []string
	for _, s := range t.Settlements {
		if !s.Done(now) {
			continue
		}
		for _, d := range s.Details {
			if _, ok := given[d.TransIn]; !ok {
				order = append(order, d.TransIn)
			}
			given[d.TransIn] += d.Amount
		}
	}
	taken := map[string]amount.Amount{}
	for _, r := range t.Refunds {
		for _, b := range r.RoyaltyBack {
			taken[b.TransOut] += b.Amount
		}
	}
	var out []RoyaltyBack
	for _, who := range order {
		share, ok := amount.MulDiv(given[who], after, t.Total)
		if d := share - taken[who]; ok && d > 0 {
			out = append(out, RoyaltyBack{TransOut: strings.Clone(who), Amount: d})
		}
	}
	return out
}

// TakenBack is the sum refunds took back from receivers.
func (t *Trade) TakenBack() amount.Amount {
	var n amount.Amount
	for _, r := range t.Refunds {
		for _, b := range r.RoyaltyBack {
			n += b.Amount
		}
	}
	return n
}

// SettleRequest is the biz_content of alipay.trade.order.settle
// (alipay-sdk-java-all AlipayTradeOrderSettleModel).
type SettleRequest struct {
	OutRequestNo      string         `json:"out_request_no"`
	TradeNo           string         `json:"trade_no"`
	RoyaltyParameters []RoyaltyParam `json:"royalty_parameters"`
	OperatorID        string         `json:"operator_id"`
	// RoyaltyMode is sync (the default) or async.
	RoyaltyMode  string `json:"royalty_mode"`
	ExtendParams *struct {
		RoyaltyFinish string `json:"royalty_finish"`
	} `json:"extend_params"`
}

// RoyaltyParam is one transfer of a settlement
// (OpenApiRoyaltyDetailInfoPojo).
type RoyaltyParam struct {
	RoyaltyType  string        `json:"royalty_type"`
	TransOut     string        `json:"trans_out"`
	TransOutType string        `json:"trans_out_type"`
	TransInType  string        `json:"trans_in_type"`
	TransIn      string        `json:"trans_in"`
	TransInName  string        `json:"trans_in_name"`
	Amount       amount.Amount `json:"amount"`
	Desc         string        `json:"desc"`
	RoyaltyScene string        `json:"royalty_scene"`
}

// Settlement is one order.settle request kept on a trade.
type Settlement struct {
	SettleNo     string         `json:"settle_no"`
	OutRequestNo string         `json:"out_request_no"`
	Mode         string         `json:"royalty_mode"`
	Finish       bool           `json:"royalty_finish,omitempty"`
	At           time.Time      `json:"at"`
	Details      []SettleDetail `json:"details,omitempty"`
}

// SettleDetail is one transfer done.
type SettleDetail struct {
	DetailID    string        `json:"detail_id"`
	TransIn     string        `json:"trans_in"`
	TransInType string        `json:"trans_in_type"`
	Amount      amount.Amount `json:"amount"`
	Desc        string        `json:"desc,omitempty"`
}

// EventSettled is a settlement recorded on a trade.
const EventSettled EventType = "settled"

// AsyncSettleDelay is how long an async settlement stays PROCESSING on
// the mock's clock (inferred: production's delay is not published).
const AsyncSettleDelay = 5 * time.Second

// Done reports whether the settlement's transfers have been made at now:
// a sync one at once, an async one AsyncSettleDelay later.
func (s Settlement) Done(now time.Time) bool {
	return s.Mode != "async" || !now.Before(s.At.Add(AsyncSettleDelay))
}

// DoneAt is when its transfers were (or will be) made.
func (s Settlement) DoneAt() time.Time {
	if s.Mode == "async" {
		return s.At.Add(AsyncSettleDelay)
	}
	return s.At
}

// RoyaltyDetail is one transfer of a settlement as Alipay reports it:
// alipay.trade.order.settle.query's royalty_detail_list entry
// (alipay-sdk-java-all RoyaltyDetail) and the settlement message's. The
// class returns trans_out only for replenish and transfer_refund: a
// transfer names its receiver alone, and trans_out_type goes with
// trans_out (inferred).
type RoyaltyDetail struct {
	OperationType string        `json:"operation_type"`
	ExecuteDt     string        `json:"execute_dt,omitempty"`
	TransIn       string        `json:"trans_in"`
	TransInType   string        `json:"trans_in_type"`
	Amount        amount.Amount `json:"amount"`
	State         string        `json:"state"`
	DetailID      string        `json:"detail_id"`
}

// RoyaltyDetails are s's transfers as reported at now: PROCESSING until
// they are done (Done), then SUCCESS with their execute_dt.
func (s Settlement) RoyaltyDetails(now time.Time) []RoyaltyDetail {
	state, executed := "PROCESSING", ""
	if s.Done(now) {
		state, executed = "SUCCESS", timestamp.Format(s.DoneAt())
	}
	list := make([]RoyaltyDetail, len(s.Details))
	for i, d := range s.Details {
		list[i] = RoyaltyDetail{OperationType: "transfer", ExecuteDt: executed, TransIn: d.TransIn, TransInType: d.TransInType,
			Amount: d.Amount, State: state, DetailID: d.DetailID}
	}
	return list
}

// Settled is the sum transferred by the trade's settlements.
func (t *Trade) Settled() amount.Amount {
	var n amount.Amount
	for _, s := range t.Settlements {
		for _, d := range s.Details {
			n += d.Amount
		}
	}
	return n
}

// RoyaltyFinished reports whether a settlement finished the trade's royalty
// (royalty_finish=true): what was left frozen went to the merchant, and no
// later settlement may split it.
func (t *Trade) RoyaltyFinished() bool {
	for _, s := range t.Settlements {
		if s.Finish {
			return true
		}
	}
	return false
}

// FindSettlement is the trade's settlement by out_request_no or settle_no.
func (t *Trade) FindSettlement(outRequestNo, settleNo string) *Settlement {
	for i := range t.Settlements {
		s := &t.Settlements[i]
		if (outRequestNo != "" && s.OutRequestNo == outRequestNo) || (settleNo != "" && s.SettleNo == settleNo) {
			return s
		}
	}
	return nil
}

// OrderSettle splits a paid trade's money to bound receivers
// (alipay.trade.order.settle). It is idempotent by out_request_no: the
// same number with the same transfers answers as the first time, with
// other transfers ACQ.DISCORDANT_REPEAT_REQUEST. The transfers of all
// settlements never exceed what the merchant holds (Held), nor SettleMaxPercent
// of the total (less what refunds took back). bound reports whether a
// receiver (trans_in_type userId or loginName, and trans_in) is in the
// app's royalty relations; none may be the trade's seller.
func (b *Book) OrderSettle(app string, r SettleRequest, bound func(typ, account string) bool) (Trade, Settlement, error) {
	var out Trade
	var res Settlement
	err := b.commitOn(Lookup{App: app, Ref: Ref{TradeNo: r.TradeNo}, Short: ErrSettleBalanceNotEnough}, func(now time.Time) ([]change, error) {
		finish := r.ExtendParams != nil && r.ExtendParams.RoyaltyFinish == "true"
		switch {
		case r.TradeNo == "":
			return nil, InvalidParameter("trade_no不能为空")
		case r.OutRequestNo == "":
			return nil, InvalidParameter("out_request_no不能为空")
		case !settleRequestNo(r.OutRequestNo):
			return nil, InvalidParameter("out_request_no只能包含字母、数字、下划线，且不超过32个字符")
		case len(r.RoyaltyParameters) == 0 && !finish:
			return nil, InvalidParameter("royalty_parameters不能为空")
		case len(r.RoyaltyParameters) > MaxRoyaltyParams:
			return nil, InvalidParameter("royalty_parameters最多20条")
		case r.RoyaltyMode != "" && r.RoyaltyMode != "sync" && r.RoyaltyMode != "async":
			return nil, InvalidParameter("royalty_mode只能是sync或async")
		}
		var sum amount.Amount
		details := make([]SettleDetail, 0, len(r.RoyaltyParameters))
		for _, p := range r.RoyaltyParameters {
			typ := p.TransInType
			if typ == "" {
				typ = "userId"
			}
			switch {
			case p.TransIn == "":
				return nil, InvalidParameter("trans_in不能为空")
			case typ != "userId" && typ != "loginName":
				return nil, InvalidParameter("trans_in_type只支持userId或loginName")
			case typ == "loginName" && !fixtures.IsLogonID(p.TransIn):
				return nil, InvalidParameter("trans_in格式错误，loginName应为手机号或邮箱")
			case !p.Amount.InRange():
				return nil, InvalidParameter("amount取值范围[0.01,100000000]")
			case p.RoyaltyType != "" && p.RoyaltyType != "transfer":
				return nil, InvalidParameter("royalty_type只支持transfer")
			case len(p.Desc) > 1000:
				return nil, InvalidParameter("desc长度不能超过1000")
			}
			sum += p.Amount
			details = append(details, SettleDetail{TransIn: strings.Clone(p.TransIn), TransInType: typ, Amount: p.Amount, Desc: strings.Clone(p.Desc)})
		}
		t, ch, err := b.lookup(app, Ref{TradeNo: r.TradeNo}, now)
		if err != nil {
			return ch, err
		}
		if prev := t.FindSettlement(r.OutRequestNo, ""); prev != nil {
			if !sameDetails(prev.Details, details) {
				return ch, ErrDiscordantRepeat
			}
			out, res = t.clone(), *prev
			return ch, nil
		}
		if t.RoyaltyFinished() {
			return ch, ErrRoyaltyFinished
		}
		if t.Status != Success {
			return ch, ErrTradeStatus
		}
		for _, d := range details {
			if t.paysSeller(d) {
				return ch, ErrSettleToSeller
			}
			if !bound(d.TransInType, d.TransIn) {
				return ch, ErrReceiverNotBound
			}
		}
		if settled := t.Settled() - t.TakenBack() + sum; settled > t.Held() || settled > b.maxSettle(t.Total) {
			return ch, ErrAllocAmount
		}
		if len(t.Settlements) >= MaxSettlements {
			return ch, InvalidParameter("同一笔交易的分账次数超过上限")
		}
		mode := r.RoyaltyMode
		if mode == "" {
			mode = "sync"
		}
		n := len(t.Settlements) + 1
		s := Settlement{SettleNo: fmt.Sprintf("%s%04d", t.TradeNo, n), OutRequestNo: strings.Clone(r.OutRequestNo),
			Mode: mode, Finish: finish, At: now, Details: details}
		for i := range s.Details {
			s.Details[i].DetailID = fmt.Sprintf("%s%02d", s.SettleNo, i+1)
		}
		next := t.clone()
		next.Settlements = append(next.Settlements, s)
		// royalty_finish unfreezes the rest ("剩余冻结金额全额解冻",
		// SettleExtendParams), and so does a split of all the merchant
		// holds (nothing is left to settle).
		thaw := finish || next.Settled()-next.TakenBack() >= next.Held()
		if thaw {
			next.thaw(now)
		}
		if err := b.covers(t, &next, ErrSettleBalanceNotEnough); err != nil {
			return ch, err
		}
		t.Settlements = append(t.Settlements, s)
		if thaw {
			t.thaw(now)
		}
		e := t.record(now, EventSettled, sum, "settled "+s.OutRequestNo)
		out, res = t.clone(), s
		return append(ch, change{out, e}), nil
	})
	return out, res, err
}

// SettleQuery finds one settlement (alipay.trade.order.settle.query): by
// settle_no, or by trade_no and out_request_no.
func (b *Book) SettleQuery(app, settleNo, tradeNo, outRequestNo string) (Trade, Settlement, error) {
	var out Trade
	var res Settlement
	err := b.commitOn(settleLookup(app, settleNo, tradeNo), func(now time.Time) ([]change, error) {
		switch {
		case settleNo == "" && (tradeNo == "" || outRequestNo == ""):
			return nil, InvalidParameter("settle_no或trade_no和out_request_no不能为空")
		case settleNo != "":
			if len(settleNo) < 5 {
				return nil, ErrTradeNotExist
			}
			tradeNo, outRequestNo = settleNo[:len(settleNo)-4], ""
		}
		t, ch, err := b.lookup(app, Ref{TradeNo: tradeNo}, now)
		if err != nil {
			return ch, err
		}
		s := t.FindSettlement(outRequestNo, settleNo)
		if s == nil {
			return ch, ErrTradeNotExist
		}
		out = t.clone()
		res = *out.FindSettlement(outRequestNo, settleNo)
		return ch, nil
	})
	return out, res, err
}

// maxSettle is the most a trade of total may split off: SettleMaxPercent
// of it, rounded down to the cent.
func (b *Book) maxSettle(total amount.Amount) amount.Amount {
	return total * amount.Amount(b.opts.SettleMaxPercent) / 100
}

func sameDetails(a, b []SettleDetail) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].TransIn != b[i].TransIn || a[i].TransInType != b[i].TransInType || a[i].Amount != b[i].Amount {
			return false
		}
	}
	return true
}

// settleRequestNo: up to 32 letters, digits and underscores.
func settleRequestNo(s string) bool {
	if len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// MaxInfo bounds royalty_info and settle_info (the mock's limit).
const MaxInfo = 4096

// keepObject is a copy of an order's royalty_info or settle_info, which
// must be one JSON object of at most MaxInfo bytes; nil when absent.
func keepObject(name string, raw json.RawMessage) (json.RawMessage, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	if len(raw) > MaxInfo {
		return nil, InvalidParameter(name + "过长")
	}
	if !jsonObject(string(raw)) {
		return nil, InvalidParameter(name + "必须是JSON对象")
	}
	return append(json.RawMessage(nil), raw...), nil
}

// settleLookup is the trade SettleQuery reads: a settle_no is the trade_no
// and four digits.
func settleLookup(app, settleNo, tradeNo string) Lookup {
	if settleNo != "" && len(settleNo) >= 5 {
		tradeNo = settleNo[:len(settleNo)-4]
	}
	return Lookup{App: app, Ref: Ref{TradeNo: tradeNo}, Read: true}
}
