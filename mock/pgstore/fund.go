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
// brought in by the bills' rule, the account it went to (its merchant's:
// the mock's AccountsBy), and its buyer (the payees a transfer knows,
// found through an index). A trigger adds each change of a paid trade's
// income to its account's row in that same transaction, so every replica
// reads one income, counted once. A change that lowers a paid trade's
// income (a refund, a settlement) and leaves the account's available
// balance below zero is refused there (balanceNotEnough), under the row
// lock transfers take: the trade's transaction sets the opening balance a
// never-set base stands for (coverWrite). An earlier version kept an
// account per app (alipay_mock_fund_accounts): UpgradeAccounts merges
// those.
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
ALTER TABLE alipay_mock_paid ADD COLUMN IF NOT EXISTS account text;
CREATE INDEX IF NOT EXISTS alipay_mock_paid_user ON alipay_mock_paid (app_id, buyer_user_id);
CREATE INDEX IF NOT EXISTS alipay_mock_paid_account ON alipay_mock_paid (app_id, buyer_account) WHERE buyer_account <> '';
CREATE INDEX IF NOT EXISTS alipay_mock_paid_open ON alipay_mock_paid (app_id, buyer_open_id);
CREATE TABLE IF NOT EXISTS alipay_mock_fund_merchants (
	account    text PRIMARY KEY,
	base       bigint,
	income     bigint NOT NULL DEFAULT 0,
	out_amount bigint NOT NULL DEFAULT 0,
	frozen     bigint NOT NULL DEFAULT 0
);
-- What each app's trimmed paid trades brought in (--keep-trades), less
-- what its trimmed red packets kept out (keep.go's packetMoves): it stays
-- in the account's income, and a reset of the app takes it away.
CREATE TABLE IF NOT EXISTS alipay_mock_fund_trimmed (
	account text NOT NULL,
	app_id  text NOT NULL,
	income  bigint NOT NULL,
	PRIMARY KEY (account, app_id)
);
-- frozen is the part of a paid trade's income frozen for settlement
-- (royalty_freeze, trade.Trade.FrozenPart); frozen_income its sum per
-- account, trimmed trades' included: out of the available balance, in
-- freeze_amount.
ALTER TABLE alipay_mock_paid ADD COLUMN IF NOT EXISTS frozen bigint NOT NULL DEFAULT 0;
ALTER TABLE alipay_mock_fund_trimmed ADD COLUMN IF NOT EXISTS frozen bigint NOT NULL DEFAULT 0;
ALTER TABLE alipay_mock_fund_merchants ADD COLUMN IF NOT EXISTS frozen_income bigint NOT NULL DEFAULT 0;
CREATE OR REPLACE FUNCTION alipay_mock_paid_income() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE d bigint; f bigint;
BEGIN
	IF TG_OP = 'DELETE' THEN
		-- --keep-trades trimming (keep.go) sets alipay_mock.keep_income: what a
		-- trimmed trade brought in stays, frozen or not, as an evicted trade's
		-- does in memory.
		IF coalesce(current_setting('alipay_mock.keep_income', true), '') <> 'on' THEN
			UPDATE alipay_mock_fund_merchants SET income = income - OLD.income, frozen_income = frozen_income - OLD.frozen
			WHERE account = OLD.account;
		ELSIF OLD.account IS NOT NULL AND (OLD.income <> 0 OR OLD.frozen <> 0) THEN
			-- Kept per app, so that a reset of one app takes away its part alone.
			INSERT INTO alipay_mock_fund_trimmed (account, app_id, income, frozen) VALUES (OLD.account, OLD.app_id, OLD.income, OLD.frozen)
			ON CONFLICT (account, app_id) DO UPDATE SET income = alipay_mock_fund_trimmed.income + EXCLUDED.income,
				frozen = alipay_mock_fund_trimmed.frozen + EXCLUDED.frozen;
		END IF;
		RETURN OLD;
	END IF;
	d := NEW.income;
	f := NEW.frozen;
	IF TG_OP = 'UPDATE' THEN
		IF OLD.account IS DISTINCT FROM NEW.account THEN -- an earlier version's row given its account
			UPDATE alipay_mock_fund_merchants SET income = income - OLD.income, frozen_income = frozen_income - OLD.frozen
			WHERE account = OLD.account;
		ELSE
			d := d - OLD.income;
			f := f - OLD.frozen;
		END IF;
	END IF;
	IF (d <> 0 OR f <> 0) AND NEW.account IS NOT NULL THEN
		INSERT INTO alipay_mock_fund_merchants (account, income, frozen_income) VALUES (NEW.account, d, f)
		ON CONFLICT (account) DO UPDATE SET income = alipay_mock_fund_merchants.income + EXCLUDED.income,
			frozen_income = alipay_mock_fund_merchants.frozen_income + EXCLUDED.frozen_income;
	END IF;
	-- A change that takes from the available balance (a frozen trade's
	-- settlement or refund takes from its frozen part first).
	IF d - f < 0 AND EXISTS (SELECT 1 FROM alipay_mock_fund_merchants WHERE account = NEW.account
		AND coalesce(base, nullif(current_setting('alipay_mock.opening', true), '')::bigint) + income - out_amount - frozen_income < 0) THEN
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
-- What a paid trade's settlements paid into another mock merchant's
-- account (trade.Trade.Credits: its receiver's PID), less what its refunds
-- took back, one row per trade and account, written in the trade's
-- transaction (paidWrite); a trigger adds each change to that account's
-- income, as alipay_mock_paid's does to the payer's. Trimmed, it stays
-- there as the paying app's part (alipay_mock_fund_trimmed), which a reset
-- of that app takes away.
CREATE TABLE IF NOT EXISTS alipay_mock_credits (
	trade_no text NOT NULL REFERENCES alipay_mock_trades (trade_no) ON DELETE CASCADE,
	app_id   text NOT NULL,
	account  text NOT NULL,
	amount   bigint NOT NULL,
	PRIMARY KEY (trade_no, account)
);
CREATE OR REPLACE FUNCTION alipay_mock_credit_income() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE d bigint;
BEGIN
	IF TG_OP = 'DELETE' THEN
		IF coalesce(current_setting('alipay_mock.keep_income', true), '') <> 'on' THEN
			UPDATE alipay_mock_fund_merchants SET income = income - OLD.amount WHERE account = OLD.account;
		ELSIF OLD.amount <> 0 THEN
			INSERT INTO alipay_mock_fund_trimmed (account, app_id, income) VALUES (OLD.account, OLD.app_id, OLD.amount)
			ON CONFLICT (account, app_id) DO UPDATE SET income = alipay_mock_fund_trimmed.income + EXCLUDED.income;
		END IF;
		RETURN OLD;
	END IF;
	d := NEW.amount;
	IF TG_OP = 'UPDATE' THEN
		d := d - OLD.amount;
	END IF;
	IF d <> 0 THEN
		INSERT INTO alipay_mock_fund_merchants (account, income) VALUES (NEW.account, d)
		ON CONFLICT (account) DO UPDATE SET income = alipay_mock_fund_merchants.income + EXCLUDED.income;
	END IF;
	RETURN NEW;
END $$;
DO $$ BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'alipay_mock_credit_income') THEN
		CREATE TRIGGER alipay_mock_credit_income AFTER INSERT OR UPDATE OR DELETE ON alipay_mock_credits
			FOR EACH ROW EXECUTE FUNCTION alipay_mock_credit_income();
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
ALTER TABLE alipay_mock_transfers ADD COLUMN IF NOT EXISTS account text;
-- The rows an earlier version wrote, which UpgradeAccounts gives an account:
-- empty after the first start, so later starts find none at once.
CREATE INDEX IF NOT EXISTS alipay_mock_paid_unaccounted ON alipay_mock_paid (app_id) WHERE account IS NULL;
CREATE INDEX IF NOT EXISTS alipay_mock_transfers_unaccounted ON alipay_mock_transfers (app_id) WHERE account IS NULL;
`

// transferLease is how long a replica holds a transfer whose status it is
// announcing (wall time): past it, another replica takes the work over.
const transferLease = 5 * time.Second

type incomeRule = func(trade.Trade) amount.Amount

// openingBalance is the balance an account never set opens with (OpenAt;
// 0 before it), which a red packet's balance check reads.
func (db *DB) openingBalance() amount.Amount {
	if db.opening == nil {
		return 0
	}
	return *db.opening
}

// CountIncome sets what a paid trade brings into its merchant's account
// (the bills' rule), and which account an app's trades pay into (the
// mock's one rule: apps.Registry.Account); call it before Trades. Without
// it no income is counted.
func (db *DB) CountIncome(f func(trade.Trade) amount.Amount, accountOf func(app string) string) {
	db.income, db.accountOf = f, accountOf
}

// CountCredits sets which account a settlement's userId receiver pays
// into ("" for none: trade.Trade.Credits), whose rows paidWrite keeps in
// alipay_mock_credits.
func (db *DB) CountCredits(creditAccount func(user string) string) { db.creditAccount = creditAccount }

// storedAccount is, in SQL, the account of the app whose id is parameter
// app: its stored merchant's (apps.Registry.Account's rule), else
// parameter fallback (accountOf's answer). A replica that has not heard of
// an app another one registered writes its merchant's account all the same.
func storedAccount(app, fallback string) string {
	return `coalesce((SELECT nullif(kv.data->'seller'->>'seller_id', '') FROM alipay_mock_kv kv WHERE kv.kind = '` + KindApps +
		`' AND kv.k = ` + app + `), ` + fallback + `)`
}

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
	in := db.income(tr)
	ws := []write{{sql: `INSERT INTO alipay_mock_paid
		(trade_no, app_id, income, buyer_user_id, buyer_account, buyer_open_id, buyer_name, account, frozen)
		VALUES ($1, $2, $3, $4, $5, $6, $7, ` + storedAccount("$2", "$8") + `, $9)
		ON CONFLICT (trade_no) DO UPDATE SET income = EXCLUDED.income, frozen = EXCLUDED.frozen
		WHERE alipay_mock_paid.income <> EXCLUDED.income OR alipay_mock_paid.frozen <> EXCLUDED.frozen`,
		args: []any{tr.TradeNo, tr.AppID, int64(in), b.UserID, b.Account, open, b.Name, db.accountOf(tr.AppID), int64(tr.FrozenPart(in))}}}
	if db.creditAccount != nil {
		for k, x := range tr.Credits(db.creditAccount) {
			ws = append(ws, write{sql: `INSERT INTO alipay_mock_credits (trade_no, app_id, account, amount) VALUES ($1, $2, $3, $4)
				ON CONFLICT (trade_no, account) DO UPDATE SET amount = EXCLUDED.amount WHERE alipay_mock_credits.amount <> EXCLUDED.amount`,
				args: []any{tr.TradeNo, tr.AppID, k, int64(x)}})
		}
	}
	return ws
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
// by kind (trade.ByUserID, ByAccount, ByOpenID), as trade.Book.PaidBuyer
// finds it: one indexed lookup. A
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
	// One process's rule (trade.Book.PaidBuyer): the lowest user id, with
	// the lowest logon account it paid with.
	err := db.pool.QueryRow(ctx, `SELECT buyer_user_id, buyer_account, buyer_name FROM alipay_mock_paid
		WHERE app_id = $1 AND `+col+` = $2
		ORDER BY buyer_user_id, buyer_account = '', buyer_account LIMIT 1`, app, identity).Scan(&b.UserID, &b.Account, &b.Name)
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

func (f fundBackend) Create(t fund.Transfer, account string, opening amount.Amount) (fund.Transfer, bool, error) {
	for try := 0; ; try++ {
		got, made, err := f.create(t, account, opening)
		if err == nil || try == 8 || !(errors.Is(err, errConflict) || conflict(err)) {
			if err != nil && !errors.Is(err, fund.ErrBalanceNotEnough) {
				err = f.db.failed(err)
			}
			return got, made, err
		}
	}
}

func (f fundBackend) create(t fund.Transfer, account string, opening amount.Amount) (fund.Transfer, bool, error) {
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
		err := tx.QueryRow(ctx, `INSERT INTO alipay_mock_transfers
			(app_id, out_biz_no, order_id, pay_fund_order_id, status, due, announce, lease_until, data, account)
			VALUES ($1, $2, $3, $4, $5, $6, true, clock_timestamp() + $7 * interval '1 millisecond', $8, `+storedAccount("$1", "$9")+`)
			ON CONFLICT (app_id, out_biz_no) DO NOTHING RETURNING account`,
			t.AppID, t.OutBizNo, t.OrderID, nullable(t.PayFundOrderID), string(t.Status), dueOf(t),
			transferLease.Milliseconds(), data, account).Scan(&account)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if err != nil {
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
		if _, err := tx.Exec(ctx, `INSERT INTO alipay_mock_fund_merchants (account) VALUES ($1) ON CONFLICT DO NOTHING`, account); err != nil {
			return err
		}
		freeze := amount.Amount(0)
		if t.Status == fund.Dealing {
			freeze = t.Amount
		}
		// The balance check and the take are one statement on the
		// account's row: concurrent transfers queue on its lock.
		tag, err := tx.Exec(ctx, `UPDATE alipay_mock_fund_merchants
			SET out_amount = out_amount + $2, frozen = frozen + $3
			WHERE account = $1 AND coalesce(base, $4) + income - out_amount - frozen_income >= $2`,
			account, int64(t.Out()), int64(freeze), int64(opening))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			// Not a verdict while an older build takes the income away.
			var older bool
			if err := tx.QueryRow(ctx, `SELECT `+olderFund).Scan(&older); err != nil {
				return err
			}
			if older {
				return errOlderFund
			}
			return fund.ErrBalanceNotEnough
		}
		return receive(ctx, tx, t, 1)
	})
	if err != nil {
		return fund.Transfer{}, false, err
	}
	return got, made, nil
}

