/*
 * VM definitions: the saved form of a VM, one GKeyFile per VM in
 * $XDG_CONFIG_HOME/kvmdesk/vms/NAME.vm. The terminal workstation edits them; `kvmdesk --vm NAME`
 * turns one into the equivalent command line (kd_vmdef_to_argv) and parses that.
 *
 * File format (every key optional; unknown groups and keys are ignored with a warning and are
 * not written back):
 *   [vm]       name, memory (MiB), cpus, boot (letters c d n), display (default|none|curses|sdl),
 *              vga (cirrus|none), cdrom (ISO file), extra (string list: more kvmdesk options),
 *              nics (only ever 0: a VM without network; no [nic N] groups means the default NIC)
 *   [disk N]   N = IDE index 0-3: file, media (disk|cdrom), readonly (bool), cache (writeback|none)
 *   [nic N]    N = 0-7: model (e1000|rtl8139), mac, backend (user|tap), hostfwd (string list),
 *              ifname (tap)
 *   [hostdev N] N = 0-7: host (PCI address, 0000:05:06.0 or 05:06.0)
 */
#ifndef KD_VMDEF_H
#define KD_VMDEF_H

#include <glib.h>
#include <stdbool.h>

#define KD_VMDEF_ERROR (kd_vmdef_error_quark())
GQuark kd_vmdef_error_quark(void);

enum kd_vmdef_error_code {
	KD_VMDEF_ERROR_NAME, /* not a usable VM name */
	KD_VMDEF_ERROR_NOT_FOUND, /* no such saved VM */
	KD_VMDEF_ERROR_FILE, /* cannot read, parse or write the file */
	KD_VMDEF_ERROR_INVALID, /* a value is wrong (load or check) */
};

#define KD_VMDEF_NAME_MAX 64
#define KD_VMDEF_MAX_DISKS 4 /* IDE indexes 0-3 */
#define KD_VMDEF_MAX_NICS 8 /* KD_MAX_NICS */
#define KD_VMDEF_MAX_HOSTDEVS 8 /* KD_MAX_ASSIGNED */
#define KD_VMDEF_MAX_HOSTFWD 8 /* KD_MAX_HOSTFWD */
/* Below this, installers of the usual systems fail: check() warns. */
#define KD_VMDEF_MIN_MEMORY_MIB 256

struct kd_vmdef_disk {
	bool present;
	char *file; /* NULL: an empty CD-ROM drive */
	bool cdrom;
	bool readonly;
	bool direct; /* cache=none */
};

struct kd_vmdef_nic {
	bool present;
	char *model; /* "rtl8139", "e1000" */
	char *mac; /* NULL: kvmdesk's default for the NIC's position */
	char *backend; /* "user", "tap" */
	char **hostfwd; /* NULL-terminated, may be NULL; user only: "tcp::2222-:22" */
	char *ifname; /* tap only; NULL: the kernel picks */
};

struct kd_vmdef {
	char *name;
	unsigned memory_mib;
	unsigned cpus;
	struct kd_vmdef_disk disk[KD_VMDEF_MAX_DISKS];
	char *cdrom; /* ISO in the CD-ROM drive at IDE index 2, or NULL */
	struct kd_vmdef_nic nic[KD_VMDEF_MAX_NICS];
	char *hostdev[KD_VMDEF_MAX_HOSTDEVS]; /* PCI addresses, NULL: unused */
	char *boot; /* "cdn" letters; NULL: the firmware's default */
	char *display; /* "default", "none", "curses", "sdl" */
	char *vga; /* "cirrus", "none"; NULL: default */
	char **extra; /* more options, one argv element each; may be NULL */
};

/* True when name is usable as a VM name (and so as a file name): [A-Za-z0-9._-]{1,64}, no
 * leading dot. */
bool kd_vmdef_name_valid(const char *name, GError **err);

/* A new definition with the defaults: 256 MiB, one CPU, an RTL8139 on user networking,
 * display "default". NULL (err set) for an invalid name. */
struct kd_vmdef *kd_vmdef_new(const char *name, GError **err);
void kd_vmdef_free(struct kd_vmdef *def);
/* The typedef exists only for g_autoptr(kd_vmdef); code says struct kd_vmdef. */
typedef struct kd_vmdef kd_vmdef;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(kd_vmdef, kd_vmdef_free)

/* The built-in demo VM (256 MiB, the demo disk read-only, no network), named "demo": what
 * the workstation shows and `-vm demo` runs while no VM of that name is saved. */
struct kd_vmdef *kd_vmdef_demo(const char *image);
/* The demo disk: $KVMDESK_DEMO_IMAGE, the installed one, or the build tree's when kvmdesk runs
 * from it (newly allocated). */
char *kd_vmdef_demo_image(void);

/* The index of host device address (any form kd_pci_address_normalize takes) in
 * def->hostdev, or -1. */
int kd_vmdef_hostdev_find(const struct kd_vmdef *def, const char *address);

/* A deep copy (NULL only when def holds values the file format cannot carry). */
struct kd_vmdef *kd_vmdef_copy(const struct kd_vmdef *def);

/* The directory of saved VMs: $XDG_CONFIG_HOME/kvmdesk/vms (newly allocated). */
char *kd_vmdef_dir(void);
/* DIR/NAME.vm, or NULL (err set) for a bad name. */
char *kd_vmdef_path_in(const char *dir, const char *name, GError **err);

/* Reads a file. Unknown groups and keys are ignored, noted in warnings (may be NULL). */
struct kd_vmdef *kd_vmdef_load_file(const char *path, GString *warnings, GError **err);
struct kd_vmdef *kd_vmdef_load_in(const char *dir, const char *name, GString *warnings,
				  GError **err);
struct kd_vmdef *kd_vmdef_load(const char *name, GString *warnings, GError **err);

/* Writes DIR/NAME.vm atomically, creating DIR (0700) when needed. */
bool kd_vmdef_save_in(const char *dir, const struct kd_vmdef *def, GError **err);
bool kd_vmdef_save(const struct kd_vmdef *def, GError **err);
/* The file's text, as saved. */
char *kd_vmdef_to_data(const struct kd_vmdef *def);

/* Names of the saved VMs, sorted; an empty vector when there are none. */
char **kd_vmdef_list_in(const char *dir);
char **kd_vmdef_list(void);

bool kd_vmdef_delete_in(const char *dir, const char *name, GError **err);
bool kd_vmdef_delete(const char *name, GError **err);

/* Checks values. Returns false with every error in err (one per line); warnings (may be NULL)
 * gets one line per doubtful but usable value (little memory, a missing disk image). */
bool kd_vmdef_check(const struct kd_vmdef *def, GString *warnings, GError **err);

/* The equivalent kvmdesk command line, argv[0] being "kvmdesk"; one value per element (no
 * shell quoting), commas in values doubled as the -drive/-netdev/-device parsers expect. */
char **kd_vmdef_to_argv(const struct kd_vmdef *def);

#endif
