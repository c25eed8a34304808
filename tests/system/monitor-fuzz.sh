#!/bin/sh
# The monitor's parser under random input for a fixed time (KVMDESK_FUZZ_SECONDS, default 20;
# KVMDESK_FUZZ_SEED to replay a run): every line gets its prompt back, kvmdesk keeps running,
# and quits cleanly afterwards (sanitizers watching). The guest is a long-mode test guest that
# only waits for interrupts while commands add and remove cards, dump memory, press keys and
# reset it: SeaBIOS interrupted at random moments can meet this host's emulator defects
# (shared/HOST-KVM.md: 32-bit protected-mode iret), which end the VM, not the monitor's test.
. "$(dirname "$0")/lib.sh"

reason=$(missing_kvm)
[ -z "$reason" ] || tap_skip_all "$reason"
[ -f "$KVMDESK_GUEST_DIR/selftest.elf" ] ||
	tap_skip_all "the guest $KVMDESK_GUEST_DIR/selftest.elf is not built (make check builds it)"
seed=${KVMDESK_FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
# screendump and drive_add take file names from the fuzzer's words: they land in here.
mkdir -p "$TEST_TMP/cwd"
cd "$TEST_TMP/cwd" || exit 1
timeout 300 python3 "$KVMDESK_SRCDIR/tests/system/monitor-fuzz.py" \
	"${KVMDESK_FUZZ_SECONDS:-20}" "$seed" "$TEST_TMP/mon.sock" \
	"$KVMDESK" -m 64 -display none -kernel "$KVMDESK_GUEST_DIR/selftest.elf" -append idle \
	-monitor "unix:$TEST_TMP/mon.sock,server,nowait"
