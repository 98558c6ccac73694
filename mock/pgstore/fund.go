package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/fixtures"
	"github.com/alipay-mock/alipay-mock/mock/fund"
	"github.com/alipay-mock/alipay-mock/mock/notify"
	"github.com/alipay-mock/alipay-mock/mock/trade"
)

// fundSchema holds transfers and accounts. alipay_mock_paid has a row per
// paid trade, written in the trade's own transaction (paidWrite): what it
// brought in by the bills' rule, and its buyer (the payees a transfer
// knows, found through an index). A trigger adds each change of a paid
// trade's income to its app's account row in that same transaction, so
// every replica reads one income, counted once. A change that lowers a
// paid trade's income (a refund, a settlement) and leaves the account's
// available balance below zero is refused there (balanceNotEnough), under
// the row lock transfers take: the trade's transaction sets the opening
// balance a never-set base stands for (coverWrite).
const fundSchema = `
CREATE TABLE IF NOT EXISTS alipay_mock_paid (
	trade_no      text PRIMARY KEY REFERENCES alipay_mock_trades (trade_no) ON DELETE CASCADE,
	app_id        text NOT NULL,
	income        bigint NOT NULL,
	buyer_user_id text NOT NULL,
	buyer_account text NOT NULL,
	buyer_open_id text NOT NULL,
	buyer_name    text NOT NULL
);
CREATE INDEX IF NOT EXISTS alipay_mock_paid_user ON alipay_mock_paid (app_id, buyer_user_id);
CREATE INDEX IF NOT EXISTS alipay_mock_paid_account ON alipay_mock_paid (app_id, buyer_account) WHERE buyer_account <> '';
CREATE INDEX IF NOT EXISTS alipay_mock_paid_open ON alipay_mock_paid (app_id, buyer_open_id);
CREATE TABLE IF NOT EXISTS alipay_mock_fund_accounts (
	app_id     text PRIMARY KEY,
	base       bigint,
	income     bigint NOT NULL DEFAULT 0,
	out_amount bigint NOT NULL DEFAULT 0,
	frozen     bigint NOT NULL DEFAULT 0
);
CREATE OR REPLACE FUNCTION alipay_mock_paid_income() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE d bigint;
BEGIN
	IF TG_OP = 'DELETE' THEN
		-- --keep-trades trimming (keep.go) sets alipay_mock.keep_income: what a
		-- trimmed trade brought in stays, as an evicted trade's does in memory.
		IF coalesce(current_setting('alipay_mock.keep_income', true), '') <> 'on' THEN
			UPDATE alipay_mock_fund_accounts SET income = income - OLD.income WHERE app_id = OLD.app_id;
		END IF;
		RETURN OLD;
	END IF;
	d := NEW.income;
	IF TG_OP = 'UPDATE' THEN
		d := d - OLD.income;
	END IF;
	IF d <> 0 THEN
		INSERT INTO alipay_mock_fund_accounts (app_id, income) VALUES (NEW.app_id, d)
		ON CONFLICT (app_id) DO UPDATE SET income = alipay_mock_fund_accounts.income + EXCLUDED.income;
	END IF;
	IF d < 0 AND EXISTS (SELECT 1 FROM alipay_mock_fund_accounts WHERE app_id = NEW.app_id
		AND coalesce(base, nullif(current_setting('alipay_mock.opening', true), '')::bigint) + income - out_amount < 0) THEN
		RAISE EXCEPTION 'alipay_mock_balance_not_enough';
	END IF;
	RETURN NEW;
END $$;
DO $$ BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'alipay_mock_paid_income') THEN
		CREATE TRIGGER alipay_mock_paid_income AFTER INSERT OR UPDATE OR DELETE ON alipay_mock_paid
			FOR EACH ROW EXECUTE FUNCTION alipay_mock_paid_income();
	END IF;
END $$;
CREATE TABLE IF NOT EXISTS alipay_mock_transfers (
	seq               bigserial PRIMARY KEY,
	app_id            text NOT NULL,
	out_biz_no        text NOT NULL,
	order_id          text NOT NULL UNIQUE,
	pay_fund_order_id text,
	status            text NOT NULL,
	due               timestamptz,
	announce          boolean NOT NULL DEFAULT false,
	lease_until       timestamptz,
	data              bytea NOT NULL,
	UNIQUE (app_id, out_biz_no)
);
CREATE INDEX IF NOT EXISTS alipay_mock_transfers_pay ON alipay_mock_transfers (pay_fund_order_id) WHERE pay_fund_order_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS alipay_mock_transfers_due ON alipay_mock_transfers (due) WHERE due IS NOT NULL;
CREATE INDEX IF NOT EXISTS alipay_mock_transfers_announce ON alipay_mock_transfers (seq) WHERE announce;
CREATE INDEX IF NOT EXISTS alipay_mock_transfers_app ON alipay_mock_transfers (app_id, seq);
`

