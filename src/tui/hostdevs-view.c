/*
 * The "Host devices" screen's table and detail panel (see hostdevs-view.h).
 */
#include "config.h"

#include "tui/hostdevs-view.h"

#include <string.h>

#include "i18n.h"

/* Column widths; at 80 columns the name column gets what is left, 22. */
enum {
	COL_GROUP_MIN = 3, /* "Grp", group numbers right-aligned */
	COL_ADDRESS_MIN = 7, /* "05:06.0" */
	COL_CLASS = 12,
	COL_NAME_MIN = 8,
	COL_IRQ = 9, /* "11 shared" */
	COL_DRIVER = 11,
	COL_VERDICT = 8, /* "warnings" */
	COL_GAPS = 7, /* one space after the mark and between the other columns */
};

struct kd_hostdevs_view {
	struct kd_host *host; /* borrowed */
	GHashTable *assigned; /* canonical address -> itself */
	char *filter; /* as given, "" for none */
	char *filter_folded; /* casefolded, NULL for none */
	GPtrArray *shown; /* struct kd_hostdev * (borrowed), the table's rows in order */
	int selected; /* index into shown, -1 for none */
	/* Our own copy: the host it came from may be gone when set_host brings the next one. */
	char *selected_address;
	int top; /* first device row drawn below the column titles */
	int detail_offset;
	int detail_max; /* largest detail offset, as last drawn; -1 before the first draw */
};

struct layout {
	int group, address, name;
};

/* Kinds of detail lines, for their colour. */
enum detail_kind {
	DETAIL_NORMAL,
	DETAIL_WARNING,
	DETAIL_BLOCKER,
	DETAIL_VERDICT,
};

/* ------------------------------------------------------------------ text widths */

/* Display columns of c (wide East Asian characters take two, combining marks none). */
static int char_width(gunichar c)
{
	if (g_unichar_iszerowidth(c))
		return 0;
	return g_unichar_iswide(c) ? 2 : 1;
}

static int text_width(const char *text)
{
	int width = 0;

	for (const char *p = text; *p; p = g_utf8_next_char(p))
		width += char_width(g_utf8_get_char(p));
	return width;
}

/* Appends text cut to width display columns, ending in cut (one column) when it does not fit,
 * and padded with spaces to width when pad is true. Invalid UTF-8 and control characters, which
 * a curses window would show as several cells, become replacement characters. */
static void append_fitted(GString *out, const char *text, int width, const char *cut, bool pad)
{
	g_autofree char *valid = g_utf8_make_valid(text ? text : "", -1);
	int used = 0, room = width;

	if (width <= 0)
		return;
	if (text_width(valid) > width)
		room = width - 1;
	for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		int w = char_width(c);

		if (used + w > room)
			break;
		if (g_unichar_iscntrl(c))
			g_string_append_c(out, '?');
		else
			g_string_append_len(out, p, g_utf8_next_char(p) - p);
		used += w;
	}
	if (room < width) {
		g_string_append(out, cut);
		used++;
	}
	for (; pad && used < width; used++)
		g_string_append_c(out, ' ');
}

/* Appends text right-aligned in width display columns (cut as append_fitted does). */
static void append_right(GString *out, const char *text, int width, const char *cut)
{
	for (int used = text_width(text); used < width; used++)
		g_string_append_c(out, ' ');
	append_fitted(out, text, width, cut, false);
}

/* The byte length of line's longest prefix that fits width columns. */
static gsize fitting_bytes(const char *line, int width)
{
	const char *p = line;
	int used = 0;

	for (; *p; p = g_utf8_next_char(p)) {
		int w = char_width(g_utf8_get_char(p));

		if (used + w > width)
			break;
		used += w;
	}
	return (gsize)(p - line);
}

/* ------------------------------------------------------------------ the model */

