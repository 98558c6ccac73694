// Package pgtest starts a throwaway PostgreSQL cluster for tests: Debian's
// server binaries (/usr/lib/postgresql/<version>/bin) in a temporary
// directory, on a free loopback port, owned by nobody when the tests run
// as root (initdb refuses root). Tests skip without PostgreSQL unless
// PG_TESTS=required, when they fail instead.
package pgtest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

var (
	once    sync.Once
	cluster *Cluster
	failure error
	dbs     atomic.Int64
)

// Cluster is a running throwaway server.
type Cluster struct {
	dir  string
	bin  string
	Port int
	cred *syscall.Credential
}

// Main runs a package's tests and stops the cluster, if one was started.
// Call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// Stop stops the cluster, if one was started: for a TestMain that does
// more than Main.
func Stop() {
	if cluster != nil {
		if statements() {
			cluster.printStatements()
		}
		cluster.stop()
		cluster = nil
	}
}

// URL returns the URL of a new, empty database on the package's one
// cluster (started on first use).
func URL(t testing.TB) string {
	t.Helper()
	once.Do(func() { cluster, failure = start() })
	if failure != nil {
		if os.Getenv("PG_TESTS") == "required" {
			t.Fatalf("PostgreSQL: %v (PG_TESTS=required)", failure)
		}
		t.Skipf("no PostgreSQL (%v); apt-get install postgresql and set PG_TESTS=required", failure)
	}
	name := fmt.Sprintf("t%d", dbs.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, cluster.url("postgres"))
	if err != nil {
		t.Fatalf("PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("PostgreSQL: %v", err)
	}
	return cluster.url(name)
}

// Conn is a connection of the test's own to the database at url (to read
// or change what the mocks stored), closed when the test ends.
func Conn(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatalf("PostgreSQL: %v", err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func (c *Cluster) url(db string) string {
	return fmt.Sprintf("postgres://alipaymock@127.0.0.1:%d/%s?sslmode=disable", c.Port, db)
}

// bin finds the newest installed server's binaries.
func bin() (string, error) {
	if d := os.Getenv("PG_BIN"); d != "" {
		return d, nil
	}
	ms, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(ms) == 0 {
		return "", fmt.Errorf("no /usr/lib/postgresql/*/bin/pg_ctl")
	}
	sort.Slice(ms, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(ms[i]))))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(ms[j]))))
		return vi < vj
	})
	return filepath.Dir(ms[len(ms)-1]), nil
}

func (c *Cluster) run(name string, args ...string) error {
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	cmd.Dir = c.dir
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v: %s", name, err, out)
	}
	return nil
}

func start() (*Cluster, error) {
	b, err := bin()
	if err != nil {
		return nil, err
	}
	root := os.Geteuid() == 0
	parent := ""
	if root {
		parent = "/tmp" // nobody must reach it: $TMPDIR may sit under /root
	}
	dir, err := os.MkdirTemp(parent, "alipay-mock-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, bin: b}
	if root { // initdb and postgres refuse to run as root
		c.cred = &syscall.Credential{Uid: 65534, Gid: 65534}
		if err := os.Chown(dir, 65534, 65534); err != nil {
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")
	if err := c.run("initdb", "-D", data, "-U", "alipaymock", "-A", "trust", "--no-sync", "-E", "UTF8"); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	for try := 0; ; try++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		c.Port = l.Addr().(*net.TCPAddr).Port
		l.Close()
		opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c max_connections=300", c.Port, dir)
		if statements() {
			opts += " -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all"
		}
		err = c.run("pg_ctl", "-D", data, "-w", "-t", "60", "-l", filepath.Join(dir, "log"), "-o", opts, "start")
		if err == nil {
			return c, nil
		}
		if try == 2 {
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			os.RemoveAll(dir)
			return nil, fmt.Errorf("%v; log: %s", err, log)
		}
	}
}

// statements reports whether PGTEST_STATEMENTS=1 asks for the server's
// statement statistics: pg_stat_statements is loaded and, before the
// cluster stops, the statements that took the most time are printed to
// stderr (for finding a benchmark's database cost, not for tests).
func statements() bool { return os.Getenv("PGTEST_STATEMENTS") == "1" }

func (c *Cluster) printStatements() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.url("postgres"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "pg_stat_statements: %v\n", err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"); err != nil {
		fmt.Fprintf(os.Stderr, "pg_stat_statements: %v\n", err)
		return
	}
	rows, err := conn.Query(ctx, `SELECT round(total_exec_time::numeric, 1), calls, rows,
		regexp_replace(left(query, 160), '\s+', ' ', 'g') FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 40`)
	if err != nil {
		fmt.Fprintf(os.Stderr, "pg_stat_statements: %v\n", err)
		return
	}
	defer rows.Close()
	fmt.Fprintln(os.Stderr, "pg_stat_statements: total ms, calls, rows, statement")
	for rows.Next() {
		var ms float64
		var calls, n int64
		var q string
		if rows.Scan(&ms, &calls, &n, &q) == nil {
			fmt.Fprintf(os.Stderr, "%10.1f %7d %8d  %s\n", ms, calls, n, q)
		}
	}
}

func (c *Cluster) stop() {
	_ = c.run("pg_ctl", "-D", filepath.Join(c.dir, "data"), "-m", "immediate", "-w", "stop")
	os.RemoveAll(c.dir)
}

// ServerCPU is the CPU time the cluster's server has used so far: its
// postmaster and the processes it runs now (backends, background
// workers), from /proc; 0 without a cluster or /proc. Benchmarks take
// the difference over a measured stretch, in which the backends of the
// mocks' pools stay alive.
func ServerCPU() time.Duration {
	if cluster == nil {
		return 0
	}
	b, err := os.ReadFile(filepath.Join(cluster.dir, "data", "postmaster.pid"))
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pm, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return 0
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	var ticks int64
	for _, p := range procs {
		s, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ... utime stime: fields after the comm's ')'.
		i := strings.LastIndexByte(string(s), ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(s[i+1:]))
		if len(f) < 13 {
			continue
		}
		pid, _ := strconv.Atoi(strings.Fields(string(s))[0])
		ppid, _ := strconv.Atoi(f[1])
		if pid != pm && ppid != pm {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + st
	}
	return time.Duration(ticks) * (time.Second / 100) // USER_HZ is 100 on Linux
}
