#!/bin/sh
# The IDE controller driven by a ring-3 test guest (tests/guest/ide.c) on kvmdesk: the ATA
# command set, PIO and DMA transfers of random data checked against the image files on the
# host, the CD-ROM's packet commands against the ISO, a hostile guest that must not crash or
# hang kvmdesk, and data that survives SIGKILL once the guest has flushed it.
. "$(dirname "$0")/lib.sh"

reason=$(missing_kvm)
[ -z "$reason" ] || tap_skip_all "$reason"
command -v xorriso >/dev/null || tap_skip_all "needs xorriso (build-aux/install-deps --tests)"
check="python3 $KVMDESK_SRCDIR/tests/system/ide-check.py"
guest="$KVMDESK_GUEST_DIR/ide.elf"
img="$TEST_TMP/disk.img"
sectors=131072
truncate -s $((sectors * 512)) "$img"
read_fnv=$($check fill "$img" 1000 300 42)
mkdir -p "$TEST_TMP/iso"
head -c 300000 /dev/urandom >"$TEST_TMP/iso/DATA.BIN"
xorriso -as mkisofs -quiet -V KVMDESK_TEST -o "$TEST_TMP/cd.iso" "$TEST_TMP/iso" 2>/dev/null ||
	tap_skip_all "xorriso could not build the ISO"
iso_sectors=$(($(stat -c %s "$TEST_TMP/cd.iso") / 2048))
pvd_fnv=$($check fnv "$TEST_TMP/cd.iso" $((16 * 2048)) 2048)

tap_plan 16

# run NAME TEST-ARGS [VMM-ARGS...]: the guest must exit 0. Every run has its own seed, so a
# run's writes differ from the last one's.
seed=$$
run() {
	local name=$1 args=$2 code
	shift 2
	seed=$((seed + 1))
	out="$TEST_TMP/$name.log"
	run_with_timeout 180 "$KVMDESK" -m 64 -display none -kernel "$guest" \
		-append "$args sectors=$sectors seed=$seed" -debugcon "file:$out" \
		-device isa-debug-exit,iobase=0xf4,iosize=1 "$@" >"$out.out" 2>&1 </dev/null
	code=$?
	vmm_status $code
	if [ "$status" = 0 ]; then
		tap_ok "$name: the guest's checks pass"
	else
		tap_not_ok "$name: status $status"
		tap_diag_file "$out" 20
		tap_diag_file "$out.out" 20
	fi
}

# wrote NAME: the guest's writes are in the image.
wrote() {
	if $check wrote "$TEST_TMP/$1.log" "$img" >"$TEST_TMP/$1.check"; then
		tap_ok "$1: $(tail -n 1 "$TEST_TMP/$1.check")"
	else
		tap_not_ok "$1: the image differs from what the guest wrote"
		tap_diag_file "$TEST_TMP/$1.check"
	fi
}

run ata "ata" -hda "$img" -cdrom "$TEST_TMP/cd.iso"
run pio "pio read_lba=1000 read_count=300 read_fnv=$read_fnv" -hda "$img"
wrote pio
run dma "dma read_lba=1000 read_count=300 read_fnv=$read_fnv" -hda "$img" -cdrom "$TEST_TMP/cd.iso"
wrote dma
run dma-cache-none "dma read_lba=1000 read_count=300 read_fnv=$read_fnv" \
	-drive "file=$img,if=ide,index=0,cache=none"
wrote dma-cache-none
run atapi "atapi iso_sectors=$iso_sectors pvd_fnv=$pvd_fnv" -hda "$img" -cdrom "$TEST_TMP/cd.iso"
want=$($check fnv "$TEST_TMP/cd.iso" 0 $((iso_sectors * 2048)) | sed 's/^0x//')
if grep -q "CDREAD sectors=$iso_sectors fnv=$want" "$TEST_TMP/atapi.log"; then
	tap_ok "atapi: READ(12) of the whole disc by DMA matches the ISO"
else
	tap_not_ok "atapi: the disc read differs from the ISO (want $want)"
	grep CDREAD "$TEST_TMP/atapi.log" | tap_diag_file /dev/stdin
fi
run hostile "hostile" -hda "$img" -cdrom "$TEST_TMP/cd.iso"

