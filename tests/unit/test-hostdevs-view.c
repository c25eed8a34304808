/*
 * The "Host devices" screen on the article's host (tests/data/hosts/article.spec, expanded by
 * tests/system/hostfixture.py): IOMMU groups in order in the group column (the number on a
 * group's first row, a line on its further rows), the AVM B1 on a shared IRQ 11 that cannot
 * mask INTx, filter, selection that moves by devices and survives a rescan, the VM's mark,
 * the detail with the warning, its fix and the blacklist lines, widths, and drawing into a
 * curses screen without a terminal.
 */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "kd-test.h"
#include "tui/hostdevs-view.h"
#include "kd-test-term.h"

struct fixture {
	char *dir;
	struct kd_host *host;
};

/* Expands the article's spec into a temporary tree and scans it; false (test skipped) when the
 * tree cannot be built here. */
static bool fixture_open(struct fixture *f)
{
	const char *srcdir = g_getenv("KVMDESK_SRCDIR");
	g_autofree char *script = NULL;
	g_autofree char *spec = NULL;
	g_autofree char *python = NULL;
	g_autoptr(GError) err = NULL;
	int status = -1;

	memset(f, 0, sizeof(*f));
	if (!srcdir) {
		g_test_skip("KVMDESK_SRCDIR is not set (run through make check)");
		return false;
	}
	python = g_find_program_in_path("python3");
	if (!python) {
		g_test_skip("needs python3 for tests/system/hostfixture.py");
		return false;
	}
	script = g_build_filename(srcdir, "tests", "system", "hostfixture.py", NULL);
	spec = g_build_filename(srcdir, "tests", "data", "hosts", "article.spec", NULL);
	f->dir = g_dir_make_tmp("kd-hostdevs-XXXXXX", &err);
	g_assert_no_error(err);
	{
		const char *argv[] = { "python3", script, spec, f->dir, NULL };

		g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
					   NULL, NULL, NULL, &status, &err));
	}
	g_assert_no_error(err);
	g_assert_cmpint(status, ==, 0);
	g_assert_no_error(err);
	f->host = kd_host_scan(f->dir, &err);
	g_assert_no_error(err);
	g_assert_nonnull(f->host);
	return true;
}

static void fixture_close(struct fixture *f)
{
	const char *argv[] = { "rm", "-rf", f->dir, NULL };

	kd_host_free(f->host);
	if (f->dir)
		g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
					   NULL, NULL, NULL, NULL, NULL));
	g_free(f->dir);
}

#define REQUIRE_FIXTURE(f)                                                                         \
	do {                                                                                       \
		if (!fixture_open(f))                                                              \
			return;                                                                    \
	} while (0)

/* Index of the first line starting at from that contains text, -1 for none. */
static int find_line(GPtrArray *lines, const char *text, guint from)
{
	for (guint i = from; i < lines->len; i++)
		if (strstr(g_ptr_array_index(lines, i), text))
			return (int)i;
	return -1;
}

static const char *selected_address(struct kd_hostdevs_view *v)
{
	struct kd_hostdev *d = kd_hostdevs_view_selected(v);

	return d ? kd_pci_address_short(d->address) : NULL;
}

/* The group column of a device row: the 3 columns after the mark and its gap. */
static char *group_cell(GPtrArray *lines, int line)
{
	const char *l = g_ptr_array_index(lines, line);

	g_assert_cmpint(line, >, 0);
	g_assert_true(g_utf8_strlen(l, -1) >= 6);
	return g_utf8_substring(l, 2, 5);
}

static int display_width(const char *s)
{
	int width = 0;

	for (const char *p = s; *p; p = g_utf8_next_char(p))
		width += g_unichar_iswide(g_utf8_get_char(p)) ? 2 : 1;
	return width;
}

