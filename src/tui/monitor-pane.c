/*
 * The monitor pane (see monitor-pane.h): GNU readline edits the input line through its
 * callback interface, but every path to the terminal is cut: keys come from our queue
 * (rl_getc_function), "is more input there?" asks the queue (rl_input_available_hook), the
 * display is ours (rl_redisplay_function only notes that the line changed), terminal
 * preparation does nothing, readline's streams are /dev/null, and completion lists go to the
 * scrollback (rl_completion_display_matches_hook). readline keeps no pointer for us in its
 * hooks, so the one pane that may exist is reached through `current`.
 */
#include "config.h"

#include "tui/monitor-pane.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <readline/history.h>
#include <readline/readline.h>
/* After readline: term.h defines macros such as `lines` and `columns`. */
#include <term.h>

#include "i18n.h"
#include "monitor/monitor.h"

#define SCROLLBACK_MAX 5000
#define HISTORY_MAX 1000
/* Width completion lists are laid out for: the pane is seldom narrower, and a list that
 * wraps stays readable. */
#define MATCHES_WIDTH 80
/* Where the layout is needed before the first draw. */
#define DEFAULT_WIDTH 80
#define DEFAULT_AREA 23
#define TAB_STOP 8

enum pane_line_kind {
	PANE_LINE_OUTPUT,
	PANE_LINE_COMMAND, /* "(qemu) LINE", a command that ran */
};

struct pane_line {
	char *text; /* valid UTF-8 without control characters */
	enum pane_line_kind kind;
};

/* readline's globals as they were before the pane took them over. */
struct readline_saved {
	FILE *instream, *outstream;
	rl_getc_func_t *getc_function;
	rl_hook_func_t *input_available_hook;
	rl_voidfunc_t *redisplay_function;
	rl_vintfunc_t *prep_term_function;
	rl_voidfunc_t *deprep_term_function;
	rl_completion_func_t *attempted_completion_function;
	rl_compdisp_func_t *completion_display_matches_hook;
	const char *completer_word_break_characters;
	const char *readline_name;
	int catch_signals, catch_sigwinch, change_environment;
	const char *show_all_if_unmodified; /* "on" or "off", readline's own strings */
};

struct kd_monitor_pane {
	kd_monitor_pane_run_fn run;
	kd_monitor_pane_complete_fn complete;
	void *opaque;
	char *history_file;
	GPtrArray *scrollback; /* struct pane_line, oldest first */
	GByteArray *queue; /* key bytes readline has yet to read */
	guint queue_pos;
	GPtrArray *matches; /* the last completion's candidates */
	guint next_match;
	GString *input; /* readline's line buffer as of the last change */
	size_t point; /* the cursor, a byte offset in input */
	char *prompt; /* "(qemu) ", or Ctrl+R's search prompt */
	bool dirty;
	bool escape_pending; /* Escape seen: the next character is Alt+character */
	unsigned scroll; /* display rows hidden below the view; 0: at the bottom */
	int width, area; /* the scrollback's width and height at the last draw */
	int hscroll; /* first column of prompt + input shown */
	FILE *rl_in, *rl_out;
	struct readline_saved saved;
};

/* readline has one state and its hooks take no pointer: the pane that owns it. */
static struct kd_monitor_pane *current;

static void pane_line_free(gpointer data)
{
	struct pane_line *l = data;

	g_free(l->text);
	g_free(l);
}

/* ---------------------------------------------------------------- text and widths */

static int char_width(gunichar c)
{
	int w = wcwidth((wchar_t)c);

	/* Not printable in this locale: ncurses shows it in one cell or as ^X/~X; count one. */
	return w < 0 ? 1 : w;
}

/* The character at s (before end) and its length; a byte that is no UTF-8 is U+FFFD, one
 * byte long, so a half-typed multibyte character cannot stop the input line's drawing. */
