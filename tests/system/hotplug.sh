#!/bin/sh
# ACPI PCI hotplug through the monitor socket, seen by a ring-3 test guest (tests/guest/
# hotplug.c, driven by hotplug-driver.py): pci_add / device_add put an e1000 on the running
# machine, the guest finds it through GPE0 and the hotplug registers and drives it; pci_del /
# device_del ask for it back, the guest ejects it and it is gone. 50 rounds (kvmdesk must still
# exit cleanly: ASan finds what leaked), every error path, the reset path, the removal timeout,
# and first a guest that storms the hotplug registers.
. "$(dirname "$0")/lib.sh"

reason=$(missing_kvm)
[ -z "$reason" ] || tap_skip_all "$reason"
ROUNDS=${KVMDESK_HOTPLUG_ROUNDS:-50}
timeout 300 python3 "$KVMDESK_SRCDIR/tests/system/hotplug-driver.py" "$ROUNDS" \
	"$TEST_TMP/mon.sock" "$KVMDESK" -m 64 -display none -debugcon stdio \
	-monitor "unix:$TEST_TMP/mon.sock,server,nowait" \
	-kernel "$KVMDESK_GUEST_DIR/hotplug.elf" -append "rounds=$ROUNDS hostile"
