#!/bin/bash
# Exit cost, side by side in one run: the same ring-3 guest doing N port writes and N MMIO
# reads under kvmdesk, under QEMU (-enable-kvm, the guest through -kernel) and under a bare
# KVM_RUN loop (bench/kvm-floor). Rounds are interleaved and the median is reported, since the
# development machines are shared and noisy.
# Usage: bench/exits.sh [BUILDDIR] [N] [ROUNDS]
set -u
B=${1:-_build}
N=${2:-100000}
ROUNDS=${3:-3}
GUEST=$B/tests/guest/bench-exits.elf
QEMU=${QEMU:-qemu-system-x86_64}

measure() { # VMM -> "pio_ns mmio_ns" or "failed"
	local out
	case $1 in
	kvmdesk) out=$("$B/src/kvmdesk" -m 64 -display none -kernel "$GUEST" -append "n=$N" \
		-debugcon stdio -device isa-debug-exit 2>&1) ;;
	floor) out=$("$B/bench/kvm-floor" "$GUEST" "n=$N" 2>&1) ;;
	qemu) out=$(timeout 300 "$QEMU" -M pc -enable-kvm -m 64 -nodefaults -display none \
		-kernel "$GUEST" -append "n=$N" -chardev stdio,id=d \
		-device isa-debugcon,iobase=0x402,chardev=d \
		-device isa-debug-exit,iobase=0xf4,iosize=4 2>/dev/null) ;;
	esac
	echo "$out" | sed -n 's/^bench: .*pio_ns=\([0-9]*\) mmio_ns=\([0-9]*\).*/\1 \2/p' | grep . || echo failed
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A PIO MMIO
for r in $(seq "$ROUNDS"); do
	for vmm in floor kvmdesk qemu; do
		read -r p m <<<"$(measure $vmm)"
		PIO[$vmm]+="$p "
		MMIO[$vmm]+="$m "
	done
done
printf '%-8s %12s %12s   (N=%s, median of %s rounds)\n' VMM "pio us/exit" "mmio us/exit" "$N" "$ROUNDS"
for vmm in floor kvmdesk qemu; do
	p=$(echo ${PIO[$vmm]} | tr ' ' '\n' | median)
	m=$(echo ${MMIO[$vmm]} | tr ' ' '\n' | median)
	eval "P_$vmm=$p M_$vmm=$m"
	printf '%-8s %12.2f %12.2f\n' $vmm "$(echo "$p/1000" | bc -l)" "$(echo "$m/1000" | bc -l)"
done
printf 'kvmdesk/floor: pio %.3f mmio %.3f    kvmdesk/qemu: pio %.3f mmio %.3f\n' \
	"$(echo "$P_kvmdesk/$P_floor" | bc -l)" "$(echo "$M_kvmdesk/$M_floor" | bc -l)" \
	"$(echo "$P_kvmdesk/$P_qemu" | bc -l)" "$(echo "$M_kvmdesk/$M_qemu" | bc -l)"
