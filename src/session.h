/*
 * A VM started from a definition (vmdef.h) inside a program that keeps running after it ends:
 * the workstation. The definition becomes the equivalent command line (kd_vmdef_to_argv),
 * parsed like the user's own, so a VM behaves the same started from the workstation or from
 * `kvmdesk --vm NAME`.
 */
#ifndef KD_SESSION_H
#define KD_SESSION_H

#include <glib.h>
#include <stdbool.h>

struct kd_machine;
struct kd_session;
struct kd_vmdef;

/* The VM ended (the guest powered off, an internal error, or a reset with -no-reboot); the
 * owner frees the session from its main loop afterwards. */
typedef void (*kd_session_ended_fn)(void *opaque);

/* Builds and starts the VM (paused when paused is true). The VM may not use the terminal:
 * a serial port or monitor on stdio is refused (the workstation owns it). */
struct kd_session *kd_session_start(const struct kd_vmdef *def, bool paused,
				    kd_session_ended_fn ended, void *opaque, GError **err);
/* Stops the vCPUs and destroys the VM at once (a power cut); NULL is fine. */
void kd_session_free(struct kd_session *s);

struct kd_machine *kd_session_machine(struct kd_session *s);
const char *kd_session_name(const struct kd_session *s);
/* "-display" of the definition: "sdl", "curses", "none" or NULL (default). */
const char *kd_session_display(const struct kd_session *s);
/* The command line the VM was started with, for the log ("kvmdesk -name demo -m 256M ..."). */
const char *kd_session_command_line(const struct kd_session *s);
/* Why the VM ended (internal error text), or NULL. */
const char *kd_session_end_reason(const struct kd_session *s);

#endif
