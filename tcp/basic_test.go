package tcp_test

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestConnectAcceptEcho(t *testing.T) {
	p := newPairPcap(t, nil, ethOpts())
	cli, srv := p.connected(t, 7000)
	if _, err := cli.Send([]byte("hello"), 0); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	n, err := srv.Recv(buf, 0)
	if err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("server got %q %v", buf[:n], err)
	}
	if _, err := srv.Send([]byte("world"), 0); err != nil {
		t.Fatal(err)
	}
	n, err = cli.Recv(buf, 0)
	if err != nil || string(buf[:n]) != "world" {
		t.Fatalf("client got %q %v", buf[:n], err)
	}
	// Orderly close: the server reads EOF.
	mustNil(t, cli.Shutdown(unix.SHUT_WR))
	n, err = srv.Recv(buf, 0)
	if n != 0 || err != nil {
		t.Fatalf("after FIN: %d %v", n, err)
	}
}

func TestBulkTransfer(t *testing.T) {
	p := newPair(t, nil, ethOpts())
	cli, srv := p.connected(t, 7001)
	const size = 8 << 20
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i % 251)
	}
	done := make(chan error, 1)
	go func() {
		off := 0
		for off < len(data) {
			n, err := cli.Send(data[off:min(off+65536, len(data))], 0)
			if err != nil {
				done <- err
				return
			}
			off += n
		}
		done <- cli.Shutdown(unix.SHUT_WR)
	}()
	var got bytes.Buffer
	buf := make([]byte, 65536)
	for {
		n, err := srv.Recv(buf, 0)
		if err != nil {
			t.Fatalf("recv after %d bytes: %v", got.Len(), err)
		}
		if n == 0 {
			break
		}
		got.Write(buf[:n])
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), data) {
		t.Fatalf("received %d bytes, differ from sent", got.Len())
	}
	_ = io.EOF
}

func TestConnectRefused(t *testing.T) {
	p := newPair(t, nil, ethOpts())
	cli := tcpSock(t, p.a)
	cli.SetDeadline(time.Now().Add(5 * time.Second))
	err := cli.ConnectAddr(ap("198.18.0.2:9"))
	if !errors.Is(err, unix.ECONNREFUSED) {
		t.Fatalf("connect to a closed port: %v, want ECONNREFUSED", err)
	}
}
