package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"

	"github.com/alipay-mock/alipay-mock/mock"
	"github.com/alipay-mock/alipay-mock/mock/localca"
	"github.com/alipay-mock/alipay-mock/mock/privdir"
)

// defaultTLSPort is where --tls listens when --tls-addr is not given.
const defaultTLSPort = "8443"

// tlsOptions reads --tls, --tls-addr, --ca-dir and --tls-host: TLS is on
// when --tls is set or --tls-addr names an address, which defaults to
// --addr's host on port 8443 (on a free port when --addr's port is 0).
func tlsOptions(on bool, addr, plainAddr, caDir string, hosts []string) (mock.TLSOptions, error) {
	if !on && addr == "" {
		return mock.TLSOptions{}, nil
	}
	if addr == "" {
		host, port, err := net.SplitHostPort(plainAddr)
		if err != nil {
			return mock.TLSOptions{}, fmt.Errorf("--addr: %w", err)
		}
		if port != "0" {
			port = defaultTLSPort
		}
		addr = net.JoinHostPort(host, port)
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return mock.TLSOptions{}, fmt.Errorf("--tls-addr: %w", err)
	}
	return mock.TLSOptions{Addr: addr, CADir: caDir, Hosts: hosts}, nil
}

// caCmd prints the local CA's certificate (PEM), making the CA first when
// there is none. The key is never printed.
func caCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("ca")
	caDir := fs.String("ca-dir", "", "the CA's directory (as serve's --ca-dir)")
	dataDir := fs.String("data", "", "the data directory serve uses (the CA is kept in DATA/ca unless --ca-dir says otherwise)")
	out := fs.String("out", "", "also write the certificate to this file (mode 0644: it is public), e.g. for a volume apps mount")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{"ca", fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	dir, err := localca.Dir(*caDir, *dataDir)
	if err != nil {
		return err
	}
	_, statErr := os.Stat(filepath.Join(dir, localca.CAFile))
	ca, err := localca.Open(dir, nil)
	if err != nil {
		return err
	}
	if os.IsNotExist(statErr) {
		fmt.Fprintf(stderr, "alipay-mock: made a new local CA in %s (its key stays there; trust this certificate in your apps, docs/tls.md)\n", dir)
	}
	pem := ca.CertPEM()
	if *out != "" {
		// Never into the CA's own directory (its key is there), and as keys
		// --out writes: a new file renamed into place, never through a link.
		if d, err := os.Stat(filepath.Dir(*out)); err == nil {
			if caDir, err := os.Stat(dir); err == nil && os.SameFile(d, caDir) {
				return usageError{"ca", fmt.Errorf("--out %s is in the CA's directory %s, beside its key: write the certificate elsewhere", *out, dir)}
			}
		}
		if err := privdir.WriteFile(*out, pem, 0o644); err != nil {
			return err
		}
	}
	_, err = stdout.Write(pem)
	return err
}
