#!/bin/sh
# Device assignment through VFIO, in the fake host (tests/system/fakehost: QEMU/TCG q35 with an
# emulated VT-d IOMMU, QEMU's edu device, nested KVM): a ring-3 test guest (tests/guest/vfio.c)
# under kvmdesk finds edu at the slot kvmdesk chose, maps BAR0 (a memory slot: its accesses must
# not exit), reads ident and liveness, DMAs from and to guest-physical addresses and takes edu's
# interrupt as INTx and as MSI; `info pci` names the host device. Afterwards edu is unbound
# again, as it was, and nothing holds /dev/vfio. The qemu-kvm 0.12 form -pcidevice assigns it
# a second time. Refusals (exit 2, one line, nothing left bound): a host address that does not
# exist, a malformed one, dma=none, and an IOMMU group that holds the NIC the host routes
# through.
. "$(dirname "$0")/lib.sh"
. "$KVMDESK_SRCDIR/tests/system/fakehost/lib.sh"

reason=$(missing_fakehost)
[ -z "$reason" ] || tap_skip_all "$reason"
make_initramfs "$FAKEHOST_DIR/l1-init" "$TEST_TMP/l1-vfio.cpio" kvm-amd 9p 9pnet-virtio \
	virtio-pci vfio-pci vfio-iommu-type1 e1000 || tap_skip_all "cannot build the fake host's initramfs"
tap_plan 19

client="$KVMDESK_SRCDIR/tests/system/monitor-client.py"
guest="$KVMDESK_GUEST_DIR/vfio.elf"
script="$TEST_TMP/vfio-l1.sh"
cat >"$script" <<SCRIPT
t0=\$(cut -d' ' -f1 /proc/uptime)
find_dev() { for d in /sys/bus/pci/devices/*; do [ "\$(cat \$d/vendor):\$(cat \$d/device)" = "\$1" ] && echo \${d##*/}; done; }
drv() { basename "\$(readlink /sys/bus/pci/devices/\$1/driver 2>/dev/null)" 2>/dev/null; }
edus=\$(find_dev 0x1234:0x11e8)
edu=\$(echo "\$edus" | grep ':00:0b.0') edu2=\$(echo "\$edus" | grep -v ':00:0b.0')
echo "KDL1: edu \$edu (group \$(basename \$(readlink /sys/bus/pci/devices/\$edu/iommu_group))), edu2 \$edu2 (group \$(basename \$(readlink /sys/bus/pci/devices/\$edu2/iommu_group)))"
echo "KDL1: edu driver before: [\$(drv \$edu)]"

# 1. -device vfio-pci with a ROM image; the guest waits at the end for the monitor.
{ printf '\\125\\252'; head -c 16382 /dev/zero; } >/run/rom.bin
start=\$(cut -d' ' -f1 /proc/uptime)
"$KVMDESK" -m 64 -display none -kernel "$guest" -append "wait rom hostile" -debugcon file:/run/vfio.log \\
	-device vfio-pci,host=\$edu,id=edu0,romfile=/run/rom.bin -monitor unix:/run/mon.sock,server,nowait \\
	</dev/null >/run/vfio.out 2>&1 &
pid=\$!
for i in \$(seq 600); do grep -q 'VFIO DONE' /run/vfio.log 2>/dev/null && break; kill -0 \$pid 2>/dev/null || break; sleep 0.1; done
echo "KDL1: driver while assigned: [\$(drv \$edu)]"
python3 "$client" /run/mon.sock "info pci" "info exits" "info qtree" 2>&1 | sed 's/^/[mon] /'
python3 "$client" /run/mon.sock quit >/dev/null 2>&1
wait \$pid
echo "KDL1: run 1 status \$? after \$(echo "\$(cut -d' ' -f1 /proc/uptime) - \$start" | bc) s"
sed 's/^/[guest] /' /run/vfio.log
sed 's/^/[out] /' /run/vfio.out
echo "KDL1: edu driver after: [\$(drv \$edu)] override [\$(cat /sys/bus/pci/devices/\$edu/driver_override)] state [\$(ls /run/kvmdesk/bindings 2>/dev/null)]"
echo "KDL1: vfio holders: [\$(ls -l /proc/[0-9]*/fd 2>/dev/null | grep -c /dev/vfio/)]"

