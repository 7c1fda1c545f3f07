// Command inet runs inet, Linux's IPv4 stack in user space.
//
//	inet demo                      an in-memory network, no root needed
//	inet serve --tun NAME --addr CIDR [--gateway IP] [--mtu N]
//	inet serve --veth NAME --addr CIDR [--gateway IP]
//
// Errors are one line on stderr and a non-zero exit status: 2 for a usage
// mistake, 1 for anything else.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: inet <command> [flags]

commands:
  demo    build an in-memory network (two hosts and a router), ping across
          it and show what happened; needs no privileges
  serve   run the stack on a TUN device (--tun) or a veth (--veth) until
          SIGINT or SIGTERM

Run "inet <command> -h" for the flags of a command.
`

// usageError is a mistake on the command line: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "demo":
		err = runDemo(args[1:], stdout, stderr)
	case "serve":
		err = runServe(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = usageError{fmt.Sprintf("unknown command %q (try \"inet help\")", args[0])}
	}
	if err == nil {
		return 0
	}
	if errors.Is(err, errHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "inet: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}
