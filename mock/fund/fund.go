// Package fund holds each merchant's account (its balance) and the transfers it
// pays out with alipay.fund.trans.uni.transfer (单笔转账到支付宝账户): the
// state machine of a transfer (SUCCESS, DEALING, FAIL, REFUND), its
// business errors and the balance they move. No HTTP.
package fund

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/fixtures"
)

// Values of the request (AlipayFundTransUniTransferModel, Participant,
// AlipayFundAccountQueryModel).
const (
	ProductNoPwd = "TRANS_ACCOUNT_NO_PWD" // 单笔无密转账到支付宝账户
	SceneDirect  = "DIRECT_TRANSFER"

	IdentityUserID  = "ALIPAY_USER_ID"
	IdentityLogonID = "ALIPAY_LOGON_ID"
	IdentityOpenID  = "ALIPAY_OPEN_ID"

	AccountType = "ACCTRANS_ACCOUNT" // the balance account
)

// Status is a transfer's status (AlipayFundTransUniTransferResponse.status).
type Status string

// Statuses. Production documents DEALING and REFUND for bank-card payees
// only ("转账到支付宝账户不涉及"); the mock reaches them through scenarios.
const (
	Success Status = "SUCCESS"
	Dealing Status = "DEALING"
	Fail    Status = "FAIL"
	Refund  Status = "REFUND"
)

// Statuses lists the statuses a scenario may ask for.
var Statuses = []Status{Success, Dealing, Fail, Refund}

// Limits: production's range of trans_amount for TRANS_ACCOUNT_NO_PWD is
// [0.1, 100000000]; the text bounds are the mock's (what one request can
// make it keep).
const (
	MinAmount   amount.Amount = 10
	MaxAmount   amount.Amount = 100000000_00
	MaxOutNo                  = 64
	MaxTitle                  = 128
	MaxRemark                 = 200
	MaxPassback               = 1024
	MaxName                   = 128
	MaxIdentity               = 128
	// The transfer scene's bounds are the mock's too (inferred).
	MaxSceneName   = 64
	MaxSceneInfos  = 10
	MaxInfoType    = 64
	MaxInfoContent = 256
)

// DefaultOpening is the balance an app's account starts with (the mock's:
// production's accounts hold what their merchant has; docs/transfers.md).
const DefaultOpening amount.Amount = 1000000_00

// DefaultDealing is how long a DEALING transfer takes to end, on the
// mock's clock, unless its scenario says otherwise.
const DefaultDealing = 5 * time.Minute

// DefaultKeep is how many transfers the book keeps unless told otherwise.
const DefaultKeep = 100_000

// Participant is payee_info (alipay-sdk-java-all Participant).
type Participant struct {
	Identity     string `json:"identity"`
	IdentityType string `json:"identity_type"`
	Name         string `json:"name,omitempty"`
}

// SceneReportInfo is one of transfer_scene_report_infos
// (alipay-sdk-java-all TransferSceneReportInfo): a fact about the
// transfer's scene, e.g. info_type 佣金报酬说明 for the scene 佣金报酬.
type SceneReportInfo struct {
	InfoType    string `json:"info_type"`
	InfoContent string `json:"info_content"`
}

// Request is the biz_content of alipay.fund.trans.uni.transfer
// (AlipayFundTransUniTransferModel): the fields the mock reads.
type Request struct {
	OutBizNo       string        `json:"out_biz_no"`
	TransAmount    amount.Amount `json:"trans_amount"`
	ProductCode    string        `json:"product_code"`
	BizScene       string        `json:"biz_scene"`
	OrderTitle     string        `json:"order_title"`
	PayeeInfo      *Participant  `json:"payee_info"`
	Remark         string        `json:"remark"`
	PassbackParams string        `json:"passback_params"`
	BusinessParams string        `json:"business_params"`
	// The scene the merchant reports (转账场景报备), required since
	// December 2025 (docs/transfers.md).
	SceneName        string            `json:"transfer_scene_name"`
	SceneReportInfos []SceneReportInfo `json:"transfer_scene_report_infos"`
}

