#!/bin/sh
# The kvmdesk binary's command line: --help, --version, and one-line errors with exit status 2.
. "$(dirname "$0")/lib.sh"

tap_plan 7

out=$("$KVMDESK" --help 2>&1); status=$?
if [ $status = 0 ] && echo "$out" | grep -q '^Usage: kvmdesk \[options\]' &&
	echo "$out" | grep -q -- '-version'; then
	tap_ok "--help prints usage and the options, exit 0"
else
	tap_not_ok "--help (status $status)"; echo "$out" | sed 's/^/# /'
fi

out=$("$KVMDESK" -h 2>&1); status=$?
[ $status = 0 ] && echo "$out" | grep -q '^Usage:' && tap_ok "-h is --help" || tap_not_ok "-h (status $status)"

out=$("$KVMDESK" --version); status=$?
if [ $status = 0 ] && echo "$out" | grep -Eq '^kvmdesk [0-9]+\.[0-9]+\.[0-9]+$'; then
	tap_ok "--version prints 'kvmdesk X.Y.Z'"
else
	tap_not_ok "--version: '$out' (status $status)"
fi

out=$("$KVMDESK" -version); status=$?
[ $status = 0 ] && [ -n "$out" ] && tap_ok "-version (QEMU spelling) works" || tap_not_ok "-version (status $status)"

check_usage_error() {
	local expect=$1
	shift
	local err status lines
	err=$("$KVMDESK" "$@" 2>&1 >/dev/null); status=$?
	lines=$(printf '%s\n' "$err" | wc -l)
	if [ $status = 2 ] && [ "$lines" = 1 ] && printf '%s' "$err" | grep -qF -- "$expect"; then
		tap_ok "kvmdesk $* -> exit 2, one line naming the problem"
	else
		tap_not_ok "kvmdesk $* -> status $status, $lines line(s): $err"
	fi
}
check_usage_error "unknown option '-no-such-option'" -no-such-option
check_usage_error "unexpected argument 'stray'" stray
check_usage_error "'-help' takes no argument" --help=yes

exit 0
