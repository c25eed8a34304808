#!/bin/sh
# The monitor's parser under random input for a fixed time (KVMDESK_FUZZ_SECONDS, default 20;
# KVMDESK_FUZZ_SEED to replay a run): every line gets its prompt back, kvmdesk keeps running,
# and quits cleanly afterwards (sanitizers watching). The guest is SeaBIOS, which keeps waiting
# after its failed boot while commands add and remove cards, dump memory and reset it.
. "$(dirname "$0")/lib.sh"

reason=$(missing_kvm)
[ -z "$reason" ] || tap_skip_all "$reason"
seed=${KVMDESK_FUZZ_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
timeout 300 python3 "$KVMDESK_SRCDIR/tests/system/monitor-fuzz.py" \
	"${KVMDESK_FUZZ_SECONDS:-20}" "$seed" "$TEST_TMP/mon.sock" \
	"$KVMDESK" -m 64 -display none -boot order=d,strict=on,reboot-timeout=-1 \
	-monitor "unix:$TEST_TMP/mon.sock,server,nowait"
