/*
 * The monitor: one command table (QEMU HMP names and output formats) behind every way in:
 * -monitor stdio, unix sockets, and later the TUI pane.
 */
#ifndef KD_MONITOR_MONITOR_H
#define KD_MONITOR_MONITOR_H

#include <glib.h>
#include <stdbool.h>

struct kd_machine;
struct kd_monitor;

typedef void (*kd_monitor_quit_fn)(void *opaque);

/* spec: "stdio" or "unix:PATH,server[,nowait]". quit_fn runs when a client says `quit`. */
struct kd_monitor *kd_monitor_new(struct kd_machine *m, const char *spec,
				  kd_monitor_quit_fn quit_fn, void *opaque, GError **err);
void kd_monitor_free(struct kd_monitor *mon);

/* Runs one command line and appends its output to out (errors included, one line each).
 * Returns false when the command failed. Main loop only; takes the machine lock as needed. */
bool kd_monitor_execute(struct kd_monitor *mon, const char *line, GString *out);

/* The banner and prompt every transport shows. */
#define KD_MONITOR_PROMPT "(qemu) "
char *kd_monitor_banner(void);

#endif
