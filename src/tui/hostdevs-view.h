/*
 * The workstation's "Host devices" screen: the host's PCI devices (assign/hostdev.h) as a table
 * grouped by IOMMU group, since a group is what goes to a guest as a whole, and a detail panel
 * with everything the inventory knows about the selected device, its verdict, every reason with
 * its fix and the modprobe.d lines that keep host drivers off it.
 *
 * A pure view and model: it neither reads keys nor runs actions; the workstation's key table
 * calls these functions. The text parts (lines, detail) need no terminal, for the tests.
 *
 * Table columns, left to right: a mark for devices in the VM's settings, the IOMMU group
 * ("Grp": its number on the first row of a group, a vertical line on the group's further rows,
 * "-" for a device in none; groups in ascending order, their devices in address order, devices
 * without a group last), the address (lspci's short form), the class, vendor and device name (the column that takes what a terminal wider
 * than 80 columns offers), the interrupt ("11 shared", "16", "MSI", "MSI-X" or "-"), the driver
 * and the verdict in one word ("ready", "warnings", "no"). Text too long for its column ends in
 * "…" on a UTF-8 theme, "~" otherwise.
 */
#ifndef KD_TUI_HOSTDEVS_VIEW_H
#define KD_TUI_HOSTDEVS_VIEW_H

#include <glib.h>
#include <stdbool.h>

#include "assign/hostdev.h"
#include "tui/theme.h"

struct kd_hostdevs_view;

struct kd_hostdevs_view *kd_hostdevs_view_new(void);
void kd_hostdevs_view_free(struct kd_hostdevs_view *v);

/* A new inventory (borrowed: the caller keeps host alive until the next call or free); the
 * selection stays on the same address when it still exists, else the first device. NULL
 * clears. */
void kd_hostdevs_view_set_host(struct kd_hostdevs_view *v, struct kd_host *host);
/* Devices in the VM's settings (NULL-terminated PCI addresses, any form
 * kd_pci_address_normalize takes; copied; NULL for none), shown with a mark. */
void kd_hostdevs_view_set_assigned(struct kd_hostdevs_view *v, const char *const *addresses);
/* Case-insensitive substring filter over the address, vendor/device/class names, driver,
 * "vvvv:dddd" and verdict name; "" or NULL shows all. The first shown member of a group gets the
 * group's number. The selection stays on its device when that still shows, else the first one. */
void kd_hostdevs_view_set_filter(struct kd_hostdevs_view *v, const char *text);
/* The filter text, "" when none. */
const char *kd_hostdevs_view_filter(const struct kd_hostdevs_view *v);

/* Moves the selection by delta devices, clamped at the ends. */
void kd_hostdevs_view_move(struct kd_hostdevs_view *v, int delta);
void kd_hostdevs_view_home(struct kd_hostdevs_view *v);
void kd_hostdevs_view_end(struct kd_hostdevs_view *v);
/* Selects the device at address (any form) when it is shown; false leaves the selection. */
bool kd_hostdevs_view_select(struct kd_hostdevs_view *v, const char *address);
/* NULL when no device is shown. */
struct kd_hostdev *kd_hostdevs_view_selected(const struct kd_hostdevs_view *v);
/* Devices shown (after the filter). */
unsigned kd_hostdevs_view_count(const struct kd_hostdevs_view *v);

/* The table's lines for a width (the column titles first, then one row per device), plain text
 * in ASCII ('*' mark, '|' for a group's further rows, '~' for cut text), no wider than width
 * display columns. */
GPtrArray *kd_hostdevs_view_lines(const struct kd_hostdevs_view *v, int width);
/* The same with utf8 choosing the mark ("●"), the group line ("│") and the cut marker ("…") as
 * draw_table does. */
GPtrArray *kd_hostdevs_view_lines_utf8(const struct kd_hostdevs_view *v, int width, bool utf8);
/* Draws the table into win (all of it, scrolled so the selection is visible): column titles
 * in theme->title, a group's further rows marked with theme->vline, the selected row in theme->selected, bridges in
 * theme->dim, verdicts in ok/warning/error. No refresh. */
void kd_hostdevs_view_draw_table(struct kd_hostdevs_view *v, WINDOW *win,
				 const struct kd_theme *theme);

/* The selected device's detail: lspci -vv-style facts, the other members of its IOMMU group,
 * the verdict with every reason and fix, and the blacklist lines; newline-separated lines, not
 * wrapped, indented with spaces. An empty string when nothing is selected. */
char *kd_hostdevs_view_detail_text(const struct kd_hostdevs_view *v);
/* The detail text word-wrapped to width display columns, continuation lines indented. */
GPtrArray *kd_hostdevs_view_detail_lines(const struct kd_hostdevs_view *v, int width);
/* Draws the wrapped detail into win from the detail offset: blockers in theme->error,
 * warnings in theme->warning, the verdict in its colour. No refresh. */
void kd_hostdevs_view_draw_detail(struct kd_hostdevs_view *v, WINDOW *win,
				  const struct kd_theme *theme);
/* Scrolls the detail by delta lines, clamped to its length (as last drawn); back to the top
 * whenever the selection changes. */
void kd_hostdevs_view_scroll_detail(struct kd_hostdevs_view *v, int delta);
int kd_hostdevs_view_detail_offset(const struct kd_hostdevs_view *v);

#endif
