package services_test

import (
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/seed96fbdc48/inet/internal/services"
)

// patternCheck is an io.Writer that checks every byte against /bytes'
// pattern (byte(i % 251)) as it goes, holding nothing.
type patternCheck struct {
	off int64
	bad int64 // offset of the first wrong byte, or -1
}

func newPatternCheck() *patternCheck { return &patternCheck{bad: -1} }

func (p *patternCheck) Write(b []byte) (int, error) {
	for i, c := range b {
		if c != byte((p.off+int64(i))%251) && p.bad < 0 {
			p.bad = p.off + int64(i)
		}
	}
	p.off += int64(len(b))
	return len(b), nil
}

// TestHTTPService: GET / is "ok\n"; GET /bytes?n=N is N bytes of the
// pattern with a Content-Length, for lengths around the pattern's period
// and a large one; HEAD has the headers only; bad requests get 400, 404,
// 405.
func TestHTTPService(t *testing.T) {
	cli, _, _, s := lan(t)
	h, err := s.HTTP(ap("0.0.0.0:80"))
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{DialContext: cli.DialContext}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	do := func(method, url string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, url, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
		return resp, body
	}

	resp, body := do("GET", "http://198.18.0.2/")
	if resp.StatusCode != 200 || string(body) != "ok\n" {
		t.Fatalf("GET /: %s %q", resp.Status, body)
	}
	for _, n := range []int64{0, 1, 250, 251, 252, 502, 64255, 64256, 64257, 1000003} {
		resp, body := do("GET", fmt.Sprintf("http://198.18.0.3/bytes?n=%d", n))
		pc := newPatternCheck()
		pc.Write(body)
		if resp.StatusCode != 200 || int64(len(body)) != n || resp.ContentLength != n || pc.bad >= 0 {
			t.Errorf("GET /bytes?n=%d: %s, %d bytes, Content-Length %d, first wrong byte at %d", n, resp.Status, len(body), resp.ContentLength, pc.bad)
		}
	}
	// A large body, checked as it streams.
	big := int64(256 << 20)
	if raceEnabled {
		big = 32 << 20 // the race detector is slow at this
	}
	r, err := c.Get(fmt.Sprintf("http://198.18.0.2/bytes?n=%d", big))
	if err != nil {
		t.Fatal(err)
	}
	pc := newPatternCheck()
	n, err := io.Copy(pc, r.Body)
	r.Body.Close()
	if n != big || err != nil || pc.bad >= 0 {
		t.Fatalf("%d bytes: got %d bytes (%v), first wrong byte at %d", big, n, err, pc.bad)
	}
	resp, body = do("HEAD", "http://198.18.0.2/bytes?n=12345")
	if resp.StatusCode != 200 || resp.ContentLength != 12345 || len(body) != 0 {
		t.Errorf("HEAD: %s, Content-Length %d, %d bytes", resp.Status, resp.ContentLength, len(body))
	}

	for _, q := range []string{"", "?n=", "?n=-1", "?n=%2B1", "?n=abc", "?n=1e3", "?n=0x10", "?n=%201", "?n=1&n=2",
		"?n=1099511627777", "?n=99999999999999999999", "?m=1"} {
		resp, body := do("GET", "http://198.18.0.2/bytes"+q)
		if resp.StatusCode != 400 || !strings.Contains(string(body), "decimal integer from 0 to 1099511627776") {
			t.Errorf("GET /bytes%s: %s %q, want 400", q, resp.Status, body)
		}
	}
	// The largest n allowed (HEAD: its body would be a terabyte).
	if resp, _ := do("HEAD", "http://198.18.0.2/bytes?n=1099511627776"); resp.StatusCode != 200 || resp.ContentLength != 1<<40 {
		t.Errorf("largest n: %s, Content-Length %d", resp.Status, resp.ContentLength)
	}
	if resp, _ := do("GET", "http://198.18.0.2/nope"); resp.StatusCode != 404 {
		t.Errorf("GET /nope: %s", resp.Status)
	}
	if resp, _ := do("POST", "http://198.18.0.2/"); resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /: %s, Allow %q", resp.Status, resp.Header.Get("Allow"))
	}
	if h.Requests() == 0 || h.Addr() != ap("0.0.0.0:80") {
		t.Errorf("requests %d, addr %v", h.Requests(), h.Addr())
	}
}

// discardResponse is an http.ResponseWriter that checks the body.
type discardResponse struct {
	h    http.Header
	code int
	pc   *patternCheck
}

func (d *discardResponse) Header() http.Header         { return d.h }
func (d *discardResponse) WriteHeader(code int)        { d.code = code }
func (d *discardResponse) Write(b []byte) (int, error) { return d.pc.Write(b) }

// TestBytesBoundedMemory: serving /bytes?n=256 MiB allocates a few
// kilobytes, not the body: it is streamed from a fixed buffer.
func TestBytesBoundedMemory(t *testing.T) {
	req, _ := http.NewRequest("GET", "/bytes?n=268435456", nil)
	w := &discardResponse{h: http.Header{}, pc: newPatternCheck()}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	services.Handler.ServeHTTP(w, req)
	runtime.ReadMemStats(&after)
	if w.pc.off != 256<<20 || w.pc.bad >= 0 {
		t.Fatalf("%d bytes, first wrong at %d", w.pc.off, w.pc.bad)
	}
	if a := after.TotalAlloc - before.TotalAlloc; a > 64<<10 {
		t.Errorf("serving 256 MiB allocated %d bytes", a)
	}
}