static size_t next_char(const char *s, const char *end, gunichar *c)
{
	gunichar u = g_utf8_get_char_validated(s, end - s);

	if (u == (gunichar)-1 || u == (gunichar)-2) {
		*c = 0xFFFD;
		return 1;
	}
	*c = u;
	return (size_t)(g_utf8_next_char(s) - s);
}

/* What a line of output shows: valid UTF-8, tabs expanded, other control characters as '?'
 * (they would move the cursor or change modes on the real terminal). */
static char *printable_text(const char *s, size_t len)
{
	g_autofree char *valid = g_utf8_make_valid(s, (gssize)len);
	GString *out = g_string_sized_new(len);
	unsigned col = 0;

	for (const char *q = valid; *q; q = g_utf8_next_char(q)) {
		gunichar c = g_utf8_get_char(q);

		if (c == '\r')
			continue;
		if (c == '\t') {
			do
				g_string_append_c(out, ' ');
			while (++col % TAB_STOP);
			continue;
		}
		if (c < 0x20 || (c >= 0x7f && c < 0xa0)) {
			g_string_append_c(out, '?');
			col++;
			continue;
		}
		g_string_append_unichar(out, c);
		col += (unsigned)char_width(c);
	}
	return g_string_free(out, FALSE);
}

/* How many rows text takes at width columns; with starts, the byte offset of each row. */
static unsigned wrap_rows(const char *text, int width, GArray *starts)
{
	unsigned rows = 1;
	int col = 0;

	if (width < 1)
		width = 1;
	if (starts)
		g_array_append_val(starts, (guint){ 0 });
	for (const char *q = text; *q; q = g_utf8_next_char(q)) {
		int w = char_width(g_utf8_get_char(q));

		if (col > 0 && col + w > width) {
			guint offset = (guint)(q - text);

			rows++;
			col = 0;
			if (starts)
				g_array_append_val(starts, offset);
		}
		col += w;
	}
	return rows;
}

static unsigned long total_rows(const struct kd_monitor_pane *p, int width)
{
	unsigned long rows = 0;

	for (guint i = 0; i < p->scrollback->len; i++)
		rows += wrap_rows(((struct pane_line *)g_ptr_array_index(p->scrollback, i))->text,
				  width, NULL);
	return rows;
}

/* The furthest back the view can go: with the marker taking a row, the oldest row at the top. */
static unsigned max_scroll(const struct kd_monitor_pane *p, int width, int area)
{
	unsigned long rows = total_rows(p, width);

	if (area < 1 || rows <= (unsigned long)area)
		return 0;
	return (unsigned)MIN(rows - (unsigned long)area + 1, (unsigned long)G_MAXINT);
}

/* ---------------------------------------------------------------- scrollback */

static void append_line(struct kd_monitor_pane *p, const char *s, size_t len,
			enum pane_line_kind kind)
{
	struct pane_line *l = g_new(struct pane_line, 1);

	l->text = printable_text(s, len);
	l->kind = kind;
	/* Scrolled back, the view keeps showing the same rows: they are now further from the
	 * bottom. */
	if (p->scroll)
		p->scroll += wrap_rows(l->text, p->width, NULL);
	g_ptr_array_add(p->scrollback, l);
	if (p->scrollback->len > SCROLLBACK_MAX)
		g_ptr_array_remove_range(p->scrollback, 0, p->scrollback->len - SCROLLBACK_MAX);
	p->dirty = true;
}

static void append_text(struct kd_monitor_pane *p, const char *text, enum pane_line_kind kind)
{
	while (text && *text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);

		append_line(p, text, len, kind);
		text += len + (nl ? 1 : 0);
	}
}

static void append_command(struct kd_monitor_pane *p, const char *line)
{
	g_autofree char *echo = g_strconcat(KD_MONITOR_PROMPT, line, NULL);

	/* One row even if line held a newline: it is what the user typed. */
	append_line(p, echo, strlen(echo), PANE_LINE_COMMAND);
}