static const char *verdict_word(enum kd_verdict verdict)
{
	switch (verdict) {
	case KD_VERDICT_READY:
		return _("ready");
	case KD_VERDICT_WARNINGS:
		return _("warnings");
	case KD_VERDICT_NO:
		return _("no");
	}
	return "?";
}

static bool contains_folded(const char *haystack, const char *needle)
{
	g_autofree char *valid = NULL;
	g_autofree char *folded = NULL;

	if (!haystack)
		return false;
	valid = g_utf8_make_valid(haystack, -1);
	folded = g_utf8_casefold(valid, -1);
	return strstr(folded, needle) != NULL;
}

static bool device_matches(const struct kd_hostdevs_view *v, const struct kd_hostdev *d)
{
	const char *needle = v->filter_folded;
	char ids[16];

	if (!needle)
		return true;
	g_snprintf(ids, sizeof(ids), "%04x:%04x", d->vendor, d->device);
	return contains_folded(d->address, needle) || contains_folded(d->vendor_name, needle) ||
	       contains_folded(d->device_name, needle) || contains_folded(d->class_name, needle) ||
	       contains_folded(d->driver, needle) || contains_folded(ids, needle) ||
	       contains_folded(kd_verdict_name(d->verdict), needle) ||
	       contains_folded(verdict_word(d->verdict), needle);
}

/* Groups in ascending number, devices without one last; within a group, address order. */
static gint compare_devices(gconstpointer a, gconstpointer b)
{
	const struct kd_hostdev *x = *(struct kd_hostdev *const *)a;
	const struct kd_hostdev *y = *(struct kd_hostdev *const *)b;
	unsigned gx = (unsigned)x->iommu_group, gy = (unsigned)y->iommu_group;

	if (gx != gy)
		return gx < gy ? -1 : 1;
	return strcmp(x->address, y->address);
}

static void set_selection(struct kd_hostdevs_view *v, int index)
{
	const char *address =
		index >= 0 ? ((struct kd_hostdev *)g_ptr_array_index(v->shown, index))->address
			   : NULL;

	v->selected = index;
	if (g_strcmp0(address, v->selected_address) == 0)
		return;
	g_free(v->selected_address);
	v->selected_address = g_strdup(address);
	v->detail_offset = 0;
	v->detail_max = -1;
}

/* Rebuilds the rows after a new host or filter, keeping the selected address when it shows. */
static void rebuild(struct kd_hostdevs_view *v)
{
	int keep = -1;

	g_ptr_array_set_size(v->shown, 0);
	if (v->host) {
		for (guint i = 0; i < v->host->devices->len; i++) {
			struct kd_hostdev *d = g_ptr_array_index(v->host->devices, i);

			if (device_matches(v, d))
				g_ptr_array_add(v->shown, d);
		}
	}
	g_ptr_array_sort(v->shown, compare_devices);
	for (guint i = 0; i < v->shown->len; i++) {
		struct kd_hostdev *d = g_ptr_array_index(v->shown, i);

		if (keep < 0 && g_strcmp0(d->address, v->selected_address) == 0)
			keep = (int)i;
	}
	if (keep < 0 && v->shown->len)
		keep = 0;
	set_selection(v, keep);
	v->top = 0;
}

struct kd_hostdevs_view *kd_hostdevs_view_new(void)
{
	struct kd_hostdevs_view *v = g_new0(struct kd_hostdevs_view, 1);

	v->assigned = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	v->filter = g_strdup("");
	v->shown = g_ptr_array_new();
	v->selected = -1;
	v->detail_max = -1;
	return v;
}

void kd_hostdevs_view_free(struct kd_hostdevs_view *v)
{
	if (!v)
		return;
	g_hash_table_destroy(v->assigned);
	g_free(v->filter);
	g_free(v->filter_folded);
	g_ptr_array_free(v->shown, TRUE);
	g_free(v->selected_address);
	g_free(v);
}

