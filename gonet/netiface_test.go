package gonet_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"
)

// The code below is written against package net's interfaces only, as a
// library would be: a tiny DNS-style service (a 2-byte query ID, a name;
// the answer echoes the ID and gives a 4-byte address) and its client.

// serveLookups answers queries on pc until it is closed.
func serveLookups(pc net.PacketConn, table map[string]net.IP) error {
	buf := make([]byte, 512)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		if n < 2 {
			continue
		}
		ans := append([]byte(nil), buf[:2]...)
		if ip := table[string(buf[2:n])].To4(); ip != nil {
			ans = append(ans, ip...)
		}
		if _, err := pc.WriteTo(ans, from); err != nil {
			return err
		}
	}
}

// lookup asks the server at the other end of c for name, retrying on
// timeout.
func lookup(c net.Conn, id uint16, name string) (net.IP, error) {
	q := binary.BigEndian.AppendUint16(nil, id)
	q = append(q, name...)
	buf := make([]byte, 512)
	for try := 0; try < 3; try++ {
		if _, err := c.Write(q); err != nil {
			return nil, err
		}
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, err := c.Read(buf)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n < 2 || binary.BigEndian.Uint16(buf) != id {
			continue
		}
		if n != 6 {
			return nil, fmt.Errorf("%s: not found", name)
		}
		return net.IP(append([]byte(nil), buf[2:6]...)), nil
	}
	return nil, fmt.Errorf("%s: no answer", name)
}

// TestNetInterfacesOnly runs that service and client over inet.
func TestNetInterfacesOnly(t *testing.T) {
	l := newLAN(t, nil)
	var pc net.PacketConn = listen(t, l.b, "198.18.0.2:53")
	table := map[string]net.IP{"alice.test": net.IPv4(198, 18, 0, 1), "bob.test": net.IPv4(198, 18, 0, 2)}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := serveLookups(pc, table); err != nil {
			t.Errorf("server: %v", err)
		}
	}()
	var c net.Conn = dial(t, l.a, "198.18.0.2:53")
	for i, name := range []string{"alice.test", "bob.test"} {
		got, err := lookup(c, uint16(i+1), name)
		if err != nil || !got.Equal(table[name]) {
			t.Errorf("lookup %s: %v %v", name, got, err)
		}
	}
	if _, err := lookup(c, 9, "carol.test"); err == nil {
		t.Error("lookup of an unknown name succeeded")
	}
	pc.Close()
	wg.Wait()
}
