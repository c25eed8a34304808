#!/bin/bash
# IDE DMA throughput, side by side in one run: the same ring-3 guest (tests/guest/ide.c, test
# "bench") reads and then writes a 256 MiB raw image sequentially with 64 KiB READ/WRITE DMA
# EXT commands under kvmdesk and under QEMU's PIIX3 IDE (-enable-kvm, -drive if=ide, both with
# the host page cache), next to a plain 64 KiB read of the file on the host. Rounds are
# interleaved; medians are reported.
# Usage: bench/ide.sh [BUILDDIR] [ROUNDS] [MIB]
set -u
B=${1:-_build}
ROUNDS=${2:-3}
MIB=${3:-256}
GUEST=$B/tests/guest/ide.elf
QEMU=${QEMU:-qemu-system-x86_64}
IMG=$(mktemp /tmp/kvmdesk-bench-XXXXXX.img)
trap 'rm -f "$IMG"' EXIT
head -c $((MIB << 20)) /dev/urandom >"$IMG"
SECTORS=$((MIB * 2048))

measure() { # VMM -> "read_mib_s write_mib_s" or "failed"
	local out
	case $1 in
	kvmdesk) out=$(timeout 600 "$B/src/kvmdesk" -m 64 -display none -kernel "$GUEST" \
		-append "bench sectors=$SECTORS" -debugcon stdio -device isa-debug-exit \
		-drive "file=$IMG,if=ide,format=raw,cache=writeback" 2>&1) ;;
	qemu) out=$(timeout 600 "$QEMU" -M pc -enable-kvm -m 64 -nodefaults -display none \
		-kernel "$GUEST" -append "bench sectors=$SECTORS" -chardev stdio,id=d \
		-device isa-debugcon,iobase=0x402,chardev=d \
		-device isa-debug-exit,iobase=0xf4,iosize=4 \
		-drive "file=$IMG,if=ide,format=raw,cache=writeback" 2>/dev/null) ;;
	host) out="bench: read_mib_s=$(dd if="$IMG" of=/dev/null bs=64k 2>&1 |
		sed -n 's/.* bytes .* copied, \([0-9.]*\) s.*/\1/p' |
		awk -v m="$MIB" '{printf "%d", m / $1}') write_mib_s=0" ;;
	esac
	echo "$out" | sed -n 's/^bench: .*read_mib_s=\([0-9]*\) write_mib_s=\([0-9]*\).*/\1 \2/p' |
		grep . || echo "failed failed"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A RD WR
for r in $(seq "$ROUNDS"); do
	for vmm in host kvmdesk qemu; do
		read -r rd wr <<<"$(measure $vmm)"
		RD[$vmm]+="$rd "
		WR[$vmm]+="$wr "
	done
done
printf '%-8s %12s %12s   (%s MiB, 64 KiB per command, median of %s rounds)\n' VMM \
	"read MiB/s" "write MiB/s" "$MIB" "$ROUNDS"
for vmm in host kvmdesk qemu; do
	rd=$(echo ${RD[$vmm]} | tr ' ' '\n' | median)
	wr=$(echo ${WR[$vmm]} | tr ' ' '\n' | median)
	eval "R_$vmm=$rd W_$vmm=$wr"
	printf '%-8s %12s %12s\n' $vmm "$rd" "$wr"
done
printf 'kvmdesk/qemu: read %.2f write %.2f    kvmdesk/host read: %.2f\n' \
	"$(echo "$R_kvmdesk/$R_qemu" | bc -l)" "$(echo "$W_kvmdesk/$W_qemu" | bc -l)" \
	"$(echo "$R_kvmdesk/$R_host" | bc -l)"