void kd_hostdevs_view_set_host(struct kd_hostdevs_view *v, struct kd_host *host)
{
	v->host = host;
	if (!host) {
		g_clear_pointer(&v->selected_address, g_free);
		v->detail_offset = 0;
		v->detail_max = -1;
	}
	rebuild(v);
}

void kd_hostdevs_view_set_assigned(struct kd_hostdevs_view *v, const char *const *addresses)
{
	g_hash_table_remove_all(v->assigned);
	for (const char *const *a = addresses; a && *a; a++) {
		char *canonical = kd_pci_address_normalize(*a);

		if (canonical)
			g_hash_table_add(v->assigned, canonical);
	}
}

void kd_hostdevs_view_set_filter(struct kd_hostdevs_view *v, const char *text)
{
	g_free(v->filter);
	g_clear_pointer(&v->filter_folded, g_free);
	v->filter = g_strdup(text ? text : "");
	if (*v->filter) {
		g_autofree char *valid = g_utf8_make_valid(v->filter, -1);

		v->filter_folded = g_utf8_casefold(valid, -1);
	}
	rebuild(v);
}

const char *kd_hostdevs_view_filter(const struct kd_hostdevs_view *v)
{
	return v->filter;
}

void kd_hostdevs_view_move(struct kd_hostdevs_view *v, int delta)
{
	gint64 index = (gint64)v->selected + delta;

	if (!v->shown->len)
		return;
	set_selection(v, (int)CLAMP(index, 0, (gint64)v->shown->len - 1));
}

void kd_hostdevs_view_home(struct kd_hostdevs_view *v)
{
	if (v->shown->len)
		set_selection(v, 0);
}

void kd_hostdevs_view_end(struct kd_hostdevs_view *v)
{
	if (v->shown->len)
		set_selection(v, (int)v->shown->len - 1);
}

bool kd_hostdevs_view_select(struct kd_hostdevs_view *v, const char *address)
{
	g_autofree char *canonical = address ? kd_pci_address_normalize(address) : NULL;

	if (!canonical)
		return false;
	for (guint i = 0; i < v->shown->len; i++) {
		if (!strcmp(((struct kd_hostdev *)g_ptr_array_index(v->shown, i))->address,
			    canonical)) {
			set_selection(v, (int)i);
			return true;
		}
	}
	return false;
}

struct kd_hostdev *kd_hostdevs_view_selected(const struct kd_hostdevs_view *v)
{
	return v->selected >= 0 ? g_ptr_array_index(v->shown, v->selected) : NULL;
}

unsigned kd_hostdevs_view_count(const struct kd_hostdevs_view *v)
{
	return v->shown->len;
}

/* ------------------------------------------------------------------ the table */

static struct layout table_layout(const struct kd_hostdevs_view *v, int width)
{
	struct layout l = { .group = COL_GROUP_MIN, .address = COL_ADDRESS_MIN };

	for (guint i = 0; i < v->shown->len; i++) {
		const struct kd_hostdev *d = g_ptr_array_index(v->shown, i);
		char group[16];

		/* Devices outside PCI domain 0 keep their domain ("0001:00:02.0"). */
		l.address = MAX(l.address, text_width(kd_pci_address_short(d->address)));
		/* Hosts with a thousand groups and more widen the group column. */
		l.group = MAX(l.group, g_snprintf(group, sizeof(group), "%d", d->iommu_group));
	}
	l.name = width - (1 + l.group + l.address + COL_CLASS + COL_IRQ + COL_DRIVER + COL_VERDICT +
			  COL_GAPS);
	l.name = MAX(l.name, COL_NAME_MIN);
	return l;
}

static void irq_text(const struct kd_hostdev *d, char *buf, size_t size)
{
	/* With MSI vectors in use the line is idle, whoever else is on it. */
	if (d->msi_vectors)
		g_strlcpy(buf, d->msix_capable ? "MSI-X" : "MSI", size);
	else if (!d->irq_pin || d->irq < 0)
		g_strlcpy(buf, "-", size);
	else if (d->irq_sharers->len)
		g_snprintf(buf, size, _("%d shared"), d->irq);
	else
		g_snprintf(buf, size, "%d", d->irq);
}

