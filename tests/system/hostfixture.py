#!/usr/bin/env python3
"""Builds a fake host tree (sysfs, procfs, modprobe.d) from a spec, for kvmdesk --host-root.

Usage: hostfixture.py SPEC DIR

Spec lines (# starts a comment):
  kernel RELEASE                      proc/sys/kernel/osrelease, lib/modules/RELEASE
  cpu VENDOR [vmx|svm]                proc/cpuinfo
  cmdline TEXT                        proc/cmdline
  iommu                               IOMMU groups exist (from the devices' group=)
  vfio                                a vfio-pci module for the kernel
  ksm 0|1                             sys/kernel/mm/ksm/run
  kvm                                 dev/kvm exists
  rootdisk BLOCKDEV ADDRESS           / is mounted from /dev/BLOCKDEV behind ADDRESS
  route IFACE                         the default route leaves through IFACE
  alias MODALIAS-GLOB MODULE          etc/modprobe.d alias line (what depmod would index)
  irq N HANDLER[,HANDLER...]          sys/kernel/irq/N/actions
  dev ADDRESS VVVV:DDDD CLASS [key=value ...]
      keys: sub=VVVV:DDDD rev=N irq=N pin=A-D driver=NAME module=NAME enabled msi msix
            msi_vectors=N group=N reset=METHODS boot_vga net=IFACE usb=usbN intx=yes|no bridge
"""
import os
import struct
import sys


