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

tap_plan 22
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

# The screen after POST, read through the display interface (not guest memory): SeaBIOS's
# banner in the text grid, and a screendump of it.
t=$(mon "info display" "screendump $TEST_TMP/post.ppm")
if echo "$t" | section "info display" | grep -q '^row 0: SeaBIOS (version ' &&
	echo "$t" | section "info display" | grep -q '^mode: text 80x25 cells, 720x400 pixels$' &&
	echo "$t" | section "info display" | grep -q '^row [0-9]*: No bootable device\.$'; then
	tap_ok "info display: SeaBIOS's banner and 'No bootable device.' in the 80x25 text grid"
else
	tap_not_ok "info display after POST"; echo "$t" | sed 's/^/# /'
fi
if [ "$(head -c 15 "$TEST_TMP/post.ppm" 2>/dev/null)" = "$(printf 'P6\n720 400\n255\n')" ] &&
	[ "$(stat -c %s "$TEST_TMP/post.ppm")" = $((15 + 720 * 400 * 3)) ] &&
	python3 "$KVMDESK_SRCDIR/tests/system/ppm-colors.py" "$TEST_TMP/post.ppm" >/dev/null; then
	tap_ok "screendump: the text screen as a 720x400 PPM"
else
	tap_not_ok "screendump of the text screen"; ls -l "$TEST_TMP/post.ppm" | sed 's/^/# /'
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

# Memory dumps: the reset vector's far jump (0xEA) in the BIOS shadow, the same bytes through
# the vCPU's translation (real mode: linear = physical), the formats, and the errors.
t=$(mon "xp /4xb 0xffff0" "x /4xb 0xffff0" "xp /2xw 0x0" "xp /3c 0xffff5" "xp /1xg 0x0" \
	"xp /1dh 0x0" "xp /1ub 0xffff0" "xp /1ob 0xffff0")
if echo "$t" | section "xp /4xb 0xffff0" | grep -q '^00000000000ffff0: 0xea 0x[0-9a-f][0-9a-f] ' &&
	[ "$(echo "$t" | section "xp /4xb 0xffff0")" = "$(echo "$t" | section "x /4xb 0xffff0")" ] &&
	echo "$t" | section "xp /2xw 0x0" | grep -Eq '^0000000000000000: 0x[0-9a-f]{8} 0x[0-9a-f]{8}$' &&
	echo "$t" | section "xp /3c 0xffff5" | grep -q "^00000000000ffff5: '" &&
	echo "$t" | section "xp /1xg 0x0" | grep -Eq '^0000000000000000: 0x[0-9a-f]{16}$' &&
	echo "$t" | section "xp /1ub 0xffff0" | grep -q '^00000000000ffff0: *234$' &&
	echo "$t" | section "xp /1ob 0xffff0" | grep -q '^00000000000ffff0: 0352$'; then
	tap_ok "x and xp dump guest memory in QEMU's formats (x, d, u, o, c; b, h, w, g)"
else
	tap_not_ok "x/xp"; echo "$t" | sed 's/^/# /'
fi
t=$(mon "xp /4q 0" "xp /4xb nowhere" "xp /1xg 0xfffffffff0000" "xp" "x /999999xb 0" "info version")
if echo "$t" | section "xp /4q 0" | grep -q "bad format '/4q'" &&
	echo "$t" | section "xp /4xb nowhere" | grep -q "'nowhere' is not an address" &&
	echo "$t" | section "xp /1xg 0xfffffffff0000" | grep -q "not guest RAM" &&
	echo "$t" | section "xp" | grep -q "usage" &&
	echo "$t" | section "x /999999xb 0" | grep -q "bad format" &&
	echo "$t" | section "info version" | grep -q kvmdesk; then
	tap_ok "x/xp: bad formats, addresses and memory outside RAM get one line each"
else
	tap_not_ok "x/xp errors"; echo "$t" | sed 's/^/# /'
fi

t=$(mon "info irq")
if echo "$t" | section "info irq" | head -1 | grep -q '^IRQ statistics for ioapic:$' &&
	echo "$t" | section "info irq" | grep -Eq '^ ?(1|14|15): [1-9][0-9]*$'; then
	tap_ok "info irq counts the interrupts SeaBIOS took from the keyboard and IDE"
else
	tap_not_ok "info irq"; echo "$t" | sed 's/^/# /'
fi
t=$(mon "info mtree")
if echo "$t" | grep -q '^address-space: memory$' && echo "$t" | grep -q '^address-space: I/O$' &&
	echo "$t" | grep -Eq '^  0000000000000000-[0-9a-f]{16} \(prio 1, ram\): ram$' &&
	echo "$t" | grep -q '^  0cf8-0cff (prio 0, i/o): pci-conf$' &&
	echo "$t" | grep -q '^  ae00-ae0f (prio 0, i/o): acpi-pcihp$'; then
	tap_ok "info mtree shows RAM slots, MMIO and I/O ranges"