static void format_titles(GString *out, const struct layout *l, const char *cut)
{
	g_string_append(out, "  ");
	append_right(out, _("Grp"), l->group, cut);
	g_string_append_c(out, ' ');
	append_fitted(out, _("Address"), l->address, cut, true);
	g_string_append_c(out, ' ');
	append_fitted(out, _("Class"), COL_CLASS, cut, true);
	g_string_append_c(out, ' ');
	append_fitted(out, _("Device"), l->name, cut, true);
	g_string_append_c(out, ' ');
	append_fitted(out, _("IRQ"), COL_IRQ, cut, true);
	g_string_append_c(out, ' ');
	append_fitted(out, _("Driver"), COL_DRIVER, cut, true);
	g_string_append_c(out, ' ');
	append_fitted(out, _("Verdict"), COL_VERDICT, cut, true);
}

/* Whether the device at index in shown is the first shown one of its IOMMU group: it gets the
 * group's number, the others below it the continuation mark. Devices without a group each get
 * "-". */
static bool first_of_group(const struct kd_hostdevs_view *v, guint index)
{
	const struct kd_hostdev *d = g_ptr_array_index(v->shown, index);

	return d->iommu_group < 0 || index == 0 ||
	       ((struct kd_hostdev *)g_ptr_array_index(v->shown, index - 1))->iommu_group !=
		       d->iommu_group;
}

/* The device row at index in shown; vline marks a group's further rows; *verdict_at is where
 * the verdict column starts. */
static void format_device_row(GString *out, const struct kd_hostdevs_view *v,
			      const struct layout *l, guint index, bool utf8, const char *vline,
			      gsize *verdict_at)
{
	const struct kd_hostdev *d = g_ptr_array_index(v->shown, index);
	const char *cut = utf8 ? "\u2026" : "~";
	g_autofree char *name = NULL;
	char group[16], irq[32];

	g_string_append(out, !g_hash_table_contains(v->assigned, d->address) ? " "
			     : utf8					     ? "\u25cf"
									     : "*");
	g_string_append_c(out, ' ');
	if (d->iommu_group < 0)
		g_strlcpy(group, "-", sizeof(group));
	else if (first_of_group(v, index))
		g_snprintf(group, sizeof(group), "%d", d->iommu_group);
	else
		g_strlcpy(group, vline, sizeof(group));
	append_right(out, group, l->group, cut);
	g_string_append_c(out, ' ');
	append_fitted(out, kd_pci_address_short(d->address), l->address, cut, true);
	g_string_append_c(out, ' ');
	append_fitted(out, d->class_name ? d->class_name : _("Class"), COL_CLASS, cut, true);
	g_string_append_c(out, ' ');
	name = g_strdup_printf("%s %s", d->vendor_name ? d->vendor_name : _("Unknown vendor"),
			       d->device_name ? d->device_name : _("unknown device"));
	append_fitted(out, name, l->name, cut, true);
	g_string_append_c(out, ' ');
	irq_text(d, irq, sizeof(irq));
	append_fitted(out, irq, COL_IRQ, cut, true);
	g_string_append_c(out, ' ');
	append_fitted(out, d->driver ? d->driver : "-", COL_DRIVER, cut, true);
	g_string_append_c(out, ' ');
	*verdict_at = out->len;
	append_fitted(out, verdict_word(d->verdict), COL_VERDICT, cut, true);
}

/* The text of row (an index into shown, or the titles for -1) cut to width; *verdict_at is
 * where the verdict starts (or the line's length). */