void kd_monitor_pane_print(struct kd_monitor_pane *p, const char *text)
{
	append_text(p, text, PANE_LINE_OUTPUT);
}

char *kd_monitor_pane_scrollback(const struct kd_monitor_pane *p)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < p->scrollback->len; i++) {
		if (i)
			g_string_append_c(out, '\n');
		g_string_append(out,
				((struct pane_line *)g_ptr_array_index(p->scrollback, i))->text);
	}
	return g_string_free(out, FALSE);
}

/* ---------------------------------------------------------------- readline's side */

static void remember(const char *line)
{
	HIST_ENTRY *last = history_length ? history_get(history_base + history_length - 1) : NULL;

	/* Not browsing the history: Up must find the new entry (readline would only move to the
	 * end of the history when its next line starts). */
	bool at_end = where_history() >= history_length;

	if (!*line || (last && strcmp(last->line, line) == 0))
		return;
	add_history(line);
	if (at_end)
		using_history();
}

/* Copies what readline shows (prompt, line, cursor): drawing happens later, outside it. */
static void sync_line(struct kd_monitor_pane *p)
{
	const char *prompt = rl_display_prompt ? rl_display_prompt : KD_MONITOR_PROMPT;
	size_t end = rl_line_buffer ? (size_t)MAX(rl_end, 0) : 0;

	g_string_truncate(p->input, 0);
	if (end)
		g_string_append_len(p->input, rl_line_buffer, (gssize)end);
	p->point = MIN((size_t)MAX(rl_point, 0), end);
	if (!p->prompt || strcmp(p->prompt, prompt) != 0) {
		g_free(p->prompt);
		p->prompt = g_strdup(prompt);
	}
	p->dirty = true;
}

static void on_redisplay(void)
{
	if (current)
		sync_line(current);
}

static int on_getc(FILE *stream)
{
	struct kd_monitor_pane *p = current;

	(void)stream;
	/* Never happens in practice: readline is only called with bytes queued and reads one
	 * key per call; EOF ends the synchronous loops (bracketed paste) it might enter. */
	if (!p || p->queue_pos >= p->queue->len)
		return EOF;
	return p->queue->data[p->queue_pos++];
}

/* Whether an Escape is followed by more of a sequence: all of a key's bytes are queued
 * together, so the queue knows, without readline's timeout. */
static int on_input_available(void)
{
	return current && current->queue_pos < current->queue->len;
}

static void prep_terminal_nothing(int meta)
{
	(void)meta;
}

static void deprep_terminal_nothing(void)
{
}

static void on_line(char *line)
{
	struct kd_monitor_pane *p = current;
	g_autoptr(GString) out = g_string_new(NULL);

	/* NULL: Ctrl+D on an empty line. The monitor stays; quit is the way out, as in QEMU. */
	if (!line || !p)
		goto out;
	append_command(p, line);
	remember(line);
	p->scroll = 0;
	p->run(p->opaque, line, out);
	append_text(p, out->str, PANE_LINE_OUTPUT);
out:
	free(line);
}

static char *next_match(const char *text, int state)
{
	struct kd_monitor_pane *p = current;

	(void)text;
	if (state == 0)
		p->next_match = 0;
	if (!p->matches || p->next_match >= p->matches->len)
		return NULL;
	/* readline frees matches with free(). */
	return strdup(g_ptr_array_index(p->matches, p->next_match++));
}

static char **on_complete(const char *text, int start, int end)
{
	struct kd_monitor_pane *p = current;
	g_autofree char *before = g_strndup(rl_line_buffer, (gsize)end);
	bool files = false;

	(void)start;
	g_clear_pointer(&p->matches, g_ptr_array_unref);
	rl_attempted_completion_over = 1;
	if (!p->complete)
		return NULL;
	p->matches = p->complete(p->opaque, before, &files);
	if (files) {
		g_clear_pointer(&p->matches, g_ptr_array_unref);
		rl_attempted_completion_over = 0; /* readline's own file name completion */
		return NULL;
	}
	if (!p->matches || !p->matches->len)
		return NULL;
	/* Completed device options end in '='; no space after those (as monitor/readline.c). */
	rl_completion_append_character =
		p->matches->len == 1 && g_str_has_suffix(g_ptr_array_index(p->matches, 0), "=")
			? '\0'
			: ' ';
	return rl_completion_matches(text, next_match);
}