// transferLease is how long a replica holds a transfer whose status it is
// announcing (wall time): past it, another replica takes the work over.
const transferLease = 5 * time.Second

type incomeRule = func(trade.Trade) amount.Amount

// CountIncome sets what a paid trade brings into its merchant's account
// (the bills' rule); call it before Trades. Without it no income is
// counted.
func (db *DB) CountIncome(f func(trade.Trade) amount.Amount) { db.income = f }

// paidWrite is the write that keeps a paid trade's row of alipay_mock_paid
// (income and buyer) in step with the trade, in the trade's transaction;
// none for a trade not paid.
func (db *DB) paidWrite(tr trade.Trade) []write {
	if tr.Paid == nil || db.income == nil {
		return nil
	}
	b := tr.Buyer
	open := ""
	if b.UserID != "" {
		open = fixtures.OpenID(tr.AppID, b.UserID)
	}
	return []write{{sql: `INSERT INTO alipay_mock_paid
		(trade_no, app_id, income, buyer_user_id, buyer_account, buyer_open_id, buyer_name)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (trade_no) DO UPDATE SET income = EXCLUDED.income
		WHERE alipay_mock_paid.income <> EXCLUDED.income`,
		args: []any{tr.TradeNo, tr.AppID, int64(db.income(tr)), b.UserID, b.Account, open, b.Name}}}
}

// coverWrite sets, for the trade's transaction, the opening balance the
// trigger's check counts for an account whose base was never set, before
// a write that lowers a paid trade's income; none without an opening.
func (db *DB) coverWrite() []write {
	if db.opening == nil {
		return nil
	}
	return []write{{sql: `SELECT set_config('alipay_mock.opening', $1, true)`, args: []any{fmt.Sprint(int64(*db.opening))}}}
}

// OpenAt sets the opening balance of an account whose base was never set
// (fund.Options.Opening), which the check of a refund or settlement counts.
func (db *DB) OpenAt(opening amount.Amount) { db.opening = &opening }

// balanceNotEnough reports whether err is the trigger refusing a change
// the account cannot cover.
func balanceNotEnough(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "P0001" && pe.Message == "alipay_mock_balance_not_enough"
}

// PaidBuyer is the buyer of one of app's paid trades that identity names,
// by kind (trade.ByUserID, ByAccount, ByOpenID): one indexed lookup. A
// failed read is trade.StoreFailed, never "no such buyer".
func (db *DB) PaidBuyer(app, kind, identity string) (fixtures.Buyer, bool, error) {
	var col string
	switch kind {
	case trade.ByUserID:
		col = "buyer_user_id"
	case trade.ByAccount:
		col = "buyer_account"
	case trade.ByOpenID:
		col = "buyer_open_id"
	default:
		return fixtures.Buyer{}, false, nil
	}
	if identity == "" {
		return fixtures.Buyer{}, false, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	var b fixtures.Buyer
	err := db.pool.QueryRow(ctx, `SELECT buyer_user_id, buyer_account, buyer_name FROM alipay_mock_paid
		WHERE app_id = $1 AND `+col+` = $2 LIMIT 1`, app, identity).Scan(&b.UserID, &b.Account, &b.Name)
	if err != nil {
		if !errors.Is(err, pgx.ErrNoRows) {
			return fixtures.Buyer{}, false, trade.StoreFailed(db.failed(err))
		}
		return fixtures.Buyer{}, false, nil
	}
	return b, b.UserID != "", nil
}

// Fund is the transfer book's backend.
func (db *DB) Fund() fund.Backend { return fundBackend{db} }

type fundBackend struct{ db *DB }

func (f fundBackend) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), opTimeout)
}

