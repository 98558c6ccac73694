package pgstore_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/alipay-mock/alipay-mock/keys"
	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
	"github.com/alipay-mock/alipay-mock/mock/pgstore"
	"github.com/alipay-mock/alipay-mock/mock/pgstore/pgtest"
)

// BenchmarkTradeInsertCost measures PostgreSQL's own CPU for one new trade
// (the mock's insert statement, sent from 16 connections as a load test's
// replica does, with nothing of the mock around it): alone, and while this
// process signs with RSA on every core meanwhile, as a replica's answers
// do when the database shares the replica's cores. The second is what a
// precreate costs the database in BenchmarkReplicas on this machine; its
// ratio to the first is what sharing the cores adds. Report pg-cpu-µs/op
// of both from one run:
//
//	PG_TESTS=required go test ./mock/pgstore -run '^$' -bench TradeInsertCost -benchtime 8000x
func BenchmarkTradeInsertCost(b *testing.B) {
	for _, signing := range []bool{false, true} {
		name := "alone"
		if signing {
			name = "beside-signing"
		}
		b.Run(name, func(b *testing.B) { benchInsert(b, signing) })
	}
}

func benchInsert(b *testing.B, signing bool) {
	url := pgURL(b)
	mocktest.New(b, mock.Options{Store: url}) // the schema
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	run := fmt.Sprintf("I%d", time.Now().UnixNano())
	data := []byte(`{"app_id":"9021000100000001","subject":"s","pad":"` + strings.Repeat("x", 780) + `"}`)
	stop := make(chan struct{})
	var burners sync.WaitGroup
	if signing {
		k := keys.DevAlipayPrivateKey()
		sum := sha256.Sum256([]byte(run))
		for w := 0; w < 2; w++ {
			burners.Add(1)
			go func() {
				defer burners.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					_, _ = rsa.SignPKCS1v15(nil, k, crypto.SHA256, sum[:])
				}
			}()
		}
	}
	now := time.Now()
	b.ResetTimer()
	pg0 := pgtest.ServerCPU()
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1) - 1; i < int64(b.N); i = next.Add(1) - 1 {
				no := fmt.Sprintf("%s%024d", run, i)
				qr, cashier := "bax0"+no, "c"+no
				if _, err := pool.Exec(ctx, pgstore.InsertTrade, "2026"+no, "9021000100000001", "o"+no, &qr, &cashier,
					now, now.Add(2*time.Hour), data, "WAIT_BUYER_PAY", false, true); err != nil {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	pgc := pgtest.ServerCPU() - pg0
	b.StopTimer()
	close(stop)
	burners.Wait()
	if failed.Load() > 0 {
		b.Fatalf("%d inserts failed", failed.Load())
	}
	b.ReportMetric(float64(pgc.Microseconds())/float64(b.N), "pg-cpu-µs/op")
}