/* What readline's own list would show of a file name: the last component. */
static const char *match_shown(const char *match)
{
	size_t len = strlen(match);

	if (!rl_filename_completion_desired)
		return match;
	/* A directory's trailing '/' stays with its name. */
	for (size_t i = len > 1 ? len - 1 : 0; i > 0; i--)
		if (match[i - 1] == '/')
			return match + i;
	return match;
}

static int text_width(const char *s)
{
	int width = 0;

	for (const char *end = s + strlen(s); s < end;) {
		gunichar c;

		s += next_char(s, end, &c);
		width += char_width(c);
	}
	return width;
}

/* Several candidates after a second Tab: into the scrollback, below the line as it was
 * typed, in columns (top to bottom, then left to right, as readline lists them). */
static void on_display_matches(char **matches, int count, int max_length)
{
	struct kd_monitor_pane *p = current;
	g_autofree char *echo = NULL;
	int widest = 0, cols, rows;

	(void)max_length; /* bytes, not columns */
	if (!p || count < 1)
		return;
	echo = g_strdup_printf("%s%.*s", p->prompt ? p->prompt : KD_MONITOR_PROMPT, MAX(rl_end, 0),
			       rl_line_buffer);
	append_line(p, echo, strlen(echo), PANE_LINE_OUTPUT);
	for (int i = 1; i <= count; i++)
		widest = MAX(widest, text_width(match_shown(matches[i])));
	cols = MAX(1, MATCHES_WIDTH / (widest + 2));
	rows = (count + cols - 1) / cols;
	for (int r = 0; r < rows; r++) {
		g_autoptr(GString) row = g_string_new(NULL);

		for (int c = 0; c < cols; c++) {
			int i = c * rows + r + 1;
			const char *shown;

			if (i > count)
				break;
			shown = match_shown(matches[i]);
			if (c)
				for (int pad = widest + 2 -
					       text_width(match_shown(matches[i - rows]));
				     pad > 0; pad--)
					g_string_append_c(row, ' ');
			g_string_append(row, shown);
		}
		append_line(p, row->str, row->len, PANE_LINE_OUTPUT);
	}
}

/* Hands bytes to readline, which reads one key per call. */
static void feed(struct kd_monitor_pane *p, const char *bytes, size_t len)
{
	g_byte_array_append(p->queue, (const guint8 *)bytes, (guint)len);
	while (p->queue_pos < p->queue->len) {
		guint before = p->queue_pos;

		rl_callback_read_char();
		if (p->queue_pos == before)
			break; /* no line handler: nothing will read it */
	}
	g_byte_array_set_size(p->queue, 0);
	p->queue_pos = 0;
	sync_line(p);
}

static void take_readline(struct kd_monitor_pane *p)
{
	struct readline_saved *s = &p->saved;

	*s = (struct readline_saved){
		.instream = rl_instream,
		.outstream = rl_outstream,
		.getc_function = rl_getc_function,
		.input_available_hook = rl_input_available_hook,
		.redisplay_function = rl_redisplay_function,
		.prep_term_function = rl_prep_term_function,
		.deprep_term_function = rl_deprep_term_function,
		.attempted_completion_function = rl_attempted_completion_function,
		.completion_display_matches_hook = rl_completion_display_matches_hook,
		.completer_word_break_characters = rl_completer_word_break_characters,
		.readline_name = rl_readline_name,
		.catch_signals = rl_catch_signals,
		.catch_sigwinch = rl_catch_sigwinch,
		.change_environment = rl_change_environment,
	};
	rl_instream = p->rl_in;
	rl_outstream = p->rl_out;
	rl_getc_function = on_getc;
	rl_input_available_hook = on_input_available;
	rl_redisplay_function = on_redisplay;
	rl_prep_term_function = prep_terminal_nothing;
	rl_deprep_term_function = deprep_terminal_nothing;
	rl_attempted_completion_function = on_complete;
	rl_completion_display_matches_hook = on_display_matches;
	rl_completer_word_break_characters = " \t";
	rl_readline_name = "kvmdesk";
	/* The workstation owns signals, the window size and the environment (LINES, COLUMNS). */
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
}