func dueOf(t fund.Transfer) *time.Time {
	if at, ok := fund.Due(t); ok {
		return &at
	}
	return nil
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (f fundBackend) Create(t fund.Transfer, opening amount.Amount) (fund.Transfer, bool, error) {
	for try := 0; ; try++ {
		got, made, err := f.create(t, opening)
		if err == nil || try == 8 || !(errors.Is(err, errConflict) || conflict(err)) {
			if err != nil && !errors.Is(err, fund.ErrBalanceNotEnough) {
				err = f.db.failed(err)
			}
			return got, made, err
		}
	}
}

func (f fundBackend) create(t fund.Transfer, opening amount.Amount) (fund.Transfer, bool, error) {
	data, err := json.Marshal(t)
	if err != nil {
		return fund.Transfer{}, false, f.db.failed(err)
	}
	ctx, cancel := f.ctx()
	defer cancel()
	var got fund.Transfer
	made := false
	err = pgx.BeginFunc(ctx, f.db.pool, func(tx pgx.Tx) error {
		// The unique key decides: a concurrent insert of the same
		// out_biz_no waits for this one's end, then finds it.
		tag, err := tx.Exec(ctx, `INSERT INTO alipay_mock_transfers
			(app_id, out_biz_no, order_id, pay_fund_order_id, status, due, announce, lease_until, data)
			VALUES ($1, $2, $3, $4, $5, $6, true, clock_timestamp() + $7 * interval '1 millisecond', $8)
			ON CONFLICT (app_id, out_biz_no) DO NOTHING`,
			t.AppID, t.OutBizNo, t.OrderID, nullable(t.PayFundOrderID), string(t.Status), dueOf(t),
			transferLease.Milliseconds(), data)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var ok bool
			got, ok, err = findIn(ctx, tx, t.AppID, t.OutBizNo, "")
			if err == nil && !ok {
				err = errConflict // deleted meanwhile (a reset): try again
			}
			return err
		}
		got, made = t, true
		if t.Out() == 0 {
			return nil // FAIL: no money moves, whatever the balance
		}
		if _, err := tx.Exec(ctx, `INSERT INTO alipay_mock_fund_accounts (app_id) VALUES ($1) ON CONFLICT DO NOTHING`, t.AppID); err != nil {
			return err
		}
		freeze := amount.Amount(0)
		if t.Status == fund.Dealing {
			freeze = t.Amount
		}
		// The balance check and the take are one statement on the
		// account's row: concurrent transfers queue on its lock.
		tag, err = tx.Exec(ctx, `UPDATE alipay_mock_fund_accounts
			SET out_amount = out_amount + $2, frozen = frozen + $3
			WHERE app_id = $1 AND coalesce(base, $4) + income - out_amount >= $2`,
			t.AppID, int64(t.Out()), int64(freeze), int64(opening))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fund.ErrBalanceNotEnough
		}
		return nil
	})
	if err != nil {
		return fund.Transfer{}, false, err
	}
	return got, made, nil
}

const transferCols = "SELECT seq, data FROM alipay_mock_transfers "

func findIn(ctx context.Context, q querier, app, out, order string) (fund.Transfer, bool, error) {
	var sql string
	var args []any
	switch {
	case out != "":
		sql, args = transferCols+"WHERE app_id = $1 AND out_biz_no = $2", []any{app, out}
	case app != "":
		sql, args = transferCols+"WHERE app_id = $1 AND (order_id = $2 OR pay_fund_order_id = $2) ORDER BY seq LIMIT 1", []any{app, order}
	default:
		sql, args = transferCols+"WHERE order_id = $1 OR pay_fund_order_id = $1 ORDER BY seq LIMIT 1", []any{order}
	}
	ts, _, err := readTransfers(q, ctx, sql, args, 0)
	if err != nil || len(ts) == 0 {
		return fund.Transfer{}, false, err
	}
	return ts[0], true, nil
}

