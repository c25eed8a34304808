/*
 * -monitor stdio on a terminal: GNU readline (line editing, history, Tab completion of commands,
 * info subcommands, device and netdev ids, slots, drives, keys and file names), driven from
 * the main loop through readline's callback interface. Not a terminal: monitor.c's plain line
 * client serves stdio, as it serves sockets.
 */
#include "config.h"

#include "monitor/readline.h"

#include <glib-unix.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "monitor/commands.h"

#define HISTORY_MAX 500

/* readline is one global state; so is this. */
static struct {
	struct kd_monitor_context *ctx;
	kd_monitor_readline_run_fn run;
	void *opaque;
	guint watch;
	GPtrArray *matches;
	guint next;
} rl;

static char *next_match(const char *text, int state)
{
	(void)text;
	if (!rl.matches || rl.next >= rl.matches->len)
		return NULL;
	return strdup(g_ptr_array_index(rl.matches, rl.next++));
}

static char **complete(const char *text, int start, int end)
{
	g_autofree char *before = g_strndup(rl_line_buffer, (gsize)end);
	bool files;

	(void)start;
	if (rl.matches)
		g_ptr_array_unref(rl.matches);
	rl.matches = kd_monitor_complete(rl.ctx, before, &files);
	rl.next = 0;
	if (files) {
		rl_attempted_completion_over = 0; /* readline's own file name completion */
		return NULL;
	}
	rl_attempted_completion_over = 1;
	/* Completed device options end in '=' or ','; no space after those. */
	rl_completion_append_character =
		rl.matches->len == 1 && g_str_has_suffix(g_ptr_array_index(rl.matches, 0), "=")
			? '\0'
			: ' ';
	return rl_completion_matches(text, next_match);
}

static void on_line(char *line)
{
	if (!line) {
		/* Ctrl-D: the monitor stays; quit is the way out, as in QEMU. */
		fputs("\n", stdout);
		return;
	}
	if (*line && (!history_length ||
		      strcmp(history_get(history_base + history_length - 1)->line, line) != 0))
		add_history(line);
	rl.run(rl.opaque, line);
	free(line);
}

static gboolean on_stdin(gint fd, GIOCondition cond, gpointer data)
{
	(void)fd;
	(void)data;
	if (cond & (G_IO_HUP | G_IO_ERR)) {
		rl.watch = 0;
		return G_SOURCE_REMOVE;
	}
	rl_callback_read_char();
	return G_SOURCE_CONTINUE;
}

bool kd_monitor_readline_start(struct kd_monitor_context *ctx, const char *banner,
			       kd_monitor_readline_run_fn run, void *opaque)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return false;
	rl.ctx = ctx;
	rl.run = run;
	rl.opaque = opaque;
	rl_readline_name = "kvmdesk";
	rl_attempted_completion_function = complete;
	rl_completer_word_break_characters = " \t";
	stifle_history(HISTORY_MAX);
	fputs(banner, stdout);
	fflush(stdout);
	rl_callback_handler_install(KD_MONITOR_PROMPT, on_line);
	rl.watch = g_unix_fd_add(STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin, NULL);
	return true;
}

void kd_monitor_readline_print(const char *text)
{
	/* Output of a command runs between two prompts; readline shows the next one itself. */
	fputs(text, stdout);
	fflush(stdout);
}

void kd_monitor_readline_stop(void)
{
	if (!rl.run)
		return;
	if (rl.watch)
		g_source_remove(rl.watch);
	rl_callback_handler_remove();
	if (rl.matches)
		g_ptr_array_unref(rl.matches);
	clear_history();
	memset(&rl, 0, sizeof(rl));
}