// QueryRequest is the biz_content of alipay.fund.trans.common.query
// (AlipayFundTransCommonQueryModel).
type QueryRequest struct {
	ProductCode    string `json:"product_code"`
	BizScene       string `json:"biz_scene"`
	OutBizNo       string `json:"out_biz_no"`
	OrderID        string `json:"order_id"`
	PayFundOrderID string `json:"pay_fund_order_id"`
}

// AccountRequest is the biz_content of alipay.fund.account.query
// (AlipayFundAccountQueryModel).
type AccountRequest struct {
	AlipayUserID       string `json:"alipay_user_id"`
	AlipayOpenID       string `json:"alipay_open_id"`
	AccountType        string `json:"account_type"`
	AccountProductCode string `json:"account_product_code"`
	AccountSceneCode   string `json:"account_scene_code"`
	MerchantUserID     string `json:"merchant_user_id"`
}

// Transfer is one transfer order.
type Transfer struct {
	AppID    string `json:"app_id"`
	ISVAppID string `json:"isv_app_id,omitempty"`
	OutBizNo string `json:"out_biz_no"`
	OrderID  string `json:"order_id"`
	// PayFundOrderID is set once money left the account (not for FAIL).
	PayFundOrderID string        `json:"pay_fund_order_id,omitempty"`
	Amount         amount.Amount `json:"trans_amount"`
	ProductCode    string        `json:"product_code"`
	BizScene       string        `json:"biz_scene"`
	OrderTitle     string        `json:"order_title,omitempty"`
	Remark         string        `json:"remark,omitempty"`
	PassbackParams string        `json:"passback_params,omitempty"`
	// SceneName and SceneReportInfos are the scene the request reported.
	SceneName        string            `json:"transfer_scene_name,omitempty"`
	SceneReportInfos []SceneReportInfo `json:"transfer_scene_report_infos,omitempty"`
	Payee            Participant       `json:"payee_info"`
	// PayeeUserID is the user the payee identity names.
	PayeeUserID string `json:"payee_user_id"`
	// PayeeAccount is the payee's balance account when it is one of the
	// mock's merchants (its PID): a SUCCESS transfer's money arrives there.
	PayeeAccount string `json:"payee_account,omitempty"`
	// Payer is the merchant's user id (PID).
	Payer      string `json:"payer_user_id"`
	Status     Status `json:"status"`
	ErrorCode  string `json:"error_code,omitempty"`
	FailReason string `json:"fail_reason,omitempty"`
	// Created is when the transfer was made; Changed when its status last
	// changed.
	Created time.Time `json:"created"`
	Changed time.Time `json:"changed"`
	// Due is when a DEALING transfer ends, becoming Next.
	Due  *time.Time `json:"due,omitempty"`
	Next Status     `json:"next,omitempty"`

	seq  int
	acct string // the account it moved money in (Book.AccountsBy)
}

// Out is what the transfer takes from the account now: its amount while
// DEALING or SUCCESS, nothing once FAIL or REFUND.
func (t Transfer) Out() amount.Amount {
	if t.Status == Success || t.Status == Dealing {
		return t.Amount
	}
	return 0
}

// Final reports whether the transfer's status can no longer change.
func (t Transfer) Final() bool { return t.Status != Dealing }

// same reports whether a repeat of out_biz_no asks for the same transfer.
func (t Transfer) same(in Request) bool {
	p := in.PayeeInfo
	return t.Amount == in.TransAmount && t.ProductCode == in.ProductCode && t.BizScene == in.BizScene &&
		t.Payee == *p && t.OrderTitle == in.OrderTitle && t.Remark == in.Remark
}

// Plan is how a new transfer goes (a scenario's then.transfer): the status
// it ends in and, for one that passes through DEALING, after how long.
type Plan struct {
	Status Status
	After  time.Duration
}

// Payee is a user a transfer may pay: one the mock knows (a buyer of one
// of the app's trades) or any well-shaped identity (a fake user).
type Payee struct {
	UserID string
	Name   string // "" when the mock does not know the user's name
}

// Account is a merchant's balance account (alipay.fund.account.query).
type Account struct {
	Available amount.Amount `json:"available_amount"`
	Freeze    amount.Amount `json:"freeze_amount"`
}

var openIDPattern = regexp.MustCompile(`^0[0-9]{2}[0-9A-Za-z_-]{44}$`)