static void give_readline_back(struct kd_monitor_pane *p)
{
	struct readline_saved *s = &p->saved;

	/* Once initialised, readline never picks stdin and stdout again by itself. */
	rl_instream = s->instream ? s->instream : stdin;
	rl_outstream = s->outstream ? s->outstream : stdout;
	rl_getc_function = s->getc_function;
	rl_input_available_hook = s->input_available_hook;
	rl_redisplay_function = s->redisplay_function;
	rl_prep_term_function = s->prep_term_function;
	rl_deprep_term_function = s->deprep_term_function;
	rl_attempted_completion_function = s->attempted_completion_function;
	rl_completion_display_matches_hook = s->completion_display_matches_hook;
	rl_completer_word_break_characters = s->completer_word_break_characters;
	rl_readline_name = s->readline_name;
	rl_catch_signals = s->catch_signals;
	rl_catch_sigwinch = s->catch_sigwinch;
	rl_change_environment = s->change_environment;
	if (s->show_all_if_unmodified)
		rl_variable_bind("show-all-if-unmodified", s->show_all_if_unmodified);
}

/* The sequences the arrow and editing keys are given as: readline binds most by default,
 * but a terminal's termcap decides Delete, so bind them all where an inputrc did not. */
static const struct {
	int key;
	const char *sequence;
	rl_command_func_t *function;
} editing_keys[] = {
	{ KEY_LEFT, "\033[D", rl_backward_char },
	{ KEY_RIGHT, "\033[C", rl_forward_char },
	{ KEY_UP, "\033[A", rl_get_previous_history },
	{ KEY_DOWN, "\033[B", rl_get_next_history },
	{ KEY_HOME, "\033[H", rl_beg_of_line },
	{ KEY_END, "\033[F", rl_end_of_line },
	{ KEY_DC, "\033[3~", rl_delete },
	{ KEY_BACKSPACE, "\177", rl_rubout },
	{ KEY_ENTER, "\r", rl_newline },
};

