#!/bin/sh
# NICs driven by ring-3 test guests, against a peer on a tap interface in a network namespace
# made here (tests/system/net-peer.py): frames out and in checked byte for byte (e1000; the
# RTL8139C+ in C mode and in C+ mode), and for the e1000 checksum offload, TSO and VLAN
# insertion checked on the wire; a hostile guest first each time (rings and descriptors
# pointing nowhere, lengths that make no sense, register storms). Also: `info network`, and the tap
# backend's error without the permission to make an interface.
. "$(dirname "$0")/lib.sh"

reason=$(missing_kvm)
[ -z "$reason" ] || tap_skip_all "$reason"
reason=$(missing_root)
[ -z "$reason" ] || tap_skip_all "$reason (network namespaces, tap)"
command -v ip >/dev/null || tap_skip_all "needs ip (package iproute2)"
[ -c /dev/net/tun ] || tap_skip_all "needs /dev/net/tun"
ns="kdtest$$"
ip netns add "$ns" || tap_skip_all "cannot make a network namespace"
trap 'ip netns del "$ns" 2>/dev/null; rm -rf "$TEST_TMP"' EXIT
tap_plan 12

peer="$KVMDESK_SRCDIR/tests/system/net-peer.py"
out="$TEST_TMP/e1000"
ip netns exec "$ns" python3 "$peer" kdtap0 52:54:00:12:34:57 >"$out.peer" 2>&1 &
peer_pid=$!
ip netns exec "$ns" timeout -k 5 120 "$KVMDESK" -m 64 -display none \
	-kernel "$KVMDESK_GUEST_DIR/e1000.elf" -append "hostile peer mac=0x525400123457" \
	-debugcon "file:$out.log" -device isa-debug-exit,iobase=0xf4,iosize=1 \
	-netdev tap,id=n0,ifname=kdtap0,script=no -device e1000,netdev=n0,mac=52:54:00:12:34:57 \
	</dev/null >"$out.out" 2>&1
vmm_status $?
wait $peer_pid
peer_status=$?
if [ "$status" = 0 ] && grep -q 'e1000: hostile: survived' "$out.log" &&
	grep -q 'e1000: received 24 of 24 frames intact' "$out.log"; then
	tap_ok "e1000: EEPROM, PHY, a hostile guest survived, 24 frames received intact"
else
	tap_not_ok "e1000 guest: status $status"
	tap_diag_file "$out.log"
	tap_diag_file "$out.out"
fi
for line in "24 of 24 pattern frames intact" "UDP checksum offload: IP and UDP checksums valid" \
	"TSO: 8 segments of MSS 1000, sequence, ids, flags and checksums right" \
	"VLAN 42 inserted"; do
	if grep -qF "PEER: $line" "$out.peer"; then
		tap_ok "e1000 on the wire: $line"
	else
		tap_not_ok "e1000 on the wire: not '$line'"
		tap_diag_file "$out.peer"
	fi
done
[ "$peer_status" = 0 ] && tap_ok "the peer saw nothing wrong" ||
	{ tap_not_ok "the peer: status $peer_status"; tap_diag_file "$out.peer"; }

# The RTL8139C+ in both of its modes.
for mode in c cplus; do
	out="$TEST_TMP/rtl8139-$mode"
	ip netns exec "$ns" python3 "$peer" kdtap1 52:54:00:12:34:58 basic >"$out.peer" 2>&1 &
	peer_pid=$!
	ip netns exec "$ns" timeout -k 5 120 "$KVMDESK" -m 64 -display none \
		-kernel "$KVMDESK_GUEST_DIR/rtl8139.elf" -append "mode=$mode hostile peer mac=0x525400123458" \
		-debugcon "file:$out.log" -device isa-debug-exit,iobase=0xf4,iosize=1 \
		-netdev tap,id=n1,ifname=kdtap1 -device rtl8139,netdev=n1,mac=52:54:00:12:34:58 \
		</dev/null >"$out.out" 2>&1
	vmm_status $?
	wait $peer_pid
	peer_status=$?
	name=$([ $mode = c ] && echo "C mode" || echo "C+ mode")
	if [ "$status" = 0 ] && grep -q 'rtl8139: hostile: survived' "$out.log" &&
		grep -q 'rtl8139: EEPROM, IDR, version and link ok' "$out.log" &&
		grep -q 'received 24 of 24 frames intact' "$out.log"; then
		tap_ok "rtl8139 $name: EEPROM, IDR, a hostile guest survived, 24 frames received intact"
	else
		tap_not_ok "rtl8139 $name guest: status $status"
		tap_diag_file "$out.log"
		tap_diag_file "$out.out"
	fi
	if [ "$peer_status" = 0 ] && grep -q 'PEER: 24 of 24 pattern frames intact' "$out.peer"; then
		tap_ok "rtl8139 $name on the wire: 24 of 24 frames intact"
	else
		tap_not_ok "rtl8139 $name: the peer: status $peer_status"
		tap_diag_file "$out.peer"
	fi
done

# info network: NICs, backends, their counters.
sock="$TEST_TMP/mon.sock"
"$KVMDESK" -m 64 -display none -S -monitor "unix:$sock,server,nowait" \
	-net nic,model=e1000,macaddr=52:54:00:aa:bb:cc -net user,hostfwd=tcp:127.0.0.1:0-:22 \
	</dev/null >"$TEST_TMP/info.out" 2>&1 &
vm=$!
for i in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
python3 "$KVMDESK_SRCDIR/tests/system/monitor-client.py" "$sock" "info network" quit \
	>"$TEST_TMP/info.txt" 2>&1
wait $vm
if grep -q 'hub vlan0:' "$TEST_TMP/info.txt" &&
	grep -q 'e1000.3: index=1,type=nic,model=e1000,macaddr=52:54:00:aa:bb:cc,link=up' "$TEST_TMP/info.txt" &&
	grep -q 'user.0: index=0,type=backend,user,net=10.0.2.0/24,host=10.0.2.2,hostfwd=tcp:127.0.0.1:0-:22' "$TEST_TMP/info.txt" &&
	grep -q 'rx 0 packets 0 bytes, tx 0 packets' "$TEST_TMP/info.txt"; then
	tap_ok "info network shows the hub, the NIC with its MAC and the user backend with counters"
else
	tap_not_ok "info network"
	tap_diag_file "$TEST_TMP/info.txt"
	tap_diag_file "$TEST_TMP/info.out"
fi

# Without CAP_NET_ADMIN (root, with the capability taken out of the bounding set): a one-line
# error that says what to do.
err=$(setpriv --bounding-set=-net_admin --inh-caps=-net_admin \
	"$KVMDESK" -m 64 -display none -netdev tap,id=n0,ifname=kdnope0 -device e1000,netdev=n0 \
	2>&1 >/dev/null </dev/null)
st=$?
if [ $st = 2 ] && [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] &&
	printf '%s' "$err" | grep -q "tap: cannot attach to kdnope0: Operation not permitted (needs CAP_NET_ADMIN"; then
	tap_ok "tap without permission: exit 2, one line saying what to do"
else
	tap_not_ok "tap without permission: status $st: $err"
fi
exit 0