// readTransfers reads rows of (seq, data); with limit > 0 it reads one more
// to tell whether there is a next page, whose position it returns.
func readTransfers(q querier, ctx context.Context, sql string, args []any, limit int) ([]fund.Transfer, uint64, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []fund.Transfer{}
	var last, next uint64
	for rows.Next() {
		var seq int64
		var data []byte
		if err := rows.Scan(&seq, &data); err != nil {
			return nil, 0, err
		}
		if limit > 0 && len(out) == limit {
			next = last
			break
		}
		var t fund.Transfer
		if err := json.Unmarshal(data, &t); err != nil {
			return nil, 0, fmt.Errorf("transfer %d: %w", seq, err)
		}
		out = append(out, t)
		last = uint64(seq)
	}
	return out, next, rows.Err()
}

func (f fundBackend) Find(app, out, order string) (fund.Transfer, bool, error) {
	if out == "" && order == "" || out != "" && app == "" {
		return fund.Transfer{}, false, nil
	}
	if noRowHolds(app) || noRowHolds(out) || noRowHolds(order) {
		return fund.Transfer{}, false, nil // no row holds it (the query would fail on the value)
	}
	ctx, cancel := f.ctx()
	defer cancel()
	t, ok, err := findIn(ctx, f.db.pool, app, out, order)
	return t, ok, f.db.failed(err)
}

func (f fundBackend) Account(app string, opening amount.Amount) (fund.Account, amount.Amount, error) {
	ctx, cancel := f.ctx()
	defer cancel()
	var base, income, out, freeze int64
	err := f.db.pool.QueryRow(ctx, `SELECT coalesce(base, $2), income, out_amount, frozen
		FROM alipay_mock_fund_accounts WHERE app_id = $1`, app, int64(opening)).Scan(&base, &income, &out, &freeze)
	if errors.Is(err, pgx.ErrNoRows) {
		return fund.Account{Available: opening}, opening, nil
	}
	if err != nil {
		return fund.Account{Available: opening}, opening, f.db.failed(err)
	}
	return fund.Account{Available: amount.Amount(base + income - out), Freeze: amount.Amount(freeze)}, amount.Amount(base), nil
}

func (f fundBackend) SetBalance(app string, want, opening amount.Amount) (fund.Account, error) {
	ctx, cancel := f.ctx()
	defer cancel()
	var base, income, out, freeze int64
	err := f.db.pool.QueryRow(ctx, `INSERT INTO alipay_mock_fund_accounts (app_id, base) VALUES ($1, $2)
		ON CONFLICT (app_id) DO UPDATE SET base = $2 - (alipay_mock_fund_accounts.income - alipay_mock_fund_accounts.out_amount)
		RETURNING base, income, out_amount, frozen`, app, int64(want)).Scan(&base, &income, &out, &freeze)
	if err != nil {
		return fund.Account{}, f.db.failed(err)
	}
	return fund.Account{Available: amount.Amount(base + income - out), Freeze: amount.Amount(freeze)}, nil
}

func (f fundBackend) Reset(app string) error {
	if noRowHolds(app) {
		return nil
	}
	ctx, cancel := f.ctx()
	defer cancel()
	return f.db.failed(pgx.BeginFunc(ctx, f.db.pool, func(tx pgx.Tx) error {
		where, args := "", []any{}
		if app != "" {
			where, args = " WHERE app_id = $1", []any{app}
		}
		if _, err := tx.Exec(ctx, "DELETE FROM alipay_mock_transfers"+where, args...); err != nil {
			return err
		}
		// Income is counted again from the paid trades still stored (their
		// own reset takes theirs away, through the trigger); what trimmed
		// trades brought in goes, as an evicted trade's does in memory.
		_, err := tx.Exec(ctx, `UPDATE alipay_mock_fund_accounts a SET base = NULL, out_amount = 0, frozen = 0,
			income = (SELECT coalesce(sum(p.income), 0) FROM alipay_mock_paid p WHERE p.app_id = a.app_id)`+where, args...)
		return err
	}))
}

func (f fundBackend) Page(app string, after uint64, limit int) ([]fund.Transfer, uint64, error) {
	if noRowHolds(app) {
		return nil, 0, nil
	}
	if limit <= 0 {
		limit = 1 << 30
	}
	ctx, cancel := f.ctx()
	defer cancel()
	var ts []fund.Transfer
	var next uint64
	var err error
	if app == "" {
		ts, next, err = readTransfers(f.db.pool, ctx, transferCols+"WHERE seq > $1 ORDER BY seq LIMIT $2",
			[]any{int64(after), limit + 1}, limit)
	} else {
		ts, next, err = readTransfers(f.db.pool, ctx, transferCols+"WHERE app_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
			[]any{app, int64(after), limit + 1}, limit)
	}
	return ts, next, f.db.failed(err)
}