static void test_groups(void)
{
	struct fixture f;
	struct kd_hostdevs_view *v = kd_hostdevs_view_new();
	g_autoptr(GPtrArray) lines = NULL;
	g_autoptr(GPtrArray) utf8 = NULL;
	int previous = -1, numbers = 0, row;

	REQUIRE_FIXTURE(&f);
	kd_hostdevs_view_set_host(v, f.host);
	g_assert_cmpuint(kd_hostdevs_view_count(v), ==, 13);
	lines = kd_hostdevs_view_lines(v, 80);
	/* Titles and 13 devices: no header rows. */
	g_assert_cmpuint(lines->len, ==, 1 + 13);
	g_assert_true(g_str_has_prefix(g_ptr_array_index(lines, 0), "  Grp Address Class"));
	g_assert_nonnull(strstr(g_ptr_array_index(lines, 0), "Verdict"));
	g_assert_null(find_line(lines, "IOMMU group", 0) >= 0 ? "a header row" : NULL);
	/* Numbers ascend; a line continues the group above it. */
	for (guint i = 1; i < lines->len; i++) {
		g_autofree char *cell = group_cell(lines, (int)i);

		if (!strcmp(cell, "  |")) {
			g_assert_cmpint(previous, >=, 0);
			continue;
		}
		g_assert_true(g_ascii_isdigit(cell[2]));
		g_assert_cmpint(atoi(cell), >, previous);
		previous = atoi(cell);
		numbers++;
	}
	g_assert_cmpint(previous, ==, 10);
	g_assert_cmpint(numbers, ==, 11);

	row = find_line(lines, "05:06.0", 1);
	g_assert_true(g_str_has_prefix(g_ptr_array_index(lines, row), "    8 05:06.0 "));
	g_assert_nonnull(strstr(g_ptr_array_index(lines, row), "11 shared"));
	g_assert_nonnull(strstr(g_ptr_array_index(lines, row), "b1pci"));
	g_assert_nonnull(strstr(g_ptr_array_index(lines, row), " no "));
	g_assert_true(g_str_has_prefix(g_ptr_array_index(lines, 1), "    0 00:00.0 "));

	/* Group 7: two devices in address order, the second with the line; group 9 (05:08.x)
	 * comes before group 10. */
	row = find_line(lines, "00:1f.2", 1);
	g_assert_true(g_str_has_prefix(g_ptr_array_index(lines, row), "    7 00:1f.2 "));
	g_assert_true(g_str_has_prefix(g_ptr_array_index(lines, row + 1), "    | 00:1f.3 "));
	row = find_line(lines, "05:08.0", 1);
	g_assert_true(g_str_has_prefix(g_ptr_array_index(lines, row), "    9 05:08.0 "));
	g_assert_true(g_str_has_prefix(g_ptr_array_index(lines, row + 1), "    | 05:08.2 "));
	g_assert_true(g_str_has_prefix(g_ptr_array_index(lines, row + 2), "   10 05:07.0 "));
	g_assert_cmpint(row + 2, ==, (int)lines->len - 1);
	/* The UTF-8 line. */
	utf8 = kd_hostdevs_view_lines_utf8(v, 80, true);
	g_assert_true(g_str_has_prefix(g_ptr_array_index(utf8, find_line(utf8, "00:1f.3", 1)),
				       "    \u2502 00:1f.3 "));
	g_assert_true(g_str_has_prefix(g_ptr_array_index(utf8, find_line(utf8, "00:1f.2", 1)),
				       "    7 00:1f.2 "));
	/* The other interrupt forms. */
	g_assert_nonnull(strstr(g_ptr_array_index(lines, find_line(lines, "00:02.0", 1)), " MSI "));
	g_assert_nonnull(strstr(g_ptr_array_index(lines, find_line(lines, "05:07.0", 1)), " 19 "));
	g_assert_nonnull(strstr(g_ptr_array_index(lines, find_line(lines, "00:1e.0", 1)), " - "));
	g_assert_nonnull(strstr(g_ptr_array_index(lines, find_line(lines, "05:07.0", 1)), "ready"));
	g_assert_nonnull(
		strstr(g_ptr_array_index(lines, find_line(lines, "05:08.0", 1)), "warnings"));

	kd_hostdevs_view_free(v);
	fixture_close(&f);
}

static void test_no_iommu(void)
{
	struct fixture f;
	struct kd_hostdevs_view *v = kd_hostdevs_view_new();
	g_autoptr(GPtrArray) lines = NULL;

	REQUIRE_FIXTURE(&f);
	/* The same host as if the IOMMU were off. */
	for (guint i = 0; i < f.host->devices->len; i++) {
		struct kd_hostdev *d = g_ptr_array_index(f.host->devices, i);

		d->iommu_group = -1;
		g_ptr_array_set_size(d->group_members, 0);
	}
	kd_hostdevs_view_set_host(v, f.host);
	lines = kd_hostdevs_view_lines(v, 80);
	/* The column stays, "-" on every row, devices in address order. */
	g_assert_cmpuint(lines->len, ==, 1 + 13);
	g_assert_true(g_str_has_prefix(g_ptr_array_index(lines, 0), "  Grp Address"));
	for (guint i = 1; i < lines->len; i++) {
		g_autofree char *cell = group_cell(lines, (int)i);

		g_assert_cmpstr(cell, ==, "  -");
	}
	g_assert_true(g_str_has_prefix(g_ptr_array_index(lines, 1), "    - 00:00.0 "));
	g_assert_true(g_str_has_prefix(g_ptr_array_index(lines, 13), "    - 05:08.2 "));
	kd_hostdevs_view_free(v);
	fixture_close(&f);
}

