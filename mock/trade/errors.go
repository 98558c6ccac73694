package trade

import "github.com/alipay-mock/alipay-mock/alipay/apierr"

// Business errors of the acquiring system, with production's sub_msg text.
var (
	ErrTradeNotExist         = apierr.Business("ACQ.TRADE_NOT_EXIST", "交易不存在")
	ErrTradeHasSuccess       = apierr.Business("ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
	ErrTradeHasClose         = apierr.Business("ACQ.TRADE_HAS_CLOSE", "交易已经关闭")
	ErrTradeHasFinished      = apierr.Business("ACQ.TRADE_HAS_FINISHED", "交易已完结")
	ErrTradeStatus           = apierr.Business("ACQ.TRADE_STATUS_ERROR", "交易状态非法")
	ErrContextInconsistent   = apierr.Business("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
	ErrTotalFeeExceed        = apierr.Business("ACQ.TOTAL_FEE_EXCEED", "订单总金额超过限额")
	ErrAuthCodeInvalid       = apierr.Business("ACQ.PAYMENT_AUTH_CODE_INVALID", "支付授权码无效")
	ErrRefundAmountExceed    = apierr.Business("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
	ErrRefundNotTotal        = apierr.Business("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "撤销或退款金额与订单金额不一致")
	ErrDiscordantRepeat      = apierr.Business("ACQ.DISCORDANT_REPEAT_REQUEST", "不一致的请求")
	ErrRefundFee             = apierr.Business("ACQ.REASON_TRADE_REFUND_FEE_ERR", "退款金额无效")
	ErrCancelTimeout         = apierr.Business("ACQ.TRADE_CANCEL_TIME_OUT", "超过撤销时间范围")
	ErrBuyerSellerEqual      = apierr.Business("ACQ.BUYER_SELLER_EQUAL", "买卖家不能相同")
	ErrPaymentFail           = apierr.Business("ACQ.PAYMENT_FAIL", "支付失败")
	ErrBuyerBalanceNotEnough = apierr.Business("ACQ.BUYER_BALANCE_NOT_ENOUGH", "买家余额不足")
	ErrBuyerNotMatch         = apierr.Business("ACQ.TRADE_BUYER_NOT_MATCH", "交易买家不匹配")
	ErrInvalidReceiveAccount = apierr.Business("ACQ.INVALID_RECEIVE_ACCOUNT", "收款账户不支持")
	ErrSubGoodsSizeMaxCount  = apierr.Business("ACQ.SUB_GOODS_SIZE_MAX_COUNT", "子商品明细超长")
)

// InvalidParameter is ACQ.INVALID_PARAMETER with the field named, so a
// developer sees which one production would have refused.
func InvalidParameter(detail string) *apierr.Error {
	msg := "参数无效"
	if detail != "" {
		msg += "：" + detail
	}
	return apierr.Business("ACQ.INVALID_PARAMETER", msg)
}