const transferCols = "SELECT seq, data FROM alipay_mock_transfers "

// receive adds (sign 1) or takes back (-1) what SUCCESS transfer t
// brought its payee merchant's account, as a negative out_amount: what
// left the account less what came in.
func receive(ctx context.Context, tx pgx.Tx, t fund.Transfer, sign int64) error {
	if t.PayeeAccount == "" || t.Status != fund.Success {
		return nil
	}
	_, err := tx.Exec(ctx, `INSERT INTO alipay_mock_fund_merchants (account, out_amount) VALUES ($1, $2)
		ON CONFLICT (account) DO UPDATE SET out_amount = alipay_mock_fund_merchants.out_amount + EXCLUDED.out_amount`,
		t.PayeeAccount, -sign*int64(t.Amount))
	return err
}

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

// errOlderFund: a replica of a build before merchants' accounts shares the
// database.
var errOlderFund = errors.New("an older alipay-mock build has started on this database (it made alipay_mock_fund_accounts " +
	"again and counts paid trades' income there): balances are wrong; stop every replica and start one build, which counts income again")

// olderFund is true while an older build's per-app account table is there
// (UpgradeAccounts dropped it): one catalog lookup.
const olderFund = `to_regclass('alipay_mock_fund_accounts') IS NOT NULL`

