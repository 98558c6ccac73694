package pgstore_test

import (
	"net"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/alipay-mock/alipay-mock/mock/pgstore"
)

// A server older than PostgreSQL 14 (the follow's xid8 and snapshot
// functions came in 13, the schema's CREATE OR REPLACE TRIGGER in 14) is
// refused at the start with an error naming the version needed and the
// server's, not a syntax error from the schema. The server here is a stub
// that says it runs 13.16 and fails every statement.
func TestStoreRefusesAServerOlderThan14(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go oldServer(c, "13.16 (Debian 13.16-1)")
		}
	}()
	db, err := pgstore.Open("postgres://mock@" + ln.Addr().String() + "/x?sslmode=disable")
	if err == nil {
		db.Close()
		t.Fatal("a PostgreSQL 13 server was taken")
	}
	if !strings.Contains(err.Error(), "PostgreSQL 14 or later is needed, the server runs 13.16") {
		t.Errorf("the start failed with %q, not naming the version needed", err)
	}
}

// oldServer speaks PostgreSQL's protocol as a server of version v: it
// lets any user in and fails every statement.
func oldServer(c net.Conn, v string) {
	defer c.Close()
	be := pgproto3.NewBackend(c, c)
	if _, err := be.ReceiveStartupMessage(); err != nil {
		return
	}
	be.Send(&pgproto3.AuthenticationOk{})
	be.Send(&pgproto3.ParameterStatus{Name: "server_version", Value: v})
	be.Send(&pgproto3.BackendKeyData{ProcessID: 1, SecretKey: []byte{0, 0, 0, 2}})
	be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
	if be.Flush() != nil {
		return
	}
	for {
		m, err := be.Receive()
		if err != nil {
			return
		}
		switch m.(type) {
		case *pgproto3.Terminate:
			return
		case *pgproto3.Query, *pgproto3.Sync:
			be.Send(&pgproto3.ErrorResponse{Severity: "ERROR", Code: "42601", Message: "syntax error"})
			be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
			if be.Flush() != nil {
				return
			}
		}
	}
}