static void test_filter(void)
{
	struct fixture f;
	struct kd_hostdevs_view *v = kd_hostdevs_view_new();
	g_autoptr(GPtrArray) lines = NULL;

	REQUIRE_FIXTURE(&f);
	kd_hostdevs_view_set_host(v, f.host);
	g_assert_cmpstr(kd_hostdevs_view_filter(v), ==, "");
	kd_hostdevs_view_set_filter(v, "isdn");
	g_assert_cmpstr(kd_hostdevs_view_filter(v), ==, "isdn");
	g_assert_cmpuint(kd_hostdevs_view_count(v), ==, 2);
	lines = kd_hostdevs_view_lines(v, 80);
	g_assert_cmpuint(lines->len, ==, 1 + 2);
	g_assert_true(g_str_has_prefix(g_ptr_array_index(lines, 1), "    8 05:06.0 "));
	g_assert_true(g_str_has_prefix(g_ptr_array_index(lines, 2), "   10 05:07.0 "));
	/* The selection (00:00.0) went: the first shown device. */
	g_assert_cmpstr(selected_address(v), ==, "05:06.0");

	/* The filter hides a group's first member: the first shown one gets the number. */
	g_assert_true(kd_hostdevs_view_select(v, "05:07.0"));
	kd_hostdevs_view_set_filter(v, "smbus");
	g_assert_cmpuint(kd_hostdevs_view_count(v), ==, 1);
	g_ptr_array_unref(lines);
	lines = kd_hostdevs_view_lines(v, 80);
	g_assert_cmpuint(lines->len, ==, 1 + 1);
	g_assert_true(g_str_has_prefix(g_ptr_array_index(lines, 1), "    7 00:1f.3 "));
	g_assert_cmpstr(selected_address(v), ==, "00:1f.3");

	kd_hostdevs_view_set_filter(v, "ISDN");
	g_assert_cmpuint(kd_hostdevs_view_count(v), ==, 2);
	kd_hostdevs_view_set_filter(v, "1244:0700");
	g_assert_cmpuint(kd_hostdevs_view_count(v), ==, 1);
	kd_hostdevs_view_set_filter(v, "uhci_hcd");
	g_assert_cmpuint(kd_hostdevs_view_count(v), ==, 1);
	kd_hostdevs_view_set_filter(v, "05:08");
	g_assert_cmpuint(kd_hostdevs_view_count(v), ==, 2);
	kd_hostdevs_view_set_filter(v, "not assignable");
	g_assert_cmpuint(kd_hostdevs_view_count(v), >=, 5);
	kd_hostdevs_view_set_filter(v, "no such thing");
	g_assert_cmpuint(kd_hostdevs_view_count(v), ==, 0);
	g_assert_null(kd_hostdevs_view_selected(v));
	kd_hostdevs_view_move(v, 1);
	kd_hostdevs_view_end(v);
	g_assert_null(kd_hostdevs_view_selected(v));
	g_ptr_array_unref(lines);
	lines = kd_hostdevs_view_lines(v, 80);
	g_assert_cmpuint(lines->len, ==, 1);
	kd_hostdevs_view_set_filter(v, NULL);
	g_assert_cmpuint(kd_hostdevs_view_count(v), ==, 13);
	g_assert_cmpstr(kd_hostdevs_view_filter(v), ==, "");
	kd_hostdevs_view_free(v);
	fixture_close(&f);
}

