/*
 * The command line: a table of options, QEMU-style (one dash, long names; two dashes accepted
 * too), from which both the parser and --help are made, so help never drifts from behaviour.
 */
#ifndef KD_CLI_H
#define KD_CLI_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "assign/vfio-pci.h"
#include "hw/machine.h"

#define KD_CLI_ERROR (kd_cli_error_quark())
GQuark kd_cli_error_quark(void);

enum kd_cli_error_code {
	KD_CLI_ERROR_UNKNOWN_OPTION,
	KD_CLI_ERROR_MISSING_ARGUMENT,
	KD_CLI_ERROR_UNEXPECTED_ARGUMENT,
	KD_CLI_ERROR_BAD_VALUE,
};

#define KD_MAX_ASSIGNED 8

/* What the command line asks for. */
struct kd_config {
	bool show_help;
	bool show_version;
	bool vm_requested; /* any option that describes a VM was given */
	struct kd_pc_config pc;
	unsigned nserial;
	bool nographic;
	bool start_paused;
	bool no_reboot;
	const char *display; /* "none"; NULL: default */
	const char *monitor; /* "stdio", "unix:PATH,server,nowait", "none"; NULL: none */
	bool list_host_devices;
	bool check_host;
	bool json;
	const char *host_root; /* read sysfs/procfs below this directory; NULL: "/" */
	const char *dump_host; /* write a copy of the host's PCI view there */
	const char *vfio_bind; /* PCI address to give to vfio-pci */
	const char *vfio_restore; /* PCI address to give back */
	bool force;
	bool nodefaults;
	bool ascii; /* workstation: ASCII line drawing */
	bool monochrome; /* workstation: no colours */
	int escape_char; /* workstation console's prefix key; 0: Ctrl+A */
	struct kd_vfio_pci_config assign[KD_MAX_ASSIGNED];
	unsigned nassign;
	bool drives_given; /* -hda, -cdrom, -drive ... */
	bool net_given; /* -net, -netdev, -nic, -device with a NIC model */
	bool net_none; /* -net none / -nic none */
};

/* Keeps a copy of s for the life of the program (configuration strings built while parsing). */
const char *kd_cli_keep(const char *s);
/* "a=1,file=x,,y" -> {"a=1", "file=x,y"}: QEMU's option lists, ",," being a literal comma. */
GPtrArray *kd_split_options(const char *value);
/* "primary master" ... for IDE index 0-3. */
const char *kd_ide_index_name(unsigned index);

/* Disk and boot options (cli-drive.c). */
bool kd_cli_apply_boot(struct kd_config *cfg, const char *value, GError **err);
bool kd_cli_apply_hda(struct kd_config *cfg, const char *value, GError **err);
bool kd_cli_apply_hdb(struct kd_config *cfg, const char *value, GError **err);
bool kd_cli_apply_hdc(struct kd_config *cfg, const char *value, GError **err);
bool kd_cli_apply_hdd(struct kd_config *cfg, const char *value, GError **err);
bool kd_cli_apply_cdrom(struct kd_config *cfg, const char *value, GError **err);
bool kd_cli_apply_drive(struct kd_config *cfg, const char *value, GError **err);

/* Network options (cli-net.c). */
bool kd_cli_apply_net(struct kd_config *cfg, const char *value, GError **err);
/* -device and -pcidevice (also the monitor's device_add and pci_add ... host). */
bool kd_cli_apply_device(struct kd_config *cfg, const char *value, GError **err);
bool kd_cli_apply_pcidevice(struct kd_config *cfg, const char *value, GError **err);
bool kd_cli_apply_netdev(struct kd_config *cfg, const char *value, GError **err);
bool kd_cli_apply_nic(struct kd_config *cfg, const char *value, GError **err);
bool kd_cli_apply_nic_device(struct kd_config *cfg, GPtrArray *props, GError **err);
bool kd_cli_is_nic_model(const char *name);
bool kd_cli_net_finish(struct kd_config *cfg, GError **err);

/* Fills cfg with the defaults (128 MiB, one vCPU, as qemu-kvm). */
void kd_config_init(struct kd_config *cfg);

/* "128", "128M", "3G", "512K", "1T" (a bare number is MiB, as QEMU's -m). */
bool kd_parse_size(const char *text, uint64_t *bytes, GError **err);

struct kd_cli_option {
	const char *name; /* without dashes: "m", "smp", "help" */
	const char *short_alias; /* "h" for -h, or NULL */
	const char *arg_name; /* NULL for a flag, else what --help shows: "SIZE" */
	const char *help; /* one line, translated when shown */
	/* value is NULL for flags. Returns false and sets err for a bad value. */
	bool (*apply)(struct kd_config *cfg, const char *value, GError **err);
};

/* The program's own option table, terminated by an entry with name NULL. */
const struct kd_cli_option *kd_cli_options(void);

/* Parses argv[1..] against table into cfg. On error returns false with err naming the option. */
bool kd_cli_parse_with(const struct kd_cli_option *table, int argc, char *const argv[],
		       struct kd_config *cfg, GError **err);
bool kd_cli_parse(int argc, char *const argv[], struct kd_config *cfg, GError **err);

/* Full --help text for table. */
char *kd_cli_help_text_with(const struct kd_cli_option *table, const char *program);
char *kd_cli_help_text(const char *program);
char *kd_cli_version_text(void);

#endif
