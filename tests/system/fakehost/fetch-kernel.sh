#!/bin/sh
# Puts Debian's current amd64 kernel where the fake-host tests look for it (once; later calls
# find it there): DIR/linux (the extracted package), DIR/vmlinuz, DIR/vmlinux (uncompressed, for
# PVH boots). DIR defaults to the cache the tests use.
set -eu
dir=${1:-${KVMDESK_FAKEHOST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kvmdesk-tests/kernel}}
[ -s "$dir/vmlinux" ] && [ -s "$dir/vmlinuz" ] && [ -d "$dir/linux/lib/modules" ] && exit 0

pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n 1)
if [ -z "$pkg" ]; then
	apt-get update -q >/dev/null
	pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n 1)
fi
[ -n "$pkg" ] || { echo "fetch-kernel: Debian's linux-image-amd64 is not in the package lists" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >/dev/null)
rm -rf "$dir.new"
mkdir -p "$dir.new/linux"
dpkg-deb -x "$tmp"/"$pkg"_*.deb "$dir.new/linux"
cp "$dir.new"/linux/boot/vmlinuz-* "$dir.new/vmlinuz"
# The bzImage's payload is XZ; unpacked, the ELF vmlinux boots through its PVH note.
python3 - "$dir.new/vmlinuz" "$dir.new/vmlinux" <<'PY'
import lzma, sys
data = open(sys.argv[1], "rb").read()
start = data.find(b"\xfd7zXZ\x00")
if start < 0:
    sys.exit("fetch-kernel: no XZ payload in %s" % sys.argv[1])
out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[start:])
open(sys.argv[2], "wb").write(out)
PY
rm -rf "$dir"
mv "$dir.new" "$dir"
echo "fetch-kernel: $pkg in $dir"
