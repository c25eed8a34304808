#!/bin/sh
# Idle-screen cost: CPU time kvmdesk and QEMU use while the guest's screen does not change
# (SeaBIOS halted at "No bootable device", 80x25 text), without a display and with an SDL2
# window (SDL's offscreen driver: no X needed). kvmdesk refreshes from KVM's dirty log and its
# own dirty pages, so a static screen should cost about what no display costs.
# Usage: bench/display.sh [BUILDDIR] [SECONDS]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/_build-bench}
secs=${2:-10}
kvmdesk=$build/src/kvmdesk
qemu=${QEMU_SYSTEM_X86_64:-qemu-system-x86_64}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# measure NAME COMMAND...: CPU % over $secs once the firmware is idle.
measure() {
	name=$1
	shift
	rm -f "$tmp/log"
	"$@" -debugcon "file:$tmp/log" </dev/null >"$tmp/out" 2>&1 &
	pid=$!
	for i in $(seq 300); do
		grep -q "No bootable device" "$tmp/log" 2>/dev/null && break
		sleep 0.1
	done
	sleep 1
	a=$(cpu_ticks $pid)
	sleep "$secs"
	b=$(cpu_ticks $pid)
	kill $pid
	wait $pid 2>/dev/null
	hz=$(getconf CLK_TCK)
	printf '%-28s %6.2f %% CPU\n' "$name" "$(echo "($b - $a) * 100 / $hz / $secs" | bc -l)"
}

common="-m 128 -boot order=d,strict=on,reboot-timeout=-1"
echo "idle text screen, ${secs} s each (lower is better)"
measure "kvmdesk -display none" "$kvmdesk" $common -display none
measure "kvmdesk -display sdl" "$kvmdesk" $common -display sdl
if command -v "$qemu" >/dev/null; then
	measure "qemu -display none" "$qemu" -M pc -accel kvm $common -display none
	measure "qemu -display sdl" "$qemu" -M pc -accel kvm $common -display sdl
fi