static char *format_line(const struct kd_hostdevs_view *v, const struct layout *l, int row,
			 int width, bool utf8, const char *vline, gsize *verdict_at)
{
	GString *out = g_string_new(NULL);
	gsize keep;

	*verdict_at = G_MAXSIZE;
	if (row < 0) {
		format_titles(out, l, utf8 ? "\u2026" : "~");
	} else {
		format_device_row(out, v, l, (guint)row, utf8, vline, verdict_at);
	}
	/* Below 80 columns the right-hand columns go. */
	keep = fitting_bytes(out->str, width);
	g_string_truncate(out, keep);
	*verdict_at = MIN(*verdict_at, out->len);
	return g_string_free(out, FALSE);
}

GPtrArray *kd_hostdevs_view_lines_utf8(const struct kd_hostdevs_view *v, int width, bool utf8)
{
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
	struct layout l = table_layout(v, width);
	gsize verdict_at;

	for (int row = -1; row < (int)v->shown->len; row++)
		g_ptr_array_add(lines, format_line(v, &l, row, width, utf8, utf8 ? "\u2502" : "|",
						   &verdict_at));
	return lines;
}

GPtrArray *kd_hostdevs_view_lines(const struct kd_hostdevs_view *v, int width)
{
	return kd_hostdevs_view_lines_utf8(v, width, false);
}

static void set_attr(WINDOW *win, attr_t attr)
{
	wattrset(win, (int)attr);
}

static attr_t verdict_attr(enum kd_verdict verdict, const struct kd_theme *theme)
{
	return verdict == KD_VERDICT_READY	? theme->ok
	       : verdict == KD_VERDICT_WARNINGS ? theme->warning
						: theme->error;
}

/* Scrolls so the selected row is among the visible rows. */
static void scroll_table(struct kd_hostdevs_view *v, int visible)
{
	int row = v->selected;
	int last_top = MAX(0, (int)v->shown->len - visible);

	if (row >= 0) {
		if (row < v->top)
			v->top = row;
		if (row >= v->top + visible)
			v->top = row - visible + 1;
	}
	v->top = CLAMP(v->top, 0, last_top);
}

void kd_hostdevs_view_draw_table(struct kd_hostdevs_view *v, WINDOW *win,
				 const struct kd_theme *theme)
{
	struct kd_hostdev *selected = kd_hostdevs_view_selected(v);
	struct layout l;
	int height, width;

	getmaxyx(win, height, width);
	werase(win);
	if (height <= 0 || width <= 0)
		return;
	l = table_layout(v, width);
	scroll_table(v, height - 1);
	for (int y = 0; y < height; y++) {
		int row = y ? v->top + y - 1 : -1;
		const struct kd_hostdev *d;
		g_autofree char *line = NULL;
		gsize verdict_at;
		attr_t attr;

		if (row >= (int)v->shown->len)
			break;
		d = row >= 0 ? g_ptr_array_index(v->shown, row) : NULL;
		attr = !d	       ? theme->title
		       : d == selected ? theme->selected
		       : d->bridge     ? theme->dim
				       : theme->normal;
		line = format_line(v, &l, row, width, theme->utf8, theme->vline, &verdict_at);
		/* The bottom-right cell makes waddstr report ERR without scrolling; nothing lost. */
		set_attr(win, attr);
		mvwaddnstr(win, y, 0, line, (int)verdict_at);
		if (d && line[verdict_at]) {
			set_attr(win, d == selected ? attr : verdict_attr(d->verdict, theme));
			waddstr(win, line + verdict_at);
		}
	}
	set_attr(win, A_NORMAL);
}

/* ------------------------------------------------------------------ the detail */

static void append_detail_line(GPtrArray *lines, GArray *kinds, enum detail_kind kind, char *line)
{
	g_ptr_array_add(lines, line);
	g_array_append_val(kinds, kind);
}

/* The report's lines say "BLOCKER:" and "warning:" untranslated (they are the table's fixed
 * labels), so the kind of a reason's first line can be told from its start. */
