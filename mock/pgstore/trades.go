package pgstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// Trades is the trade book's backend.
func (db *DB) Trades() trade.Backend { return tradeBackend{db} }

type tradeBackend struct{ db *DB }

func (b tradeBackend) Begin() (trade.Tx, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	tx, err := b.db.pool.Begin(ctx)
	if err != nil {
		cancel()
		return nil, b.db.failed(err)
	}
	return &tradeTx{db: b.db, ctx: ctx, cancel: cancel, tx: tx, versions: map[string]int64{}}, nil
}

func (b tradeBackend) Reset(app string) error {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	var err error
	if app == "" {
		_, err = b.db.pool.Exec(ctx, "DELETE FROM alipay_mock_trades")
	} else {
		_, err = b.db.pool.Exec(ctx, "DELETE FROM alipay_mock_trades WHERE app_id = $1", app)
	}
	return b.db.failed(err)
}

type tradeTx struct {
	db       *DB
	ctx      context.Context
	cancel   context.CancelFunc
	tx       pgx.Tx
	versions map[string]int64 // of the rows read
}

const tradeCols = "SELECT trade_no, version, data FROM alipay_mock_trades "

func (t *tradeTx) Lock(l trade.Lookup) ([]trade.Trade, error) {
	var q string
	var args []any
	switch {
	case l.All:
		q = tradeCols + "ORDER BY created, trade_no"
	case l.Ref.TradeNo != "":
		q, args = tradeCols+"WHERE trade_no = $1 FOR UPDATE", []any{l.Ref.TradeNo}
	case l.Ref.OutTradeNo != "":
		q, args = tradeCols+"WHERE app_id = $1 AND out_trade_no = $2 FOR UPDATE", []any{l.App, l.Ref.OutTradeNo}
	case l.Token != "" && l.Page == trade.PageQR:
		q, args = tradeCols+"WHERE qr_token = $1 FOR UPDATE", []any{l.Token}
	case l.Token != "":
		q, args = tradeCols+"WHERE cashier_token = $1 FOR UPDATE", []any{l.Token}
	case l.Any != "" && l.App != "":
		q, args = tradeCols+"WHERE trade_no = $1 OR qr_token = $1 OR (app_id = $2 AND out_trade_no = $1) ORDER BY trade_no FOR UPDATE", []any{l.Any, l.App}
	case l.Any != "":
		q, args = tradeCols+"WHERE trade_no = $1 OR qr_token = $1 OR out_trade_no = $1 ORDER BY trade_no FOR UPDATE", []any{l.Any}
	default:
		return nil, nil
	}
	rows, err := t.tx.Query(t.ctx, q, args...)
	if err != nil {
		return nil, t.err(err)
	}
	defer rows.Close()
	var out []trade.Trade
	for rows.Next() {
		var no string
		var v int64
		var data []byte
		if err := rows.Scan(&no, &v, &data); err != nil {
			return nil, t.err(err)
		}
		tr, err := trade.Unmarshal(data)
		if err != nil {
			return nil, t.db.failed(fmt.Errorf("trade %s: %w", no, err))
		}
		t.versions[no] = v
		out = append(out, tr)
	}
	return out, t.err(rows.Err())
}

func (t *tradeTx) Insert(ts []trade.Trade) error {
	for _, tr := range ts {
		data, err := trade.Marshal(tr)
		if err != nil {
			return t.db.failed(err)
		}
		var qr *string
		if tr.QRToken != "" {
			qr = &tr.QRToken
		}
		_, err = t.tx.Exec(t.ctx, `INSERT INTO alipay_mock_trades
			(trade_no, app_id, out_trade_no, qr_token, cashier_token, created, data)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			tr.TradeNo, tr.AppID, tr.OutTradeNo, qr, tr.CashierToken, tr.Created, data)
		if err != nil {
			return t.err(err)
		}
	}
	return nil
}

func (t *tradeTx) Update(ts []trade.Trade) error {
	for _, tr := range ts {
		data, err := trade.Marshal(tr)
		if err != nil {
			return t.db.failed(err)
		}
		tag, err := t.tx.Exec(t.ctx, `UPDATE alipay_mock_trades SET data = $1, version = version + 1
			WHERE trade_no = $2 AND version = $3`, data, tr.TradeNo, t.versions[tr.TradeNo])
		if err != nil {
			return t.err(err)
		}
		if tag.RowsAffected() != 1 {
			return trade.ErrConflict
		}
	}
	return nil
}

func (t *tradeTx) Commit() error {
	defer t.cancel()
	return t.err(t.tx.Commit(t.ctx))
}

func (t *tradeTx) Rollback() {
	defer t.cancel()
	_ = t.tx.Rollback(t.ctx)
}

// err turns another transaction's winning write into trade.ErrConflict and
// reports the rest.
func (t *tradeTx) err(err error) error {
	if err == nil {
		return nil
	}
	if conflict(err) {
		return trade.ErrConflict
	}
	return t.db.failed(err)
}
