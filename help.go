package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is one subcommand: how it is called and what it does.
type command struct {
	name, args, summary string
	run                 func(args []string, stdout, stderr io.Writer) error
}

// commands are the subcommands in the order help lists them; set in init
// because help refers to the list.
var commands []command

func init() {
	commands = []command{
		{"serve", "[flags]", "run the mock (the default command; listens on " + defaultAddr + ")", serve},
		{"call", "METHOD [key=value…] [flags]", "sign a gateway request as an app (the dev app by default), send it, verify the answer and print it", call},
		{"sign", "METHOD [key=value…] [flags]", "print a request's string-to-sign, signature and form body without sending it", signCmd},
		{"verify-notify", "[FILE] [flags]", "check a captured notification's signature (form body from FILE or stdin) and say why it fails", verifyNotify},
		{"audit", "--notify-url URL [flags]", "audit a merchant's notification handler: genuine, forged and repeated notifications about a trade on a running mock, a report of what it answered (exit 3 on any finding)", auditCmd},
		{"keys", "[flags]", "generate an app key pair in every format (and certificate-mode files)", genKeys},
		{"ca", "[flags]", "print the local CA certificate that --tls serves from (made on first use; the key is never printed)", caCmd},
		{"scenarios", "check PATH…", "validate scenario files: every problem with its file and line", scenariosCmd},
		{"healthcheck", "[flags]", "exit 0 when the mock answers /_mock/health (the Docker HEALTHCHECK)", healthcheck},
		{"version", "", "print the version", func(_ []string, stdout, _ io.Writer) error {
			fmt.Fprintln(stdout, versionLine())
			return nil
		}},
		{"help", "[COMMAND]", "show this list, or a command's flags", helpCmd},
	}
}

func lookup(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// usageError is a mistake on the command line: it is printed with a hint
// to -h, and the exit status is 2.
type usageError struct {
	cmd string
	err error
}

func (e usageError) Error() string {
	return fmt.Sprintf("%s: %v\nRun 'alipay-mock %s -h' for its usage.", e.cmd, e.err, e.cmd)
}

// errHelpShown ends a command whose help was printed: exit status 0.
var errHelpShown = errors.New("help shown")

// newFlags is a flag set that prints nothing itself: parse shows help on
// -h and the error with a hint otherwise.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// printHelp writes a command's usage line, summary and flags, and the
// list of commands.
func printHelp(w io.Writer, fs *flag.FlagSet) {
	name := fs.Name()
	c, _ := lookup(strings.Fields(name)[0])
	args := c.args
	if sub := strings.Fields(name); len(sub) > 1 {
		args = strings.TrimPrefix(args, sub[1]+" ")
	}
	fmt.Fprintf(w, "Usage: alipay-mock %s %s\n\n%s.\n", name, args, strings.ToUpper(c.summary[:1])+c.summary[1:])
	if extra := helpNotes[c.name]; extra != "" {
		fmt.Fprintf(w, "\n%s\n", extra)
	}
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintf(w, "\nFlags (each also read from ALIPAY_MOCK_<FLAG>, e.g. --%s is ALIPAY_MOCK_%s):\n", firstFlag(fs), envName(firstFlag(fs)))
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	fmt.Fprintln(w)
	listCommands(w)
}

func firstFlag(fs *flag.FlagSet) string {
	var name string
	fs.VisitAll(func(f *flag.Flag) {
		if name == "" {
			name = f.Name
		}
	})
	return name
}

func envName(flagName string) string {
	return strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func listCommands(w io.Writer) {
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'alipay-mock COMMAND -h' for a command's flags; 'alipay-mock --version' for the version.")
}

// helpNotes say what flags cannot: positional arguments and exit statuses.
var helpNotes = map[string]string{
	"call": `key=value pairs go into biz_content (key:=JSON for a number, object or array); notify_url,
return_url and app_auth_token go in the common parameters. --biz gives biz_content as JSON, which
key=value pairs extend. Flags may come before or after the arguments.
The answer's node is printed as indented JSON; the last line is its code, msg, sub_code and sub_msg.
Exit status: 0 for code 10000 or no code (alipay.system.oauth.token's success), 3 for any other code, 1 when the call could not be made or the
answer does not verify with --alipay-public-key, 2 for a mistake on the command line.

  alipay-mock call alipay.trade.precreate out_trade_no=order-1 total_amount=88.88 subject=Coffee
  alipay-mock call alipay.trade.query out_trade_no=order-1`,
	"sign": `Arguments as for call. Prints the string-to-sign, the signature and the form body, which
can be POSTed as is (curl --data-binary @- …/gateway.do). --timestamp fixes the timestamp
(GMT+8 yyyy-MM-dd HH:mm:ss) so the output can be reproduced.`,
	"audit": `Asks a running mock (--mock) to send --notify-url the audit's probes about the app's trade (a
correct notification, forged signatures, tampered and foreign fields, replays, duplicates,
out-of-order statuses, GBK, a refund, a timed one) and prints what the handler answered against
what it should have (docs/audit.md). --check runs a shell command here, after all probes or with
--check-each after each (ALIPAY_AUDIT_PROBE names it); exit 0 means the merchant's state is right.
Exit status: 0 with no finding, 3 with any finding (security or correctness), 1 when the audit
could not run, 2 for a mistake on the command line.

  alipay-mock audit --notify-url http://localhost:3000/alipay/notify --out-trade-no order-42 \
    --check 'test "$(curl -s localhost:3000/orders/order-42/payments)" = 1' --format junit > audit.xml`,
	"verify-notify": `Reads the form body of a notification as captured (a=1&b=2…; a request with its headers is
accepted too) and checks it the way an app's notify_url must: charset, sign_type, the signature
over the other parameters with --alipay-public-key, and app_id when --app-id is given.
Exit status: 0 when it verifies, 1 when it does not (the reason on stderr), 2 for a usage mistake.`,
	"scenarios": `  alipay-mock scenarios check scenarios/examples my-rules.yaml`,
}

func helpCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintf(stdout, "%s: a local stand-in for the Alipay Open Platform server API.\n\nUsage: alipay-mock [COMMAND] [flags]\n\n", versionLine())
		listCommands(stdout)
		return nil
	}
	c, ok := lookup(args[0])
	if !ok || c.name == "help" {
		return usageError{"help", fmt.Errorf("unknown command %q", args[0])}
	}
	return c.run(append(args[1:], "-h"), stdout, stderr)
}
