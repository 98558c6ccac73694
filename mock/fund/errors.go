package fund

import "github.com/alipay-mock/alipay-mock/alipay/apierr"

// Business errors of the transfer system (转账), with production's sub_code
// and sub_msg as merchants' error tables quote them (no ACQ. prefix).
var (
	ErrBalanceNotEnough = apierr.Business("PAYER_BALANCE_NOT_ENOUGH", "付款方余额不足")
	ErrPayeeNotExist    = apierr.Business("PAYEE_NOT_EXIST", "收款用户不存在")
	ErrPayeeUserInfo    = apierr.Business("PAYEE_USER_INFO_ERROR", "支付宝账号和姓名不匹配，请确认姓名是否正确")
	ErrMinAmount        = apierr.Business("EXCEED_LIMIT_SM_MIN_AMOUNT", "单笔最低转账金额0.1元")
	ErrSingleLimit      = apierr.Business("EXCEED_LIMIT_SM_AMOUNT", "单笔额度超限")
	ErrInconsistent     = apierr.Business("PAYMENT_INFO_INCONSISTENCY", "两次请求商户单号一样，但是参数不一致")
	ErrPayerPayeeSame   = apierr.Business("PAYER_PAYEE_CANNOT_SAME", "收付款方不能相同")
	ErrProductNotSigned = apierr.Business("PRODUCT_NOT_SIGN", "产品未签约")
	ErrOrderNotExist    = apierr.Business("ORDER_NOT_EXIST", "转账订单不存在")
	// ErrSceneNameBlank is a transfer without transfer_scene_name, refused
	// since December 2025 (sub_code from merchants' reports, sub_msg
	// inferred; docs/transfers.md).
	ErrSceneNameBlank = apierr.Business("TRANSFER_SCENE_NAME_BLANK", "转账场景名称不能为空")
)

// InvalidParameter is INVALID_PARAMETER with the field named ("参数有误",
// as the transfer error tables give it).
func InvalidParameter(detail string) *apierr.Error {
	return apierr.Business("INVALID_PARAMETER", "参数有误："+detail)
}

// Why a transfer answered FAIL or later REFUND says so in query's
// error_code and fail_reason (inferred: production fills them from the
// payee side's failure; the mock always names this one).
const (
	FailCode   = "PAYEE_ACCOUNT_STATUS_ERROR"
	FailReason = "收款方账号异常"
)