# 2. -pcidevice, the qemu-kvm 0.12 form; the guest ends by itself.
start=\$(cut -d' ' -f1 /proc/uptime)
"$KVMDESK" -m 64 -display none -kernel "$guest" -debugcon file:/run/vfio2.log \\
	-pcidevice host=\${edu#0000:},name=card -device isa-debug-exit </dev/null >/run/vfio2.out 2>&1
echo "KDL1: run 2 status \$? after \$(echo "\$(cut -d' ' -f1 /proc/uptime) - \$start" | bc) s"
sed 's/^/[guest2] /' /run/vfio2.log
echo "KDL1: edu driver after run 2: [\$(drv \$edu)]"

# 3. Hotplug: pci_add auto host on a running machine, then pci_del; the halted test guest
# cannot eject, so system_reset completes the removal and edu goes back.
"$KVMDESK" -m 64 -display none -kernel "$KVMDESK_GUEST_DIR/hotplug.elf" -append rounds=0 \
	-debugcon file:/run/hp.log -monitor unix:/run/hp.sock,server,nowait </dev/null >/run/hp.out 2>&1 &
pid=\$!
for i in \$(seq 100); do grep -q 'hotplug: done' /run/hp.log 2>/dev/null && break; sleep 0.1; done
python3 "$client" /run/hp.sock "pci_add auto host host=\${edu#0000:},name=hot" "info pci" \
	"device_add vfio-pci,host=00:1f.6" 2>&1 | sed 's/^/[hpmon] /'
echo "KDL1: hot driver while assigned: [\$(drv \$edu)]"
python3 "$client" /run/hp.sock "pci_del 4" system_reset 2>&1 | sed 's/^/[hpmon2] /'
for i in \$(seq 50); do [ -z "\$(drv \$edu)" ] && break; sleep 0.1; done
python3 "$client" /run/hp.sock "info pci" quit 2>&1 | sed 's/^/[hpmon3] /'
wait \$pid
echo "KDL1: hotplug status \$? edu driver after: [\$(drv \$edu)]"

# 4. Refusals.
refuse() {
	name=\$1; shift
	timeout -k 5 60 "$KVMDESK" -m 64 -display none -kernel "$guest" \
		-device isa-debug-exit "\$@" </dev/null >/run/r.out 2>/run/r.err
	echo "KDL1: refuse \$name status \$? lines \$(wc -l </run/r.err): \$(cat /run/r.err)"
}
refuse missing -device vfio-pci,host=00:1f.6
refuse malformed -device vfio-pci,host=zz:1
refuse dma-none -pcidevice host=\${edu#0000:},dma=none
# The NIC behind the same bridge as edu2 (bus 01) carries the default route.
nic=\$(for n in /sys/class/net/eth*; do p=\$(readlink -f \$n/device); case \$p in */\${edu2%:*}:*) echo \${n##*/};; esac; done | head -n 1)
ip link set \$nic up && ip addr add 192.0.2.15/24 dev \$nic && ip route add default via 192.0.2.1
refuse group -device vfio-pci,host=\$edu2
echo "KDL1: after refusals: edu2 [\$(drv \$edu2)] nic \$nic [\$(drv \$(basename \$(readlink /sys/class/net/\$nic/device)))] edu [\$(drv \$edu)]"
echo "KDL1: total \$(echo "\$(cut -d' ' -f1 /proc/uptime) - \$t0" | bc) s"
exit 0
SCRIPT
LOG="$TEST_TMP/vfio.log"
started=$(date +%s)
run_fakehost_with "$TEST_TMP/l1-vfio.cpio" "$script" "$LOG" "intel_iommu=on" \
	-M q35 -device intel-iommu,intremap=on,caching-mode=on -device e1000,romfile=,addr=3 \
	-device edu,addr=0xb -device pci-bridge,id=br1,chassis_nr=1,addr=0x10 \
	-device edu,bus=br1,addr=1 -device e1000,bus=br1,addr=2,romfile=
code=$?
echo "# fake host run: $(($(date +%s) - started)) s (status $code)"
grep '^KDL1' "$LOG" | sed 's/^/# /'
if [ $code != 0 ]; then
	tap_not_ok "the fake host ran the script (status $code)"
	tap_diag_file "$LOG" 60
	for i in $(seq 18); do tap_not_ok "not reached"; done
	exit 0
fi
tap_ok "the fake host booted with VT-d and edu and ran kvmdesk"

check() { # DESCRIPTION PATTERN...: every pattern (grep -E) is in the log
	local what=$1 p
	shift
	for p in "$@"; do
		if ! grep -Eq "$p" "$LOG"; then
			tap_not_ok "$what (no match for: $p)"
			return
		fi
	done
	tap_ok "$what"
}
check "run 1: edu went to vfio-pci for the guest" '^KDL1: driver while assigned: \[vfio-pci\]'
check "the guest finds edu at the slot kvmdesk chose and sizes BAR0 (1 MiB)" \
	'^\[guest\] vfio: edu at 00:04.0' '^\[guest\] vfio: BAR0 sizing 0xfff00000'
check "ident 0x010000ed and the liveness register through the BAR" \
	'^\[guest\] vfio: ident 0x10000ed, liveness ok'
check "DMA from and to guest-physical addresses" '^\[guest\] vfio: DMA of 1024 bytes .* matches'
check "edu's interrupt arrives as INTx (twice: unmasked again after EOI)" \
	'^\[guest\] vfio: INTx on IRQ 11: 2 interrupt'
check "edu's interrupt arrives as MSI (raised and on DMA completion)" \
	'^\[guest\] vfio: MSI at vector 0x50: 2 interrupt'
check "romfile=: the guest sizes the ROM BAR (16 KiB) and reads the image's signature" \
	'^\[guest\] vfio: ROM BAR sizing 0xffffc000, signature 0xaa55'
check "4000 random writes over its configuration space: the card still answers" \
	'^\[guest\] vfio: hostile configuration writes: survived'
check "info pci shows the assigned device with its host address" \
	'^\[mon\]       assigned host device 0000:00:0b.0' '^\[mon\]       id "edu0"'
mmio=$(sed -n 's/^\[mon\] exits to userspace: .*MMIO \([0-9]*\),.*/\1/p' "$LOG")
if [ -n "$mmio" ] && [ "$mmio" -lt 200 ] && ! grep -q '^\[guest\] FAIL' "$LOG" &&
	grep -q '^\[guest\] vfio: VFIO DONE' "$LOG"; then
	tap_ok "the guest's checks pass; 20000 BAR0 reads left $mmio MMIO exits in all"
else
	tap_not_ok "guest checks or MMIO exits ('$mmio')"
	grep '^\[guest\]\|^\[out\]' "$LOG" | tail -n 20 | sed 's/^/# /'
fi
check "after release edu is unbound again, as before, and nothing holds /dev/vfio" \
	'^KDL1: edu driver after: \[\] override \[(\(null\))?\] state \[\]' '^KDL1: vfio holders: \[0\]'
check "-pcidevice host=BB:DD.F,name=: assigned again, the guest's checks pass" \
	'^KDL1: run 2 status 1 ' '^\[guest2\] vfio: done' '^KDL1: edu driver after run 2: \[\]'
check "a host address that does not exist: exit 2, one line" \
	'^KDL1: refuse missing status 2 lines 1: .*no PCI device 00:1f.6'
check "a malformed host address: exit 2, one line" \
	'^KDL1: refuse malformed status 2 lines 1: .*not a PCI address'
check "dma=none: exit 2, one line explaining why" \
	'^KDL1: refuse dma-none status 2 lines 1: .*dma=none cannot be honoured'
check "a group holding the NIC the host routes through: exit 2, nothing left bound" \
	'^KDL1: refuse group status 2 lines 1: .*IOMMU group' \
	'^KDL1: after refusals: edu2 \[\] nic eth[0-9] \[e1000\] edu \[\]'
check "pci_add auto host host=BB:DD.F on a running machine: OK line, vfio-pci holds it, info pci names it" \
	'^\[hpmon\] OK domain 0, bus 0, slot 4, function 0$' '^KDL1: hot driver while assigned: \[vfio-pci\]' \
	'^\[hpmon\]       assigned host device 0000:00:0b.0' \
	'^\[hpmon\] device_add: .*no PCI device 00:1f.6'
if grep -q '^KDL1: hotplug status 0 edu driver after: \[\]' "$LOG" &&
	! grep -q '^\[hpmon3\]   Bus  0, device   4' "$LOG"; then
	tap_ok "pci_del 4 + system_reset: the card leaves the guest and edu is unbound again"
else
	tap_not_ok "hot removal: $(grep '^KDL1: hotplug status' "$LOG")"
	grep '^\[hpmon' "$LOG" | tail -n 20 | sed 's/^/# /'
fi
exit 0