static enum detail_kind line_kind(const char *line, const char *verdict_line)
{
	const char *text = line + strspn(line, " ");

	if (g_str_has_prefix(text, "BLOCKER:"))
		return DETAIL_BLOCKER;
	if (g_str_has_prefix(text, "warning:"))
		return DETAIL_WARNING;
	if (!strcmp(line, verdict_line))
		return DETAIL_VERDICT;
	return DETAIL_NORMAL;
}

/* The unwrapped detail lines and their kinds; both arrays are filled. */
static void detail_lines(const struct kd_hostdevs_view *v, GPtrArray *lines, GArray *kinds)
{
	const struct kd_hostdev *d = kd_hostdevs_view_selected(v);
	g_autofree char *report = NULL;
	g_autofree char *verdict_line = NULL;
	g_autofree char *blacklist = NULL;
	g_auto(GStrv) split = NULL;

	if (!d)
		return;
	report = kd_hostdev_format_detail(d);
	/* The report indents with tabs for a terminal's 8-column stops; a panel has no room. */
	g_strdelimit(report, "\t", ' ');
	verdict_line = g_strdup_printf(_("\tVerdict: %s\n"), kd_verdict_name(d->verdict));
	g_strdelimit(verdict_line, "\t\n", ' ');
	g_strchomp(verdict_line);
	split = g_strsplit(report, "\n", -1);
	for (char **l = split; *l; l++) {
		if (!**l && !l[1])
			break;
		append_detail_line(lines, kinds, line_kind(*l, verdict_line), g_strdup(*l));
	}
	if (g_hash_table_contains(v->assigned, d->address))
		append_detail_line(lines, kinds, DETAIL_NORMAL,
				   g_strdup(_(" In this VM's settings")));
	if (d->iommu_group >= 0 && d->group_members->len) {
		append_detail_line(
			lines, kinds, DETAIL_NORMAL,
			g_strdup_printf(_(" IOMMU group %d also holds:"), d->iommu_group));
		for (guint i = 0; i < d->group_members->len; i++) {
			const struct kd_hostdev *m = g_ptr_array_index(d->group_members, i);

			append_detail_line(
				lines, kinds, DETAIL_NORMAL,
				g_strdup_printf(
					"   %s %s: %s %s (%s, %s)",
					kd_pci_address_short(m->address),
					m->class_name ? m->class_name : _("Class"),
					m->vendor_name ? m->vendor_name : _("Unknown vendor"),
					m->device_name ? m->device_name : _("unknown device"),
					m->driver ? m->driver : _("no driver"),
					kd_verdict_name(m->verdict)));
		}
	}
	blacklist = kd_hostdev_blacklist_lines(d);
	if (blacklist) {
		g_auto(GStrv) entries = g_strsplit(blacklist, "\n", -1);

		append_detail_line(lines, kinds, DETAIL_NORMAL,
				   g_strdup(_(" Keeps host drivers off it, in "
					      "/etc/modprobe.d/kvmdesk.conf:")));
		for (char **e = entries; *e; e++)
			if (**e)
				append_detail_line(lines, kinds, DETAIL_NORMAL,
						   g_strdup_printf("   %s", *e));
	}
}

char *kd_hostdevs_view_detail_text(const struct kd_hostdevs_view *v)
{
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GArray) kinds = g_array_new(FALSE, FALSE, sizeof(enum detail_kind));
	GString *out = g_string_new(NULL);

	detail_lines(v, lines, kinds);
	for (guint i = 0; i < lines->len; i++)
		g_string_append_printf(out, "%s\n", (char *)g_ptr_array_index(lines, i));
	return g_string_free(out, FALSE);
}

/* Word-wraps line to width columns; continuation lines are indented past the line's own
 * indent so a wrapped reason still reads as one. */
