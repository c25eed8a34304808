/*
 * The terminal workstation: `kvmdesk` with no VM options on a terminal. Host devices, the VM's
 * settings, the guest's console and the monitor in one ncurses program; every action runs a
 * monitor command and shows it in the monitor's log.
 */
#ifndef KD_TUI_WORKSTATION_H
#define KD_TUI_WORKSTATION_H

#include <glib.h>
#include <stdbool.h>

struct kd_workstation_options {
	const char *host_root; /* read the host's devices below this directory; NULL: "/" */
	const char *vm; /* the saved VM to show first; NULL: the first saved one, else the demo */
	const char *vm_dir; /* where VM definitions live; NULL: kd_vmdef_dir() */
	const char *demo_image; /* the demo VM's disk; NULL: looked up (see workstation.c) */
	bool ascii; /* ASCII lines even in a UTF-8 locale */
	bool monochrome; /* no colours even when the terminal has them */
	int escape_char; /* the console's prefix key, a control character (1 = Ctrl+A) */
};

/* "Ctrl+A" for 1, "Ctrl+]" for 29: a control character as the user types it. */
char *kd_workstation_escape_name(int escape_char);

/* Runs the workstation on the terminal (stdin/stdout) until the user quits. Returns the exit
 * status; err is set when it could not start (no terminal, unknown terminal type). */
int kd_workstation_run(const struct kd_workstation_options *options, GError **err);

#endif
