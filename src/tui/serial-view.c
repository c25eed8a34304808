/*
 * A serial port as lines (see serial-view.h).
 */
#include "config.h"

#include "tui/serial-view.h"

#include <string.h>

enum escape_state {
	ESC_NONE,
	ESC_START, /* ESC seen */
	ESC_CSI, /* ESC [ ... until a final byte 0x40-0x7E */
	ESC_STRING, /* ESC ] or P ... until BEL or ESC \ */
};

/* An escape sequence longer than this is no sequence a terminal knows: what follows is text
 * again, so a guest cannot hide its output behind an unterminated ESC ]. */
#define ESCAPE_MAX 256

struct kd_serial_view {
	GPtrArray *lines; /* GString * */
	gsize column; /* byte offset of the cursor in the last line */
	enum escape_state escape;
	unsigned escape_len;
};

static void free_line(gpointer line)
{
	g_string_free(line, TRUE);
}

struct kd_serial_view *kd_serial_view_new(void)
{
	struct kd_serial_view *v = g_new0(struct kd_serial_view, 1);

	v->lines = g_ptr_array_new_with_free_func(free_line);
	g_ptr_array_add(v->lines, g_string_new(NULL));
	return v;
}

void kd_serial_view_free(struct kd_serial_view *v)
{
	if (!v)
		return;
	g_ptr_array_free(v->lines, TRUE);
	g_free(v);
}

static GString *last(struct kd_serial_view *v)
{
	return g_ptr_array_index(v->lines, v->lines->len - 1);
}

static void new_line(struct kd_serial_view *v)
{
	if (v->lines->len >= KD_SERIAL_VIEW_LINES)
		g_ptr_array_remove_index(v->lines, 0);
	g_ptr_array_add(v->lines, g_string_new(NULL));
	v->column = 0;
}

/* Writes a character at the cursor (over what is there, as a teletype does). */
static void put(struct kd_serial_view *v, uint8_t byte)
{
	GString *l = last(v);

	if (v->column >= KD_SERIAL_VIEW_COLUMNS) {
		new_line(v);
		l = last(v);
	}
	if (v->column < l->len) {
		/* A character's first byte replaces the whole (UTF-8) character under the
		 * cursor; its continuation bytes follow it in. */
		if ((byte & 0xC0) != 0x80) {
			gsize end = v->column + 1;

			while (end < l->len && ((uint8_t)l->str[end] & 0xC0) == 0x80)
				end++;
			g_string_erase(l, (gssize)v->column, (gssize)(end - v->column));
		}
		g_string_insert_c(l, (gssize)v->column, (char)byte);
	} else {
		g_string_append_c(l, (char)byte);
	}
	v->column++;
}

/* Escape sequences (colours, cursor moves of a full-screen program) are dropped: this is a
 * log of the line, not a terminal. */
static bool in_escape(struct kd_serial_view *v, uint8_t b)
{
	if (v->escape != ESC_NONE && ++v->escape_len > ESCAPE_MAX)
		v->escape = ESC_NONE;
	switch (v->escape) {
	case ESC_START:
		v->escape = b == '[' ? ESC_CSI : (b == ']' || b == 'P') ? ESC_STRING : ESC_NONE;
		return true;
	case ESC_CSI:
		if (b >= 0x40 && b <= 0x7E)
			v->escape = ESC_NONE;
		return true;
	case ESC_STRING:
		if (b == 0x07 || b == '\\')
			v->escape = ESC_NONE;
		return true;
	default:
		return false;
	}
}

void kd_serial_view_feed(struct kd_serial_view *v, const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t b = data[i];

		if (in_escape(v, b))
			continue;
		switch (b) {
		case 0x1B:
			v->escape = ESC_START;
			v->escape_len = 0;
			break;
		case '\n':
			new_line(v);
			break;
		case '\r':
			v->column = 0;
			break;
		case '\b':
			/* Back over a whole UTF-8 character. */
			while (v->column > 0 && ((uint8_t)last(v)->str[--v->column] & 0xC0) == 0x80)
				;
			break;
		case '\t':
			do
				put(v, ' ');
			while (v->column % 8);
			break;
		default:
			if (b >= 0x20 && b != 0x7F)
				put(v, b);
			break;
		}
	}
}

