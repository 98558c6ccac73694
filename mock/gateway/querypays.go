package gateway

import "github.com/alipay-mock/alipay-mock/fixtures"

// QueryPays keeps, for replicas sharing a database, the queries a
// scenario's simulated buyer waits for before paying (pay_after_queries):
// a query reaching any replica counts once. Every query asks it (one
// keyed update): a replica cannot know in time that another planned one.
type QueryPays interface {
	// PutQueryPay plans that the buyer who pays after left queries of
	// app's out_trade_no out pays the trade numbered tradeNo.
	PutQueryPay(app, out, tradeNo string, left int, who *fixtures.Buyer) error
	// TakeQuery counts one query; pay is true on the one query the buyer
	// pays on (once, across replicas, unless that payment outlived its
	// claim: paying again a paid trade changes nothing), with who pays
	// which trade (tradeNo; "" in rows an earlier version stored). That
	// query then calls EndQueryPay.
	TakeQuery(app, out string) (pay bool, who *fixtures.Buyer, tradeNo string, err error)
	// EndQueryPay ends the payment TakeQuery let happen: kept, the buyer
	// goes (an error here leaves the payment kept); not kept (the query
	// answers 20000), it waits again, to pay on the next query.
	EndQueryPay(app, out string, kept bool) error
	// ForgetQueryPay takes back the buyer PutQueryPay planned for trade
	// tradeNo (the rest of its plan not kept).
	ForgetQueryPay(app, out, tradeNo string) error
}