else
	tap_not_ok "info mtree"; echo "$t" | sed 's/^/# /'
fi
t=$(mon "info chardev" "info ksm" "info balloon" "balloon 64")
if echo "$t" | section "info chardev" | grep -q "^debugcon: filename=file:$LOG$" &&
	echo "$t" | section "info chardev" | grep -q "^compat_monitor0: filename=unix:$SOCK,server,nowait$" &&
	echo "$t" | section "info ksm" | grep -Eq '^KSM: (running|stopped|unmerging|not available)' &&
	[ "$(echo "$t" | section "info balloon")" = "No balloon device has been activated" ] &&
	[ "$(echo "$t" | section "balloon 64")" = "No balloon device has been activated" ]; then
	tap_ok "info chardev, info ksm; balloon and info balloon say there is no balloon, as QEMU"
else
	tap_not_ok "info chardev/ksm/balloon"; echo "$t" | sed 's/^/# /'
fi
t=$(mon "system_powerdown" "info qtree")
if [ -z "$(echo "$t" | section system_powerdown)" ] &&
	echo "$t" | section "info qtree" | grep -q 'piix4-pm: PM1 sts 0x01[0-9a-f][0-9a-f] '; then
	tap_ok "system_powerdown presses the ACPI power button (PWRBTN_STS)"
else
	tap_not_ok "system_powerdown"; echo "$t" | sed 's/^/# /'
fi
t=$(mon "sendkey ctrl-alt-nokey" "sendkey" "sendkey ctrl-alt-delete 99999" "help pci_add" "help x")
if echo "$t" | section "sendkey ctrl-alt-nokey" | grep -q "unknown key 'nokey'" &&
	echo "$t" | section "sendkey" | grep -q usage &&
	echo "$t" | section "sendkey ctrl-alt-delete 99999" | grep -q "not milliseconds" &&
	echo "$t" | section "help pci_add" | grep -q '^pci_add auto|\[\[0:\]0:\]SLOT nic|host|storage' &&
	echo "$t" | section "help x" | grep -q '^x /fmt addr -- '; then
	tap_ok "sendkey's errors; help CMD shows one command's syntax"
else
	tap_not_ok "sendkey errors / help CMD"; echo "$t" | sed 's/^/# /'
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

# SeaBIOS waits with the keyboard on after the failed boot; its ctrl-alt-delete handler reboots.
wait_for_log "No bootable device" 2
mon "sendkey ctrl-alt-delete" >/dev/null
if wait_for_log "SeaBIOS (version" 3; then
	tap_ok "sendkey ctrl-alt-delete: SeaBIOS reboots the machine"
else
	tap_not_ok "sendkey ctrl-alt-delete"; tap_diag_file "$LOG"
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
# On a terminal the stdio monitor is readline: Tab completes, the up arrow recalls the last
# line.
out=$(timeout 60 python3 - "$KVMDESK" <<'PY' 2>&1
import os, pty, select, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "-m", "64", "-display", "none", "-S", "-net", "none",
                           "-monitor", "stdio"])
buf = b""
def until(pattern, count=1, timeout=20):
    global buf
    end = time.monotonic() + timeout
    while buf.count(pattern) < count and time.monotonic() < end:
        if select.select([fd], [], [], 0.2)[0]:
            try:
                buf += os.read(fd, 4096)
            except OSError:
                break
    return buf.count(pattern) >= count
ok = until(b"(qemu) ")
os.write(fd, b"info ver\t")
ok = ok and until(b"info version")
os.write(fd, b"\r")
ok = ok and until(b"(kvmdesk)")
os.write(fd, b"\x1b[A\r")
ok = ok and until(b"(kvmdesk)", 2)
os.write(fd, b"sendkey ctrl-alt-de\t\x01\x0b\r")   # completes, then erased (^A ^K)
os.write(fd, b"quit\r")
until(b"\0never", timeout=10)  # everything up to the exit
_, status = os.waitpid(pid, 0)
print("completion+history %s, exit %d" % (ok, os.waitstatus_to_exitcode(status)))
print(buf.decode(errors="replace")[-600:])
PY
)
if echo "$out" | grep -q '^completion+history True, exit 0$' &&
	echo "$out" | grep -q 'ctrl-alt-delete'; then
	tap_ok "-monitor stdio on a terminal: Tab completes commands and keys, history recalls lines"
else
	tap_not_ok "readline"; echo "$out" | cat -v | sed 's/^/# /'
fi
exit 0