# The monitor changes the disc under a running guest: info block, eject, change, errors.
client="python3 $KVMDESK_SRCDIR/tests/system/monitor-client.py"
mkdir -p "$TEST_TMP/iso2"
head -c 100000 /dev/urandom >"$TEST_TMP/iso2/OTHER.BIN"
xorriso -as mkisofs -quiet -V OTHER_DISC -o "$TEST_TMP/cd2.iso" "$TEST_TMP/iso2" 2>/dev/null
pvd2_fnv=$($check fnv "$TEST_TMP/cd2.iso" $((16 * 2048)) 2048 | sed 's/^0x//')
out="$TEST_TMP/media.log"
sock="$TEST_TMP/mon.sock"
: >"$out"
"$KVMDESK" -m 64 -display none -kernel "$guest" -append "media seed=1" -debugcon "file:$out" \
	-device isa-debug-exit,iobase=0xf4,iosize=1 -hda "$img" -cdrom "$TEST_TMP/cd.iso" \
	-monitor "unix:$sock,server,nowait" </dev/null >"$out.out" 2>&1 &
pid=$!
wait_log() { for i in $(seq 600); do grep -q "$1" "$out" && return 0; sleep 0.1; done; return 1; }
wait_log MEDIA1 && $client "$sock" "info block" "eject ide1-cd0" >"$TEST_TMP/mon1.txt" 2>&1
wait_log EJECTED && $client "$sock" "info block" "change ide0-hd0 $TEST_TMP/cd2.iso" \
	"change ide1-cd0 $TEST_TMP/missing.iso" "eject nosuch" "change ide1-cd0 $TEST_TMP/cd2.iso" \
	"info block" >"$TEST_TMP/mon2.txt" 2>&1
wait_log MEDIA2
for i in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
kill $pid 2>/dev/null
wait $pid
code=$?
vmm_status $code
if [ "$status" = 0 ] && grep -q "MEDIA2 fnv=$pvd2_fnv" "$out"; then
	tap_ok "media: after eject and change the guest saw the events, unit attention and the new disc"
else
	tap_not_ok "media: status $status"
	tap_diag_file "$out"
	tap_diag_file "$out.out"
fi
if grep -q "^ide0-hd0: $img (raw)" "$TEST_TMP/mon1.txt" &&
	grep -q "^ide1-cd0: $TEST_TMP/cd.iso (raw, read-only)" "$TEST_TMP/mon1.txt" &&
	grep -q "Removable device: not locked, tray closed" "$TEST_TMP/mon1.txt"; then
	tap_ok "info block lists the disk and the CD-ROM with their images"
else
	tap_not_ok "info block"
	tap_diag_file "$TEST_TMP/mon1.txt"
fi
if grep -q "^ide1-cd0: \[not inserted\]" "$TEST_TMP/mon2.txt" &&
	grep -q "tray open" "$TEST_TMP/mon2.txt"; then
	tap_ok "after eject: [not inserted], tray open"
else
	tap_not_ok "after eject"
	tap_diag_file "$TEST_TMP/mon2.txt"
fi
if grep -q "Device 'ide0-hd0' is a hard disk" "$TEST_TMP/mon2.txt" &&
	grep -q "cannot open disk image $TEST_TMP/missing.iso" "$TEST_TMP/mon2.txt" &&
	grep -q "Device 'nosuch' not found" "$TEST_TMP/mon2.txt"; then
	tap_ok "change and eject refuse a hard disk, a missing file and an unknown device"
else
	tap_not_ok "monitor errors"
	tap_diag_file "$TEST_TMP/mon2.txt"
fi
if grep -q "^ide1-cd0: $TEST_TMP/cd2.iso (raw, read-only)" "$TEST_TMP/mon2.txt"; then
	tap_ok "after change: info block shows the new disc"
else
	tap_not_ok "after change"
	tap_diag_file "$TEST_TMP/mon2.txt"
fi

# SIGKILL after FLUSH CACHE EXT: what the guest wrote is in the file.
out="$TEST_TMP/flush.log"
: >"$out"
"$KVMDESK" -m 64 -display none -kernel "$guest" -append "flush sectors=$sectors seed=$((seed + 1))" \
	-debugcon "file:$out" -drive "file=$img,if=ide,cache=writeback" </dev/null >/dev/null 2>&1 &
pid=$!
for i in $(seq 300); do
	grep -q FLUSHED "$out" && break
	sleep 0.1
done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
if grep -q FLUSHED "$out"; then
	wrote flush
else
	tap_not_ok "flush: the guest never flushed"
	tap_diag_file "$out"
fi
exit 0
