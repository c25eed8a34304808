#!/bin/sh
# IDE drives through Debian's SeaBIOS: its log shows the disks and the CD-ROM with their model
# strings and sizes; it boots a boot sector from -hda that prints through the BIOS and checks
# int 13h reads (LBA, CHS, the last sector) of the image the test wrote, and an El Torito ISO
# from -cdrom (built here with xorriso) that reads its volume descriptor; -boot order and
# -drive decide what boots. Image problems are one-line errors with exit status 2.
. "$(dirname "$0")/lib.sh"

reason=$(missing_kvm)
[ -z "$reason" ] || tap_skip_all "$reason"
[ -f /usr/share/seabios/bios-256k.bin ] || [ -f /usr/share/seabios/bios.bin ] ||
	tap_skip_all "needs Debian's SeaBIOS (package seabios)"
command -v xorriso >/dev/null || tap_skip_all "needs xorriso (build-aux/install-deps --tests)"
boot_dir="$KVMDESK_BUILDDIR/tests/guest/boot"

# The hard disk: boot sector, LBA 1-8 with byte j of sector i = (7i + j) & 255, "LASTSECT" at
# the start of the last sector.
python3 - "$boot_dir/hdboot.bin" "$TEST_TMP/hd.img" $((16 << 20)) <<'PY'
import sys
boot = open(sys.argv[1], 'rb').read()
size = int(sys.argv[3])
with open(sys.argv[2], 'wb') as f:
    f.write(boot)
    for i in range(1, 9):
        f.write(bytes((7 * i + j) & 255 for j in range(512)))
    f.truncate(size)
    f.seek(size - 512)
    f.write(b'LASTSECT')
PY
truncate -s 8M "$TEST_TMP/second.img"
mkdir -p "$TEST_TMP/iso"
cp "$boot_dir/cdboot.bin" "$TEST_TMP/iso/boot.bin"
echo "kvmdesk test disc" >"$TEST_TMP/iso/README.TXT"
xorriso -as mkisofs -quiet -V KVMDESK_TEST -b boot.bin -no-emul-boot -boot-load-size 4 \
	-o "$TEST_TMP/cd.iso" "$TEST_TMP/iso" 2>"$TEST_TMP/xorriso.log" ||
	{ tap_diag_file "$TEST_TMP/xorriso.log"; tap_skip_all "xorriso could not build the ISO"; }

tap_plan 15

# boot NAME EXPECTED_STATUS EXPECTED_TEXT ARGS...
boot() {
	local name=$1 want=$2 text=$3 out code
	shift 3
	out="$TEST_TMP/$name"
	run_with_timeout 60 "$KVMDESK" -nographic -device isa-debug-exit,iobase=0xf4,iosize=1 \
		-debugcon "file:$out.debug" "$@" >"$out.serial" 2>"$out.err" </dev/null
	code=$?
	vmm_status $code
	if [ "$status" = "$want" ] && grep -qF "$text" "$out.serial"; then
		tap_ok "$name: boots, prints '$text' through the BIOS and exits with $want"
	else
		tap_not_ok "$name: status $status (want $want)"
		tap_diag_file "$out.serial" 10
		tap_diag_file "$out.err" 10
	fi
}

boot hda 33 "int13 OK" -hda "$TEST_TMP/hd.img" -hdb "$TEST_TMP/second.img" \
	-cdrom "$TEST_TMP/cd.iso" -boot order=cd
log="$TEST_TMP/hda.debug"
for expect in "ata0-0: KVMDESK HARDDISK ATA-7 Hard-Disk (16 MiBytes)" \
	"ata0-1: KVMDESK HARDDISK ATA-7 Hard-Disk (8 MiBytes)" \
	"DVD/CD [ata1-0: KVMDESK DVD-ROM ATAPI-4 DVD/CD]"; do
	if grep -qF "$expect" "$log"; then
		tap_ok "SeaBIOS finds '$expect'"
	else
		tap_not_ok "SeaBIOS's log lacks '$expect'"
		grep -E 'ata|DVD' "$log" | tap_diag_file /dev/stdin
	fi
done
grep -q "kvmdesk boot sector from hard disk" "$TEST_TMP/hda.serial" &&
	tap_ok "the boot sector's greeting reached the serial console" ||
	tap_not_ok "no greeting from the boot sector"

boot cdrom 34 "CD read OK" -hda "$TEST_TMP/hd.img" -cdrom "$TEST_TMP/cd.iso" -boot order=dc
boot cdrom-only 34 "CD read OK" -cdrom "$TEST_TMP/cd.iso"
boot drive-options 34 "CD read OK" \
	-drive "file=$TEST_TMP/cd.iso,if=ide,index=1,media=cdrom" \
	-drive "file=$TEST_TMP/hd.img,if=ide,index=3,format=raw,cache=none" -boot d
boot drive-disk 33 "int13 OK" -drive "file=$TEST_TMP/hd.img,if=ide,bus=1,unit=1,cache=none" \
	-cdrom "$TEST_TMP/cd.iso" -boot order=c
boot readonly-disk 33 "int13 OK" -drive "file=$TEST_TMP/hd.img,readonly=on" -boot c

# check_error TEXT ARGS...: exit status 2 and one line naming the problem.
check_error() {
	local expect=$1 err status lines
	shift
	err=$(run_with_timeout 30 "$KVMDESK" -display none "$@" 2>&1 >/dev/null </dev/null)
	status=$?
	lines=$(printf '%s\n' "$err" | wc -l)
	if [ $status = 2 ] && [ "$lines" = 1 ] && printf '%s' "$err" | grep -qF -- "$expect"; then
		tap_ok "$* -> exit 2: $err"
	else
		tap_not_ok "$* -> status $status, $lines line(s): $err"
	fi
}
head -c 1000 /dev/zero >"$TEST_TMP/odd.img"
check_error "cannot open disk image $TEST_TMP/missing.img: No such file" -hda "$TEST_TMP/missing.img"
check_error "cannot open disk image $TEST_TMP: Is a directory" -hda "$TEST_TMP"
check_error "must be a non-zero multiple of 512 bytes; this one has 1000" -hda "$TEST_TMP/odd.img"
check_error "CD-ROM images must be a non-zero multiple of 2048 bytes" -cdrom "$TEST_TMP/odd.img"

# A second VM on an image in use: refused, naming the first.
"$KVMDESK" -S -display none -hda "$TEST_TMP/second.img" </dev/null >/dev/null 2>&1 &
first=$!
for i in $(seq 50); do
	grep -q "second.img" /proc/$first/maps 2>/dev/null && break
	ls -l /proc/$first/fd 2>/dev/null | grep -q second.img && break
	sleep 0.1
done
check_error "is in use by kvmdesk (pid $first)" -hda "$TEST_TMP/second.img"
kill $first 2>/dev/null
wait $first 2>/dev/null
exit 0
