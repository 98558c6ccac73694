package mock_test

import (
	"testing"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// bill_date (AlipayDataDataserviceBillDownloadurlQueryModel): "当日数据一般于
// 次日 9 点前生成", "当月账单一般在次月 3 日生成". A reconciliation job that asks
// for yesterday's bill just after midnight gets 40004 isv.invalid_arguments
// until 09:00 GMT+8 on the mock's clock; a month's bill waits for the 3rd at
// 09:00. Options.BillsAtPeriodEnd (--bills-at-period-end) has them at the
// period's end.
func TestYesterdaysBillIsReadyAtNineTheNextMorning(t *testing.T) {
	m := mocktest.New(t, mock.Options{}) // 2026-11-23 10:00 GMT+8
	m.Call("alipay.trade.pay", `{"out_trade_no":"BILL-READY","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`)
	ask := func(date string) map[string]any {
		return m.Call("alipay.data.dataservice.bill.downloadurl.query", `{"bill_type":"trade","bill_date":"`+date+`"}`)
	}
	m.Advance("14h30m") // 2026-11-24 00:30
	expect(t, ask("2026-11-23"), "sub_code", "isv.invalid_arguments")
	m.Advance("8h29m") // 08:59
	expect(t, ask("2026-11-23"), "sub_code", "isv.invalid_arguments")
	m.Advance("1m") // 09:00
	expect(t, ask("2026-11-23"), "code", "10000")

	m.Advance("215h59m") // 2026-12-03 08:59
	expect(t, ask("2026-11"), "sub_code", "isv.invalid_arguments")
	m.Advance("1m")
	expect(t, ask("2026-11"), "code", "10000")

	m = mocktest.New(t, mock.Options{BillsAtPeriodEnd: true})
	m.Call("alipay.trade.pay", `{"out_trade_no":"BILL-END","scene":"bar_code","auth_code":"283912345678901234","total_amount":"1.00","subject":"s"}`)
	m.Advance("14h") // 2026-11-24 00:00
	expect(t, ask("2026-11-23"), "code", "10000")
	m.Advance("168h") // 2026-12-01 00:00
	expect(t, ask("2026-11"), "code", "10000")
}
