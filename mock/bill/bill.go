package bill

import (
	"archive/zip"
	"bytes"
	"fmt"
	"regexp"
	"time"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/alipay/timestamp"
	"github.com/alipay-mock/alipay-mock/mock/coupon"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// Type is a bill_type.
type Type string

// Bill types the package builds.
const (
	Trade        Type = "trade"        // 业务明细: acquiring business bill
	SignCustomer Type = "signcustomer" // 账务明细: account ledger
)

// Bill types production lists that the package does not build: each needs a
// product or history the mock's merchants do not have, and production then
// answers TYPE_NOT_SUPPORTED (see Built).
const (
	MerchantAct      Type = "merchant_act"       // 营销活动账单: needs a marketing campaign in the last year
	TradeZftMerchant Type = "trade_zft_merchant" // 直付通二级商户: the platform provides it; takes smid
	ZftAcc           Type = "zft_acc"            // 直付通平台商: needs 互联网平台直付通
	SettlementMerge  Type = "settlementMerge"    // 结算到卡: needs 收款到银行账户; days only
)

// Known reports whether t is one of production's bill_type values.
func (t Type) Known() bool {
	switch t {
	case Trade, SignCustomer, MerchantAct, TradeZftMerchant, ZftAcc, SettlementMerge:
		return true
	}
	return false
}

// Built reports whether the package builds bills of type t.
func (t Type) Built() bool { return t == Trade || t == SignCustomer }

// settlementMergeStart is the first day a settlementMerge bill exists.
var settlementMergeStart = Day(2023, 4, 17)

// ReadyHour is the hour (GMT+8) production's bills are ready by: bill_date
// "当日数据一般于次日 9 点前生成", "当月账单一般在次月 3 日生成"
// (AlipayDataDataserviceBillDownloadurlQueryModel).
const ReadyHour = 9

// ReadyAt is when production makes the bill of p: a day's at ReadyHour the
// next day, a month's at ReadyHour on the 3rd of the next (the hour
// inferred for months).
func (p Period) ReadyAt() time.Time {
	at := p.End.Add(ReadyHour * time.Hour)
	if p.Monthly {
		at = at.AddDate(0, 0, 2)
	}
	return at
}

// Ready reports whether a bill of type t for p may be asked for at now:
// bills start in 2016 and are ready at p.ReadyAt(), or at the period's
// end if atEnd, and settlementMerge takes a day (of money reaching the
// card) from 2023-04-17.
func (t Type) Ready(p Period, now time.Time, atEnd bool) bool {
	ready := p.ReadyAt()
	if atEnd {
		ready = p.End
	}
	if p.Start.Year() < 2016 || now.Before(ready) {
		return false
	}
	return t != SettlementMerge || !p.Monthly && !p.Start.Before(settlementMergeStart.Start)
}

// Input is what one bill is built from.
type Input struct {
	Type   Type
	Period Period
	// UserID is the account of the file names and the #账号 line: the
	// 16-digit PID and "0156" (see UserID).
	UserID string
	// Trades are the account's trades; Build picks the payments and refunds
	// that fall in Period. Choosing the account's trades is the caller's job.
	Trades []trade.Trade
	// FeeRate is the service fee rate in basis points: 60 is 0.6%.
	FeeRate int64
	// ExportedAt is the 导出时间, the mock's clock.
	ExportedAt time.Time
	// OpeningBalance is the balance before the period's first movement
	// (signcustomer only; see Opening).
	OpeningBalance amount.Amount
	// Transfers are the account's transfers (signcustomer only): each is
	// an expense, given back when refunded.
	Transfers []fund.Transfer
	// Received are the transfers other merchants made to the account
	// (signcustomer only): each is income when it succeeded.
	Received []fund.Transfer
	// Settled are other merchants' trades whose settlements paid into the
	// account (AddSettled).
	Settled        []trade.Trade
	settledAccount string
	creditOf       func(user string) string
	// RedPackets are the red packets of the account's apps (signcustomer
	// only): one the merchant funded is an expense, its refunds income.
	RedPackets []coupon.Order
}

// sources is what the ledger is built from.
func (in Input) sources() sources {
	return sources{trades: in.Trades, transfers: in.Transfers, received: in.Received, packets: in.RedPackets,
		settled: in.Settled, account: in.settledAccount, creditOf: in.creditOf}
}

// Files is the text of a bill's two CSV files, before GBK encoding; lines
// end with CRLF.
type Files struct {
	Detail, Summary string
	// Rows counts the detail rows; 0 means the empty template (the
	// gateway answers EMPTY_DATA_WITH_BILL_FILE, or isp.bill_not_exist for
	// signcustomer).
	Rows int
}

var userIDPattern = regexp.MustCompile(`^2088[0-9]{12}0156$`)

// UserID is the bill account of a PID: the PID and "0156".
func UserID(pid string) string { return pid + "0156" }

// FileName is the zip's name: <userId>_<yyyyMMdd>.csv.zip (yyyyMM for a month).
func FileName(userID string, p Period) string {
	return userID + "_" + p.Label() + ".csv.zip"
}

// EntryNames are the names, in UTF-8, of the detail and summary files in the
// zip: <userId>_<yyyyMMdd>_业务明细.csv and _业务明细(汇总).csv for trade,
// 账务明细 for signcustomer; a month's files end in _1.csv (part one).
func EntryNames(t Type, userID string, p Period) (detail, summary string) {
	base := "业务明细"
	if t == SignCustomer {
		base = "账务明细"
	}
	part := ""
	if p.Monthly {
		part = "_1"
	}
	prefix := userID + "_" + p.Label() + "_"
	return prefix + base + part + ".csv", prefix + base + "(汇总)" + part + ".csv"
}

// Fee is the service fee on a sum at rateBP basis points, in whole cents
// rounded half up.
func Fee(a amount.Amount, rateBP int64) amount.Amount {
	neg := a < 0
	if neg {
		a = -a
	}
	f := amount.Amount((int64(a)*rateBP + 5000) / 10000)
	if neg {
		return -f
	}
	return f
}

func (in Input) check() error {
	if !in.Type.Built() {
		return fmt.Errorf("bill: unknown bill_type %q", in.Type)
	}
	if !userIDPattern.MatchString(in.UserID) {
		return fmt.Errorf("bill: user id %q is not a PID followed by 0156", in.UserID)
	}
	if in.FeeRate < 0 || in.FeeRate > 10000 {
		return fmt.Errorf("bill: fee rate %d bp out of range", in.FeeRate)
	}
	return in.Period.valid()
}

// Render builds the text of the bill's files.
func Render(in Input) (Files, error) {
	if err := in.check(); err != nil {
		return Files{}, err
	}
	if in.Type == SignCustomer {
		rows := ledgerRows(in.sources(), in.Period.Contains, in.FeeRate)
		return Files{accountDetail(in, rows), accountSummary(in, rows), len(rows)}, nil
	}
	rows := tradeRows(in.Trades, in.Period, in.FeeRate)
	return Files{tradeDetail(in, rows), tradeSummary(in, rows), len(rows)}, nil
}

// Build returns the bytes of the bill's zip (named FileName): the detail
// then the summary file, GBK-encoded, under GBK names without the UTF-8
// flag.
func Build(in Input) ([]byte, error) {
	f, err := Render(in)
	if err != nil {
		return nil, err
	}
	return Zip(in, f)
}

// Zip is Build from files Render already made of in, so a caller that
// needs both renders once.
func Zip(in Input, f Files) ([]byte, error) {
	detail, summary := EntryNames(in.Type, in.UserID, in.Period)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range []struct{ name, text string }{{detail, f.Detail}, {summary, f.Summary}} {
		w, err := zw.CreateHeader(&zip.FileHeader{
			Name:     string(gbk(e.name)),
			NonUTF8:  true, // else archive/zip flags the name as UTF-8
			Method:   zip.Deflate,
			Modified: in.ExportedAt.In(timestamp.Zone),
		})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(gbk(e.text)); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Touches reports whether a trade has a movement in p: its payment or one
// of its refunds. Only such trades make rows of p's bills.
func Touches(t *trade.Trade, p Period) bool {
	if t.Paid == nil {
		return false
	}
	if p.Contains(*t.Paid) {
		return true
	}
	for i := range t.Refunds {
		if p.Contains(t.Refunds[i].At) {
			return true
		}
	}
	return false
}

// AddTrades takes one page of the account's trades: it keeps those that
// touch the period and, for signcustomer, adds the movements before it to
// OpeningBalance (which starts from the account's base; see Opening). A
// caller that reads the book page by page so holds only the period's
// trades, not the account's whole history.
func (in *Input) AddTrades(page []trade.Trade) {
	for i := range page {
		if Touches(&page[i], in.Period) {
			in.Trades = append(in.Trades, page[i])
		}
	}
	if in.Type == SignCustomer {
		in.OpeningBalance += Opening(0, page, nil, in.Period, in.FeeRate)
	}
}

// AddTransfers is AddTrades for a page of the account's transfers
// (signcustomer only).
func (in *Input) AddTransfers(page []fund.Transfer) {
	for _, x := range page {
		if x.Status == fund.Fail {
			continue
		}
		if in.Period.Contains(x.Created) || (x.Status == fund.Refund && in.Period.Contains(x.Changed)) {
			in.Transfers = append(in.Transfers, x)
		}
	}
	in.OpeningBalance += Opening(0, nil, page, in.Period, in.FeeRate)
}

// AddReceived is AddTrades for a page of transfers of any app
// (signcustomer only): it keeps those paid into account (the payee's
// apps.Registry.Account) that moved money in the period.
func (in *Input) AddReceived(page []fund.Transfer, account string) {
	var mine []fund.Transfer
	for _, x := range page {
		if x.PayeeAccount == account && received(x) {
			mine = append(mine, x)
		}
	}
	for _, x := range mine {
		if in.Period.Contains(x.Changed) {
			in.Received = append(in.Received, x)
		}
	}
	in.OpeningBalance += opening(0, sources{received: mine}, in.Period, in.FeeRate)
}

// AddSettled is AddTrades for a page of trades of any app (signcustomer
// only): it keeps those whose settlements paid into account
// (trade.Trade.Credits, creditOf naming a receiver's account) and moved
// its money in the period.
func (in *Input) AddSettled(page []trade.Trade, account string, creditOf func(user string) string) {
	in.settledAccount, in.creditOf = account, creditOf
	var mine []trade.Trade
	for i := range page {
		if _, ok := page[i].Credits(creditOf)[account]; ok {
			mine = append(mine, page[i])
		}
	}
	for i := range mine {
		touches := false
		creditMoves(&mine[i], account, creditOf, func(r ledgerRow) { touches = touches || in.Period.Contains(r.at) })
		if touches {
			in.Settled = append(in.Settled, mine[i])
		}
	}
	in.OpeningBalance += opening(0, sources{settled: mine, account: account, creditOf: creditOf}, in.Period, in.FeeRate)
}

// AddRedPackets is AddTrades for a page of an app's red packets
// (signcustomer only): it keeps those the merchant funded that moved
// money in the period.
func (in *Input) AddRedPackets(page []coupon.Order) {
	for i := range page {
		touches := false
		packetMoves(&page[i], func(r ledgerRow) { touches = touches || in.Period.Contains(r.at) })
		if touches {
			in.RedPackets = append(in.RedPackets, page[i])
		}
	}
	in.OpeningBalance += opening(0, sources{packets: page}, in.Period, in.FeeRate)
}
