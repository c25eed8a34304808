#!/bin/sh
# The host inventory and binding against a real kernel, in the fake host (QEMU/TCG running
# Debian's kernel): on an i440FX board whose IRQs 10 and 11 are each shared by three drivers,
# and on a q35 board with VT-d and QEMU's edu device. What kvmdesk reports must agree with what
# the kernel says (/sys/kernel/irq/N/actions, driver links, IOMMU groups); edu must go to
# vfio-pci and back, and a binding whose kvmdesk died must be restored at the next start.
. "$(dirname "$0")/lib.sh"
. "$KVMDESK_SRCDIR/tests/system/fakehost/lib.sh"

reason=$(missing_fakehost)
[ -z "$reason" ] || tap_skip_all "$reason"

# Drivers for the devices of both boards, vfio, and 9p for the host's tree.
make_initramfs "$FAKEHOST_DIR/l1-init" "$TEST_TMP/l1-inv.cpio" 9p 9pnet-virtio virtio-pci \
	e1000 8139cp 8139too snd-ens1370 uhci-hcd ehci-pci snd-hda-intel snd-intel8x0 \
	vfio-pci vfio-iommu-type1 || tap_skip_all "cannot build the fake host's initramfs"

COMPARE="$TEST_TMP/compare.py"
cat >"$COMPARE" <<'PY'
# Inside the fake host: kvmdesk's JSON against the kernel's own view.
import json, os, sys
doc = json.load(open(sys.argv[1]))
problems = []
for d in doc["devices"]:
    base = "/sys/bus/pci/devices/" + d["address"]
    link = os.path.join(base, "driver")
    driver = os.path.basename(os.readlink(link)) if os.path.islink(link) else None
    if d["driver"] != driver:
        problems.append("%s: driver %s, kernel says %s" % (d["address"], d["driver"], driver))
    glink = os.path.join(base, "iommu_group")
    group = int(os.path.basename(os.readlink(glink))) if os.path.islink(glink) else None
    if d["iommu_group"] != group:
        problems.append("%s: group %s, kernel says %s" % (d["address"], d["iommu_group"], group))
    irq = d["interrupt"]["irq"]
    if irq is None or not d["interrupt"]["pin"]:
        continue
    try:
        handlers = [h.strip() for h in open("/sys/kernel/irq/%d/actions" % irq).read().split(",") if h.strip()]
    except OSError:
        continue
    def own(h):
        child = h.split(":", 1)[1] if ":" in h else ""
        return (driver and h.split(":")[0].split("[")[0].replace("-", "_") == driver.replace("-", "_")
                or d["address"] in h
                or os.path.isdir(os.path.join(base, "net", h))
                or (child and (os.path.isdir(os.path.join(base, child)) or
                               os.path.isdir(os.path.join(base, "sound", child)) or
                               os.path.isdir(os.path.join(base, "net", child)))))
    mine = driver and [h for h in handlers if own(h)]
    others = len(handlers) - (1 if mine else 0)
    if others != len(d["interrupt"]["shared_with"]):
        problems.append("%s: IRQ %d has %s, kvmdesk lists %s" % (d["address"], irq, handlers,
                                                               d["interrupt"]["shared_with"]))
shared = [d for d in doc["devices"] if len(d["interrupt"]["shared_with"]) >= 2 and d["driver"]]
print("KDINV: %d devices, %d with a line shared by 3 or more" % (len(doc["devices"]), len(shared)))
for p in problems:
    print("KDINV: MISMATCH " + p)
print("KDINV: compare %s" % ("ok" if not problems else "FAILED"))
PY

tap_plan 9

