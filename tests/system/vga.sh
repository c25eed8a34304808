#!/bin/sh
# The Cirrus GD5446 display adapter, driven by a ring-3 test guest that programs every register
# itself (tests/guest/vga.c; no VGA BIOS runs): 80x25 text with its own font, mode 13h, 800x600
# at 16 bpp with BitBLTs, and a hostile phase (BitBLTs past VRAM, register storms, every legacy
# window mapping). At each phase the guest waits for a key; tests/system/vga-check.py takes a
# screendump through the monitor, sends `sendkey ret`, and compares the screendump pixel for
# pixel with the picture it computes. The same guest runs under QEMU (the reference model,
# -device cirrus-vga without its ROM) and under kvmdesk, so a difference is blamed on the right
# side; kvmdesk's `info display` (text, cells, cursor, modes) is checked as well.
. "$(dirname "$0")/lib.sh"

CHECK="$KVMDESK_SRCDIR/tests/system/vga-check.py"
GUEST="$KVMDESK_GUEST_DIR/vga.elf"
PHASES="text mode13h cirrus16 hostile"
QEMU_CASES=6
KVMDESK_CASES=9

kvm_reason=$(missing_kvm)
qemu_reason=$(missing_qemu)
if [ -n "$kvm_reason" ] && [ -n "$qemu_reason" ]; then
	tap_skip_all "$kvm_reason; $qemu_reason"
fi
[ -f "$GUEST" ] || tap_skip_all "the guest $GUEST is not built (make check builds it)"
tap_plan $((QEMU_CASES + KVMDESK_CASES))

# run_vmm VMM: boots the guest under VMM (qemu or kvmdesk) and drives it through its phases;
# sets $dir (screendumps NAME.ppm, monitor answers NAME.mon, debugcon.log) and $status.
run_vmm() {
	vmm=$1
	dir="$TEST_TMP/$vmm"
	mkdir -p "$dir"
	sock="$dir/monitor.sock"
	log="$dir/debugcon.log"
	info=
	case $vmm in
	qemu)
		accel=kvm
		[ -z "$kvm_reason" ] || accel=tcg
		run_with_timeout 300 "$(qemu_binary)" -M pc -accel $accel -m 64 -nodefaults \
			-device cirrus-vga,romfile= -display none -no-reboot \
			-kernel "$GUEST" -append "$PHASES" \
			-chardev file,id=debugcon,path="$log" -device isa-debugcon,iobase=0x402,chardev=debugcon \
			-device isa-debug-exit,iobase=0xf4,iosize=4 \
			-monitor "unix:$sock,server,nowait" </dev/null >"$dir/vmm.out" 2>&1 &
		;;
	kvmdesk)
		info=--info
		run_with_timeout 300 "$KVMDESK" -m 64 -display none -no-reboot \
			-kernel "$GUEST" -append "$PHASES" -debugcon "file:$log" \
			-device isa-debug-exit,iobase=0xf4,iosize=4 \
			-monitor "unix:$sock,server,nowait" </dev/null >"$dir/vmm.out" 2>&1 &
		;;
	esac
	vm=$!
	python3 "$CHECK" drive "$sock" "$log" "$dir" $info >"$dir/drive.out" 2>&1
	wait $vm
	vmm_status $?
}

# compare_phase VMM PHASE DESCRIPTION
compare_phase() {
	if python3 "$CHECK" compare "$2" "$dir/debugcon.log" "$dir/$2.ppm" "$dir/$2-expected.ppm" \
		>"$dir/$2.compare" 2>&1; then
		tap_ok "$1: $3"
	else
		tap_not_ok "$1: $3"
		tap_diag_file "$dir/$2.compare" 20
		tap_diag_file "$dir/$2.mon" 4
		tap_diag_file "$dir/drive.out" 5
	fi
}

for vmm in qemu kvmdesk; do
	if [ $vmm = qemu ]; then
		reason=$qemu_reason
		cases=$QEMU_CASES
	else
		reason=$kvm_reason
		cases=$KVMDESK_CASES
	fi
	if [ -n "$reason" ]; then
		for i in $(seq "$cases"); do tap_skip "$vmm case $i" "$reason"; done
		continue
	fi
	run_vmm $vmm
	if [ "$status" = 0 ] && grep -q '^kd: exit 0$' "$log" 2>/dev/null && grep -q '^vga: done$' "$log"; then
		tap_ok "$vmm: the guest ran every phase, its own checks passed"
	else
		tap_not_ok "$vmm: the guest: status $status"
		grep -v ' blt ' "$log" 2>/dev/null | tail -n 30 | sed -e 's/^/# /'
		tap_diag_file "$dir/vmm.out" 10
		tap_diag_file "$dir/drive.out" 10
	fi
	compare_phase "$vmm" text "80x25 text: font, attributes, 16 colours, line graphics, cursor"
	compare_phase "$vmm" mode13h "mode 13h: palette and picture"
	compare_phase "$vmm" cirrus16 "800x600x16: linear framebuffer, then 11 BitBLTs"
	if grep -q 'VM status: running' "$dir/hostile-storm.mon" 2>/dev/null &&
		[ -s "$dir/hostile-storm.mon" ] && grep -q '^== screendump' "$dir/hostile-storm.mon" &&
		[ -f "$dir/hostile.mon" ]; then
		tap_ok "$vmm: after BitBLTs past VRAM and register storms: a screendump, still running"
	else
		tap_not_ok "$vmm: after the storms"
		tap_diag_file "$dir/hostile-storm.mon"
		tap_diag_file "$dir/drive.out" 5
	fi
	if grep -q '^vga: hostile: survived$' "$log" 2>/dev/null; then
		compare_phase "$vmm" hostile "the mode set again after the storms draws exactly"
	else
		tap_not_ok "$vmm: the guest did not survive the hostile phase"
		grep -v ' blt ' "$log" 2>/dev/null | tail -n 10 | sed -e 's/^/# /'
	fi
	[ "$vmm" = kvmdesk ] || continue
	for phase in text mode13h cirrus16; do
		python3 "$CHECK" info $phase "$dir/$phase.mon" >"$dir/$phase.info" 2>&1 ||
			echo "failed" >>"$dir/$phase.info"
	done
	if ! grep -q '^failed$' "$dir/text.info"; then
		tap_ok "$vmm: info display: adapter, text mode, cursor, every row's text and cells"
	else
		tap_not_ok "$vmm: info display in text mode"
		tap_diag_file "$dir/text.info" 30
	fi
	if ! grep -q '^failed$' "$dir/mode13h.info"; then
		tap_ok "$vmm: info display: mode 13h is 320x200 at 8 bpp"
	else
		tap_not_ok "$vmm: info display in mode 13h"
		tap_diag_file "$dir/mode13h.info"
	fi
	if ! grep -q '^failed$' "$dir/cirrus16.info"; then
		tap_ok "$vmm: info display: 800x600 at 16 bpp"
	else
		tap_not_ok "$vmm: info display at 800x600x16"
		tap_diag_file "$dir/cirrus16.info"
	fi
done
# VGA_KEEP=DIR keeps the screendumps, the expected pictures and the logs for a closer look.
if [ -n "${VGA_KEEP:-}" ]; then
	mkdir -p "$VGA_KEEP" && cp -r "$TEST_TMP"/qemu "$TEST_TMP"/kvmdesk "$VGA_KEEP"/ 2>/dev/null
fi
exit 0
