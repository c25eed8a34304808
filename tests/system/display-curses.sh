#!/bin/sh
# -display curses in a real terminal (tmux): SeaBIOS's text screen appears with its banner,
# a key typed in the terminal reaches the guest (Escape at SeaBIOS's prompt opens its boot
# menu), Ctrl+A q quits with status 0, and the terminal is restored (ncurses leaves the
# alternate screen, so the guest's picture is gone).
. "$(dirname "$0")/lib.sh"

reason=$(missing_kvm)
[ -z "$reason" ] || tap_skip_all "$reason"
command -v tmux >/dev/null || tap_skip_all "needs tmux (build-aux/install-deps --tests)"
[ -f /usr/share/seabios/bios-256k.bin ] || tap_skip_all "needs Debian's SeaBIOS (package seabios)"

tap_plan 4
sock="$TEST_TMP/tmux.sock"
tm() { tmux -S "$sock" "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$TEST_TMP"' EXIT
# SeaBIOS waits 2.5 s for the boot menu key (menu=on), then forever after the failed boot.
tm -f /dev/null new-session -d -x 100 -y 30 \
	"TERM=xterm-256color ASAN_OPTIONS=$ASAN_OPTIONS '$KVMDESK' -m 64 -display curses -boot order=d,strict=on,menu=on,reboot-timeout=-1; echo kvmdesk-exit-\$?; sleep 30"
screen() { tm capture-pane -p -t 0 2>/dev/null; }
waitfor() {
	for i in $(seq "${2:-300}"); do
		screen | grep -q "$1" && return 0
		sleep 0.1
	done
	return 1
}
if waitfor "SeaBIOS (version" 400; then
	tap_ok "the guest's text screen shows SeaBIOS's banner in the terminal"
else
	tap_not_ok "no banner"; screen | sed 's/^/# /'
fi
if waitfor "Press ESC for boot menu" 200; then
	tm send-keys -t 0 Escape
	if waitfor "Select boot device" 100; then
		tap_ok "Escape typed in the terminal reaches the guest: SeaBIOS's boot menu opens"
	else
		tap_not_ok "the boot menu did not open"; screen | sed 's/^/# /'
	fi
else
	tap_not_ok "no boot menu prompt"; screen | sed 's/^/# /'
fi
tm send-keys -t 0 C-a q
if waitfor "kvmdesk-exit-0" 100; then
	tap_ok "Ctrl+A q quits with status 0"
else
	tap_not_ok "Ctrl+A q"; screen | sed 's/^/# /'
fi
# Restored: ncurses left the alternate screen, so the guest's screen is gone from the pane.
if ! screen | grep -q "SeaBIOS (version"; then
	tap_ok "the terminal is restored (the guest's screen is gone after exit)"
else
	tap_not_ok "the terminal still shows the guest's screen"; screen | sed 's/^/# /'
fi