func (f fundBackend) Account(account string, opening amount.Amount) (fund.Account, amount.Amount, error) {
	ctx, cancel := f.ctx()
	defer cancel()
	var base, income, out, freeze, frozen int64
	var older bool
	var trimmed int64
	err := f.db.pool.QueryRow(ctx, `SELECT coalesce(a.base, $2), coalesce(a.income, 0), coalesce(a.out_amount, 0), coalesce(a.frozen, 0),
		coalesce(a.frozen_income, 0), `+olderFund+`,
		(SELECT coalesce(sum(t.income), 0) FROM alipay_mock_fund_trimmed t WHERE t.account = $1)
		FROM (SELECT 1) one LEFT JOIN alipay_mock_fund_merchants a ON a.account = $1`, account, int64(opening)).Scan(&base, &income, &out, &freeze, &frozen, &older, &trimmed)
	if err == nil && older {
		err = errOlderFund
	}
	if err != nil {
		return fund.Account{Available: opening}, opening, f.db.failed(err)
	}
	// The base the account bill starts from holds what trimmed trades
	// and red packets moved (their rows are gone from the bill), as an
	// evicted one's part is in the base in memory (fund.Book.Evicted).
	// What frozen trades brought in is out of the available balance, in
	// freeze_amount (frozen_income, trimmed ones' included).
	return fund.Account{Available: amount.Amount(base + income - out - frozen), Freeze: amount.Amount(freeze + frozen)}, amount.Amount(base + trimmed), nil
}

