#!/bin/sh
# The demo VM disk (data/demo/demo.S, what `build-aux/dev run` boots): SeaBIOS boots it from
# the IDE disk, its framed title and ticking clock show in the text screen, keys sent through
# the monitor reach its echo line through the i8042 and int 16h, and its menu items answer.
# The screen is read with the monitor's `info display`, as a user would see it.
. "$(dirname "$0")/lib.sh"

reason=$(missing_kvm)
[ -z "$reason" ] || tap_skip_all "$reason"
command -v python3 >/dev/null || tap_skip_all "needs python3 (build-aux/install-deps --tests)"
[ -f /usr/share/seabios/bios-256k.bin ] || tap_skip_all "needs Debian's SeaBIOS (package seabios)"
IMG="$KVMDESK_BUILDDIR/data/demo/kvmdesk-demo.img"
[ -f "$IMG" ] || tap_skip_all "no $IMG (make builds it)"

SOCK="$TEST_TMP/monitor.sock"
CLIENT="$KVMDESK_SRCDIR/tests/system/monitor-client.py"
mon() { run_with_timeout 30 python3 "$CLIENT" "$SOCK" "$@"; }
# screen: the text rows of `info display`, "row N: TEXT" each.
screen() { mon "info display" | grep '^row [0-9]*: '; }
# wait_for_screen REGEX [TENTHS]: polls the screen until a row matches; the last screen is in
# $TEST_TMP/screen either way.
wait_for_screen() {
	for i in $(seq "${2:-100}"); do
		screen >"$TEST_TMP/screen"
		grep -Eq "$1" "$TEST_TMP/screen" && return 0
		sleep 0.1
	done
	return 1
}
show_screen() { sed 's/^/# /' "$TEST_TMP/screen"; tap_diag_file "$TEST_TMP/out"; }

tap_plan 6
# -vm demo without a saved "demo": the built-in definition (the disk read-only, so the image
# in the build tree stays as make built it; no NIC, so SeaBIOS never tries iPXE, which this
# host's KVM cannot run); the options after it override its settings.
start=$(date +%s.%N)
XDG_CONFIG_HOME="$TEST_TMP/config" KVMDESK_DEMO_IMAGE="$IMG" \
	run_with_timeout 180 "$KVMDESK" -vm demo -m 64 -display none \
	-monitor "unix:$SOCK,server,nowait" >"$TEST_TMP/out" 2>&1 </dev/null &
pid=$!
for i in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done

# SeaBIOS's POST takes 5-8 s on nested, software-assisted KVM (shared/HOST-KVM.md).
if wait_for_screen '^row 2: .*║ *kvmdesk demo VM *║' 600 &&
	grep -q '^row 1: *╔═*╗$' "$TEST_TMP/screen" && grep -q '^row 3: *╚═*╝$' "$TEST_TMP/screen"; then
	tap_ok "the framed title shows $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s after the start"
else
	tap_not_ok "no framed title"; show_screen
fi

clock1=$(grep 'Clock: ' "$TEST_TMP/screen")
sleep 2.2
wait_for_screen 'Clock: [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$' 50
clock2=$(grep 'Clock: ' "$TEST_TMP/screen")
if [ -n "$clock1" ] && [ -n "$clock2" ] && [ "$clock1" != "$clock2" ] &&
	echo "$clock2" | grep -Eq 'Clock: [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$'; then
	tap_ok "the RTC clock ticks ($(echo "$clock1" | sed 's/.*Clock: //') -> $(echo "$clock2" | sed 's/.*Clock: //'))"
else
	tap_not_ok "the clock did not change: '$clock1' then '$clock2'"; show_screen
fi

# A plain key, then one of several bytes at once (shift down, B down): each byte must raise
# the keyboard interrupt anew, or the guest never hears of the second and of every key after.
mon "sendkey a" >/dev/null
sleep 0.5
mon "sendkey shift-b" >/dev/null
sleep 0.5
mon "sendkey b" >/dev/null
if wait_for_screen 'You typed: aBb$'; then
	tap_ok "keys sent through the monitor show in the echo line, shifted ones too"
else
	tap_not_ok "echo line"; show_screen
fi

mon "sendkey 1" >/dev/null
if wait_for_screen 'Memory: 639 KiB below 1 MiB, 64 MiB in all$' &&
	grep -q 'You typed: aBb1$' "$TEST_TMP/screen"; then
	tap_ok "menu 1: the memory sizes from int 12h and int 15h E801"
else
	tap_not_ok "menu 1"; show_screen
fi

mon "sendkey 2" >/dev/null
if wait_for_screen 'Boot drive 0x80, cylinders/heads/sectors [0-9]+/[0-9]+/[0-9]+$'; then
	tap_ok "menu 2: $(grep -o 'Boot drive.*' "$TEST_TMP/screen")"
else
	tap_not_ok "menu 2"; show_screen
fi

t=$(mon "info status")
if echo "$t" | grep -q '^VM status: running$' && ! grep -q 'internal error' "$TEST_TMP/out"; then
	tap_ok "the VM is still running"
else
	tap_not_ok "VM status"; echo "$t" | sed 's/^/# /'; tap_diag_file "$TEST_TMP/out"
fi

mon quit >/dev/null
wait "$pid" 2>/dev/null
exit 0
