#!/bin/bash
# NIC frame rates, side by side in one run: the ring-3 NIC test guests (tests/guest/e1000.c,
# tests/guest/rtl8139.c) transmit 64-byte and 1514-byte frames as fast as their rings take
# them ("bench") and count what a flooding sender (net-blast.c) gets through to them in 3 s
# ("rxbench"), under kvmdesk and under QEMU's same model (-enable-kvm), both on a tap
# interface in a network namespace made here (as root). Rounds are interleaved; medians are
# reported with the kvmdesk/QEMU ratio.
# Usage: bench/net.sh [BUILDDIR] [ROUNDS] [FRAMES] [CONFIGS]
#   CONFIGS: any of e1000 rtl8139-cplus rtl8139-c (default: all three)
set -u
B=${1:-_build}
ROUNDS=${2:-3}
N=${3:-200000}
CONFIGS=${4:-e1000 rtl8139-cplus rtl8139-c}
QEMU=${QEMU:-qemu-system-x86_64}
NS=kdbench$$
ip netns add $NS || exit 1

BLAST=$(mktemp /tmp/kvmdesk-blast-XXXXXX)
${CC:-cc} -O2 -o "$BLAST" "$(dirname "$0")/net-blast.c" || exit 1
trap 'ip netns del $NS; rm -f "$BLAST"' EXIT

# run VMM CONFIG TAP APPEND -> the VMM's output (the guest prints its result line)
run() {
	local model=${2%%-*} mode=c guest
	[ "$2" = rtl8139-cplus ] && mode=cplus
	guest=$B/tests/guest/$model.elf
	case $1 in
	kvmdesk) ip netns exec $NS timeout 300 "$B/src/kvmdesk" -m 64 -display none \
		-debugcon stdio -device isa-debug-exit \
		-netdev tap,id=n0,ifname=$3,script=no -device $model,netdev=n0,romfile= \
		-kernel "$guest" -append "$4 mode=$mode" 2>&1 ;;
	qemu) ip netns exec $NS timeout 300 "$QEMU" -M pc -enable-kvm -m 64 -nodefaults \
		-display none -chardev stdio,id=d -device isa-debugcon,iobase=0x402,chardev=d \
		-device isa-debug-exit,iobase=0xf4,iosize=4 \
		-netdev tap,id=n0,ifname=$3,script=no,downscript=no \
		-device $model,netdev=n0,romfile= \
		-kernel "$guest" -append "$4 mode=$mode" 2>/dev/null ;;
	esac
}

# result LINE-PREFIX -> "frames_per_s mbit_s" from stdin
result() {
	sed -n "s/^$1: .*frames_per_s=\([0-9]*\) mbit_s=\([0-9]*\).*/\1 \2/p" | grep . ||
		echo "failed failed"
}

tx() { # VMM CONFIG SIZE
	run "$1" "$2" kdt$3 "bench size=$3 count=$N" | result bench
}

rx() { # VMM CONFIG SIZE: the sender starts once the guest's tap is up and the guest runs
	local tap=kdr$3 out
	(for i in $(seq 100); do ip netns exec $NS ip link set $tap up 2>/dev/null && break
		sleep 0.05; done
	 sleep 1; ip netns exec $NS "$BLAST" $tap $3 6 >/dev/null) &
	out=$(run "$1" "$2" $tap "rxbench seconds=3")
	wait
	echo "$out" | result rxbench
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -A FPS MBIT
for r in $(seq "$ROUNDS"); do
	for c in $CONFIGS; do
		for size in 64 1514; do
			for vmm in kvmdesk qemu; do
				for dir in tx rx; do
					read -r f m <<<"$($dir $vmm $c $size)"
					FPS[$c$dir$size$vmm]+="$f "
					MBIT[$c$dir$size$vmm]+="$m "
				done
			done
		done
	done
done

printf '%-14s %-3s %5s %12s %8s %12s %8s %7s\n' model dir size "kvmdesk f/s" Mbit/s \
	"qemu f/s" Mbit/s ratio
for c in $CONFIGS; do
	for dir in tx rx; do
		for size in 64 1514; do
			k=$(echo ${FPS[$c$dir${size}kvmdesk]} | median)
			q=$(echo ${FPS[$c$dir${size}qemu]} | median)
			ratio=$(awk -v k="$k" -v q="$q" \
				'BEGIN { if (q + 0 > 0 && k + 0 > 0) printf "%.2f", k / q; else print "-" }')
			printf '%-14s %-3s %5s %12s %8s %12s %8s %7s\n' "$c" $dir $size "$k" \
				"$(echo ${MBIT[$c$dir${size}kvmdesk]} | median)" "$q" \
				"$(echo ${MBIT[$c$dir${size}qemu]} | median)" "$ratio"
		done
	done
done
echo "(TX: $N frames per run; RX: 3 s under a flooding sender; medians of $ROUNDS rounds)"
