package gonet_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"hash/crc32"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync"
	"testing"
	"time"
)

// httpHandler serves what the tests ask for: /hello, /bytes?n=N (N bytes
// of the test pattern, with Content-Length), /chunked?n=N (the same
// without a length, flushed in pieces: a chunked body), and /sum, which
// answers the length and CRC-32 of the request body (any transfer
// encoding).
func httpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from %s to %s", r.Host, r.RemoteAddr)
	})
	mux.HandleFunc("/bytes", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.ParseInt(r.URL.Query().Get("n"), 10, 64)
		w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
		io.Copy(w, &patternReader{n: n})
	})
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.ParseInt(r.URL.Query().Get("n"), 10, 64)
		pr := &patternReader{n: n}
		buf := make([]byte, 10000)
		for {
			m, err := pr.Read(buf)
			w.Write(buf[:m])
			w.(http.Flusher).Flush()
			if err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/sum", func(w http.ResponseWriter, r *http.Request) {
		h := crc32.NewIEEE()
		n, err := io.Copy(h, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, "%d %08x %v", n, h.Sum32(), r.TransferEncoding)
	})
	return mux
}

// httpServer serves httpHandler on ln until the test ends.
func httpServer(t *testing.T, ln net.Listener) {
	srv := &http.Server{Handler: httpHandler(), ReadHeaderTimeout: within}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; err != http.ErrServerClosed {
			t.Errorf("Serve: %v", err)
		}
	})
}

func get(t *testing.T, c *http.Client, url string) ([]byte, *http.Response) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: body: %v", url, err)
	}
	return body, resp
}

func checkPattern(t *testing.T, what string, body []byte, n int64) {
	t.Helper()
	if int64(len(body)) != n {
		t.Fatalf("%s: %d bytes, want %d", what, len(body), n)
	}
	if crc32.ChecksumIEEE(body) != patternCRC(n) {
		t.Fatalf("%s: body differs from the pattern", what)
	}
}

// TestHTTPOverInet: net/http's server on an inet listener and its client
// dialing through inet, across an in-memory link: keep-alive (later
// requests reuse the connection), chunked bodies both ways, large bodies
// both ways, and concurrent requests.
func TestHTTPOverInet(t *testing.T) {
	l := newLAN(t, nil)
	ln := tcpListen(t, l.b, "198.18.0.2:80")
	httpServer(t, ln)
	tr := &http.Transport{DialContext: l.a.DialContext, MaxIdleConnsPerHost: 16}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 60 * time.Second}

	body, resp := get(t, c, "http://198.18.0.2/hello")
	if resp.StatusCode != 200 || !bytes.HasPrefix(body, []byte("hello from 198.18.0.2 to 198.18.0.1:")) {
		t.Fatalf("GET /hello: %s %q", resp.Status, body)
	}

	// Keep-alive: the next requests go over the same connection.
	var reused []bool
	trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = append(reused, i.Reused) }}
	for range 3 {
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", "http://198.18.0.2/hello", nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if fmt.Sprint(reused) != "[true true true]" {
		t.Errorf("connection reused: %v, want every time", reused)
	}

	// Large and chunked response bodies.
	body, resp = get(t, c, "http://198.18.0.2/bytes?n=33554432")
	checkPattern(t, "32 MB body", body, 32<<20)
	if resp.ContentLength != 32<<20 {
		t.Errorf("Content-Length %d", resp.ContentLength)
	}
	body, resp = get(t, c, "http://198.18.0.2/chunked?n=1000003")
	checkPattern(t, "chunked body", body, 1000003)
	if fmt.Sprint(resp.TransferEncoding) != "[chunked]" {
		t.Errorf("TransferEncoding %v, want chunked", resp.TransferEncoding)
	}

	// Large request bodies: with a length, and chunked (unknown length).
	for _, chunked := range []bool{false, true} {
		const n = 16 << 20
		var r io.Reader = &patternReader{n: n}
		if chunked {
			r = struct{ io.Reader }{r} // hides the type: no length known
		}
		req, _ := http.NewRequest("POST", "http://198.18.0.2/sum", r)
		if !chunked {
			req.ContentLength = n
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		te := "[]"
		if chunked {
			te = "[chunked]"
		}
		if want := fmt.Sprintf("%d %08x %s", n, patternCRC(n), te); string(got) != want {
			t.Errorf("POST (chunked %v): %q, want %q", chunked, got, want)
		}
	}

	// Concurrent requests on several connections.
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := int64(100000 + 7919*i)
			resp, err := c.Get(fmt.Sprintf("http://198.18.0.2/bytes?n=%d", n))
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			h := crc32.NewIEEE()
			if m, err := io.Copy(h, resp.Body); m != n || err != nil || h.Sum32() != patternCRC(n) {
				t.Errorf("concurrent GET %d: %d bytes %v", i, m, err)
			}
		}()
	}
	wg.Wait()
}

