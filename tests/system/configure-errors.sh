#!/bin/sh
# configure names the Debian package to install for a missing library, and --without-sdl
# really makes SDL2 optional. Libraries are hidden by pointing pkg-config at a directory that
# holds every .pc file of this machine but the ones under test.
. "$(dirname "$0")/lib.sh"

pcdirs=$(pkg-config --variable pc_path pkg-config 2>/dev/null)
[ -n "$pcdirs" ] || tap_skip_all "needs pkg-config"
# configure refuses a second, out-of-tree build of a tree configured in place.
[ ! -f "$KVMDESK_SRCDIR/config.status" ] ||
	tap_skip_all "the source tree is configured in place; these runs need out-of-tree builds"
tap_plan 3

# pc_dir_without NAME...: a pkg-config directory with every .pc file except NAME.pc...
pc_dir_without() {
	local dir f base skip n
	dir=$(mktemp -d "$TEST_TMP/pc.XXXXXX")
	for d in $(echo "$pcdirs" | tr ':' ' '); do
		for f in "$d"/*.pc; do
			[ -e "$f" ] || continue
			base=$(basename "$f" .pc)
			skip=0
			for n in "$@"; do [ "$base" = "$n" ] && skip=1; done
			[ $skip = 1 ] || [ -e "$dir/$base.pc" ] || ln -s "$f" "$dir/$base.pc"
		done
	done
	echo "$dir"
}

# run_configure PCDIR ARGS...: configure in a scratch build directory; output in $out.
run_configure() {
	local pcdir=$1 build
	shift
	build=$(mktemp -d "$TEST_TMP/build.XXXXXX")
	out=$(cd "$build" && PKG_CONFIG_LIBDIR=$pcdir run_with_timeout 300 "$KVMDESK_SRCDIR/configure" "$@" 2>&1)
}

run_configure "$(pc_dir_without glib-2.0)"
if echo "$out" | grep -q 'error: glib-2.0.*install the Debian package libglib2.0-dev'; then
	tap_ok "missing glib-2.0 names libglib2.0-dev"
else
	tap_not_ok "missing glib-2.0"; echo "$out" | tail -n 3 | sed 's/^/# /'
fi

nosdl=$(pc_dir_without sdl2)
run_configure "$nosdl"
if echo "$out" | grep -q 'error: sdl2.*install the Debian package libsdl2-dev, or configure --without-sdl'; then
	tap_ok "missing sdl2 names libsdl2-dev and --without-sdl"
else
	tap_not_ok "missing sdl2"; echo "$out" | tail -n 3 | sed 's/^/# /'
fi

run_configure "$nosdl" --without-sdl
if echo "$out" | grep -q 'SDL2 window: *no'; then
	tap_ok "--without-sdl configures without SDL2"
else
	tap_not_ok "--without-sdl"; echo "$out" | tail -n 3 | sed 's/^/# /'
fi
exit 0