char *kd_serial_view_text(const struct kd_serial_view *v)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < v->lines->len; i++) {
		GString *l = g_ptr_array_index(v->lines, i);

		g_string_append_len(s, l->str, (gssize)l->len);
		if (i + 1 < v->lines->len)
			g_string_append_c(s, '\n');
	}
	return g_string_free(s, FALSE);
}

/* The printable text of a line: invalid UTF-8 (a guest's code page) shown as '?'. */
static char *printable(const GString *l)
{
	return g_utf8_make_valid(l->str, (gssize)l->len);
}

void kd_serial_view_draw(struct kd_serial_view *v, WINDOW *win, const struct kd_theme *theme,
			 int *cursor_y, int *cursor_x)
{
	int h = getmaxy(win), w = getmaxx(win);
	g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func(g_free);
	int first;

	werase(win);
	*cursor_y = *cursor_x = 0;
	if (h <= 0 || w <= 0)
		return;
	/* Wrap from the end back only as far as the window reaches. */
	for (int i = (int)v->lines->len - 1; i >= 0 && (int)rows->len < h + 1; i--) {
		g_autofree char *text = printable(g_ptr_array_index(v->lines, i));
		glong chars = g_utf8_strlen(text, -1);
		g_autoptr(GPtrArray) pieces = g_ptr_array_new();

		for (glong at = 0; at < chars || at == 0; at += w) {
			const char *start = g_utf8_offset_to_pointer(text, at);
			const char *end = g_utf8_offset_to_pointer(text, MIN(at + w, chars));

			g_ptr_array_add(pieces, g_strndup(start, (gsize)(end - start)));
			if (chars == 0)
				break;
		}
		for (guint p = pieces->len; p-- > 0;)
			g_ptr_array_add(rows, g_ptr_array_index(pieces, p));
	}
	first = MAX(0, (int)rows->len - h);
	wattrset(win, theme->normal);
	for (int y = 0; y + first < (int)rows->len && y < h; y++) {
		/* rows holds the last row first. */
		const char *row = g_ptr_array_index(rows, rows->len - 1 - (guint)(y + first));

		mvwaddstr(win, y, 0, row);
	}
	{
		/* The cursor: its column in the last line, on the rows that line wraps to. */
		GString *l = last(v);
		g_autofree char *whole = printable(l);
		g_autofree char *before = g_utf8_make_valid(l->str, (gssize)MIN(v->column, l->len));
		glong chars = g_utf8_strlen(whole, -1);
		glong col = g_utf8_strlen(before, -1);
		int line_rows = chars ? (int)((chars + w - 1) / w) : 1;
		int rows_shown = MIN(h, (int)rows->len);

		*cursor_y = CLAMP(rows_shown - line_rows + (int)(col / w), 0, h - 1);
		*cursor_x = (int)(col % w);
	}
}

size_t kd_serial_view_key_bytes(int code, bool keycode, bool alt, uint8_t *out)
{
	static const struct {
		int code;
		const char *seq;
	} keys[] = {
		{ KEY_UP, "\033[A" },	  { KEY_DOWN, "\033[B" },    { KEY_RIGHT, "\033[C" },
		{ KEY_LEFT, "\033[D" },	  { KEY_HOME, "\033[H" },    { KEY_END, "\033[F" },
		{ KEY_IC, "\033[2~" },	  { KEY_DC, "\033[3~" },     { KEY_PPAGE, "\033[5~" },
		{ KEY_NPAGE, "\033[6~" }, { KEY_BACKSPACE, "\177" }, { KEY_ENTER, "\r" },
		{ KEY_BTAB, "\033[Z" },
	};
	size_t n = 0;

	if (keycode) {
		for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
			if (keys[i].code == code) {
				n = strlen(keys[i].seq);
				memcpy(out, keys[i].seq, n);
				return n;
			}
		}
		return 0;
	}
	if (code < 0 || code > 0x10FFFF)
		return 0;
	if (alt)
		out[n++] = 0x1B;
	n += (size_t)g_unichar_to_utf8((gunichar)code, (char *)out + n);
	return n;
}