func (f fundBackend) SetBalance(account string, want, opening amount.Amount) (fund.Account, error) {
	ctx, cancel := f.ctx()
	defer cancel()
	var base, income, out, freeze, frozen int64
	err := f.db.pool.QueryRow(ctx, `INSERT INTO alipay_mock_fund_merchants (account, base) VALUES ($1, $2)
		ON CONFLICT (account) DO UPDATE SET base = $2 - (alipay_mock_fund_merchants.income - alipay_mock_fund_merchants.out_amount -
			alipay_mock_fund_merchants.frozen_income)
		RETURNING base, income, out_amount, frozen, frozen_income`, account, int64(want)).Scan(&base, &income, &out, &freeze, &frozen)
	if err != nil {
		return fund.Account{}, f.db.failed(err)
	}
	return fund.Account{Available: amount.Amount(base + income - out - frozen), Freeze: amount.Amount(freeze + frozen)}, nil
}

// countedIncome is an account's income (a, a row of
// alipay_mock_fund_merchants) counted again: its paid trades still stored
// and what its apps' trimmed ones brought in (less what their trimmed red
// packets kept out), with what stored trades' settlements paid into it.
const countedIncome = `(SELECT coalesce(sum(p.income), 0) FROM alipay_mock_paid p WHERE p.account = a.account) +
	(SELECT coalesce(sum(c.amount), 0) FROM alipay_mock_credits c WHERE c.account = a.account) +
	(SELECT coalesce(sum(t.income), 0) FROM alipay_mock_fund_trimmed t WHERE t.account = a.account)`

