/*
 * The command table, shared by every monitor transport.
 */
#ifndef KD_MONITOR_COMMANDS_H
#define KD_MONITOR_COMMANDS_H

#include <glib.h>
#include <stdbool.h>

struct kd_machine;

struct kd_monitor_command;

struct kd_monitor_context {
	/* NULL while no VM runs (the workstation before `vm_start`): then only help, quit,
	 * info version and the extra commands work; the others say that no VM is running. */
	struct kd_machine *machine;
	const char *monitor_spec; /* "stdio", "unix:PATH,server,nowait": for info chardev */
	bool quit_requested;
	/* Commands of whoever embeds the monitor (the workstation's vm_start, host_bind, ...),
	 * looked up after the built-in ones, listed by help and completed like them; NULL-named
	 * entry ends each table. extra_opaque is theirs. */
	const struct kd_monitor_command *extra;
	const struct kd_monitor_command *extra_info;
	void *extra_opaque;
	/* Completes argument argn (1 = the first) of an extra command into out. May be NULL. */
	void (*extra_complete)(void *opaque, const char *command, unsigned argn, const char *word,
			       GPtrArray *out);
};

struct kd_monitor_command {
	const char *name;
	const char *alias; /* or NULL */
	const char *args; /* syntax shown by help, "" for none */
	const char *help;
	/* argv[0] is the command name. Output and errors go to out; false on error. */
	bool (*run)(struct kd_monitor_context *ctx, int argc, char **argv, GString *out);
};

const struct kd_monitor_command *kd_monitor_commands(void);
const struct kd_monitor_command *kd_monitor_info_commands(void);

/* Completion candidates (newly allocated strings) for the last word of line, which is what
 * precedes the cursor: command names, info subcommands, device and netdev ids, slots, drive
 * names, key names. *files is set when the word is a file name instead. */
GPtrArray *kd_monitor_complete(struct kd_monitor_context *ctx, const char *line, bool *files);
/* sendkey's key names that start with word (machine.c). */
void kd_monitor_complete_keys(const char *word, GPtrArray *out);

/* Splits a command line and runs it. */
bool kd_monitor_run_line(struct kd_monitor_context *ctx, const char *line, GString *out);

#endif