struct kd_monitor_pane *kd_monitor_pane_new(kd_monitor_pane_run_fn run,
					    kd_monitor_pane_complete_fn complete, void *opaque,
					    const char *history_file)
{
	struct kd_monitor_pane *p;
	TERMINAL *terminal = cur_term;

	g_return_val_if_fail(run != NULL, NULL);
	g_return_val_if_fail(current == NULL, NULL);
	p = g_new0(struct kd_monitor_pane, 1);
	p->run = run;
	p->complete = complete;
	p->opaque = opaque;
	p->history_file = g_strdup(history_file);
	p->scrollback = g_ptr_array_new_with_free_func(pane_line_free);
	p->queue = g_byte_array_new();
	p->input = g_string_new(NULL);
	p->width = DEFAULT_WIDTH;
	p->area = DEFAULT_AREA;
	p->dirty = true;
	/* readline writes a bell, or meta-key strings when a line ends, to its output stream:
	 * none of it may reach the terminal ncurses draws on. */
	p->rl_in = fopen("/dev/null", "r");
	p->rl_out = fopen("/dev/null", "w");
	if (!p->rl_in || !p->rl_out) {
		if (p->rl_in)
			fclose(p->rl_in);
		if (p->rl_out)
			fclose(p->rl_out);
		g_ptr_array_unref(p->scrollback);
		g_byte_array_unref(p->queue);
		g_string_free(p->input, TRUE);
		g_free(p->history_file);
		g_free(p);
		return NULL;
	}
	current = p;
	take_readline(p);
	stifle_history(HISTORY_MAX);
	if (p->history_file)
		read_history(p->history_file); /* a missing file is a first start */
	rl_callback_handler_install(KD_MONITOR_PROMPT, on_line);
	/* readline's first initialisation runs tgetent(), which makes its own terminal
	 * current; ncurses' screen must keep the one it was drawing with. */
	if (terminal && cur_term != terminal)
		set_curterm(terminal);
	for (size_t i = 0; i < G_N_ELEMENTS(editing_keys); i++)
		rl_bind_keyseq_if_unbound(editing_keys[i].sequence, editing_keys[i].function);
	/* A Tab that completed nothing new lists the candidates at once: the list goes to the
	 * scrollback, not over the line, so there is no reason to wait for a third Tab. */
	p->saved.show_all_if_unmodified = rl_variable_value("show-all-if-unmodified");
	rl_variable_bind("show-all-if-unmodified", "on");
	sync_line(p);
	return p;
}

/* A history line edited and left keeps its undo list as the entry's data, which
 * clear_history() does not free. rl_free_undo_list() frees rl_undo_list and clears the
 * history's references to it. */
static void free_undo_lists(void)
{
	HIST_ENTRY **entries = history_list();

	rl_free_undo_list();
	for (int i = 0; entries && entries[i]; i++) {
		if (entries[i]->data) {
			rl_undo_list = entries[i]->data;
			rl_free_undo_list();
		}
	}
}

void kd_monitor_pane_free(struct kd_monitor_pane *p)
{
	if (!p)
		return;
	g_return_if_fail(p == current);
	/* Leave no search or half-read key sequence for the next pane: Ctrl+G aborts them. */
	if (RL_ISSTATE(RL_STATE_ISEARCH | RL_STATE_NSEARCH | RL_STATE_NUMERICARG |
		       RL_STATE_MULTIKEY))
		feed(p, "\007", 1);
	free_undo_lists();
	rl_callback_handler_remove();
	if (p->history_file) {
		g_autofree char *dir = g_path_get_dirname(p->history_file);

		/* Failing to save history costs the user nothing now; library code never prints. */
		if (g_mkdir_with_parents(dir, 0700) == 0)
			write_history(p->history_file);
	}
	clear_history();
	unstifle_history();
	give_readline_back(p);
	current = NULL;
	fclose(p->rl_in);
	fclose(p->rl_out);
	if (p->matches)
		g_ptr_array_unref(p->matches);
	g_ptr_array_unref(p->scrollback);
	g_byte_array_unref(p->queue);
	g_string_free(p->input, TRUE);
	g_free(p->prompt);
	g_free(p->history_file);
	g_free(p);
}

void kd_monitor_pane_log_command(struct kd_monitor_pane *p, const char *line, const char *output)
{
	append_command(p, line);
	remember(line);
	append_text(p, output, PANE_LINE_OUTPUT);
}

const char *kd_monitor_pane_input(const struct kd_monitor_pane *p)
{
	return p->input->str;
}

unsigned kd_monitor_pane_scrolled(const struct kd_monitor_pane *p)
{
	return p->scroll;
}

bool kd_monitor_pane_dirty(const struct kd_monitor_pane *p)
{
	return p->dirty;
}

/* ---------------------------------------------------------------- keys */

static void scroll_by(struct kd_monitor_pane *p, int rows)
{
	long target = (long)p->scroll + rows;
	unsigned furthest = rows > 0 ? max_scroll(p, p->width, p->area) : 0;

	if (target < 0)
		target = 0;
	if (rows > 0 && target > (long)furthest)
		target = furthest;
	if ((unsigned)target != p->scroll) {
		p->scroll = (unsigned)target;
		p->dirty = true;
	}
}