static void wrap_line(GPtrArray *out, GArray *kinds, enum detail_kind kind, const char *line,
		      int width)
{
	int indent = (int)strspn(line, " ");
	int next_indent = MIN(indent + 4, width / 2);
	const char *p = line;
	bool first = true;

	if (text_width(line) <= width) {
		append_detail_line(out, kinds, kind, g_strdup(line));
		return;
	}
	while (*p) {
		int lead = first ? 0 : next_indent;
		const char *content = first ? p + indent : p;
		const char *q = p, *space = NULL;
		int used = 0;

		for (; *q; q = g_utf8_next_char(q)) {
			int w = char_width(g_utf8_get_char(q));

			if (used + w > width - lead)
				break;
			if (*q == ' ' && q > content)
				space = q;
			used += w;
		}
		if (*q && space)
			q = space;
		else if (q == p) /* a character wider than the room */
			q = g_utf8_next_char(q);
		append_detail_line(out, kinds, kind,
				   g_strdup_printf("%*s%.*s", lead, "", (int)(q - p), p));
		p = q + strspn(q, " ");
		first = false;
	}
}

static void wrapped_detail(const struct kd_hostdevs_view *v, int width, GPtrArray *out,
			   GArray *kinds)
{
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GArray) line_kinds = g_array_new(FALSE, FALSE, sizeof(enum detail_kind));

	detail_lines(v, lines, line_kinds);
	for (guint i = 0; i < lines->len; i++)
		wrap_line(out, kinds, g_array_index(line_kinds, enum detail_kind, i),
			  g_ptr_array_index(lines, i), MAX(width, 1));
}

GPtrArray *kd_hostdevs_view_detail_lines(const struct kd_hostdevs_view *v, int width)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GArray) kinds = g_array_new(FALSE, FALSE, sizeof(enum detail_kind));

	wrapped_detail(v, width, out, kinds);
	return out;
}

void kd_hostdevs_view_draw_detail(struct kd_hostdevs_view *v, WINDOW *win,
				  const struct kd_theme *theme)
{
	const struct kd_hostdev *d = kd_hostdevs_view_selected(v);
	g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GArray) kinds = g_array_new(FALSE, FALSE, sizeof(enum detail_kind));
	int height, width;

	getmaxyx(win, height, width);
	werase(win);
	if (height <= 0 || width <= 0)
		return;
	wrapped_detail(v, width, lines, kinds);
	v->detail_max = MAX(0, (int)lines->len - height);
	v->detail_offset = CLAMP(v->detail_offset, 0, v->detail_max);
	for (int y = 0; y < height && v->detail_offset + y < (int)lines->len; y++) {
		guint i = (guint)(v->detail_offset + y);
		enum detail_kind kind = g_array_index(kinds, enum detail_kind, i);

		set_attr(win, kind == DETAIL_BLOCKER   ? theme->error
			      : kind == DETAIL_WARNING ? theme->warning
			      : kind == DETAIL_VERDICT ? verdict_attr(d->verdict, theme)
						       : theme->normal);
		mvwaddstr(win, y, 0, g_ptr_array_index(lines, i));
	}
	set_attr(win, A_NORMAL);
}

void kd_hostdevs_view_scroll_detail(struct kd_hostdevs_view *v, int delta)
{
	gint64 offset = (gint64)v->detail_offset + delta;

	/* Before the first draw the wrapped length is unknown: the unwrapped one bounds it. */
	if (v->detail_max < 0) {
		g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
		g_autoptr(GArray) kinds = g_array_new(FALSE, FALSE, sizeof(enum detail_kind));

		detail_lines(v, lines, kinds);
		v->detail_max = MAX(0, (int)lines->len - 1);
	}
	v->detail_offset = (int)CLAMP(offset, 0, (gint64)v->detail_max);
}

int kd_hostdevs_view_detail_offset(const struct kd_hostdevs_view *v)
{
	return v->detail_offset;
}