func (f fundBackend) Count() (int, error) {
	ctx, cancel := f.ctx()
	defer cancel()
	var n int
	err := f.db.pool.QueryRow(ctx, "SELECT count(*) FROM alipay_mock_transfers").Scan(&n)
	return n, f.db.failed(err)
}

func (f fundBackend) Claim(now time.Time, max int) ([]fund.Job, error) {
	ctx, cancel := f.ctx()
	defer cancel()
	rows, err := f.db.pool.Query(ctx, `UPDATE alipay_mock_transfers
		SET lease_until = clock_timestamp() + $1 * interval '1 millisecond'
		WHERE seq IN (SELECT seq FROM alipay_mock_transfers
			WHERE (announce OR due <= $2) AND (lease_until IS NULL OR lease_until < clock_timestamp())
			ORDER BY seq LIMIT $3 FOR UPDATE SKIP LOCKED)
		RETURNING seq, announce, data`, transferLease.Milliseconds(), now, max)
	if err != nil {
		return nil, f.db.failed(err)
	}
	defer rows.Close()
	var out []fund.Job
	for rows.Next() {
		var seq int64
		var j fund.Job
		var data []byte
		if err := rows.Scan(&seq, &j.Announce, &data); err != nil {
			return nil, f.db.failed(err)
		}
		if err := json.Unmarshal(data, &j.Transfer); err != nil {
			return nil, f.db.failed(fmt.Errorf("transfer %d: %w", seq, err))
		}
		out = append(out, j)
	}
	return out, f.db.failed(rows.Err())
}

func (f fundBackend) Change(t fund.Transfer) (bool, error) {
	data, err := json.Marshal(t)
	if err != nil {
		return false, f.db.failed(err)
	}
	ctx, cancel := f.ctx()
	defer cancel()
	won := false
	err = pgx.BeginFunc(ctx, f.db.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE alipay_mock_transfers
			SET status = $3, due = NULL, data = $4, announce = true,
				lease_until = clock_timestamp() + $5 * interval '1 millisecond'
			WHERE app_id = $1 AND out_biz_no = $2 AND status = 'DEALING' AND NOT announce`,
			t.AppID, t.OutBizNo, string(t.Status), data, transferLease.Milliseconds())
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		won = true
		// It was DEALING: its amount was out and frozen. SUCCESS keeps it
		// out; REFUND gives it back.
		_, err = tx.Exec(ctx, `UPDATE alipay_mock_fund_accounts SET frozen = frozen - $2, out_amount = out_amount - $3
			WHERE app_id = $1`, t.AppID, int64(t.Amount), int64(t.Amount-t.Out()))
		return err
	})
	if err != nil {
		return false, f.db.failed(err)
	}
	return won, nil
}

func (f fundBackend) Announced(t fund.Transfer) error {
	ctx, cancel := f.ctx()
	defer cancel()
	_, err := f.db.pool.Exec(ctx, `UPDATE alipay_mock_transfers SET announce = false, lease_until = NULL
		WHERE app_id = $1 AND out_biz_no = $2 AND status = $3`, t.AppID, t.OutBizNo, string(t.Status))
	return f.db.failed(err)
}

// Told looks for t's status's message among the stored notifications
// (their JSON, by trade_no: the transfer's order_id): a scan, made only
// when a replica takes over a status another did not record as announced.
func (f fundBackend) Told(t fund.Transfer) (bool, error) {
	ctx, cancel := f.ctx()
	defer cancel()
	var told bool
	err := f.db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM alipay_mock_notifications
		WHERE strpos(convert_from(data, 'UTF8'), $1) > 0 AND strpos(convert_from(data, 'UTF8'), $2) > 0
			AND strpos(convert_from(data, 'UTF8'), $3) > 0)`,
		`"trade_no":"`+t.OrderID+`"`, `"event":"`+notify.TransferChanged+`"`, `"trade_status":"`+string(t.Status)+`"`).Scan(&told)
	return told, f.db.failed(err)
}