// countedFrozen is the frozen part of an account's income counted again,
// as countedIncome counts the income.
const countedFrozen = `(SELECT coalesce(sum(p.frozen), 0) FROM alipay_mock_paid p WHERE p.account = a.account) +
	(SELECT coalesce(sum(t.frozen), 0) FROM alipay_mock_fund_trimmed t WHERE t.account = a.account)`

func (f fundBackend) Reset(app, account string) error {
	if noRowHolds(app) || noRowHolds(account) {
		return nil
	}
	ctx, cancel := f.ctx()
	defer cancel()
	return f.db.failed(pgx.BeginFunc(ctx, f.db.pool, func(tx pgx.Tx) error {
		if app == "" {
			if _, err := tx.Exec(ctx, "DELETE FROM alipay_mock_transfers"); err != nil {
				return err
			}
			// Income is counted again from the paid trades still stored
			// (their own reset takes theirs away, through the trigger);
			// what trimmed trades brought in goes, as an evicted trade's
			// does in memory.
			if _, err := tx.Exec(ctx, "DELETE FROM alipay_mock_fund_trimmed"); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE alipay_mock_fund_merchants a SET base = NULL, out_amount = 0, frozen = 0,
				income = `+countedIncome+`, frozen_income = `+countedFrozen)
			return err
		}
		// The app's transfers first, then the account's row: the order
		// Create and Change take them in (no deadlock between them).
		gone, _, err := readTransfers(tx, ctx, "DELETE FROM alipay_mock_transfers WHERE app_id = $1 RETURNING seq, data", []any{app}, 0)
		if err != nil {
			return err
		}
		// What the app's trimmed trades' settlements paid other merchants
		// (alipay_mock_credits) leaves their accounts: counted again.
		var others []string
		rows, err := tx.Query(ctx, "DELETE FROM alipay_mock_fund_trimmed WHERE app_id = $1 AND account <> $2 RETURNING account", app, account)
		if err == nil {
			others, err = pgx.CollectRows(rows, pgx.RowTo[string])
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM alipay_mock_fund_trimmed WHERE app_id = $1", app); err != nil {
			return err
		}
		if len(others) > 0 { // a statement of its own: it reads the rows the delete left
			if _, err := tx.Exec(ctx, `UPDATE alipay_mock_fund_merchants a SET income = `+countedIncome+`
				WHERE a.account = ANY($1)`, others); err != nil {
				return err
			}
		}
		var out, frozen amount.Amount
		for _, t := range gone {
			out += t.Out()
			if t.Status == fund.Dealing {
				frozen += t.Amount
			}
			if err := receive(ctx, tx, t, -1); err != nil { // the money they brought leaves the payee's account
				return err
			}
		}
		// The app's transfers give back what they took; income is counted
		// again, as above, less what the app's trimmed trades brought in
		// (its stored ones go with their reset, through the trigger): its
		// sibling apps' stays.
		_, err = tx.Exec(ctx, `UPDATE alipay_mock_fund_merchants a SET base = NULL,
			out_amount = out_amount - $2, frozen = frozen - $3, income = `+countedIncome+`, frozen_income = `+countedFrozen+`
			WHERE account = $1`, account, int64(out), int64(frozen))
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
		var account string
		err := tx.QueryRow(ctx, `UPDATE alipay_mock_transfers
			SET status = $3, due = NULL, data = $4, announce = true,
				lease_until = clock_timestamp() + $5 * interval '1 millisecond'
			WHERE app_id = $1 AND out_biz_no = $2 AND status = 'DEALING' AND NOT announce
			RETURNING account`,
			t.AppID, t.OutBizNo, string(t.Status), data, transferLease.Milliseconds()).Scan(&account)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		won = true
		// It was DEALING: its amount was out and frozen, in the account it
		// was made in. SUCCESS keeps it out; REFUND gives it back.
		_, err = tx.Exec(ctx, `UPDATE alipay_mock_fund_merchants SET frozen = frozen - $2, out_amount = out_amount - $3
			WHERE account = $1`, account, int64(t.Amount), int64(t.Amount-t.Out()))
		if err != nil {
			return err
		}
		return receive(ctx, tx, t, 1)
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

// UpgradeAccounts brings a database an earlier version wrote, with an
// account per app (alipay_mock_fund_accounts), to accounts per merchant:
// each paid trade and transfer is given its app's account (accountOf, the
// mock's one rule). On the first upgrade (no merchant's row yet) each
// app's row joins its account with its offset from the opening balance,
// so a merchant of one app keeps its balance and one of several has the
// opening balance plus each app's offset (available minus opening); what
// the row held beyond its paid trades' income is its trimmed trades'. A
// table made again by an older build started beside this one (its
// payments' income went there: errOlderFund) holds nothing to merge: each
// account's income is counted again from its paid trades. The old table
// then goes. Call it at start, with the apps registered, before the first
// request; one replica does it, the others find it done.
func (db *DB) UpgradeAccounts(accountOf func(app string) string, opening amount.Amount) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return db.failed(pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, schemaLock); err != nil {
			return err
		}
		var old, first bool
		if err := tx.QueryRow(ctx, `SELECT `+olderFund+`, NOT EXISTS (SELECT 1 FROM alipay_mock_fund_merchants)`).Scan(&old, &first); err != nil {
			return err
		}
		// Rows without an account: the paid trades and transfers an
		// earlier version wrote. The trigger counts each paid trade's
		// income into its account as it is given one.
		for _, table := range []string{"alipay_mock_paid", "alipay_mock_transfers"} {
			rows, err := tx.Query(ctx, `SELECT DISTINCT app_id FROM `+table+` WHERE account IS NULL`)
			if err != nil {
				return err
			}
			apps, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			for _, app := range apps {
				if _, err := tx.Exec(ctx, `UPDATE `+table+` SET account = $2 WHERE app_id = $1 AND account IS NULL`, app, accountOf(app)); err != nil {
					return err
				}
			}
		}
		if !old {
			return nil
		}
		if first {
			if err := mergeAccounts(ctx, tx, accountOf, opening); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO alipay_mock_fund_merchants (account)
			SELECT DISTINCT account FROM alipay_mock_paid WHERE account IS NOT NULL ON CONFLICT DO NOTHING`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE alipay_mock_fund_merchants a SET income = `+countedIncome+`, frozen_income = `+countedFrozen); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DROP TABLE alipay_mock_fund_accounts`)
		return err
	}))
}

