#!/bin/sh
# The freestanding test-guest runtime (tests/guest/runtime) under three VMMs: QEMU with TCG and
# with KVM (the reference), and kvmdesk. Each guest reaches ring 3, reports its result through
# the exit port, and reports faults with the faulting address. Under KVM on the development
# machines, `int $0x80` from ring 3 raises #UD and exercises the runtime's other system-call
# path. For kvmdesk this is also the first test of the engine: multiboot loading, port I/O,
# MMIO (IOAPIC, LAPIC), the RTC, the in-kernel PIT and PIC, and exit statuses.
. "$(dirname "$0")/lib.sh"

MEM_MIB=64
QEMU=$(qemu_binary)

# run_guest VMM IMAGE APPEND: runs a guest; sets $status (the guest's exit code, or a
# description of how the run went wrong) and $log (its debug-console output).
run_guest() {
	local vmm=$1 image=$2 append=$3
	log="$TEST_TMP/$(basename "$image" .elf)-$vmm-$(echo "$append" | tr -c 'a-z0-9\n' _).log"
	case $vmm in
	qemu-*)
		run_with_timeout 120 "$QEMU" -M pc -accel "${vmm#qemu-}" -m $MEM_MIB -nodefaults \
			-display none -no-reboot -kernel "$KVMDESK_GUEST_DIR/$image" -append "$append" \
			-chardev file,id=debugcon,path="$log" \
			-device isa-debugcon,iobase=0x402,chardev=debugcon \
			-device isa-debug-exit,iobase=0xf4,iosize=4 >"$log.vmm" 2>&1
		;;
	kvmdesk)
		run_with_timeout 60 "$KVMDESK" -m $MEM_MIB -display none -no-reboot \
			-kernel "$KVMDESK_GUEST_DIR/$image" -append "$append" -debugcon "file:$log" \
			-device isa-debug-exit,iobase=0xf4,iosize=4 >"$log.vmm" 2>&1
		;;
	esac
	vmm_status $?
}

# expect_pass VMM IMAGE APPEND DESCRIPTION
expect_pass() {
	run_guest "$1" "$2" "$3"
	if [ "$status" = 0 ] && grep -q '^kd: exit 0$' "$log"; then
		tap_ok "$4 ($1)"
	else
		tap_not_ok "$4 ($1): status $status"
		tap_diag_file "$log"
		tap_diag_file "$log.vmm"
	fi
}

# expect_fault VMM KIND NAME: the guest reports exception NAME at the address it announced.
expect_fault() {
	local vmm=$1 kind=$2 name=$3 rip cr2
	run_guest "$vmm" fault.elf "fault=$kind"
	rip=$(sed -n 's/^fault: expect rip=\(0x[0-9a-f]*\).*/\1/p' "$log")
	cr2=$(sed -n 's/^fault: expect .*cr2=\(0x[0-9a-f]*\)$/\1/p' "$log")
	if [ "$status" = 127 ] && [ -n "$rip" ] &&
		grep -q "^kd: exception $name .* in ring 3\$" "$log" &&
		grep -q "^kd:   rip=$rip " "$log" &&
		{ [ -z "$cr2" ] || grep -q "cr2=$cr2\$" "$log"; }; then
		tap_ok "fault=$kind is reported as $name at $rip ($vmm)"
	else
		tap_not_ok "fault=$kind ($vmm): status $status, expected $name at '$rip'"
		tap_diag_file "$log"
		tap_diag_file "$log.vmm"
	fi
}

qemu_reason=$(missing_qemu)
kvm_reason=$(missing_kvm)
CASES=7
tap_plan $((3 * CASES))

for vmm in qemu-tcg qemu-kvm kvmdesk; do
	reason=
	case $vmm in
	qemu-tcg) reason=$qemu_reason ;;
	qemu-kvm) reason=${qemu_reason:-$kvm_reason} ;;
	kvmdesk) reason=$kvm_reason ;;
	esac
	if [ -n "$reason" ]; then
		for i in $(seq $CASES); do tap_skip "case $i under $vmm" "$reason"; done
		continue
	fi
	expect_pass $vmm selftest.elf "selftest answer=42 flag mem_mib=$MEM_MIB" \
		"selftest: ring 3, paging, ports, MMIO, syscalls, cmdline"
	grep '^selftest: .*through #UD' "$log" | sed "s/^/# $vmm: /"
	expect_pass $vmm irq-pit.elf "" "PIT interrupts through the PIC reach the runtime"
	expect_fault $vmm gp "#GP"
	expect_fault $vmm ud "#UD"
	expect_fault $vmm pf "#PF"
	expect_fault $vmm de "#DE"
	# A failing check must fail the run: the selftest without its expected command line.
	run_guest $vmm selftest.elf "selftest"
	if [ "$status" != 0 ] && [ "$status" != timeout ] && grep -q '^FAIL ' "$log"; then
		tap_ok "a failed check gives a non-zero exit code ($status) and a FAIL line ($vmm)"
	else
		tap_not_ok "selftest with a wrong command line still passed ($vmm, status $status)"
	fi
done
exit 0
