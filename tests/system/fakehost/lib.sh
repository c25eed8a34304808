# The fake host (L1): QEMU with TCG, emulated SVM for nested KVM, Debian's kernel, and the real
# host's / over 9p. Sourced by system tests after ../lib.sh.

KCACHE=${KVMDESK_FAKEHOST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kvmdesk-tests/kernel}
FAKEHOST_DIR="$KVMDESK_SRCDIR/tests/system/fakehost"

# Why the fake host cannot run here, or nothing.
missing_fakehost() {
	local r
	r=$(missing_qemu)
	[ -n "$r" ] && { echo "$r"; return; }
	[ "${KVMDESK_TESTS_QUICK:-}" = 1 ] && { echo "KVMDESK_TESTS_QUICK=1: the fake host is skipped"; return; }
	[ -s "$KCACHE/vmlinux" ] || { echo "needs Debian's kernel in $KCACHE (build-aux/install-deps --tests fetches it)"; return; }
	[ -x /bin/busybox ] || { echo "needs /bin/busybox (package busybox-static)"; return; }
	command -v cpio >/dev/null || { echo "needs cpio"; return; }
	command -v python3 >/dev/null || { echo "needs python3"; return; }
}

# make_initramfs INIT OUT MODULES...: busybox, INIT as /init, and the named modules.
make_initramfs() {
	local init=$1 out=$2 root kver
	shift 2
	root=$(mktemp -d "$TEST_TMP/root.XXXXXX")
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/lib/modules" "$root/tmp"
	cp /bin/busybox "$root/bin/busybox"
	for applet in $(/bin/busybox --list); do
		[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
	done
	kver=$(ls "$KCACHE/linux/lib/modules" | head -n 1)
	if [ $# -gt 0 ]; then
		python3 "$FAKEHOST_DIR/modules.py" "$KCACHE/linux/lib/modules/$kver" \
			"$root/lib/modules" "$@" || return 1
	else
		: >"$root/lib/modules/load-order"
	fi
	cp "$init" "$root/init"
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet) >"$out"
}

# run_fakehost_with INITRAMFS SCRIPT LOG [APPEND [QEMU-ARGS...]]: boots L1 (-M pc unless
# QEMU-ARGS choose), runs SCRIPT (a host path) inside it, L1's console to LOG. Returns the
# script's exit status (124 on timeout, 125 if L1 never reported).
run_fakehost_with() {
	local initramfs=$1 script=$2 log=$3 append=${4:-} code
	shift 3
	[ $# -gt 0 ] && shift
	run_with_timeout "${FAKEHOST_TIMEOUT:-240}" "$(qemu_binary)" -accel tcg -cpu max -smp 1 \
		-m 2048 -nodefaults -no-user-config -display none -no-reboot \
		-kernel "$KCACHE/vmlinux" -initrd "$initramfs" \
		-append "console=ttyS0 quiet panic=-1 kdscript=$script $append" \
		-serial "file:$log" \
		-virtfs local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap \
		-device isa-debug-exit,iobase=0xf4,iosize=4 "$@" >/dev/null 2>&1
	code=$?
	# The serial console ends lines with CR LF.
	[ -f "$log" ] && sed -i 's/\r$//' "$log"
	[ $code = 124 ] || [ $code = 137 ] && return 124
	grep -q '^KDL1: script status' "$log" || return 125
	return $((code >> 1))
}

# run_fakehost SCRIPT LOG: the plain fake host (KVM and 9p) on an i440FX board.
run_fakehost() {
	[ -s "$TEST_TMP/l1.cpio" ] || make_initramfs "$FAKEHOST_DIR/l1-init" "$TEST_TMP/l1.cpio" \
		kvm-amd 9p 9pnet-virtio virtio-pci || return 125
	run_fakehost_with "$TEST_TMP/l1.cpio" "$1" "$2" "" -M pc
}