static void test_move(void)
{
	struct fixture f;
	struct kd_hostdevs_view *v = kd_hostdevs_view_new();

	REQUIRE_FIXTURE(&f);
	g_assert_null(kd_hostdevs_view_selected(v));
	kd_hostdevs_view_move(v, 1);
	kd_hostdevs_view_set_host(v, f.host);
	g_assert_cmpstr(selected_address(v), ==, "00:00.0");
	kd_hostdevs_view_move(v, -1);
	g_assert_cmpstr(selected_address(v), ==, "00:00.0");
	kd_hostdevs_view_move(v, 1);
	g_assert_cmpstr(selected_address(v), ==, "00:02.0");
	kd_hostdevs_view_move(v, 7);
	g_assert_cmpstr(selected_address(v), ==, "00:1f.3");
	kd_hostdevs_view_move(v, 1);
	g_assert_cmpstr(selected_address(v), ==, "05:06.0");
	kd_hostdevs_view_end(v);
	g_assert_cmpstr(selected_address(v), ==, "05:07.0");
	kd_hostdevs_view_move(v, 5);
	g_assert_cmpstr(selected_address(v), ==, "05:07.0");
	kd_hostdevs_view_move(v, -1);
	g_assert_cmpstr(selected_address(v), ==, "05:08.2");
	kd_hostdevs_view_home(v);
	g_assert_cmpstr(selected_address(v), ==, "00:00.0");
	kd_hostdevs_view_move(v, G_MAXINT);
	g_assert_cmpstr(selected_address(v), ==, "05:07.0");
	kd_hostdevs_view_move(v, G_MININT);
	g_assert_cmpstr(selected_address(v), ==, "00:00.0");
	g_assert_true(kd_hostdevs_view_select(v, "0000:05:06.0"));
	g_assert_cmpstr(selected_address(v), ==, "05:06.0");
	g_assert_false(kd_hostdevs_view_select(v, "99:00.0"));
	g_assert_false(kd_hostdevs_view_select(v, "garbage"));
	g_assert_false(kd_hostdevs_view_select(v, NULL));
	g_assert_cmpstr(selected_address(v), ==, "05:06.0");
	kd_hostdevs_view_free(v);
	fixture_close(&f);
}

static void test_keep_selection(void)
{
	struct fixture f;
	struct kd_hostdevs_view *v = kd_hostdevs_view_new();
	g_autoptr(GError) err = NULL;
	struct kd_host *again;

	REQUIRE_FIXTURE(&f);
	kd_hostdevs_view_set_host(v, f.host);
	g_assert_true(kd_hostdevs_view_select(v, "05:08.2"));
	/* A rescan: the old inventory is freed right after the view takes the new one. */
	again = kd_host_scan(f.dir, &err);
	g_assert_no_error(err);
	kd_hostdevs_view_set_host(v, again);
	kd_host_free(f.host);
	f.host = again;
	g_assert_cmpstr(selected_address(v), ==, "05:08.2");
	g_assert_true(kd_hostdevs_view_selected(v) == kd_host_find(again, "05:08.2"));

	/* The device is gone from the next scan: the first device. */
	again = kd_host_scan(f.dir, &err);
	g_assert_no_error(err);
	g_ptr_array_remove_index(again->devices, again->devices->len - 1);
	kd_hostdevs_view_set_host(v, again);
	g_assert_cmpstr(selected_address(v), ==, "00:00.0");
	g_assert_cmpuint(kd_hostdevs_view_count(v), ==, 12);
	kd_hostdevs_view_set_host(v, NULL);
	g_assert_null(kd_hostdevs_view_selected(v));
	g_assert_cmpuint(kd_hostdevs_view_count(v), ==, 0);
	kd_host_free(again);
	kd_hostdevs_view_free(v);
	fixture_close(&f);
}

