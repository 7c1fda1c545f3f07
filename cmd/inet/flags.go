package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// errHelp reports that -h was asked for and the usage was printed.
var errHelp = errors.New("help requested")

// flagSet is a command's flags with its usage printer.
type flagSet struct {
	*flag.FlagSet
	usage func()
}

// newFlagSet returns a flag set that prints its usage to w on -h (once)
// and turns any parse error into a one-line usageError, printing nothing
// itself.
func newFlagSet(name, synopsis string, w io.Writer) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	// The flag package calls Usage on every parse error as well as on
	// -h; the errors become one line, so it prints nothing here.
	fs.Usage = func() {}
	return &flagSet{FlagSet: fs, usage: func() {
		fmt.Fprintf(w, "usage: inet %s %s\n\nflags:\n", name, synopsis)
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}}
}

// parse parses args, mapping errors to one line.
func parse(fs *flagSet, args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.usage()
		return errHelp
	}
	if err != nil {
		// The flag package's messages are already one line.
		return usageError{strings.TrimSpace(err.Error())}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	return nil
}

// listFlag collects a flag given several times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }
