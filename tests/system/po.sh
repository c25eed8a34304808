#!/bin/sh
# The German catalogue po/de.po is complete and valid: msgfmt -c accepts it with every message
# translated (none untranslated, none fuzzy); every msgid that xgettext finds today in the
# files of po/POTFILES.in (with the options of po/Makevars) has a translation, so a new string
# without one fails here; po/LINGUAS and the po/*.po files agree; and the built kvmdesk prints
# its --help in German with LANGUAGE=de LANG=C.UTF-8.
#
# kvmdesk looks for its catalogue only in the compiled-in LOCALEDIR, which needs no `make
# install` here: the catalogue compiled from po/de.po is bind-mounted there in a private user
# and mount namespace (unshare -r -m), so the check runs without root and touches nothing
# outside the test's temporary directory. Where that is impossible, only that check is skipped.
. "$(dirname "$0")/lib.sh"

if ! command -v msgfmt >/dev/null || ! command -v xgettext >/dev/null ||
	! command -v msgcmp >/dev/null; then
	tap_skip_all "needs msgfmt, xgettext and msgcmp (the Debian package gettext)"
fi
po="$KVMDESK_SRCDIR/po/de.po"
[ -f "$po" ] || tap_skip_all "no po/de.po in $KVMDESK_SRCDIR"
tap_plan 4

# 1: msgfmt -c checks the header and every format string; --statistics counts the messages.
if msgfmt -c --statistics -o "$TEST_TMP/de.mo" "$po" >"$TEST_TMP/msgfmt.out" 2>&1; then
	stats=$(tail -n 1 "$TEST_TMP/msgfmt.out")
	if grep -q -E 'fuzzy|untranslated' "$TEST_TMP/msgfmt.out"; then
		tap_not_ok "msgfmt -c: po/de.po is incomplete: $stats"
	else
		tap_ok "msgfmt -c: po/de.po is valid: $stats"
	fi
else
	tap_not_ok "msgfmt -c rejects po/de.po"
	tap_diag_file "$TEST_TMP/msgfmt.out"
fi

# 2: a fresh template from today's sources; msgcmp names each msgid that de.po lacks or has
# only untranslated or fuzzy (no fuzzy matching: a changed msgid counts as missing).
xopts=$(sed -n 's/^XGETTEXT_OPTIONS *= *//p' "$KVMDESK_SRCDIR/po/Makevars")
# shellcheck disable=SC2086 # the options are words
if ! (cd "$KVMDESK_SRCDIR" &&
	xgettext --default-domain=kvmdesk --directory=. $xopts --files-from=po/POTFILES.in \
		--output="$TEST_TMP/kvmdesk.pot") >"$TEST_TMP/xgettext.out" 2>&1; then
	tap_not_ok "xgettext over po/POTFILES.in failed"
	tap_diag_file "$TEST_TMP/xgettext.out"
elif msgcmp -N "$po" "$TEST_TMP/kvmdesk.pot" >"$TEST_TMP/msgcmp.out" 2>&1; then
	tap_ok "every msgid of the sources ($(grep -c '^msgid ' "$TEST_TMP/kvmdesk.pot") with the header) is translated in po/de.po"
else
	n=$(grep -c -E 'used but not defined|untranslated|needs to be reviewed' "$TEST_TMP/msgcmp.out")
	tap_not_ok "po/de.po has no translation for $n msgid(s) of the sources (cd po && make update-po, then translate)"
	tap_diag_file "$TEST_TMP/msgcmp.out" 60
fi

# 3: po/LINGUAS names exactly the catalogues in po/ (make dist and install go by LINGUAS).
# One language a line, sorted, then on one line for the messages.
linguas=$(sed -e 's/#.*//' "$KVMDESK_SRCDIR/po/LINGUAS" | tr -s '[:blank:]' '\n' | sed '/^$/d' | sort |
	tr '\n' ' ')
pofiles=$(cd "$KVMDESK_SRCDIR/po" && for f in *.po; do [ -e "$f" ] && echo "${f%.po}"; done |
	sort | tr '\n' ' ')
case " $linguas" in
*" de "*) has_de=1 ;;
*) has_de=0 ;;
esac
if [ "$linguas" = "$pofiles" ] && [ $has_de = 1 ]; then
	tap_ok "po/LINGUAS lists the catalogues in po/: ${linguas% }"
else
	tap_not_ok "po/LINGUAS (${linguas% }) differs from the po/*.po files (${pofiles% }) or lacks de"
fi

# 4: the built program in German. runtime_check sets $why to the reason to skip, if any.
runtime_check() {
	why=
	[ -x "$KVMDESK" ] || { why="kvmdesk is not built ($KVMDESK)"; return; }
	[ -f "$TEST_TMP/de.mo" ] || { why="no compiled catalogue (see test 1)"; return; }
	grep -q '^#define ENABLE_NLS 1' "$KVMDESK_BUILDDIR/config.h" 2>/dev/null ||
		{ why="this build has no NLS (configure --disable-nls?)"; return; }
	locale -a 2>/dev/null | grep -qix 'c\.utf-\{0,1\}8' ||
		{ why="needs the C.UTF-8 locale (locale -a)"; return; }
	command -v gettext >/dev/null || { why="needs gettext(1) (gettext-base)"; return; }
	command -v unshare >/dev/null || { why="needs unshare(1)"; return; }
	unshare -r -m true 2>/dev/null ||
		{ why="unprivileged user and mount namespaces are not available here"; return; }
	# The build's LOCALEDIR, as make expands it (-o Makefile: never remake the Makefile).
	# shellcheck disable=SC2016 # $(localedir) is for make
	localedir=$(printf 'kd-print-localedir:\n\t@echo $(localedir)\n' |
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory \
			-C "$KVMDESK_BUILDDIR" -o Makefile -f Makefile -f - kd-print-localedir 2>/dev/null)
	case $localedir in
	/*) ;;
	*) why="cannot tell the build's localedir"; return ;;
	esac
	# Mounted over: the locale directory itself, or the share directory above it when the
	# locale directory does not exist yet; never a directory that holds the build.
	if [ -d "$localedir" ]; then
		mountpoint=$localedir
	elif [ -d "$(dirname "$localedir")" ]; then
		mountpoint=$(dirname "$localedir")
	else
		why="neither $localedir nor its parent exists"
		return
	fi
	case $KVMDESK in
	"$mountpoint"/*) why="the build lies below $mountpoint" ;;
	esac
}
runtime_check
if [ -n "$why" ]; then
	tap_skip "kvmdesk --help in German" "$why"
else
	overlay=$TEST_TMP/overlay
	if [ "$mountpoint" = "$localedir" ]; then
		mos=$overlay
	else
		mos=$overlay/$(basename "$localedir")
	fi
	mkdir -p "$mos/de/LC_MESSAGES"
	cp "$TEST_TMP/de.mo" "$mos/de/LC_MESSAGES/kvmdesk.mo"
	# What the catalogue says, through glibc's own lookup (LANGUAGE needs a locale other
	# than C: C.UTF-8 does).
	want=$(TEXTDOMAINDIR=$mos LC_ALL='' LANGUAGE=de LANG=C.UTF-8 gettext -d kvmdesk "show this help and exit")
	# shellcheck disable=SC2016 # the inner shell expands its arguments
	LC_ALL='' LANGUAGE=de LANG=C.UTF-8 run_with_timeout 30 unshare -r -m sh -c \
		'mount --bind "$1" "$2" && shift 2 && exec "$@"' sh "$overlay" "$mountpoint" \
		"$KVMDESK" --help >"$TEST_TMP/help.out" 2>&1
	status=$?
	if [ "$status" = 0 ] && [ "$want" != "show this help and exit" ] &&
		grep -qF -- "$want" "$TEST_TMP/help.out" && grep -q '^Aufruf: ' "$TEST_TMP/help.out"; then
		tap_ok "LANGUAGE=de LANG=C.UTF-8 kvmdesk --help speaks German"
	else
		tap_not_ok "LANGUAGE=de LANG=C.UTF-8 kvmdesk --help (status $status, looked for '$want')"
		tap_diag_file "$TEST_TMP/help.out" 10
	fi
fi
exit 0