static bool key_code(struct kd_monitor_pane *p, int key)
{
	/* A page keeps one row of the last for context; the marker takes another. */
	int page = MAX(1, p->area - 2);

	switch (key) {
	case KEY_PPAGE:
		scroll_by(p, page);
		return true;
	case KEY_NPAGE:
		scroll_by(p, -page);
		return true;
	case KEY_SR:
		scroll_by(p, 1);
		return true;
	case KEY_SF:
		scroll_by(p, -1);
		return true;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(editing_keys); i++) {
		if (editing_keys[i].key == key) {
			p->scroll = 0;
			feed(p, editing_keys[i].sequence, strlen(editing_keys[i].sequence));
			return true;
		}
	}
	return false;
}

bool kd_monitor_pane_key(struct kd_monitor_pane *p, wint_t ch, bool keycode)
{
	char bytes[8];
	size_t len;
	bool alt = p->escape_pending;

	p->escape_pending = false;
	if (keycode)
		return key_code(p, (int)ch); /* Escape then a key: the Escape is dropped */
	if (ch == 033) {
		/* Held, not fed: readline would wait for the rest of a sequence forever. */
		p->escape_pending = true;
		return true;
	}
	if (ch > 0x10FFFF)
		return false;
	/* Enter is '\n' when ncurses translates it (nl()): readline must see the terminal's
	 * '\r', or Ctrl+R's search would take it for C-j, which ends the search without
	 * running the line. */
	if (ch == '\n')
		ch = '\r';
	len = 0;
	if (alt)
		bytes[len++] = 033;
	len += (size_t)g_unichar_to_utf8((gunichar)ch, bytes + len);
	bytes[len] = '\0';
	if (alt) {
		int type = ISFUNC;

		/* Escape '[' or Escape 'O' begin the arrow keys' sequences: fed, they would
		 * leave readline waiting for the rest. The Escape is dropped instead. */
		rl_function_of_keyseq(bytes, NULL, &type);
		if (type == ISKMAP)
			memmove(bytes, bytes + 1, len--);
	}
	p->scroll = 0;
	feed(p, bytes, len);
	return true;
}

/* ---------------------------------------------------------------- drawing */

/* Draws text from its start up to end (or its NUL), at most width columns, on row y of win. */
static void draw_row(WINDOW *win, int y, const char *text, const char *end, attr_t attr, int width)
{
	g_autoptr(GArray) wide = g_array_new(TRUE, FALSE, sizeof(wchar_t));
	int col = 0;

	if (!end)
		end = text + strlen(text);
	while (text < end) {
		gunichar c;
		wchar_t w;

		text += next_char(text, end, &c);
		col += char_width(c);
		if (col > width)
			break;
		w = (wchar_t)c;
		g_array_append_val(wide, w);
	}
	wattrset(win, (int)attr);
	mvwaddnwstr(win, y, 0, (const wchar_t *)(void *)wide->data, (int)wide->len);
}

static void draw_scrollback(struct kd_monitor_pane *p, WINDOW *win, const struct kd_theme *theme,
			    int width, int area)
{
	g_autoptr(GArray) starts = g_array_new(FALSE, FALSE, sizeof(guint));
	unsigned skip;
	int y;

	p->scroll = MIN(p->scroll, max_scroll(p, width, area));
	skip = p->scroll;
	y = area - (p->scroll ? 2 : 1);
	for (guint i = p->scrollback->len; i-- > 0 && y >= 0;) {
		const struct pane_line *l = g_ptr_array_index(p->scrollback, i);
		attr_t attr = l->kind == PANE_LINE_COMMAND ? theme->title : theme->normal;
		unsigned rows;

		g_array_set_size(starts, 0);
		rows = wrap_rows(l->text, width, starts);
		for (unsigned r = rows; r-- > 0 && y >= 0;) {
			const char *from = l->text + g_array_index(starts, guint, r);
			const char *to =
				r + 1 < rows ? l->text + g_array_index(starts, guint, r + 1) : NULL;

			if (skip) {
				skip--;
				continue;
			}
			draw_row(win, y--, from, to, attr, width);
		}
	}
	if (p->scroll) {
		g_autoptr(GString) marker = g_string_new(NULL);

		g_string_printf(marker, _("-- %u more rows below (PgDn) --"), p->scroll);
		/* The bar's colour across the row; the text is cut at the window's edge. */
		for (int w = text_width(marker->str); w < width; w++)
			g_string_append_c(marker, ' ');
		draw_row(win, area - 1, marker->str, NULL, theme->bar, width);
	}
}

