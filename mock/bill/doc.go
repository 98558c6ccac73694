// Package bill builds the reconciliation bill files (对账单) that the
// bill_download_url of alipay.data.dataservice.bill.downloadurl.query serves:
// a zip of two GBK CSV files, detail and summary, for bill_type trade
// (业务明细) or signcustomer (账务明细), for one GMT+8 day or month. It is
// pure: no HTTP, time only from its Input.
//
// Production facts the layout follows, with where they were seen:
//
//   - Zip <userId>_<yyyyMMdd>.csv.zip holding <userId>_<yyyyMMdd>_业务明细.csv
//     and _业务明细(汇总).csv, names in GBK without the UTF-8 flag
//     (QuantumNous/new-api tests of its AlipayTradeBillService;
//     dromara/dax-pay AlipayReconcileService reads the zip as GBK).
//     Signcustomer day files end _账务明细.csv (a citic test file names
//     20887019486626410156_20171230_账务明细.csv). Month bills name parts
//     <userId>_<yyyyMM>_业务明细_1.csv and _账务明细(汇总)_1.csv (two repos
//     reading real month bills).
//   - CRLF line ends (gxitsky.com, "业务实践系列(7)", 2020: the text "包含了 \r\n
//     换行符").
//   - 业务明细: lines #支付宝业务明细查询, #账号：[..], #起始日期：[yyyy年MM月dd日
//     HH:mm:ss]   终止日期：[..], the list marker, the 25-column header, rows,
//     the end marker, #交易合计：N笔，商家实收共X元，商家优惠共0.00元,
//     #退款合计：N笔，商家实收退款共-X元，商家优惠退款共0.00元, #导出时间：[..]
//     (a real 2019-09-16 bill pasted in a qdingnet AlipayGeneralPaymentHandlerTest). A TAB ends 支付宝交易号, 商户订单号, 业务类型, 门店编号, 门店名称,
//     操作员, 终端号, 对方账户, 商家红包消费金额 and 退款批次号/请求号. A refund row
//     repeats the trade's 创建时间, has the refund time as 完成时间, negative
//     订单金额 and 商家实收, and its out_request_no. Unused amounts are 0.00.
//   - 服务费 is negative on a payment row: -0.01 on a 1.00 trade at 0.6%
//     (gxitsky.com, 2020), so 0.6 fen rounds up; the 0.01 trades of the 2019
//     bill show 0.00. Hence half-up rounding to whole cents.
//   - 业务明细(汇总): #支付宝业务汇总查询, the same header lines, 业务汇总列表
//     markers, columns 门店编号 … 实收净额（元） (dromara/dax-pay
//     AlipayReconcileBillTotal.java), store lines then a 合计 line, then the
//     end marker and #导出时间 (parsers read the 合计 line third from last).
//   - 账务明细: #支付宝账务明细查询, 账务明细列表 markers, 12 columns 账务流水号 …
//     备注, TABs after the ids, 商品名称 and 对方账号, footers #支出合计：N笔，共X元
//     then #收入合计 (a 2012 bill quoted in CheckDataAliPayImp.java; an
//     open-platform parser reading the same 12 columns by index).
//     账务明细(汇总): #支付宝账务汇总查询, columns 类型,收入笔数,收入金额（+元）,
//     支出笔数,支出金额（-元）,总金额（元）, a 合计 line.
//   - The other bill_type values (merchant_act, trade_zft_merchant with smid,
//     zft_acc, settlementMerge) are not built: the method's error table
//     answers TYPE_NOT_SUPPORTED 此账单类型不支持下载 to an account without
//     their product, and no public source shows their columns (Type.Built).
//
// Inferred, not seen in a production file: the fee given back on a refund
// (positive, pro rata so a full refund returns the whole fee), the negative
// 订单金额 of a partial refund, 备注 = body, the name masking (last character
// kept), the summary's net sums and store TABs, everything in 账务明细 beyond
// its layout (business types 交易付款/收费/交易退款, 账务流水号 values, the
// balance starting at OpeningBalance, refund 业务流水号 tradeNo_outRequestNo),
// the voucher columns (券核销金额 split by funder into 支付宝优惠 and
// 商家优惠, 券名称, a refund's voucher part; 商家实收 = receipt_amount is
// documented: docs/differences.md), the signcustomer summary end marker,
// RFC 4180 quoting of cells with commas, '?' for characters GBK lacks, and
// the entry order (detail first).
package bill
