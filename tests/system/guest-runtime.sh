#!/bin/sh
# The freestanding test-guest runtime (tests/guest/runtime) under QEMU, the reference VMM: each
# guest reaches ring 3, reports its result through the exit port, and reports faults with the
# faulting address. Runs under TCG, and under KVM where /dev/kvm works (there, on the
# development machines, `int $0x80` from ring 3 raises #UD and exercises the runtime's other
# system-call path).
. "$(dirname "$0")/lib.sh"

reason=$(missing_qemu)
[ -z "$reason" ] || tap_skip_all "$reason"
QEMU=$(qemu_binary)
MEM_MIB=64

# run_guest ACCEL IMAGE APPEND: runs a guest; sets $status (the guest's exit code, or a
# description of how the run went wrong) and $log (its debug-console output).
run_guest() {
	local accel=$1 image=$2 append=$3 code
	log="$TEST_TMP/$(basename "$image" .elf)-$accel-$(echo "$append" | tr -c 'a-z0-9\n' _).log"
	run_with_timeout 120 "$QEMU" -M pc -accel "$accel" -m $MEM_MIB -nodefaults -display none \
		-no-reboot -kernel "$KVMDESK_GUEST_DIR/$image" -append "$append" \
		-chardev file,id=debugcon,path="$log" -device isa-debugcon,iobase=0x402,chardev=debugcon \
		-device isa-debug-exit,iobase=0xf4,iosize=4 >"$log.qemu" 2>&1
	code=$?
	# isa-debug-exit makes QEMU exit with (value << 1) | 1; 0 means the guest never wrote it.
	if [ $code = 124 ] || [ $code = 137 ]; then
		status="timeout"
	elif [ $((code & 1)) = 1 ]; then
		status=$((code >> 1))
	else
		status="qemu-status-$code"
	fi
}

# expect_pass ACCEL IMAGE APPEND DESCRIPTION
expect_pass() {
	run_guest "$1" "$2" "$3"
	if [ "$status" = 0 ] && grep -q '^kd: exit 0$' "$log"; then
		tap_ok "$4 ($1)"
	else
		tap_not_ok "$4 ($1): status $status"
		tap_diag_file "$log"
		tap_diag_file "$log.qemu"
	fi
}

# expect_fault ACCEL KIND NAME: the guest reports exception NAME at the address it announced.
expect_fault() {
	local accel=$1 kind=$2 name=$3 rip cr2
	run_guest "$accel" fault.elf "fault=$kind"
	rip=$(sed -n 's/^fault: expect rip=\(0x[0-9a-f]*\).*/\1/p' "$log")
	cr2=$(sed -n 's/^fault: expect .*cr2=\(0x[0-9a-f]*\)$/\1/p' "$log")
	if [ "$status" = 127 ] && [ -n "$rip" ] &&
		grep -q "^kd: exception $name .* in ring 3\$" "$log" &&
		grep -q "^kd:   rip=$rip " "$log" &&
		{ [ -z "$cr2" ] || grep -q "cr2=$cr2\$" "$log"; }; then
		tap_ok "fault=$kind is reported as $name at $rip ($accel)"
	else
		tap_not_ok "fault=$kind ($accel): status $status, expected $name at '$rip'"
		tap_diag_file "$log"
	fi
}

accels="tcg"
kvm_reason=$(missing_kvm)
[ -z "$kvm_reason" ] && accels="tcg kvm"
tap_plan 13

for accel in $accels; do
	expect_pass $accel selftest.elf "selftest answer=42 flag mem_mib=$MEM_MIB" "selftest: ring 3, paging, ports, MMIO, syscalls, cmdline"
	[ $accel = kvm ] && grep '^selftest: .*through #UD' "$log" | sed 's/^/# /'
	expect_pass $accel irq-pit.elf "" "PIT interrupts through the PIC reach the runtime"
	expect_fault $accel gp "#GP"
	expect_fault $accel ud "#UD"
	expect_fault $accel pf "#PF"
	expect_fault $accel de "#DE"
done
if [ "$accels" = tcg ]; then
	for t in selftest irq-pit gp ud pf de; do
		tap_skip "$t under KVM" "$kvm_reason"
	done
fi

# A failing check must fail the run: the selftest without its expected command line.
run_guest tcg selftest.elf "selftest"
if [ "$status" != 0 ] && [ "$status" != timeout ] && grep -q '^FAIL ' "$log"; then
	tap_ok "a failed check gives a non-zero exit code ($status) and a FAIL line"
else
	tap_not_ok "selftest with a wrong command line still passed (status $status)"
fi

exit 0
