#!/bin/sh
# The host PCI inventory on fixture trees (tests/data/hosts/*.spec, expanded by hostfixture.py):
# the article's AVM B1 on a shared IRQ 11 that cannot mask INTx (not assignable, with the fix),
# the HFC-4S alone on IRQ 19 (ready, no IRQ warning), an MSI device on a shared line (a note),
# a multi-function card sharing an IOMMU group, the boot VGA, root disk controller and
# default-route NIC, and a host without IOMMU. Table and JSON against golden files; the JSON
# must parse and agree with the table; -check-host on both hosts. Also the real host: the
# inventory runs and its JSON parses.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || tap_skip_all "needs python3 (build-aux/install-deps --tests)"
DATA="$KVMDESK_SRCDIR/tests/data/hosts"
FIXTURE="$KVMDESK_SRCDIR/tests/system/hostfixture.py"

# golden NAME COMMAND...: compares the command's output with $DATA/NAME.
golden() {
	local name=$1 out="$TEST_TMP/$1"
	shift
	"$@" >"$out" 2>"$out.err"
	local code=$?
	if [ $code = 0 ] && diff -u "$DATA/$name" "$out" >"$out.diff"; then
		tap_ok "$name matches"
	else
		tap_not_ok "$name differs (status $code)"
		tap_diag_file "$out.diff" 60
		tap_diag_file "$out.err"
	fi
}

tap_plan 12
for host in article noiommu; do
	python3 "$FIXTURE" "$DATA/$host.spec" "$TEST_TMP/$host" || tap_skip_all "fixture $host failed"
done

golden article.table "$KVMDESK" -list-host-devices -host-root "$TEST_TMP/article"
golden article.json "$KVMDESK" -list-host-devices -json -host-root "$TEST_TMP/article"
golden article.checks "$KVMDESK" -check-host -host-root "$TEST_TMP/article"
golden noiommu.table "$KVMDESK" -list-host-devices -host-root "$TEST_TMP/noiommu"
golden noiommu.checks "$KVMDESK" -check-host -host-root "$TEST_TMP/noiommu"

# The JSON is valid and says what the table says about the article's cards.
if python3 - "$TEST_TMP/article.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
dev = {d["address"]: d for d in doc["devices"]}
b1, hfc, hda = dev["0000:05:06.0"], dev["0000:05:07.0"], dev["0000:00:1b.0"]
assert b1["verdict"] == "not assignable", b1["verdict"]
assert b1["interrupt"]["shared_with"] == ["00:1d.0 (uhci_hcd)", "00:1f.3 (i801_smbus)"]
assert b1["interrupt"]["intx_masking"] == "no"
assert any(r["severity"] == "blocker" and "cannot mask INTx" in r["what"] for r in b1["reasons"])
assert b1["modules"] == ["b1pci"]
assert hfc["verdict"] == "ready" and hfc["interrupt"]["shared_with"] == []
assert hda["interrupt"]["msi"] and all(r["severity"] != "blocker" for r in hda["reasons"])
assert dev["0000:05:08.0"]["group_members"] == ["0000:05:08.2"]
assert dev["0000:00:1f.2"]["root_disk"] and dev["0000:00:19.0"]["default_route"]
assert dev["0000:00:02.0"]["boot_vga"] and dev["0000:00:1e.0"]["bridge"]
assert doc["host"]["iommu"] is True
PY
then
	tap_ok "the JSON parses and agrees: B1 blocked by the shared IRQ, HFC-4S ready, MSI noted"
else
	tap_not_ok "JSON content"
fi

if grep -q "blacklist b1pci" "$TEST_TMP/article.table" &&
	grep -q "options vfio-pci ids=1244:0700" "$TEST_TMP/article.table"; then
	tap_ok "the fix for a host driver gives the blacklist and vfio-pci ids lines"
else
	tap_not_ok "blacklist lines"
fi

# The real host: whatever it has, the inventory runs and its JSON parses.
if "$KVMDESK" -list-host-devices -json >"$TEST_TMP/real.json" 2>"$TEST_TMP/real.err" &&
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TEST_TMP/real.json"; then
	tap_ok "the real host's inventory runs and its JSON parses ($(grep -c '"address"' "$TEST_TMP/real.json") devices)"
else
	tap_not_ok "real host inventory"; tap_diag_file "$TEST_TMP/real.err"
fi

# -dump-host copies what the inventory reads: a dump lists exactly like its source.
"$KVMDESK" -dump-host "$TEST_TMP/dump-article" -host-root "$TEST_TMP/article" >/dev/null &&
	"$KVMDESK" -list-host-devices -host-root "$TEST_TMP/dump-article" >"$TEST_TMP/dump.table" &&
	"$KVMDESK" -list-host-devices -json -host-root "$TEST_TMP/dump-article" >"$TEST_TMP/dump.json"
if cmp -s "$TEST_TMP/dump.table" "$DATA/article.table" && cmp -s "$TEST_TMP/dump.json" "$DATA/article.json"; then
	tap_ok "a dump of the article host lists exactly like it (table and JSON, probe results kept)"
else
	tap_not_ok "dump of the article host differs"
	diff -u "$DATA/article.table" "$TEST_TMP/dump.table" | head -30 | sed 's/^/# /'
fi
"$KVMDESK" -dump-host "$TEST_TMP/dump-real" >/dev/null &&
	"$KVMDESK" -list-host-devices >"$TEST_TMP/live.table" &&
	"$KVMDESK" -list-host-devices -host-root "$TEST_TMP/dump-real" >"$TEST_TMP/dump-real.table"
if cmp -s "$TEST_TMP/live.table" "$TEST_TMP/dump-real.table"; then
	tap_ok "a dump of this machine lists exactly like the machine itself"
else
	tap_not_ok "dump of this machine differs"
	diff -u "$TEST_TMP/live.table" "$TEST_TMP/dump-real.table" | head -30 | sed 's/^/# /'
fi

err=$("$KVMDESK" -list-host-devices -host-root /nonexistent 2>&1); code=$?
if [ $code = 2 ] && echo "$err" | grep -q "'/nonexistent' is not a directory"; then
	tap_ok "a bad --host-root is a usage error"
else
	tap_not_ok "bad --host-root: $code $err"
fi
mkdir -p "$TEST_TMP/empty"
err=$("$KVMDESK" -list-host-devices -host-root "$TEST_TMP/empty" 2>&1); code=$?
if [ $code = 1 ] && echo "$err" | grep -q "sys/bus/pci/devices does not exist"; then
	tap_ok "a tree without PCI devices says so (exit 1)"
else
	tap_not_ok "empty tree: $code $err"
fi
exit 0
