#!/bin/sh
# The monitor over a unix socket (QEMU's HMP words): status, stop/cont, info pci against a
# golden file of the default machine after SeaBIOS's POST, system_reset, several clients, bad
# commands, the socket's permissions, and quit.
. "$(dirname "$0")/lib.sh"

reason=$(missing_kvm)
[ -z "$reason" ] || tap_skip_all "$reason"
command -v python3 >/dev/null || tap_skip_all "needs python3 (build-aux/install-deps --tests)"
[ -f /usr/share/seabios/bios-256k.bin ] || tap_skip_all "needs Debian's SeaBIOS (package seabios)"

SOCK="$TEST_TMP/monitor.sock"
LOG="$TEST_TMP/seabios.log"
CLIENT="$KVMDESK_SRCDIR/tests/system/monitor-client.py"
mon() { run_with_timeout 30 python3 "$CLIENT" "$SOCK" "$@"; }
# section NAME: the output of one command from the client's transcript on stdin.
section() { awk -v name="== $1" '$0 == name {on = 1; next} /^== / {on = 0} on'; }
wait_for_log() {
	for i in $(seq 200); do
		[ "$(grep -c "$1" "$LOG" 2>/dev/null)" -ge "${2:-1}" ] && return 0
		sleep 0.1
	done
	return 1
}

tap_plan 11
# SeaBIOS waits forever after the failed boot (-1): the VM stays up for the monitor. It tries
# only the CD-ROM (strict=on): this host's KVM cannot run iPXE's network boot.
run_with_timeout 120 "$KVMDESK" -m 128 -display none -S -boot order=d,strict=on,reboot-timeout=-1 \
	-debugcon "file:$LOG" -monitor "unix:$SOCK,server,nowait" >"$TEST_TMP/out" 2>&1 </dev/null &
pid=$!
for i in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done

perms=$(stat -c %a "$SOCK" 2>/dev/null)
[ "$perms" = 600 ] && tap_ok "the socket is 0600" || tap_not_ok "socket permissions '$perms'"

t=$(mon "info status")
if echo "$t" | grep -q 'monitor - type .help. for more information' &&
	[ "$(echo "$t" | section "info status")" = "VM status: paused" ]; then
	tap_ok "-S: banner, then 'info status' says paused"
else
	tap_not_ok "paused status"; echo "$t" | sed 's/^/# /'
fi

mon cont >/dev/null
if wait_for_log "No bootable device" && [ "$(mon "info status" | section "info status")" = "VM status: running" ]; then
	tap_ok "cont: SeaBIOS runs to 'No bootable device' and the VM is running"
else
	tap_not_ok "cont"; tap_diag_file "$LOG"
fi

mon "info pci" | section "info pci" >"$TEST_TMP/info-pci"
if diff -u "$KVMDESK_SRCDIR/tests/data/info-pci-default.txt" "$TEST_TMP/info-pci" >"$TEST_TMP/diff"; then
	tap_ok "info pci matches the golden output (QEMU's format)"
else
	tap_not_ok "info pci differs"; tap_diag_file "$TEST_TMP/diff"
fi

t=$(mon stop "info status" cont "info status")
if [ "$(echo "$t" | section "info status" | head -1)" = "VM status: paused" ] &&
	[ "$(echo "$t" | section "info status" | tail -1)" = "VM status: running" ]; then
	tap_ok "stop and cont"
else
	tap_not_ok "stop/cont"; echo "$t" | sed 's/^/# /'
fi

t=$(mon "no_such_command" "info nonsense" "stop now" "info version")
if echo "$t" | grep -q "unknown command: 'no_such_command'" &&
	echo "$t" | grep -q "info: unknown subcommand 'nonsense'" &&
	echo "$t" | grep -q "stop: takes no arguments" &&
	echo "$t" | section "info version" | grep -q '^[0-9.]* (kvmdesk)$'; then
	tap_ok "bad commands get one line each and the monitor keeps working"
else
	tap_not_ok "bad commands"; echo "$t" | sed 's/^/# /'
fi

t=$(mon help)
if echo "$t" | grep -q '^info \[subcommand\] -- ' && echo "$t" | grep -q '^quit|q  -- quit'; then
	tap_ok "help lists the commands with their syntax"
else
	tap_not_ok "help"; echo "$t" | sed 's/^/# /'
fi

# Two clients at once: one idles while the other works.
python3 - "$SOCK" <<'PY' >"$TEST_TMP/idle" 2>&1 &
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); time.sleep(3)
PY
idle=$!
sleep 0.3
if mon "info kvm" | section "info kvm" | grep -q '^kvm support: enabled$'; then
	tap_ok "a second client is served while another is connected"
else
	tap_not_ok "second client"
fi
wait $idle

mon system_reset >/dev/null
if wait_for_log "SeaBIOS (version" 2; then
	tap_ok "system_reset runs SeaBIOS again"
else
	tap_not_ok "system_reset"; tap_diag_file "$LOG"
fi

mon quit >/dev/null
wait $pid
code=$?
if [ $code = 0 ] && [ ! -e "$SOCK" ]; then
	tap_ok "quit: kvmdesk exits 0 and removes its socket"
else
	tap_not_ok "quit: status $code, socket $( [ -e "$SOCK" ] && echo left || echo gone)"
	tap_diag_file "$TEST_TMP/out"
fi

# The same command table on stdio.
out=$(printf 'info status\ncont\ninfo status\nbogus\nquit\n' |
	run_with_timeout 60 "$KVMDESK" -m 64 -display none -S -boot reboot-timeout=-1 -monitor stdio 2>&1)
code=$?
if [ $code = 0 ] && echo "$out" | grep -q 'VM status: paused' &&
	echo "$out" | grep -q 'VM status: running' && echo "$out" | grep -q "unknown command: 'bogus'"; then
	tap_ok "-monitor stdio: the same commands, and quit exits 0"
else
	tap_not_ok "-monitor stdio: status $code"; echo "$out" | sed 's/^/# /'
fi
exit 0