static void test_assigned(void)
{
	static const char *const assigned[] = { "05:06.0", "0000:00:1d.0", "bogus", NULL };
	struct fixture f;
	struct kd_hostdevs_view *v = kd_hostdevs_view_new();
	g_autoptr(GPtrArray) lines = NULL;
	g_autoptr(GPtrArray) utf8 = NULL;
	g_autofree char *detail = NULL;

	REQUIRE_FIXTURE(&f);
	kd_hostdevs_view_set_host(v, f.host);
	kd_hostdevs_view_set_assigned(v, assigned);
	lines = kd_hostdevs_view_lines(v, 80);
	g_assert_true(g_str_has_prefix(g_ptr_array_index(lines, find_line(lines, "05:06.0", 1)),
				       "*   8 05:06.0"));
	g_assert_true(g_str_has_prefix(g_ptr_array_index(lines, find_line(lines, "00:1d.0", 1)),
				       "*   5 00:1d.0"));
	g_assert_true(g_str_has_prefix(g_ptr_array_index(lines, find_line(lines, "00:02.0", 1)),
				       "    1 00:02.0"));
	utf8 = kd_hostdevs_view_lines_utf8(v, 80, true);
	g_assert_true(g_str_has_prefix(g_ptr_array_index(utf8, find_line(utf8, "05:06.0", 1)),
				       "\u25cf   8 05:06.0"));
	g_assert_true(kd_hostdevs_view_select(v, "05:06.0"));
	detail = kd_hostdevs_view_detail_text(v);
	g_assert_nonnull(strstr(detail, "In this VM's settings"));
	kd_hostdevs_view_set_assigned(v, NULL);
	g_ptr_array_unref(lines);
	lines = kd_hostdevs_view_lines(v, 80);
	g_assert_true(g_str_has_prefix(g_ptr_array_index(lines, find_line(lines, "05:06.0", 1)),
				       "    8 05:06.0"));
	kd_hostdevs_view_free(v);
	fixture_close(&f);
}

static void test_detail(void)
{
	struct fixture f;
	struct kd_hostdevs_view *v = kd_hostdevs_view_new();
	g_autofree char *empty = NULL;
	g_autofree char *detail = NULL;
	g_autofree char *group = NULL;
	g_autoptr(GPtrArray) wrapped = NULL;

	REQUIRE_FIXTURE(&f);
	empty = kd_hostdevs_view_detail_text(v);
	g_assert_cmpstr(empty, ==, "");
	kd_hostdevs_view_set_host(v, f.host);
	g_assert_true(kd_hostdevs_view_select(v, "05:06.0"));
	detail = kd_hostdevs_view_detail_text(v);
	g_assert_true(g_str_has_prefix(detail, "05:06.0 ISDN controller [0204]: AVM GmbH B1 ISDN "
					       "[1244:0700] (rev 01)\n"));
	g_assert_nonnull(strstr(detail, "Subsystem: [1244:0700]"));
	g_assert_nonnull(strstr(detail, "pin A, IRQ 11, shared with 00:1d.0 (uhci_hcd), "
					"00:1f.3 (i801_smbus); INTx masking: no"));
	g_assert_nonnull(strstr(detail, "Kernel driver in use: b1pci"));
	g_assert_nonnull(strstr(detail, "IOMMU group: 8"));
	g_assert_nonnull(strstr(detail, "Reset: bus"));
	g_assert_nonnull(strstr(detail, "Verdict: not assignable"));
	g_assert_nonnull(strstr(detail, "BLOCKER: IRQ 11 is shared with 00:1d.0 (uhci_hcd) and "
					"00:1f.3 (i801_smbus); this card cannot mask INTx"));
	g_assert_nonnull(strstr(detail, "fix: move it to another slot or disable the other "
					"devices"));
	g_assert_nonnull(strstr(detail, "\n   blacklist b1pci\n"));
	g_assert_null(strchr(detail, '\t'));

	/* A group's other members are named. */
	g_assert_true(kd_hostdevs_view_select(v, "00:1f.2"));
	group = kd_hostdevs_view_detail_text(v);
	g_assert_nonnull(strstr(group, "IOMMU group 7 also holds:\n   00:1f.3 SMBus"));

	g_assert_true(kd_hostdevs_view_select(v, "05:06.0"));
	for (int width = 1; width <= 80; width += width < 20 ? 1 : 13) {
		wrapped = kd_hostdevs_view_detail_lines(v, width);
		g_assert_cmpuint(wrapped->len, >, 10);
		for (guint i = 0; i < wrapped->len; i++)
			g_assert_cmpint(display_width(g_ptr_array_index(wrapped, i)), <=,
					MAX(width, 1));
		g_clear_pointer(&wrapped, g_ptr_array_unref);
	}
	/* Wrapped words are all there, continuation lines indented. */
	wrapped = kd_hostdevs_view_detail_lines(v, 40);
	{
		int blocker = find_line(wrapped, "BLOCKER: IRQ 11 is shared", 0);

		g_assert_cmpint(blocker, >=, 0);
		g_assert_true(g_str_has_prefix(g_ptr_array_index(wrapped, blocker + 1), "       "));
	}
	kd_hostdevs_view_free(v);
	fixture_close(&f);
}

