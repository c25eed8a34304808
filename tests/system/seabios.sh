#!/bin/sh
# Debian's SeaBIOS on kvmdesk's PC: POST runs to "No bootable device" and its debug log (port
# 0x402) shows KVM, fw_cfg with DMA, the e820 map for -m, the chipset's PCI functions and the
# default RTL8139 with its iPXE ROM initialised, the CPU count, the keyboard, the ACPI tables,
# and no warnings. -boot strict=on keeps SeaBIOS to the CD-ROM (this host's KVM cannot run
# iPXE's network boot: shared/HOST-KVM.md); reboot-timeout=0 with -no-reboot makes SeaBIOS reset
# at once after the failed boot, and kvmdesk exit 0.
. "$(dirname "$0")/lib.sh"

reason=$(missing_kvm)
[ -z "$reason" ] || tap_skip_all "$reason"
[ -f /usr/share/seabios/bios-256k.bin ] || [ -f /usr/share/seabios/bios.bin ] ||
	tap_skip_all "needs Debian's SeaBIOS (package seabios)"

rom_expect=
[ -f /usr/lib/ipxe/qemu/pxe-rtl8139.rom ] && rom_expect="Running option rom at c"

# hex16 N: N as SeaBIOS prints addresses.
hex16() { printf '0x%016x' "$1"; }

# post MEM_ARG MEM_BYTES CPUS
post() {
	local mem=$1 bytes=$2 cpus=$3 log code below above expect line
	log="$TEST_TMP/seabios-$mem-$cpus.log"
	run_with_timeout 120 "$KVMDESK" -m "$mem" -smp "$cpus" -display none -no-reboot \
		-boot order=d,strict=on,reboot-timeout=0 -debugcon "file:$log" >"$log.out" 2>&1 \
		</dev/null
	code=$?
	if [ $code = 0 ]; then
		tap_ok "-m $mem -smp $cpus: POST ends in a reset and kvmdesk exits 0"
	else
		tap_not_ok "-m $mem -smp $cpus: kvmdesk exited $code"
		tap_diag_file "$log.out"
	fi

	# RAM below 4 GiB stops at 3 GiB once -m reaches 3.5 GiB, as on QEMU's i440FX.
	if [ "$bytes" -ge $((0xE0000000)) ]; then below=$((0xC0000000)); else below=$bytes; fi
	above=$((bytes - below))
	missing=
	for expect in "Running on KVM" "Found QEMU fw_cfg" "QEMU fw_cfg DMA interface supported" \
		"qemu/e820: addr $(hex16 0) len $(hex16 $below) [RAM]" \
		"PCI: init bdf=00:00.0 id=8086:1237" "PCI: init bdf=00:01.0 id=8086:7000" \
		"PCI: init bdf=00:01.1 id=8086:7010" "PCI: init bdf=00:01.3 id=8086:7113" \
		"Found $cpus cpu(s) max supported $cpus cpu(s)" "PS2 keyboard initialized" \
		"PCI: init bdf=00:03.0 id=10ec:8139" "Searching bootorder for: HALT" \
		"table(50434146)=" "ACPI: parse DSDT at" "No bootable device."; do
		grep -qF "$expect" "$log" || missing="$missing [$expect]"
	done
	if [ -n "$rom_expect" ] && ! grep -qF "$rom_expect" "$log"; then
		missing="$missing [$rom_expect]"
	fi
	if [ "$above" -gt 0 ]; then
		line="qemu/e820: addr $(hex16 $((0x100000000))) len $(hex16 $above) [RAM]"
		grep -qF "$line" "$log" || missing="$missing [$line]"
	fi
	if [ -z "$missing" ]; then
		tap_ok "-m $mem -smp $cpus: the log shows KVM, fw_cfg DMA, e820, PCI, CPUs, keyboard, ACPI"
	else
		tap_not_ok "-m $mem -smp $cpus: the log lacks$missing"
		tap_diag_file "$log" 60
	fi

	# Nothing went wrong but the absent boot disks (and the empty default CD-ROM drive).
	bad=$(grep -iE 'warning|fail' "$log" | grep -v -e 'Boot failed: could not read the boot disk' \
		-e 'Boot failed: Could not read from CDROM (code 0003)')
	if [ -z "$bad" ]; then
		tap_ok "-m $mem -smp $cpus: no warnings or failures in the log"
	else
		tap_not_ok "-m $mem -smp $cpus: $bad"
	fi
}

tap_plan 9
post 128 $((128 << 20)) 1
post 3G $((3 << 30)) 2
post 4G $((4 << 30)) 2
exit 0