# --- i440FX with IRQ sharing ---
script="$TEST_TMP/pc.sh"
cat >"$script" <<SCRIPT
# Network drivers take their interrupt when the interface comes up.
for n in /sys/class/net/*; do [ "\${n##*/}" = lo ] || ip link set "\${n##*/}" up; done
sleep 1
"$KVMDESK" -list-host-devices >/run/table 2>&1
"$KVMDESK" -list-host-devices -json >/run/json 2>&1
sed 's/^/[table] /' /run/table
echo "KDL1: irq 10: \$(cat /sys/kernel/irq/10/actions 2>/dev/null)"
echo "KDL1: irq 11: \$(cat /sys/kernel/irq/11/actions 2>/dev/null)"
python3 "$COMPARE" /run/json
exit 0
SCRIPT
LOG="$TEST_TMP/pc.log"
run_fakehost_with "$TEST_TMP/l1-inv.cpio" "$script" "$LOG" "" -M pc -audiodev none,id=snd \
	-device e1000,romfile=,addr=3 -device rtl8139,romfile=,addr=4 -device edu,addr=5 \
	-device ES1370,addr=6,audiodev=snd -device piix3-usb-uhci,addr=7 -device usb-ehci,addr=8 \
	-device intel-hda,addr=9 -device AC97,addr=0xa,audiodev=snd
code=$?
if [ $code = 0 ]; then
	tap_ok "i440FX fake host: kvmdesk listed the host's devices"
else
	tap_not_ok "i440FX fake host: status $code"; tap_diag_file "$LOG" 40
fi
grep '^KDL1: irq\|^KDINV' "$LOG" | sed 's/^/# /'
grep -q '^KDINV: compare ok' "$LOG" && tap_ok "drivers, groups and IRQ sharers agree with the kernel" ||
	tap_not_ok "kvmdesk disagrees with the kernel"
n=$(sed -n 's/^KDINV: .* \([0-9]*\) with a line shared by 3 or more/\1/p' "$LOG")
[ "${n:-0}" -ge 4 ] && tap_ok "$n devices are shown sharing a line with two others" ||
	tap_not_ok "only '${n:-0}' devices shown sharing a line three ways"

# --- q35 with VT-d and edu ---
script="$TEST_TMP/q35.sh"
cat >"$script" <<SCRIPT
edu=\$(for d in /sys/bus/pci/devices/*; do [ "\$(cat \$d/vendor):\$(cat \$d/device)" = 0x1234:0x11e8 ] && echo \${d##*/}; done)
echo "KDL1: edu at \$edu, group \$(basename \$(readlink /sys/bus/pci/devices/\$edu/iommu_group))"
"$KVMDESK" -check-host | sed 's/^/[check] /'
"$KVMDESK" -list-host-devices -json >/run/json 2>&1
python3 "$COMPARE" /run/json
"$KVMDESK" -list-host-devices | sed -n "/^\${edu#0000:}/,/^\$/p" | sed 's/^/[edu] /'
"$KVMDESK" -vfio-bind \$edu; echo "KDL1: bind status \$?"
echo "KDL1: driver after bind: \$(basename \$(readlink /sys/bus/pci/devices/\$edu/driver) 2>/dev/null)"
ls /dev/vfio | sed 's/^/KDL1: dev vfio /'
"$KVMDESK" -vfio-restore \$edu; echo "KDL1: restore status \$?"
echo "KDL1: driver after restore: \$(basename \$(readlink /sys/bus/pci/devices/\$edu/driver 2>/dev/null) 2>/dev/null)"
echo "KDL1: override after restore: [\$(cat /sys/bus/pci/devices/\$edu/driver_override)]"
# A kvmdesk that held edu dies: the next start gives it back.
"$KVMDESK" -vfio-bind \$edu
sh -c 'exit 0' & dead=\$!; wait \$dead
sed -i "s/^pid=.*/pid=\$dead/" /run/kvmdesk/bindings/\$edu
"$KVMDESK" -check-host 2>&1 >/dev/null | sed 's/^/[recover] /'
echo "KDL1: driver after recovery: \$(basename \$(readlink /sys/bus/pci/devices/\$edu/driver 2>/dev/null) 2>/dev/null)"
# The NIC that carries the default route is refused without --force. (A route is only
# configuration here: nothing is sent.)
nic=\$(basename \$(readlink /sys/class/net/eth0/device))
ip link set eth0 up && ip addr add 192.0.2.15/24 dev eth0 && ip route add default via 192.0.2.1
"$KVMDESK" -vfio-bind \$nic 2>&1 | sed 's/^/[refuse] /'; echo "KDL1: bind of the route NIC status \$?"
echo "KDL1: route NIC driver: \$(basename \$(readlink /sys/bus/pci/devices/\$nic/driver))"
exit 0
SCRIPT
LOG="$TEST_TMP/q35.log"
run_fakehost_with "$TEST_TMP/l1-inv.cpio" "$script" "$LOG" "intel_iommu=on" \
	-M q35 -device intel-iommu,intremap=on,caching-mode=on -device e1000,romfile=,addr=3 \
	-device edu,addr=0xb
code=$?
if [ $code = 0 ] && grep -q '^\[check\]   IOMMU: *ok' "$LOG"; then
	tap_ok "q35 fake host: -check-host sees the IOMMU"
else
	tap_not_ok "q35 fake host: status $code"; tap_diag_file "$LOG" 40
fi
grep '^KDL1\|^KDINV\|^\[edu\]\|^\[recover\]' "$LOG" | sed 's/^/# /'
grep -q '^KDINV: compare ok' "$LOG" && tap_ok "q35: drivers, IOMMU groups and IRQ sharers agree with the kernel" ||
	tap_not_ok "q35: kvmdesk disagrees with the kernel"
if grep -q '^KDL1: bind status 0' "$LOG" && grep -q '^KDL1: driver after bind: vfio-pci' "$LOG" &&
	grep -q '^KDL1: dev vfio [0-9]' "$LOG"; then
	tap_ok "-vfio-bind gives edu to vfio-pci (/dev/vfio/<group> appears)"
else
	tap_not_ok "-vfio-bind edu"
fi
if grep -q '^KDL1: restore status 0' "$LOG" && grep -q '^KDL1: driver after restore: *$' "$LOG" &&
	grep -q '^KDL1: override after restore: \[(null)\]' "$LOG"; then
	tap_ok "-vfio-restore leaves edu unbound, as it was"
else
	tap_not_ok "-vfio-restore edu"
fi
if grep -q '^\[recover\] restored .* (kvmdesk pid [0-9]*, which held it, is gone)' "$LOG" &&
	grep -q '^KDL1: driver after recovery: *$' "$LOG" &&
	grep -q '^\[edu\].*INTx masking: yes' "$LOG"; then
	tap_ok "a binding left by a dead kvmdesk is restored at the next start; edu masks INTx"
else
	tap_not_ok "crash recovery or INTx probe"
fi
if grep -q '^\[refuse\] kvmdesk: .*it carries the default route; the host would lose it' "$LOG" &&
	grep -q '^KDL1: route NIC driver: e1000' "$LOG"; then
	tap_ok "the default-route NIC is refused without --force and keeps its driver"
else
	tap_not_ok "default-route NIC refusal"
fi
exit 0
