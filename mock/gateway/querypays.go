package gateway

import (
	"sync/atomic"

	"github.com/alipay-mock/alipay-mock/fixtures"
)

// QueryPays keeps, for replicas sharing a database, the queries a
// scenario's simulated buyer waits for before paying (pay_after_queries):
// a query reaching any replica counts once.
type QueryPays interface {
	// PutQueryPay plans that the buyer who pays after left queries of
	// app's out_trade_no out.
	PutQueryPay(app, out string, left int, who *fixtures.Buyer) error
	// TakeQuery counts one query; pay is true on the one query the buyer
	// pays on (once, across replicas), with who pays.
	TakeQuery(app, out string) (pay bool, who *fixtures.Buyer, err error)
}

// SharedQueryPays is a QueryPays that reads the store only once some
// buyer waits for queries (Some, told by any replica): until then a query
// costs nothing more.
type SharedQueryPays struct {
	Store QueryPays
	some  atomic.Bool
}

// Some tells it that a buyer waits for queries somewhere.
func (q *SharedQueryPays) Some() { q.some.Store(true) }

// PutQueryPay implements QueryPays.
func (q *SharedQueryPays) PutQueryPay(app, out string, left int, who *fixtures.Buyer) error {
	q.some.Store(true)
	return q.Store.PutQueryPay(app, out, left, who)
}

// TakeQuery implements QueryPays.
func (q *SharedQueryPays) TakeQuery(app, out string) (bool, *fixtures.Buyer, error) {
	if !q.some.Load() {
		return false, nil, nil
	}
	return q.Store.TakeQuery(app, out)
}
