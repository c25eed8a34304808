#!/bin/sh
# Every C source under src/, tests/ and bench/ follows .clang-format (make format fixes it).
. "$(dirname "$0")/system/lib.sh"

[ -n "${CLANG_FORMAT:-}" ] || CLANG_FORMAT=$(command -v clang-format)
[ -n "$CLANG_FORMAT" ] || tap_skip_all "needs clang-format (build-aux/install-deps --tests)"

cd "$KVMDESK_SRCDIR" || exit 1
tap_plan 1
files=$(find src tests bench -name '*.[ch]' | sort)
if "$CLANG_FORMAT" --style=file --dry-run --Werror $files >"$TEST_TMP/format.log" 2>&1; then
	tap_ok "$(echo "$files" | wc -l) C files follow .clang-format"
else
	tap_not_ok "C files that differ from .clang-format (run 'make format'):"
	grep -o '^[^:]*\.[ch]' "$TEST_TMP/format.log" | sort -u | sed 's/^/# /'
fi
exit 0