static void test_detail_scroll(void)
{
	struct fixture f;
	struct kd_hostdevs_view *v = kd_hostdevs_view_new();

	REQUIRE_FIXTURE(&f);
	kd_hostdevs_view_set_host(v, f.host);
	g_assert_true(kd_hostdevs_view_select(v, "00:1f.3"));
	kd_hostdevs_view_scroll_detail(v, -3);
	g_assert_cmpint(kd_hostdevs_view_detail_offset(v), ==, 0);
	kd_hostdevs_view_scroll_detail(v, 3);
	g_assert_cmpint(kd_hostdevs_view_detail_offset(v), ==, 3);
	kd_hostdevs_view_scroll_detail(v, G_MAXINT);
	g_assert_cmpint(kd_hostdevs_view_detail_offset(v), >, 3);
	g_assert_cmpint(kd_hostdevs_view_detail_offset(v), <, 100);
	kd_hostdevs_view_move(v, 1);
	g_assert_cmpint(kd_hostdevs_view_detail_offset(v), ==, 0);
	kd_hostdevs_view_free(v);
	fixture_close(&f);
}

static void test_widths(void)
{
	struct fixture f;
	struct kd_hostdevs_view *v = kd_hostdevs_view_new();

	REQUIRE_FIXTURE(&f);
	kd_hostdevs_view_set_host(v, f.host);
	for (int width = 1; width <= 132; width++) {
		for (int utf8 = 0; utf8 <= 1; utf8++) {
			g_autoptr(GPtrArray) lines = kd_hostdevs_view_lines_utf8(v, width, utf8);

			g_assert_cmpuint(lines->len, ==, 1 + 13);
			for (guint i = 0; i < lines->len; i++) {
				const char *l = g_ptr_array_index(lines, i);

				g_assert_true(g_utf8_validate(l, -1, NULL));
				g_assert_cmpint(display_width(l), <=, width);
				/* Rows fill 80 columns and more, for the selection bar. */
				if (width >= 80 && i)
					g_assert_cmpint(display_width(l), ==, width);
			}
		}
	}
	/* The group column comes out of the name column: 22 columns at 80. */
	{
		g_autoptr(GPtrArray) lines = kd_hostdevs_view_lines(v, 80);
		const char *title = g_ptr_array_index(lines, 0);
		const char *device = strstr(title, "Device"), *irq = strstr(title, "IRQ");

		g_assert_nonnull(device);
		g_assert_nonnull(irq);
		g_assert_cmpint(irq - device, ==, 22 + 1);
		g_assert_cmpint(device - title, ==, 2 + 3 + 1 + 7 + 1 + 12 + 1);
	}
	/* Wider terminals give the name column the room: the HFC-4S name is whole at 132. */
	{
		g_autoptr(GPtrArray) narrow = kd_hostdevs_view_lines(v, 80);
		g_autoptr(GPtrArray) wide = kd_hostdevs_view_lines(v, 132);

		g_assert_nonnull(
			strstr(g_ptr_array_index(narrow, find_line(narrow, "05:07.0", 1)), "~"));
		g_assert_nonnull(
			strstr(g_ptr_array_index(wide, find_line(wide, "05:07.0", 1)),
			       "Cologne Chip Designs GmbH ISDN network Controller [HFC-4S]"));
	}
	kd_hostdevs_view_free(v);
	fixture_close(&f);
}

/* ---------------------------------------------------------------- drawing */

/* The window's row y as text. */
static char *window_row(WINDOW *win, int y)
{
	char buf[1024];

	if (mvwinnstr(win, y, 0, buf, sizeof(buf) - 1) == ERR)
		return g_strdup("");
	return g_strdup(buf);
}

static bool window_has(WINDOW *win, const char *text)
{
	for (int y = 0; y < getmaxy(win); y++) {
		g_autofree char *row = window_row(win, y);

		if (strstr(row, text))
			return true;
	}
	return false;
}

