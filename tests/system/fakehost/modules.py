#!/usr/bin/env python3
"""Copies kernel modules and everything they depend on into an initramfs tree.

Usage: modules.py MODULE_DIR DEST_DIR NAME...  -- MODULE_DIR is lib/modules/VERSION of an
extracted kernel package (which has no modules.dep: that is made at install time). Each
module's dependencies come from the "depends=" entry of its own .modinfo section. Writes
DEST_DIR/load-order: the copied files, dependencies first, for insmod one by one.
"""
import os
import shutil
import sys


def canonical(name):
    return name.replace("-", "_")


def depends(path):
    data = open(path, "rb").read()
    start = data.find(b"\0depends=")
    if start < 0:
        return []
    end = data.find(b"\0", start + 1)
    value = data[start + len(b"\0depends="):end].decode()
    return [canonical(d) for d in value.split(",") if d]


def main():
    moddir, dest, names = sys.argv[1], sys.argv[2], sys.argv[3:]
    paths = {}
    for root, _, files in os.walk(os.path.join(moddir, "kernel")):
        for f in files:
            if ".ko" in f:
                paths[canonical(f.split(".ko")[0])] = os.path.join(root, f)
    builtin = set()
    try:
        with open(os.path.join(moddir, "modules.builtin")) as f:
            builtin = {canonical(os.path.basename(l.strip()).split(".ko")[0]) for l in f}
    except OSError:
        pass

    order = []

    def visit(name, chain):
        if name in order or name in builtin:
            return
        if name not in paths:
            sys.exit("modules.py: no module %s (needed by %s) in %s" % (name, chain, moddir))
        for dep in depends(paths[name]):
            visit(dep, name)
        order.append(name)

    for name in names:
        visit(canonical(name), "the command line")
    os.makedirs(dest, exist_ok=True)
    with open(os.path.join(dest, "load-order"), "w") as out:
        for name in order:
            base = os.path.basename(paths[name])
            shutil.copy(paths[name], os.path.join(dest, base))
            out.write(base + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