// testCert makes a self-signed ECDSA certificate for 198.18.0.2, valid
// for a day, at test time.
func testCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "inet test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(198, 18, 0, 2)},
		DNSNames:              []string{"inet.test"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// TestTLSOverInet: crypto/tls unchanged over inet connections: a raw
// tls.Server and tls.Client exchange with a verified certificate, TLS 1.3
// and 1.2, and an HTTPS server and client.
func TestTLSOverInet(t *testing.T) {
	l := newLAN(t, nil)
	cert, pool := testCert(t)
	for _, v := range []uint16{tls.VersionTLS13, tls.VersionTLS12} {
		ln := tcpListen(t, l.b, "198.18.0.2:0")
		srvErr := make(chan error, 1)
		go func() {
			c, err := ln.Accept()
			if err != nil {
				srvErr <- err
				return
			}
			tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: v, MaxVersion: v})
			defer tc.Close()
			tc.SetDeadline(time.Now().Add(within))
			line, err := bufio.NewReader(tc).ReadString('\n')
			if err == nil {
				_, err = io.Copy(tc, io.MultiReader(bytes.NewReader([]byte("echo: "+line)), &patternReader{n: 1 << 20}))
			}
			srvErr <- err
		}()
		c := tcpDial(t, l.a, ln.Addr().String())
		c.SetDeadline(time.Now().Add(within))
		tc := tls.Client(c, &tls.Config{RootCAs: pool, ServerName: "198.18.0.2"})
		if err := tc.Handshake(); err != nil {
			t.Fatalf("TLS %x handshake: %v", v, err)
		}
		if st := tc.ConnectionState(); st.Version != v || !st.HandshakeComplete || len(st.VerifiedChains) != 1 {
			t.Fatalf("TLS state: version %x, complete %v, %d verified chains", st.Version, st.HandshakeComplete, len(st.VerifiedChains))
		}
		fmt.Fprintf(tc, "ping\n")
		br := bufio.NewReader(tc)
		line, err := br.ReadString('\n')
		if err != nil || line != "echo: ping\n" {
			t.Fatalf("TLS %x: %q %v", v, line, err)
		}
		rest, err := io.ReadAll(br)
		if err != nil {
			t.Fatalf("TLS %x: %v", v, err)
		}
		checkPattern(t, "TLS stream", rest, 1<<20)
		if err := <-srvErr; err != nil {
			t.Fatalf("TLS %x server: %v", v, err)
		}
		tc.Close()
	}

	// HTTPS: tls.NewListener around the inet listener, the client's TLS
	// over inet's dial.
	ln := tcpListen(t, l.b, "198.18.0.2:443")
	httpServer(t, tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}}))
	tr := &http.Transport{DialContext: l.a.DialContext, TLSClientConfig: &tls.Config{RootCAs: pool}}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	body, resp := get(t, c, "https://198.18.0.2/bytes?n=5000000")
	checkPattern(t, "HTTPS body", body, 5000000)
	if resp.TLS == nil || !resp.TLS.HandshakeComplete {
		t.Errorf("response without TLS state")
	}
	body, _ = get(t, c, "https://198.18.0.2/hello")
	if !bytes.HasPrefix(body, []byte("hello from 198.18.0.2")) {
		t.Errorf("GET /hello over TLS: %q", body)
	}
}
