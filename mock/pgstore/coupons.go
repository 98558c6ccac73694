package pgstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/alipay-mock/alipay-mock/alipay/amount"

	"github.com/alipay-mock/alipay-mock/mock/coupon"
)

// RedPackets is the red-packet book's backend; deadline is when time alone
// next changes an order (coupon.Book.Deadline), kept with it so that any
// replica applies it (DueRedPackets).
func (db *DB) RedPackets(deadline func(coupon.Order) (time.Time, bool)) coupon.Backend {
	return couponBackend{db, deadline}
}

type couponBackend struct {
	db       *DB
	deadline func(coupon.Order) (time.Time, bool)
}

// DueRedPackets names up to max orders whose deadline has come at now.
func (db *DB) DueRedPackets(now time.Time, max int) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	rows, err := db.pool.Query(ctx, `SELECT auth_no FROM alipay_mock_red_packets
		WHERE deadline <= $1 ORDER BY deadline LIMIT $2`, now, max)
	if err != nil {
		return nil, db.failed(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var no string
		if err := rows.Scan(&no); err != nil {
			return nil, db.failed(err)
		}
		out = append(out, no)
	}
	return out, db.failed(rows.Err())
}

func (b couponBackend) due(o coupon.Order) *time.Time {
	if b.deadline == nil {
		return nil
	}
	if at, ok := b.deadline(o); ok {
		return &at
	}
	return nil
}

func (b couponBackend) Begin() (coupon.Tx, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	tx, err := b.db.pool.Begin(ctx)
	if err != nil {
		cancel()
		return nil, b.db.failed(err)
	}
	return &couponTx{db: b.db, due: b.due, ctx: ctx, cancel: cancel, tx: tx, versions: map[string]int64{}, outlays: map[string]amount.Amount{}}, nil
}

func (b couponBackend) Due(now time.Time, max int) ([]string, error) {
	return b.db.DueRedPackets(now, max)
}

// Page reads one page in the order orders were stored (see tradeBackend.Page).
func (b couponBackend) Page(app string, status coupon.OrderStatus, at uint64, limit int, newest bool) ([]coupon.Order, []uint64, error) {
	if noRowHolds(app) {
		return nil, nil, nil
	}
	q, args := pageQuery("SELECT auth_no, data, seq FROM alipay_mock_red_packets", app, string(status), at, limit, newest)
	return readPage(b.db, q, args, "red packet", coupon.Unmarshal)
}

func (b couponBackend) Counts() (map[coupon.OrderStatus]int, int, error) {
	packets, claims := map[coupon.OrderStatus]int{}, 0
	err := b.db.counts("red_packet,claim", func(kind, status string, n int) {
		if kind == "claim" {
			claims += n
		} else {
			packets[coupon.OrderStatus(status)] = n
		}
	})
	return packets, claims, err
}

func (b couponBackend) Reset(app string) error {
	if app != "" && !noRowHolds(app) {
		// What the app's funded packets kept out goes back to their
		// accounts with them, in one statement (every account's
		// out_amount starts again at 0 for "": the fund's reset).
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		_, err := b.db.pool.Exec(ctx, `WITH gone AS (DELETE FROM alipay_mock_red_packets WHERE app_id = $1 RETURNING funded_account, outlay)
			UPDATE alipay_mock_fund_merchants m SET out_amount = m.out_amount - s.total
			FROM (SELECT funded_account, sum(outlay) AS total FROM gone WHERE funded_account IS NOT NULL GROUP BY funded_account) s
			WHERE m.account = s.funded_account`, app)
		cancel()
		if err != nil {
			return b.db.failed(err)
		}
	} else if err := b.db.resetTable("alipay_mock_red_packets", app); err != nil {
		return err
	}
	return b.db.deleteUntold(untoldRedPacket, app)
}

type couponTx struct {
	db       *DB
	due      func(coupon.Order) *time.Time
	ctx      context.Context
	cancel   context.CancelFunc
	tx       pgx.Tx
	versions map[string]int64
	outlays  map[string]amount.Amount // what the orders read kept out of their merchant's balance
	inserted bool
	// paid is set by a red packet not unpaid: it may have just left the
	// rows counted apart (keep.go).
	paid bool
}

