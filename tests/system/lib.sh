# Shared shell helpers for kvmdesk's system tests. Each test script prints TAP (automake's
# tap-driver.sh counts every line), never hangs (every run has a timeout), and skips with a
# reason where KVM, QEMU or root is missing.

: "${KVMDESK_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${KVMDESK_BUILDDIR:=$KVMDESK_SRCDIR}"
: "${KVMDESK_GUEST_DIR:=$KVMDESK_BUILDDIR/tests/guest}"
KVMDESK="$KVMDESK_BUILDDIR/src/kvmdesk"

tap_count=0
tap_failed=0
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/kvmdesk-test.XXXXXX")
trap 'rm -rf "$TEST_TMP"' EXIT

tap_plan() { echo "1..$1"; }

# The whole script is skipped: one TAP line that the driver counts as a skip.
tap_skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

tap_ok() {
	tap_count=$((tap_count + 1))
	echo "ok $tap_count - $*"
}

tap_not_ok() {
	tap_count=$((tap_count + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_count - $*"
}

tap_skip() {
	local what=$1
	shift
	tap_count=$((tap_count + 1))
	echo "ok $tap_count - $what # SKIP $*"
}

# Prints a file as TAP diagnostics, so a failure shows what the program said.
tap_diag_file() {
	[ -f "$1" ] && sed -e 's/^/# /' "$1" | tail -n "${2:-40}"
}

# Reasons to skip, empty when the requirement holds.
missing_kvm() {
	if [ "${KVMDESK_TESTS_QUICK:-}" = 1 ]; then
		echo "KVMDESK_TESTS_QUICK=1: tests that need KVM are skipped"
	elif [ ! -e /dev/kvm ]; then
		echo "needs KVM: /dev/kvm does not exist on this machine"
	elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		echo "needs KVM: /dev/kvm is not accessible (join the kvm group)"
	fi
}

missing_qemu() {
	if [ "${KVMDESK_TESTS_QUICK:-}" = 1 ]; then
		echo "KVMDESK_TESTS_QUICK=1: tests that need QEMU are skipped"
	elif [ -z "${QEMU_SYSTEM_X86_64:-}" ] && ! command -v qemu-system-x86_64 >/dev/null; then
		echo "needs qemu-system-x86_64, which is not installed (build-aux/install-deps --tests)"
	fi
}

missing_root() {
	[ "$(id -u)" = 0 ] || echo "needs root (running as uid $(id -u))"
}

qemu_binary() {
	echo "${QEMU_SYSTEM_X86_64:-$(command -v qemu-system-x86_64)}"
}

# run_with_timeout SECONDS CMD...: the command is killed (and its children with it) when late;
# the status is then 124, as timeout(1) reports.
run_with_timeout() {
	local secs=$1
	shift
	timeout --kill-after=5 "$secs" "$@"
}

# vmm_status CODE: what a VMM's exit code says about a test guest, as $status: the guest's
# exit code when it wrote the isa-debug-exit port ((code << 1) | 1), "timeout", or
# "vmm-status-N" when the VMM ended some other way.
vmm_status() {
	if [ "$1" = 124 ] || [ "$1" = 137 ]; then
		status=timeout
	elif [ $(($1 & 1)) = 1 ]; then
		status=$(($1 >> 1))
	else
		status="vmm-status-$1"
	fi
}
