package clock

import (
	"testing"
	"time"
)

func TestManualOrderAndReset(t *testing.T) {
	m := NewManual()
	var got []string
	m.AfterFunc(2*time.Second, func() { got = append(got, "b") })
	m.AfterFunc(time.Second, func() { got = append(got, "a") })
	tie := m.AfterFunc(2*time.Second, func() { got = append(got, "c") })
	stopped := m.AfterFunc(time.Second, func() { got = append(got, "never") })
	if !stopped.Stop() || stopped.Stop() {
		t.Fatal("Stop should report true once")
	}
	m.Advance(1500 * time.Millisecond)
	if len(got) != 1 || got[0] != "a" || m.Since() != 1500*time.Millisecond {
		t.Fatalf("after 1.5 s: %v at %v", got, m.Since())
	}
	if !tie.Reset(time.Second) {
		t.Fatal("Reset of an armed timer should report true")
	}
	// A timer armed by a timer fires in the same Advance when due.
	m.AfterFunc(100*time.Millisecond, func() {
		got = append(got, "d")
		m.AfterFunc(0, func() { got = append(got, "e") })
	})
	m.Advance(time.Second)
	want := "a d e b c"
	if s := join(got); s != want {
		t.Fatalf("order %q, want %q", s, want)
	}
	if m.Pending() != 0 {
		t.Fatalf("%d pending", m.Pending())
	}
}

func TestManualRunUntilIdle(t *testing.T) {
	m := NewManual()
	n := 0
	var rearm func()
	rearm = func() { n++; m.AfterFunc(time.Minute, rearm) }
	m.AfterFunc(time.Minute, rearm)
	if ran := m.RunUntilIdle(5); ran != 5 || n != 5 || m.Since() != 5*time.Minute {
		t.Fatalf("ran %d n %d at %v", ran, n, m.Since())
	}
	if next, ok := m.Next(); !ok || next.Sub(Epoch) != 6*time.Minute {
		t.Fatalf("next %v %v", next, ok)
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}