// mergeAccounts joins each app's row of an earlier version's
// alipay_mock_fund_accounts to its merchant's (UpgradeAccounts, the first
// upgrade); the income is counted after it.
func mergeAccounts(ctx context.Context, tx pgx.Tx, accountOf func(app string) string, opening amount.Amount) error {
	type row struct {
		app                       string
		base                      *int64
		income, out, frozen, paid int64
	}
	rows, err := tx.Query(ctx, `SELECT a.app_id, a.base, a.income, a.out_amount, a.frozen,
		(SELECT coalesce(sum(p.income), 0) FROM alipay_mock_paid p WHERE p.app_id = a.app_id)
		FROM alipay_mock_fund_accounts a`)
	if err != nil {
		return err
	}
	olds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		err := r.Scan(&x.app, &x.base, &x.income, &x.out, &x.frozen, &x.paid)
		return x, err
	})
	if err != nil {
		return err
	}
	for _, x := range olds {
		// What the app's row holds beyond its paid trades' income is
		// trimmed trades' income.
		if trimmed := x.income - x.paid; trimmed != 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO alipay_mock_fund_trimmed (account, app_id, income) VALUES ($1, $2, $3)
				ON CONFLICT (account, app_id) DO UPDATE SET income = alipay_mock_fund_trimmed.income + EXCLUDED.income`,
				accountOf(x.app), x.app, trimmed); err != nil {
				return err
			}
		}
		var base *int64
		if x.base != nil {
			off := *x.base - int64(opening)
			base = &off
		}
		if _, err := tx.Exec(ctx, `INSERT INTO alipay_mock_fund_merchants AS m (account, base, out_amount, frozen)
			VALUES ($1, $2::bigint + $5, $3, $4)
			ON CONFLICT (account) DO UPDATE SET
				base = CASE WHEN m.base IS NULL AND $2::bigint IS NULL THEN NULL ELSE coalesce(m.base, $5) + coalesce($2::bigint, 0) END,
				out_amount = m.out_amount + EXCLUDED.out_amount, frozen = m.frozen + EXCLUDED.frozen`,
			accountOf(x.app), base, x.out, x.frozen, int64(opening)); err != nil {
			return err
		}
	}
	return nil
}