def write(path, text, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(text)


def link(path, target):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.lexists(path):
        os.remove(path)
    os.symlink(target, path)


def config_space(vendor, device, cls, rev, sub, pin, irq, msi, msix, bridge):
    """256 bytes of PCI configuration space (PCI 3.0, 6.1) with an MSI/MSI-X capability."""
    c = bytearray(256)
    struct.pack_into("<HH", c, 0, vendor, device)
    caps = msi or msix
    struct.pack_into("<H", c, 6, 0x0010 if caps else 0)  # STATUS.CAP_LIST
    c[8] = rev
    c[9], c[10], c[11] = cls & 0xFF, (cls >> 8) & 0xFF, (cls >> 16) & 0xFF
    c[14] = 0x01 if bridge and (cls >> 8) == 0x0604 else 0x00
    if not (bridge and (cls >> 8) == 0x0604):
        struct.pack_into("<HH", c, 0x2C, sub[0], sub[1])
    c[0x3C] = irq if irq and irq < 256 else 0
    c[0x3D] = pin
    if caps:
        c[0x34] = 0x50
        at = 0x50
        if msi:
            c[at], c[at + 1] = 0x05, (0x60 if msix else 0)  # MSI, next
            at = 0x60
        if msix:
            c[at], c[at + 1] = 0x11, 0
    return bytes(c)


def main():
    spec, root = sys.argv[1], sys.argv[2]
    kernel, cpu, flags, cmdline = "6.1.0-26-amd64", "GenuineIntel", "", "BOOT_IMAGE=/vmlinuz ro"
    iommu = vfio = kvm = False
    ksm = None
    devs, irqs, aliases, rootdisk, route = [], {}, [], None, None
    for raw in open(spec):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        word, _, rest = line.partition(" ")
        if word == "kernel":
            kernel = rest
        elif word == "cpu":
            parts = rest.split()
            cpu, flags = parts[0], " ".join(parts[1:])
        elif word == "cmdline":
            cmdline = rest
        elif word == "iommu":
            iommu = True
        elif word == "vfio":
            vfio = True
        elif word == "kvm":
            kvm = True
        elif word == "ksm":
            ksm = rest
        elif word == "rootdisk":
            rootdisk = rest.split()
        elif word == "route":
            route = rest
        elif word == "alias":
            aliases.append(rest.split())
        elif word == "irq":
            n, handlers = rest.split(None, 1)
            irqs[int(n)] = handlers
        elif word == "dev":
            parts = rest.split()
            opts = {}
            for kv in parts[3:]:
                k, _, v = kv.partition("=")
                opts[k] = v if v else True
            devs.append((parts[0], parts[1], int(parts[2], 16), opts))
        else:
            sys.exit("hostfixture: unknown line: " + raw)

    write(f"{root}/proc/sys/kernel/osrelease", kernel + "\n")
    write(f"{root}/proc/cmdline", cmdline + "\n")
    write(f"{root}/proc/cpuinfo",
          f"processor\t: 0\nvendor_id\t: {cpu}\nflags\t\t: fpu pae {flags}\n\n")
    os.makedirs(f"{root}/lib/modules/{kernel}", exist_ok=True)
    if vfio:
        write(f"{root}/lib/modules/{kernel}/kernel/drivers/vfio/pci/vfio-pci.ko", "")
    if ksm is not None:
        write(f"{root}/sys/kernel/mm/ksm/run", ksm + "\n")
    if kvm:
        write(f"{root}/dev/kvm", "")
    write(f"{root}/etc/modprobe.d/fixture-aliases.conf",
          "".join(f"alias {a} {m}\n" for a, m in aliases))
    for n, handlers in irqs.items():
        write(f"{root}/sys/kernel/irq/{n}/actions", handlers + "\n")
    os.makedirs(f"{root}/sys/kernel/iommu_groups", exist_ok=True)

    mounts = "proc /proc proc rw 0 0\n"
    for addr, ids, cls, o in devs:
        d = f"{root}/sys/bus/pci/devices/{addr}"
        os.makedirs(d, exist_ok=True)
        vendor, device = (int(x, 16) for x in ids.split(":"))
        sub = tuple(int(x, 16) for x in o.get("sub", ids).split(":"))
        rev = int(o.get("rev", "0"), 16)
        irq = int(o.get("irq", "0"))
        pin = "ABCD".index(o["pin"]) + 1 if "pin" in o else 0
        bridge = "bridge" in o
        write(f"{d}/vendor", f"0x{vendor:04x}\n")
        write(f"{d}/device", f"0x{device:04x}\n")
        write(f"{d}/subsystem_vendor", f"0x{sub[0]:04x}\n")
        write(f"{d}/subsystem_device", f"0x{sub[1]:04x}\n")
        write(f"{d}/class", f"0x{cls:06x}\n")
        write(f"{d}/revision", f"0x{rev:02x}\n")
        write(f"{d}/irq", f"{irq}\n")
        write(f"{d}/enable", "1\n" if "enabled" in o else "0\n")
        write(f"{d}/resource", "0x0000000000000000 0x0000000000000000 0x0000000000000000\n" * 13)
        write(f"{d}/config", config_space(vendor, device, cls, rev, sub, pin, irq,
                                          "msi" in o, "msix" in o, bridge), "wb")
        write(f"{d}/modalias",
              f"pci:v{vendor:08X}d{device:08X}sv{sub[0]:08X}sd{sub[1]:08X}"
              f"bc{cls >> 16:02X}sc{(cls >> 8) & 0xFF:02X}i{cls & 0xFF:02X}\n")
        if "reset" in o:
            write(f"{d}/reset_method", o["reset"].replace(",", " ") + "\n")
        if "boot_vga" in o:
            write(f"{d}/boot_vga", "1\n")
        if "intx" in o:
            write(f"{d}/kvmdesk-intx-mask", o["intx"] + "\n")
        for i in range(int(o.get("msi_vectors", "0"))):
            write(f"{d}/msi_irqs/{100 + i}", "msi\n")
        if "driver" in o:
            drv = o["driver"]
            os.makedirs(f"{root}/sys/bus/pci/drivers/{drv}", exist_ok=True)
            link(f"{d}/driver", f"../../drivers/{drv}")
            module = o.get("module", drv.replace("-", "_"))
            os.makedirs(f"{root}/sys/module/{module}", exist_ok=True)
            link(f"{root}/sys/bus/pci/drivers/{drv}/module", f"../../../../module/{module}")
        if iommu and "group" in o:
            g = o["group"]
            os.makedirs(f"{root}/sys/kernel/iommu_groups/{g}/devices", exist_ok=True)
            link(f"{d}/iommu_group", f"../../../../kernel/iommu_groups/{g}")
            link(f"{root}/sys/kernel/iommu_groups/{g}/devices/{addr}",
                 f"../../../../bus/pci/devices/{addr}")
        if "usb" in o:
            os.makedirs(f"{d}/{o['usb']}", exist_ok=True)
        if "net" in o:
            os.makedirs(f"{d}/net/{o['net']}", exist_ok=True)
            link(f"{root}/sys/class/net/{o['net']}/device", f"../../../bus/pci/devices/{addr}")
    if rootdisk:
        name, addr = rootdisk
        link(f"{root}/sys/class/block/{name}",
             f"../../devices/pci0000:00/{addr}/ata1/host0/target0:0:0/0:0:0:0/block/sda/{name}")
        mounts += f"/dev/{name} / ext4 rw,relatime 0 0\n"
    write(f"{root}/proc/mounts", mounts)
    routes = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n"
    if route:
        routes += f"{route}\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\n"
    write(f"{root}/proc/net/route", routes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
