#!/bin/bash
# The terminal workstation end to end, in a real terminal (tmux) on the article's host (a
# fixture tree): every screen, the ISDN card's IRQ-sharing warning, assigning it to the stopped
# demo VM (saved, refused at start since this host lacks it, removed again), booting the demo
# VM and seeing its console, `info pci` in the monitor pane, the actions logged as commands,
# a resize, ASCII and monochrome, quitting (and SIGTERM) with the terminal restored, and no
# busy loop while idle. Golden screens: tests/data/workstation-*.txt (80x24).
. "$(dirname "$0")/lib.sh"

command -v tmux >/dev/null || tap_skip_all "needs tmux (build-aux/install-deps --tests)"
command -v python3 >/dev/null || tap_skip_all "needs python3"

tap_plan 27
fixture="$TEST_TMP/host"
python3 "$KVMDESK_SRCDIR/tests/system/hostfixture.py" "$KVMDESK_SRCDIR/tests/data/hosts/article.spec" "$fixture"
sock="$TEST_TMP/tmux.sock"
tm() { tmux -S "$sock" "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$TEST_TMP"' EXIT
export XDG_CONFIG_HOME="$TEST_TMP/config" XDG_DATA_HOME="$TEST_TMP/data"
# Through the shell in the pane: its status and the terminal's settings after kvmdesk are
# what the last checks read.
start() { # NAME COLUMNS ROWS OPTIONS...
	local name=$1 cols=$2 rows=$3
	shift 3
	tm -f /dev/null new-session -d -s "$name" -x "$cols" -y "$rows" \
		"cd '$TEST_TMP'; LANG=C.UTF-8 TERM=screen-256color ASAN_OPTIONS=$ASAN_OPTIONS \
		XDG_CONFIG_HOME='$XDG_CONFIG_HOME' XDG_DATA_HOME='$XDG_DATA_HOME' \
		'$KVMDESK' -host-root '$fixture' $*; echo kvmdesk-exit-\$?; \
		stty -a | tr ' ;' '\n\n' | grep -x -e echo -e icanon | sort | tr '\n' ' '; echo; sleep 60"
}
screen() { tm capture-pane -p -t "${1:-ws}" 2>/dev/null; }
waitfor() { # TEXT [TENTHS] [SESSION]
	for i in $(seq "${2:-100}"); do
		screen "${3:-ws}" | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
keys() { tm send-keys -t ws "$@"; sleep 0.3; }
check() { # DESCRIPTION TEXT [TENTHS]
	if waitfor "$2" "${3:-50}"; then
		tap_ok "$1"
	else
		tap_not_ok "$1 (no '$2')"
		screen | sed 's/^/# /'
	fi
}
golden() { # NAME DESCRIPTION
	local want="$KVMDESK_SRCDIR/tests/data/workstation-$1.txt"
	screen | sed 's/ *$//' >"$TEST_TMP/$1.txt"
	if [ -n "${KVMDESK_UPDATE_GOLDEN:-}" ]; then
		cp "$TEST_TMP/$1.txt" "$want"
	fi
	if diff -u "$want" "$TEST_TMP/$1.txt" >"$TEST_TMP/$1.diff"; then
		tap_ok "$2 (as tests/data/workstation-$1.txt)"
	else
		tap_not_ok "$2 differs from tests/data/workstation-$1.txt"
		tap_diag_file "$TEST_TMP/$1.diff" 60
	fi
}

start ws 80 24
check "kvmdesk with no VM options opens the workstation on the host devices" "kvmdesk • Host devices" 100
golden hostdevs "the host devices screen at 80x24: IOMMU groups, IRQ column, verdicts, detail, hint bar"

keys / i s d n Enter
check "the filter keeps the ISDN cards; the AVM B1's detail says what shares its IRQ" "IRQ 11 is shared with 00:1d.0 (uhci_hcd)"
check "the detail gives the fix for the shared line" "fix: move it to another slot or disable the other devices" 30
keys a
check "a assigns the selected card to the stopped VM" "05:06.0 added to VM 'demo'"
if screen | grep -qE "^●  +8 05:06.0 "; then
	tap_ok "the table marks the card as the VM's"
else
	tap_not_ok "no mark on 05:06.0"; screen | sed 's/^/# /'
fi
if grep -q "^host=05:06.0" "$XDG_CONFIG_HOME/kvmdesk/vms/demo.vm" 2>/dev/null; then
	tap_ok "the demo VM's definition is saved with the card"
else
	tap_not_ok "demo.vm holds no [hostdev]"; tap_diag_file "$XDG_CONFIG_HOME/kvmdesk/vms/demo.vm"
fi
keys d
check "a lower-case d says that detaching needs the capital key" "needs the capital key: D"
keys F3
check "F3 shows the VM's settings with the assigned card" "Host device     05:06.0 AVM GmbH B1 ISDN (not assignable)"
keys End Up Up Up
keys s
check "starting the VM with a card this host lacks fails with a reason, nothing crashes" "vm_start:" 100
keys F5
check "the monitor pane logs the actions as the commands they ran" "(qemu) vm_hostdev add 05:06.0"
keys F3 End Up Up Up
keys x
check "x removes the card from the settings" "05:06.0 removed from VM 'demo'"

reason=$(missing_kvm)
if [ -z "$reason" ] && [ ! -f "$KVMDESK_BUILDDIR/data/demo/kvmdesk-demo.img" ]; then
	reason="the demo disk was not built"
fi
if [ -z "$reason" ]; then
	export KVMDESK_DEMO_IMAGE="$KVMDESK_BUILDDIR/data/demo/kvmdesk-demo.img"
	keys s
	check "s starts the demo VM" "VM demo: running" 100
	keys F4
	check "F4 shows the guest's console: the demo VM's menu" "kvmdesk demo VM" 300
	keys h i
	check "keys typed in the console reach the guest" "You typed: hi" 100
	keys M-2
	keys i n f o Space p c i Enter
	check "Alt+2 switches to the monitor; info pci lists the guest's Cirrus VGA" "VGA controller: PCI device 1013:00b8" 50
else
	for t in "s starts the demo VM" "F4 shows the demo VM's console" "keys reach the guest" \
		"info pci in the monitor pane"; do
		tap_skip "$t" "$reason"
	done
fi

keys F1
check "F1 shows the help made from the key table" "give the device to the VM"
if [ -z "$reason" ]; then
	golden help "the help screen at 80x24, wrapped, with the running VM in the title"
else
	tap_skip "the help screen at 80x24" "$reason (its title shows the running VM)"
fi
tm resize-window -t ws -x 100 -y 30
sleep 0.5
if screen | head -1 | grep -q "VM demo: " && [ "$(screen | head -1 | wc -m)" -ge 99 ]; then
	tap_ok "a resize (SIGWINCH) redraws the screens at the new size"
else
	tap_not_ok "no redraw after the resize"; screen | sed 's/^/# /'
fi
keys F10
if [ -z "$reason" ]; then
	waitfor "Quit and stop it? (y/n)" 30 && keys y
fi
check "F10 quits with status 0" "kvmdesk-exit-0" 100
check "the terminal is restored (echo and canonical mode back)" "echo icanon" 30

# ASCII lines and no colours, in a small terminal; then SIGTERM.
start plain 80 24 -ascii -monochrome -echr 0x14
if waitfor "kvmdesk * Host devices" 100 plain && screen plain | grep -q -- "^    | 00:1f.3 SMBus "; then
	tap_ok "-ascii draws with ASCII characters (and -monochrome runs without colours)"
else
	tap_not_ok "-ascii"; screen plain | sed 's/^/# /'
fi
pid=$(pgrep -P "$(tm list-panes -t plain -F '#{pane_pid}')" -x kvmdesk | head -1)
t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
sleep 3
t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
# 3 s are 300 clock ticks; a busy loop would take them all.
if [ $((t1 - t0)) -le 15 ]; then
	tap_ok "idle on the host devices screen: $((t1 - t0)) clock ticks of CPU in 3 s"
else
	tap_not_ok "idle CPU: $((t1 - t0)) ticks in 3 s"
fi
tm send-keys -t plain F4
if waitfor "Ctrl+T then ? for more" 30 plain && screen plain | grep -q "Ctrl+T kvmdesk keys"; then
	tap_ok "-echr 0x14 makes Ctrl+T the console's escape key (hint and hint bar say so)"
else
	tap_not_ok "-echr"; screen plain | sed 's/^/# /'
fi
# The serial console: a VM without a display adapter whose guest talks on COM1 both ways.
if [ -n "$reason" ] || [ ! -f "$KVMDESK_GUEST_DIR/engine.elf" ]; then
	tap_skip "Alt+3 shows COM1; typed keys reach the guest's UART" "${reason:-no engine.elf}"
else
	mkdir -p "$XDG_CONFIG_HOME/kvmdesk/vms"
	cat >"$XDG_CONFIG_HOME/kvmdesk/vms/serial.vm" <<VM
[vm]
memory=64
vga=none
nics=0
extra=-kernel;$KVMDESK_GUEST_DIR/engine.elf;-append;uart;-device;isa-debug-exit;-debugcon;file:$TEST_TMP/serial-debugcon.log;
VM
	tm send-keys -t plain F5 "vm_select serial" Enter "vm_start" Enter
	sleep 0.5
	tm send-keys -t plain M-3
	if waitfor "uart: hello from COM1" 200 plain; then
		tm send-keys -t plain p i n g C-j
		if waitfor "uart: got ping" 100 plain && screen plain | grep -q "Serial console (COM1)"; then
			tap_ok "Alt+3 shows COM1 of a VM without display; typed keys reach the guest's UART"
		else
			tap_not_ok "no answer on COM1"; screen plain | sed 's/^/# /'
		fi
	else
		tap_not_ok "no COM1 output in the serial console"; screen plain | sed 's/^/# /'
	fi
fi
kill -TERM "$pid"
if waitfor "kvmdesk-exit-0" 50 plain && waitfor "echo icanon" 30 plain; then
	tap_ok "SIGTERM ends the workstation cleanly with the terminal restored"
else
	tap_not_ok "SIGTERM"; screen plain | sed 's/^/# /'
fi
if "$KVMDESK" -echr A >"$TEST_TMP/echr.out" 2>&1; then
	tap_not_ok "-echr A was accepted"
elif grep -q "give a control character" "$TEST_TMP/echr.out"; then
	tap_ok "-echr refuses a printable character with the forms it takes"
else
	tap_not_ok "-echr A"; tap_diag_file "$TEST_TMP/echr.out"
fi
[ "$tap_failed" -eq 0 ]