// wellShaped reports whether an identity of its type can name a user:
// a 2088 user id, a phone number or e-mail address, an open id of the
// shape fixtures.OpenID makes.
func wellShaped(p Participant) bool {
	switch p.IdentityType {
	case IdentityUserID:
		return fixtures.IsUserID(p.Identity)
	case IdentityLogonID:
		return fixtures.IsLogonID(p.Identity)
	case IdentityOpenID:
		return len(p.Identity) == fixtures.OpenIDLen && openIDPattern.MatchString(p.Identity)
	}
	return false
}

// check validates a transfer request in the order the mock answers:
// parameters, then amount limits (business errors). sceneOptional is
// --transfer-scene-optional: no transfer_scene_name is accepted.
func check(in Request, sceneOptional bool) error {
	p := in.PayeeInfo
	switch {
	case in.OutBizNo == "":
		return InvalidParameter("out_biz_no不能为空")
	case len(in.OutBizNo) > MaxOutNo:
		return InvalidParameter("out_biz_no长度不能超过64位")
	case in.TransAmount <= 0:
		return InvalidParameter("trans_amount不能为空且必须大于0")
	case in.ProductCode == "":
		return InvalidParameter("product_code不能为空")
	case in.ProductCode != ProductNoPwd:
		return ErrProductNotSigned
	case in.BizScene == "":
		return InvalidParameter("biz_scene不能为空")
	case in.BizScene != SceneDirect:
		return InvalidParameter("biz_scene不支持：" + limitText(in.BizScene))
	case in.SceneName == "" && !sceneOptional:
		return ErrSceneNameBlank
	case utf8.RuneCountInString(in.SceneName) > MaxSceneName:
		return InvalidParameter("transfer_scene_name过长")
	case p == nil:
		return InvalidParameter("payee_info不能为空")
	case p.IdentityType != IdentityUserID && p.IdentityType != IdentityLogonID && p.IdentityType != IdentityOpenID:
		return InvalidParameter("identity_type只能是ALIPAY_USER_ID、ALIPAY_LOGON_ID或ALIPAY_OPEN_ID")
	case p.Identity == "":
		return InvalidParameter("identity不能为空")
	case len(p.Identity) > MaxIdentity || utf8.RuneCountInString(p.Name) > MaxName:
		return InvalidParameter("identity或name过长")
	case p.IdentityType == IdentityLogonID && p.Name == "":
		return InvalidParameter("identity_type为ALIPAY_LOGON_ID时name不能为空")
	case utf8.RuneCountInString(in.OrderTitle) > MaxTitle || utf8.RuneCountInString(in.Remark) > MaxRemark ||
		len(in.PassbackParams) > MaxPassback || len(in.BusinessParams) > MaxPassback:
		return InvalidParameter("order_title、remark、passback_params或business_params过长")
	}
	if err := checkSceneInfos(in.SceneReportInfos); err != nil {
		return err
	}
	switch {
	case in.TransAmount < MinAmount:
		return ErrMinAmount
	case in.TransAmount > MaxAmount:
		return ErrSingleLimit
	}
	return nil
}

// checkSceneInfos validates transfer_scene_report_infos: each entry with
// an info_type and an info_content, no info_type twice ("信息类型不可重复
// 填写", TransferSceneReportInfo); the bounds are the mock's.
func checkSceneInfos(infos []SceneReportInfo) error {
	if len(infos) > MaxSceneInfos {
		return InvalidParameter("transfer_scene_report_infos最多10条")
	}
	seen := make(map[string]bool, len(infos))
	for _, x := range infos {
		switch {
		case x.InfoType == "" || x.InfoContent == "":
			return InvalidParameter("transfer_scene_report_infos的info_type和info_content不能为空")
		case utf8.RuneCountInString(x.InfoType) > MaxInfoType || utf8.RuneCountInString(x.InfoContent) > MaxInfoContent:
			return InvalidParameter("transfer_scene_report_infos的info_type或info_content过长")
		case seen[x.InfoType]:
			return InvalidParameter("transfer_scene_report_infos的info_type不能重复：" + limitText(x.InfoType))
		}
		seen[x.InfoType] = true
	}
	return nil
}

// limitText is s cut to 32 bytes, for an error message.
func limitText(s string) string {
	if len(s) > 32 {
		s = s[:32]
	}
	return strings.ToValidUTF8(s, "")
}