static void test_draw(void)
{
	static const char *const assigned[] = { "05:06.0", NULL };
	struct fixture f;
	struct kd_test_term t;
	struct kd_theme themes[2];
	struct kd_hostdevs_view *v = kd_hostdevs_view_new();

	REQUIRE_FIXTURE(&f);
	if (!kd_test_term_open(&t, 40, 132)) {
		g_test_skip("no terminfo entry for xterm-256color");
		kd_hostdevs_view_free(v);
		fixture_close(&f);
		return;
	}
	kd_theme_init(&themes[0], false);
	kd_theme_monochrome(&themes[1], false);
	for (int th = 0; th < 2; th++) {
		WINDOW *table = newwin(10, 80, 0, 0);
		WINDOW *detail = newwin(12, 50, 10, 0);
		WINDOW *tiny = newwin(1, 3, 30, 0);
		g_autofree char *titles = NULL;
		g_autofree char *continued = NULL;

		/* Nothing to show yet. */
		kd_hostdevs_view_draw_table(v, table, &themes[th]);
		kd_hostdevs_view_draw_detail(v, detail, &themes[th]);
		kd_hostdevs_view_set_host(v, f.host);
		kd_hostdevs_view_set_assigned(v, assigned);
		kd_hostdevs_view_draw_table(v, table, &themes[th]);
		titles = window_row(table, 0);
		g_assert_nonnull(strstr(titles, "Address"));
		g_assert_true(window_has(table, "00:00.0"));

		/* The selection at the end scrolls the table. */
		kd_hostdevs_view_end(v);
		kd_hostdevs_view_draw_table(v, table, &themes[th]);
		g_assert_true(window_has(table, "05:07.0"));
		g_assert_false(window_has(table, "00:00.0"));
		kd_hostdevs_view_home(v);
		kd_hostdevs_view_draw_table(v, table, &themes[th]);
		g_assert_true(g_str_has_prefix(titles, "  Grp Address"));
		g_assert_true(window_has(table, "    0 00:00.0 "));
		/* Titles and 9 device rows, no headers between them. */
		for (int y = 1; y < 10; y++) {
			g_autofree char *row = window_row(table, y);
			g_autofree char *address = g_utf8_substring(row, 6, 13);

			g_assert_true(address[2] == ':' && address[5] == '.');
		}

		g_assert_true(kd_hostdevs_view_select(v, "00:1f.3"));
		kd_hostdevs_view_draw_table(v, table, &themes[th]);
		/* The group's further row has the theme's line. */
		g_assert_true(window_has(table, "    7 00:1f.2 "));
		continued = g_strdup_printf("    %s 00:1f.3 ", themes[th].vline);
		g_assert_true(window_has(table, continued));
		g_assert_true(kd_hostdevs_view_select(v, "05:06.0"));
		kd_hostdevs_view_draw_table(v, table, &themes[th]);
		/* 05:06.0 is in the VM's settings: its mark comes first. */
		g_assert_true(window_has(table, "   8 05:06.0 "));
		kd_hostdevs_view_draw_detail(v, detail, &themes[th]);
		g_assert_true(window_has(detail, "05:06.0 ISDN controller"));
		kd_hostdevs_view_scroll_detail(v, 1000);
		kd_hostdevs_view_draw_detail(v, detail, &themes[th]);
		g_assert_true(window_has(detail, "blacklist b1pci"));
		g_assert_cmpint(kd_hostdevs_view_detail_offset(v), >, 0);
		kd_hostdevs_view_draw_table(v, tiny, &themes[th]);
		kd_hostdevs_view_draw_detail(v, tiny, &themes[th]);

		/* Every device selected in turn, in both panes. */
		kd_hostdevs_view_home(v);
		for (unsigned i = 0; i < kd_hostdevs_view_count(v); i++) {
			kd_hostdevs_view_draw_table(v, table, &themes[th]);
			kd_hostdevs_view_draw_detail(v, detail, &themes[th]);
			kd_hostdevs_view_move(v, 1);
		}
		kd_hostdevs_view_set_host(v, NULL);
		delwin(tiny);
		delwin(detail);
		delwin(table);
	}
	kd_test_term_close(&t);
	kd_hostdevs_view_free(v);
	fixture_close(&f);
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "C.UTF-8");
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/hostdevs-view/groups", test_groups);
	g_test_add_func("/hostdevs-view/no-iommu", test_no_iommu);
	g_test_add_func("/hostdevs-view/filter", test_filter);
	g_test_add_func("/hostdevs-view/move", test_move);
	g_test_add_func("/hostdevs-view/keep-selection", test_keep_selection);
	g_test_add_func("/hostdevs-view/assigned", test_assigned);
	g_test_add_func("/hostdevs-view/detail", test_detail);
	g_test_add_func("/hostdevs-view/detail-scroll", test_detail_scroll);
	g_test_add_func("/hostdevs-view/widths", test_widths);
	g_test_add_func("/hostdevs-view/draw", test_draw);
	return g_test_run();
}
