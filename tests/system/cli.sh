#!/bin/sh
# The kvmdesk binary's command line: --help, --version, and one-line errors with exit status 2.
. "$(dirname "$0")/lib.sh"

tap_plan 26

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
check_usage_error "-m: the guest needs some memory" -m 0
check_usage_error "-m: 'abc' is not a size" -m abc
check_usage_error "-smp: '0' is not a CPU count" -smp 0
check_usage_error "-device: unknown device 'foo'" -device foo
check_usage_error "-serial: 'bogus' is not a character device" -serial bogus
check_usage_error "-initrd needs -kernel" -initrd /etc/hostname
check_usage_error "-boot: invalid boot device 'x'" -boot order=x
check_usage_error "kvmdesk's monitor socket is a server" -monitor unix:$TEST_TMP/m.sock
check_usage_error "'vmware' is not a display adapter (use cirrus or none)" -vga vmware
check_usage_error "'gtk' is not a display (use none, curses or sdl)" -display gtk

# These need the VM to be built, so KVM.
kvm_reason=$(missing_kvm)
if [ -n "$kvm_reason" ]; then
	for i in $(seq 9); do tap_skip "bad VM configuration $i" "$kvm_reason"; done
	exit 0
fi
check_usage_error "the VM has no display adapter (-vga none)" -vga none -display curses -m 64
check_usage_error "more than this host can back" -m 100T -display none
check_usage_error "vCPUs requested; this KVM allows 1 to" -smp 300 -display none
check_usage_error "cannot read firmware" -bios /nonexistent -display none
check_usage_error "a BIOS image is a multiple of 64 KiB" -bios /etc/hostname -display none
check_usage_error "cannot read kernel" -kernel /nonexistent -display none
check_usage_error "kernel /etc is a directory" -kernel /etc -display none
check_usage_error "not a kernel kvmdesk can boot" -kernel /etc/hostname -display none
check_usage_error "-initrd is for Linux kernels" -kernel "$KVMDESK_GUEST_DIR/selftest.elf" \
	-initrd /etc/hostname -display none
exit 0
