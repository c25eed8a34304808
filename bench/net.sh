#!/bin/bash
# e1000 transmit rate, side by side in one run: the ring-3 e1000 guest (tests/guest/e1000.c,
# "bench") sends 64-byte and 1514-byte frames as fast as its 32-descriptor ring takes them,
# under kvmdesk and under QEMU's e1000 (-enable-kvm), both on a tap interface in a network
# namespace made here (as root). Rounds are interleaved; medians are reported.
# Usage: bench/net.sh [BUILDDIR] [ROUNDS] [FRAMES]
set -u
B=${1:-_build}
ROUNDS=${2:-3}
N=${3:-200000}
GUEST=$B/tests/guest/e1000.elf
QEMU=${QEMU:-qemu-system-x86_64}
NS=kdbench$$
ip netns add $NS || exit 1

BLAST=$(mktemp /tmp/kvmdesk-blast-XXXXXX)
${CC:-cc} -O2 -o "$BLAST" "$(dirname "$0")/net-blast.c" || exit 1
trap 'ip netns del $NS; rm -f "$BLAST"' EXIT

# rx VMM SIZE -> "frames_per_s mbit_s": the guest counts for 3 s while net-blast floods the tap.
rx() {
	local out tap=kdr$2 cmd
	case $1 in
	kvmdesk) cmd=("$B/src/kvmdesk" -m 64 -display none -debugcon stdio -device isa-debug-exit \
		-netdev tap,id=n0,ifname=$tap,script=no -device e1000,netdev=n0,romfile=) ;;
	qemu) cmd=("$QEMU" -M pc -enable-kvm -m 64 -nodefaults -display none -chardev stdio,id=d \
		-device isa-debugcon,iobase=0x402,chardev=d -device isa-debug-exit,iobase=0xf4,iosize=4 \
		-netdev tap,id=n0,ifname=$tap,script=no,downscript=no -device e1000,netdev=n0,romfile=) ;;
	esac
	(for i in $(seq 100); do ip netns exec $NS ip link set $tap up 2>/dev/null && break; sleep 0.05; done
	 sleep 1; ip netns exec $NS "$BLAST" $tap $2 6 >/dev/null) &
	out=$(ip netns exec $NS timeout 120 "${cmd[@]}" -kernel "$GUEST" -append "rxbench seconds=3" 2>&1)
	wait
	echo "$out" | sed -n 's/^rxbench: .*frames_per_s=\([0-9]*\) mbit_s=\([0-9]*\).*/\1 \2/p' |
		grep . || echo "failed failed"
}

measure() { # VMM SIZE -> "frames_per_s mbit_s"
	local out tap=kdb$2
	case $1 in
	kvmdesk) out=$(ip netns exec $NS timeout 300 "$B/src/kvmdesk" -m 64 -display none \
		-kernel "$GUEST" -append "bench size=$2 count=$N" -debugcon stdio \
		-device isa-debug-exit -netdev tap,id=n0,ifname=$tap,script=no \
		-device e1000,netdev=n0,romfile= 2>&1) ;;
	qemu) out=$(ip netns exec $NS timeout 300 "$QEMU" -M pc -enable-kvm -m 64 -nodefaults \
		-display none -kernel "$GUEST" -append "bench size=$2 count=$N" \
		-chardev stdio,id=d -device isa-debugcon,iobase=0x402,chardev=d \
		-device isa-debug-exit,iobase=0xf4,iosize=4 \
		-netdev tap,id=n0,ifname=$tap,script=no,downscript=no \
		-device e1000,netdev=n0,romfile= 2>/dev/null) ;;
	esac
	echo "$out" | sed -n 's/^bench: .*frames_per_s=\([0-9]*\) mbit_s=\([0-9]*\).*/\1 \2/p' |
		grep . || echo "failed failed"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A FPS MBIT RFPS RMBIT
for r in $(seq "$ROUNDS"); do
	for size in 64 1514; do
		for vmm in kvmdesk qemu; do
			read -r f m <<<"$(measure $vmm $size)"
			FPS[$vmm$size]+="$f "
			MBIT[$vmm$size]+="$m "
			read -r f m <<<"$(rx $vmm $size)"
			RFPS[$vmm$size]+="$f "
			RMBIT[$vmm$size]+="$m "
		done
	done
done
printf '%-8s %6s %14s %10s   (e1000 TX, %s frames, median of %s rounds)\n' VMM size \
	"frames/s" "Mbit/s" "$N" "$ROUNDS"
for size in 64 1514; do
	for vmm in kvmdesk qemu; do
		f=$(echo ${FPS[$vmm$size]} | tr ' ' '\n' | median)
		m=$(echo ${MBIT[$vmm$size]} | tr ' ' '\n' | median)
		eval "F_${vmm}_$size=$f"
		printf '%-8s %6s %14s %10s\n' $vmm $size "$f" "$m"
	done
done
printf 'kvmdesk/qemu TX frames/s: 64 bytes %.2f, 1514 bytes %.2f\n' \
	"$(echo "$F_kvmdesk_64/$F_qemu_64" | bc -l)" "$(echo "$F_kvmdesk_1514/$F_qemu_1514" | bc -l)"
printf '%-8s %6s %14s %10s   (e1000 RX from a flooding sender, 3 s)\n' VMM size "frames/s" "Mbit/s"
for size in 64 1514; do
	for vmm in kvmdesk qemu; do
		f=$(echo ${RFPS[$vmm$size]} | tr ' ' '\n' | median)
		m=$(echo ${RMBIT[$vmm$size]} | tr ' ' '\n' | median)
		eval "R_${vmm}_$size=$f"
		printf '%-8s %6s %14s %10s\n' $vmm $size "$f" "$m"
	done
done
printf 'kvmdesk/qemu RX frames/s: 64 bytes %.2f, 1514 bytes %.2f\n' \
	"$(echo "$R_kvmdesk_64/$R_qemu_64" | bc -l)" "$(echo "$R_kvmdesk_1514/$R_qemu_1514" | bc -l)"
