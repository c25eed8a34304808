/*
 * The stdio monitor on a terminal: GNU readline with history and completion (readline.c).
 */
#ifndef KD_MONITOR_READLINE_H
#define KD_MONITOR_READLINE_H

#include <stdbool.h>

#include "monitor/monitor.h"

struct kd_monitor_context;

typedef void (*kd_monitor_readline_run_fn)(void *opaque, const char *line);

/* Takes stdin and stdout when both are terminals (false otherwise): prints banner, then
 * reads lines with editing and completion and hands each to run. */
bool kd_monitor_readline_start(struct kd_monitor_context *ctx, const char *banner,
			       kd_monitor_readline_run_fn run, void *opaque);
/* A command's output. */
void kd_monitor_readline_print(const char *text);
/* Gives the terminal back (restores its settings). */
void kd_monitor_readline_stop(void);

#endif