// Lock reads the orders keys name in one statement, locked in auth_no
// order so that two operations on the same orders cannot deadlock.
func (t *couponTx) Lock(keys []coupon.Key) ([]coupon.Order, error) {
	var conds []string
	var args []any
	arg := func(v string) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	for _, k := range keys {
		if noRowHolds(k.AuthNo) || noRowHolds(k.App) || noRowHolds(k.OutOrderNo) || noRowHolds(k.Token) || noRowHolds(k.Any) {
			continue // no row holds it: it matches nothing (the query would fail on the value)
		}
		switch {
		case k.AuthNo != "":
			conds = append(conds, "auth_no = "+arg(k.AuthNo))
		case k.OutOrderNo != "":
			conds = append(conds, "(app_id = "+arg(k.App)+" AND out_order_no = "+arg(k.OutOrderNo)+")")
		case k.Token != "":
			conds = append(conds, "cashier_token = "+arg(k.Token))
		case k.Any != "" && k.App != "":
			a := arg(k.Any)
			conds = append(conds, "(app_id = "+arg(k.App)+" AND (auth_no = "+a+" OR out_order_no = "+a+"))")
		case k.Any != "":
			a := arg(k.Any)
			conds = append(conds, "(auth_no = "+a+" OR out_order_no = "+a+")")
		}
	}
	q := "SELECT auth_no, version, data FROM alipay_mock_red_packets "
	if len(conds) == 0 {
		return nil, nil
	}
	q += "WHERE " + strings.Join(conds, " OR ") + " ORDER BY auth_no FOR UPDATE"
	rows, err := t.tx.Query(t.ctx, q, args...)
	if err != nil {
		return nil, t.err(err)
	}
	os, err := readVersioned(rows, t.versions, "red packet", coupon.Unmarshal, t.err, t.db.failed)
	for i := range os {
		t.outlays[os[i].AuthNo] = os[i].MerchantOutlay()
	}
	return os, err
}

// spend moves what a funded red packet keeps out of its merchant's
// balance by its change since read: the take refused
// (coupon.ErrBalanceNotEnough) when the available balance cannot cover
// it, in one statement on the account's row, as a transfer's.
func (t *couponTx) spend(o coupon.Order) (account *string, err error) {
	if !o.MerchantFunded || t.db.accountOf == nil {
		return nil, nil
	}
	k := t.db.accountOf(o.AppID)
	d := int64(o.MerchantOutlay() - t.outlays[o.AuthNo])
	if d == 0 {
		return &k, nil
	}
	if _, err := t.tx.Exec(t.ctx, `INSERT INTO alipay_mock_fund_merchants (account) VALUES ($1) ON CONFLICT DO NOTHING`, k); err != nil {
		return nil, t.err(err)
	}
	tag, err := t.tx.Exec(t.ctx, `UPDATE alipay_mock_fund_merchants SET out_amount = out_amount + $2
		WHERE account = $1 AND ($2 <= 0 OR coalesce(base, $3) + income - out_amount - frozen_income >= $2)`, k, d, int64(t.db.openingBalance()))
	if err != nil {
		return nil, t.err(err)
	}
	if tag.RowsAffected() == 0 {
		return nil, coupon.ErrBalanceNotEnough
	}
	return &k, nil
}

func (t *couponTx) Insert(os []coupon.Order) error {
	for _, o := range os {
		data, err := coupon.Marshal(o)
		if err != nil {
			return t.db.failed(err)
		}
		var tok *string
		if o.CashierToken != "" {
			tok = &o.CashierToken
		}
		funded, err := t.spend(o)
		if err != nil {
			return err
		}
		_, err = t.tx.Exec(t.ctx, `INSERT INTO alipay_mock_red_packets
			(auth_no, app_id, out_order_no, cashier_token, created, deadline, data, status, claim, final_seq, funded_account, outlay, waiting)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, `+newFinalSeq("$10")+`, $11, $12, $13)`,
			o.AuthNo, o.AppID, o.OutOrderNo, tok, o.Created, t.due(o), data, string(o.Status), o.Claim, o.Final(), funded, int64(o.MerchantOutlay()), o.Unpaid())
		if err != nil {
			return t.err(err)
		}
		t.inserted = true
	}
	return nil
}

func (t *couponTx) Update(os []coupon.Order) error {
	for _, o := range os {
		data, err := coupon.Marshal(o)
		if err != nil {
			return t.db.failed(err)
		}
		funded, err := t.spend(o)
		if err != nil {
			return err
		}
		t.paid = t.paid || (!o.Claim && !o.Unpaid())
		tag, err := t.tx.Exec(t.ctx, `UPDATE alipay_mock_red_packets SET data = $1, deadline = $4, status = $5, version = version + 1,
			final_seq = `+finalSeq("$6")+`, funded_account = $7, outlay = $8, waiting = $9 WHERE auth_no = $2 AND version = $3`,
			data, o.AuthNo, t.versions[o.AuthNo], t.due(o), string(o.Status), o.Final(), funded, int64(o.MerchantOutlay()), o.Unpaid())
		if err != nil {
			return t.err(err)
		}
		if tag.RowsAffected() != 1 {
			return coupon.ErrConflict
		}
	}
	return nil
}

func (t *couponTx) Commit() error {
	defer t.cancel()
	if err := t.tx.Commit(t.ctx); err != nil {
		return t.err(err)
	}
	if t.inserted || t.paid {
		t.db.trims.soon(packetTrim)
	}
	return nil
}

func (t *couponTx) Rollback() {
	defer t.cancel()
	_ = t.tx.Rollback(t.ctx)
}

func (t *couponTx) err(err error) error {
	if err == nil {
		return nil
	}
	if conflict(err) {
		return coupon.ErrConflict
	}
	return t.db.failed(err)
}