struct cell {
	wchar_t c;
	int width;
};

static void add_cells(GArray *cells, const char *s, size_t len)
{
	for (const char *end = s + len; s < end;) {
		gunichar c;
		struct cell cell;

		s += next_char(s, end, &c);
		cell = (struct cell){ (wchar_t)c, char_width(c) };
		g_array_append_val(cells, cell);
	}
}

/* Prompt and line on the last row, scrolled sideways to keep the cursor in view. */
static void draw_input(struct kd_monitor_pane *p, WINDOW *win, const struct kd_theme *theme, int y,
		       int width, int *cursor_x)
{
	g_autoptr(GArray) cells = g_array_new(FALSE, FALSE, sizeof(struct cell));
	g_autoptr(GArray) shown = g_array_new(TRUE, FALSE, sizeof(wchar_t));
	guint prompt_cells;
	int cursor = 0, total = 0, col = 0;

	add_cells(cells, p->prompt, strlen(p->prompt));
	prompt_cells = cells->len;
	add_cells(cells, p->input->str, p->point);
	for (guint i = 0; i < cells->len; i++)
		cursor += g_array_index(cells, struct cell, i).width;
	add_cells(cells, p->input->str + p->point, p->input->len - p->point);
	for (guint i = 0; i < cells->len; i++)
		total += g_array_index(cells, struct cell, i).width;
	/* Jump a third of the width when the cursor leaves the view, as shells do, rather than
	 * one column per key. */
	if (total < width)
		p->hscroll = 0;
	else if (cursor < p->hscroll)
		p->hscroll = MAX(0, cursor - width / 3);
	else if (cursor >= p->hscroll + width)
		p->hscroll = cursor - width + 1 + width / 3;
	p->hscroll = MAX(0, MIN(p->hscroll, cursor));

	wmove(win, y, 0);
	for (guint i = 0; i < cells->len; i++) {
		const struct cell *cell = &g_array_index(cells, struct cell, i);
		int from = col;

		col += cell->width;
		if (col <= p->hscroll)
			continue;
		if (col > p->hscroll + width)
			break;
		if (from < p->hscroll) {
			/* Half of a wide character at the left edge. */
			waddch(win, ' ');
			continue;
		}
		wattrset(win, (int)(i < prompt_cells ? theme->title : theme->normal));
		waddnwstr(win, &cell->c, 1);
	}
	*cursor_x = MIN(cursor - p->hscroll, width - 1);
}

void kd_monitor_pane_draw(struct kd_monitor_pane *p, WINDOW *win, const struct kd_theme *theme,
			  int *cursor_y, int *cursor_x)
{
	int height = getmaxy(win), width = getmaxx(win);

	*cursor_y = 0;
	*cursor_x = 0;
	p->dirty = false;
	werase(win);
	if (height < 1 || width < 1)
		return;
	p->width = width;
	p->area = height - 1;
	if (p->area > 0)
		draw_scrollback(p, win, theme, width, p->area);
	draw_input(p, win, theme, height - 1, width, cursor_x);
	*cursor_y = height - 1;
	wattrset(win, (int)theme->normal);
}
