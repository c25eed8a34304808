/*
 * Command-line parsing from one option table (see cli.h).
 */
#include "config.h"

#include "cli.h"

#include <stdint.h>
#include <string.h>

#include "i18n.h"
#include "vmdef.h"

GQuark kd_cli_error_quark(void)
{
	return g_quark_from_static_string("kd-cli-error-quark");
}

static bool apply_help(struct kd_config *cfg, const char *value, GError **err)
{
	cfg->show_help = true;
	return true;
}

static bool apply_version(struct kd_config *cfg, const char *value, GError **err)
{
	cfg->show_version = true;
	return true;
}

/* Strings the configuration points at live as long as the program: they are kept here (a
 * global, so that leak checkers see them as reachable). */
static GPtrArray *kept_strings;

const char *kd_cli_keep(const char *s)
{
	if (!kept_strings)
		kept_strings = g_ptr_array_new();
	g_ptr_array_add(kept_strings, g_strdup(s));
	return g_ptr_array_index(kept_strings, kept_strings->len - 1);
}

/* Splits "a=1,file=x,,y,b" at single commas; ",," is a literal comma. */
GPtrArray *kd_split_options(const char *value)
{
	GPtrArray *items = g_ptr_array_new_with_free_func(g_free);
	GString *cur = g_string_new(NULL);

	for (const char *p = value;; p++) {
		if (*p == ',' && p[1] == ',') {
			g_string_append_c(cur, ',');
			p++;
		} else if (*p == ',' || !*p) {
			g_ptr_array_add(items, g_string_free(cur, FALSE));
			if (!*p)
				break;
			cur = g_string_new(NULL);
		} else {
			g_string_append_c(cur, *p);
		}
	}
	return items;
}

void kd_config_init(struct kd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->pc.vm.ram_size = 128 * KD_MIB;
	cfg->pc.vm.ncpus = 1;
}

bool kd_parse_size(const char *text, uint64_t *bytes, GError **err)
{
	const char *p = text;
	uint64_t value = 0, shift = 20;

	if (g_str_has_prefix(p, "size="))
		p += 5;
	if (!g_ascii_isdigit(*p))
		goto bad;
	for (; g_ascii_isdigit(*p); p++) {
		if (value > (UINT64_MAX - 9) / 10)
			goto bad;
		value = value * 10 + (uint64_t)(*p - '0');
	}
	switch (g_ascii_toupper(*p)) {
	case 0:
		break;
	case 'K':
		shift = 10;
		p++;
		break;
	case 'M':
		shift = 20;
		p++;
		break;
	case 'G':
		shift = 30;
		p++;
		break;
	case 'T':
		shift = 40;
		p++;
		break;
	default:
		goto bad;
	}
	if (g_ascii_toupper(*p) == 'B' && shift != 0)
		p++;
	if (*p || value > (UINT64_MAX >> shift))
		goto bad;
	*bytes = value << shift;
	return true;
bad:
	g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
		    _("'%s' is not a size: give a number with an optional K, M, G or T suffix "
		      "(MiB without one)"),
		    text);
	return false;
}

static bool apply_memory(struct kd_config *cfg, const char *value, GError **err)
{
	uint64_t bytes;

	if (!kd_parse_size(value, &bytes, err)) {
		g_prefix_error(err, "-m: ");
		return false;
	}
	if (bytes == 0) {
		g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
			    _("-m: the guest needs some memory (at least 2M)"));
		return false;
	}
	cfg->pc.vm.ram_size = bytes;
	cfg->vm_requested = true;
	return true;
}

static bool parse_count(const char *text, unsigned *out)
{
	char *end = NULL;
	guint64 v;

	if (!g_ascii_isdigit(text[0]))
		return false;
	v = g_ascii_strtoull(text, &end, 10);
	if (*end || v > 4096)
		return false;
	*out = (unsigned)v;
	return true;
}

static bool apply_smp(struct kd_config *cfg, const char *value, GError **err)
{
	g_auto(GStrv) parts = g_strsplit(value, ",", -1);
	unsigned n = 0;

	for (char **part = parts; *part; part++) {
		const char *v = *part;

		if (part == parts && g_ascii_isdigit(v[0])) {
			if (!parse_count(v, &n))
				goto bad;
		} else if (g_str_has_prefix(v, "cpus=")) {
			if (!parse_count(v + 5, &n))
				goto bad;
		} else {
			g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
				    _("-smp: '%s' is not supported; give the number of CPUs "
				      "(-smp N or -smp cpus=N)"),
				    v);
			return false;
		}
	}
	if (n == 0)
		goto bad;
	cfg->pc.vm.ncpus = n;
	cfg->vm_requested = true;
	return true;
bad:
	g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
		    _("-smp: '%s' is not a CPU count of 1 or more"), value);
	return false;
}

#define STRING_OPTION(fn, field)                                                                   \
	static bool fn(struct kd_config *cfg, const char *value, GError **err)                     \
	{                                                                                          \
		cfg->field = value;                                                                \
		cfg->vm_requested = true;                                                          \
		return true;                                                                       \
	}
STRING_OPTION(apply_bios, pc.bios)
STRING_OPTION(apply_kernel, pc.kernel)
STRING_OPTION(apply_initrd, pc.initrd)
STRING_OPTION(apply_append, pc.append)
STRING_OPTION(apply_name, pc.vm.name)
#undef STRING_OPTION

/* Character devices: QEMU's words for the ones kvmdesk has. */
static bool check_chardev(const char *option, const char *value, GError **err)
{
	if (!strcmp(value, "stdio") || !strcmp(value, "none") || !strcmp(value, "null") ||
	    (g_str_has_prefix(value, "file:") && value[5]))
		return true;
	g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
		    _("%s: '%s' is not a character device kvmdesk knows (stdio, file:PATH, none)"),
		    option, value);
	return false;
}

static bool apply_serial(struct kd_config *cfg, const char *value, GError **err)
{
	if (!check_chardev("-serial", value, err))
		return false;
	if (cfg->nserial >= KD_MAX_SERIAL) {
		g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
			    _("-serial: a PC has at most %d serial ports"), KD_MAX_SERIAL);
		return false;
	}
	cfg->pc.serial[cfg->nserial++] = value;
	cfg->vm_requested = true;
	return true;
}

static bool apply_debugcon(struct kd_config *cfg, const char *value, GError **err)
{
	if (!check_chardev("-debugcon", value, err))
		return false;
	cfg->pc.debugcon = value;
	cfg->vm_requested = true;
	return true;
}

static bool apply_nographic(struct kd_config *cfg, const char *value, GError **err)
{
	cfg->nographic = true;
	cfg->pc.nographic = true;
	cfg->vm_requested = true;
	return true;
}

static bool apply_start_paused(struct kd_config *cfg, const char *value, GError **err)
{
	cfg->start_paused = true;
	cfg->vm_requested = true;
	return true;
}

static bool apply_no_reboot(struct kd_config *cfg, const char *value, GError **err)
{
	cfg->no_reboot = true;
	cfg->vm_requested = true;
	return true;
}

static bool apply_display(struct kd_config *cfg, const char *value, GError **err)
{
	if (strcmp(value, "none") && strcmp(value, "curses") && strcmp(value, "sdl")) {
		g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
			    _("-display: '%s' is not a display (use none, curses or sdl)"), value);
		return false;
	}
#ifndef HAVE_SDL
	if (strcmp(value, "sdl") == 0) {
		g_set_error(
			err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
			_("-display sdl: this build has no SDL2 (configure found no libsdl2-dev); "
			  "use curses or none"));
		return false;
	}
#endif
	cfg->display = value;
	cfg->vm_requested = true;
	return true;
}

static bool apply_vga(struct kd_config *cfg, const char *value, GError **err)
{
	if (strcmp(value, "cirrus") && strcmp(value, "none")) {
		g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
			    _("-vga: '%s' is not a display adapter (use cirrus or none)"), value);
		return false;
	}
	cfg->pc.vga = value;
	cfg->vm_requested = true;
	return true;
}

static bool apply_monitor(struct kd_config *cfg, const char *value, GError **err)
{
	if (strcmp(value, "stdio") && strcmp(value, "none") &&
	    !(g_str_has_prefix(value, "unix:") && value[5])) {
		g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
			    _("-monitor: '%s' is not supported (stdio, unix:PATH,server,nowait or "
			      "none)"),
			    value);
		return false;
	}
	cfg->monitor = value;
	cfg->vm_requested = true;
	return true;
}

static bool parse_u64_value(const char *text, uint64_t *out)
{
	char *end = NULL;

	if (!g_ascii_isdigit(text[0]))
		return false;
	*out = g_ascii_strtoull(text, &end, 0);
	return *end == 0;
}

/* -device: for now the test device; the device models of later issues join here. */
static bool apply_debug_exit(struct kd_config *cfg, GPtrArray *props, GError **err)
{
	uint64_t iobase = 0xf4, iosize = 1;

	for (guint i = 1; i < props->len; i++) {
		const char *p = g_ptr_array_index(props, i);

		if (g_str_has_prefix(p, "iobase=") && parse_u64_value(p + 7, &iobase) &&
		    iobase <= 0xFFFF)
			continue;
		if (g_str_has_prefix(p, "iosize=") && parse_u64_value(p + 7, &iosize) &&
		    (iosize == 1 || iosize == 2 || iosize == 4))
			continue;
		g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
			    _("-device isa-debug-exit: bad property '%s' (iobase=PORT, "
			      "iosize=1|2|4)"),
			    p);
		return false;
	}
	cfg->pc.debug_exit = true;
	cfg->pc.debug_exit_iobase = (uint16_t)iobase;
	cfg->pc.debug_exit_iosize = (uint8_t)iosize;
	return true;
}

static struct kd_vfio_pci_config *new_assignment(struct kd_config *cfg, const char *option,
						 GError **err)
{
	struct kd_vfio_pci_config *a;

	if (cfg->nassign == KD_MAX_ASSIGNED) {
		g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
			    _("%s: at most %d host devices can be assigned"), option,
			    KD_MAX_ASSIGNED);
		return NULL;
	}
	a = &cfg->assign[cfg->nassign];
	memset(a, 0, sizeof(*a));
	a->slot = -1;
	a->rombar = true;
	return a;
}

/* Slot of "addr=5" or "addr=0x5" or "addr=05.0" (function 0 only). */
static bool parse_slot(const char *text, int *slot)
{
	guint64 n;
	const char *dot = strchr(text, '.');
	g_autofree char *s = dot ? g_strndup(text, (gsize)(dot - text)) : g_strdup(text);

	if (dot && strcmp(dot, ".0") != 0)
		return false;
	if (g_str_has_prefix(s, "0x") ? !g_ascii_string_to_unsigned(s + 2, 16, 1, 31, &n, NULL)
				      : !g_ascii_string_to_unsigned(s, 16, 1, 31, &n, NULL))
		return false;
	*slot = (int)n;
	return true;
}

/* -device vfio-pci,host=ADDR[,id=NAME][,rombar=0|1][,romfile=FILE][,addr=SLOT] */
static bool apply_vfio_pci(struct kd_config *cfg, GPtrArray *props, GError **err)
{
	struct kd_vfio_pci_config *a = new_assignment(cfg, "-device vfio-pci", err);

	if (!a)
		return false;
	for (guint i = 1; i < props->len; i++) {
		const char *p = g_ptr_array_index(props, i);

		if (g_str_has_prefix(p, "host=") && p[5]) {
			a->host = kd_cli_keep(p + 5);
		} else if (g_str_has_prefix(p, "id=") && p[3]) {
			a->id = kd_cli_keep(p + 3);
		} else if (!strcmp(p, "rombar=0") || !strcmp(p, "rombar=1")) {
			a->rombar = p[7] == '1';
		} else if (g_str_has_prefix(p, "romfile=")) {
			a->romfile = kd_cli_keep(p + 8);
		} else if (g_str_has_prefix(p, "addr=")) {
			if (!parse_slot(p + 5, &a->slot)) {
				g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
					    _("-device vfio-pci: addr must be a slot from 1 to 1f "
					      "(function 0), not '%s'"),
					    p + 5);
				return false;
			}
		} else {
			g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
				    _("-device vfio-pci: bad property '%s' (host=ADDR, id=NAME, "
				      "rombar=0|1, romfile=FILE, addr=SLOT)"),
				    p);
			return false;
		}
	}
	if (!a->host) {
		g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
			    _("-device vfio-pci: host=ADDR is missing (like host=05:06.0)"));
		return false;
	}
	cfg->nassign++;
	return true;
}

bool kd_cli_apply_device(struct kd_config *cfg, const char *value, GError **err)
{
	g_autoptr(GPtrArray) props = kd_split_options(value);
	const char *type = g_ptr_array_index(props, 0);
	bool ok;

	if (!strcmp(type, "isa-debug-exit"))
		ok = apply_debug_exit(cfg, props, err);
	else if (!strcmp(type, "vfio-pci"))
		ok = apply_vfio_pci(cfg, props, err);
	else if (kd_cli_is_nic_model(type))
		ok = kd_cli_apply_nic_device(cfg, props, err);
	else {
		g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
			    _("-device: unknown device '%s' (known: e1000, rtl8139, vfio-pci, "
			      "isa-debug-exit)"),
			    type);
		return false;
	}
	if (ok)
		cfg->vm_requested = true;
	return ok;
}

/* qemu-kvm 0.12's -pcidevice host=BB:DD.F[,dma=none][,name=NAME]. */
bool kd_cli_apply_pcidevice(struct kd_config *cfg, const char *value, GError **err)
{
	g_autoptr(GPtrArray) props = kd_split_options(value);
	struct kd_vfio_pci_config *a = new_assignment(cfg, "-pcidevice", err);

	if (!a)
		return false;
	for (guint i = 0; i < props->len; i++) {
		const char *p = g_ptr_array_index(props, i);

		if (g_str_has_prefix(p, "host=") && p[5]) {
			a->host = kd_cli_keep(p + 5);
		} else if (g_str_has_prefix(p, "name=") && p[5]) {
			a->id = kd_cli_keep(p + 5);
		} else if (!strcmp(p, "dma=none")) {
			g_set_error(
				err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
				_("-pcidevice: dma=none cannot be honoured: with VFIO the IOMMU "
				  "always maps the guest's memory for the device, which is what "
				  "keeps the host safe (drop dma=none)"));
			return false;
		} else {
			g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
				    _("-pcidevice: bad property '%s' (host=BB:DD.F, name=NAME)"),
				    p);
			return false;
		}
	}
	if (!a->host) {
		g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
			    _("-pcidevice: host=BB:DD.F is missing"));
		return false;
	}
	cfg->nassign++;
	cfg->vm_requested = true;
	return true;
}

static bool apply_nodefaults(struct kd_config *cfg, const char *value, GError **err)
{
	cfg->nodefaults = true;
	return true;
}

static bool apply_accel(struct kd_config *cfg, const char *value, GError **err)
{
	/* KVM is the only accelerator; accept the spellings scripts for qemu-kvm use. */
	if (value && strcmp(value, "kvm") != 0) {
		g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
			    _("-accel: kvmdesk runs guests on KVM only, not '%s'"), value);
		return false;
	}
	return true;
}

static bool apply_list_host_devices(struct kd_config *cfg, const char *value, GError **err)
{
	cfg->list_host_devices = true;
	return true;
}

static bool apply_check_host(struct kd_config *cfg, const char *value, GError **err)
{
	cfg->check_host = true;
	return true;
}

static bool apply_json(struct kd_config *cfg, const char *value, GError **err)
{
	cfg->json = true;
	return true;
}

static bool apply_host_root(struct kd_config *cfg, const char *value, GError **err)
{
	if (!g_file_test(value, G_FILE_TEST_IS_DIR)) {
		g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
			    _("--host-root: '%s' is not a directory"), value);
		return false;
	}
	cfg->host_root = value;
	return true;
}

static bool apply_dump_host(struct kd_config *cfg, const char *value, GError **err)
{
	cfg->dump_host = value;
	return true;
}

static bool apply_vfio_bind(struct kd_config *cfg, const char *value, GError **err)
{
	cfg->vfio_bind = value;
	return true;
}

static bool apply_vfio_restore(struct kd_config *cfg, const char *value, GError **err)
{
	cfg->vfio_restore = value;
	return true;
}

static bool apply_force(struct kd_config *cfg, const char *value, GError **err)
{
	cfg->force = true;
	return true;
}

static bool apply_ascii(struct kd_config *cfg, const char *value, GError **err)
{
	cfg->ascii = true;
	return true;
}

static bool apply_monochrome(struct kd_config *cfg, const char *value, GError **err)
{
	cfg->monochrome = true;
	return true;
}

/* QEMU's -echr: the character's code, decimal or 0x hex; "^T" is taken too. Only control
 * characters: a printable one would be taken from every text typed into the guest. */
static bool apply_echr(struct kd_config *cfg, const char *value, GError **err)
{
	char *end = NULL;
	long c;

	if (value[0] == '^' && value[1] && !value[2])
		c = g_ascii_toupper(value[1]) ^ 0x40;
	else
		c = strtol(value, &end, 0);
	if ((end && (*end || end == value)) || c < 1 || c > 31 || c == 0x1B || c == 0x0D ||
	    c == 0x09 || c == 0x08) {
		g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
			    _("-echr %s: give a control character other than Escape, Tab, "
			      "Backspace and Enter, as its code (0x14) or as ^T"),
			    value);
		return false;
	}
	cfg->escape_char = (int)c;
	return true;
}

static bool apply_vm(struct kd_config *cfg, const char *value, GError **err);

static const struct kd_cli_option program_options[] = {
	{ "help", "h", NULL, N_("show this help and exit"), apply_help },
	{ "version", "V", NULL, N_("show the version and exit"), apply_version },
	{ "vm", NULL, "NAME",
	  N_("start the saved VM NAME ($XDG_CONFIG_HOME/kvmdesk/vms/NAME.vm); options after it "
	     "override its settings"),
	  apply_vm },
	{ "m", NULL, "SIZE", N_("guest RAM: 128 (MiB), 512M, 3G; default 128M"), apply_memory },
	{ "smp", NULL, "N", N_("number of virtual CPUs (default 1)"), apply_smp },
	{ "name", NULL, "NAME", N_("name of the VM, for messages and window titles"), apply_name },
	{ "bios", NULL, "FILE", N_("firmware image (default: Debian's SeaBIOS)"), apply_bios },
	{ "kernel", NULL, "FILE",
	  N_("boot FILE directly: a multiboot kernel, a Linux bzImage or a PVH vmlinux"),
	  apply_kernel },
	{ "initrd", NULL, "FILE", N_("initial RAM disk for a Linux -kernel"), apply_initrd },
	{ "append", NULL, "CMDLINE", N_("kernel command line for -kernel"), apply_append },
	{ "serial", NULL, "DEV", N_("next serial port to stdio, file:PATH or none (up to 4)"),
	  apply_serial },
	{ "debugcon", NULL, "DEV", N_("debug console at port 0x402 to stdio, file:PATH or none"),
	  apply_debugcon },
	{ "nographic", NULL, NULL, N_("no display; the first serial port on stdio"),
	  apply_nographic },
	{ "display", NULL, "TYPE",
	  N_("where the guest's screen shows: sdl (a window), curses (this terminal) or none; "
	     "default: sdl in a graphical session, curses on a terminal, else none"),
	  apply_display },
	{ "vga", NULL, "TYPE",
	  N_("display adapter: cirrus (Cirrus GD5446 at 00:02.0, default) or none"), apply_vga },
	{ "monitor", NULL, "DEV",
	  N_("monitor on stdio, unix:PATH,server,nowait or none (default none)"), apply_monitor },
	{ "device", NULL, "SPEC",
	  N_("add a device: e1000|rtl8139,netdev=NAME[,mac=MAC][,addr=SLOT][,romfile=F], "
	     "vfio-pci,host=ADDR[,id=NAME][,rombar=0|1][,romfile=FILE][,addr=SLOT] "
	     "(assign a host PCI device), isa-debug-exit[,iobase=PORT][,iosize=N]"),
	  kd_cli_apply_device },
	{ "net", NULL, "nic|user|tap|none[,...]",
	  N_("qemu-kvm networking: nic[,vlan=N][,model=e1000|rtl8139][,macaddr=MAC], "
	     "user[,vlan=N][,hostfwd=tcp::2222-:22][,tftp=DIR,bootfile=F], tap[,ifname=NAME]"),
	  kd_cli_apply_net },
	{ "netdev", NULL, "user|tap,id=NAME[,...]",
	  N_("a network backend for -device e1000|rtl8139,netdev=NAME[,mac=MAC]"),
	  kd_cli_apply_netdev },
	{ "nic", NULL, "user|tap|none[,model=M][,mac=MAC][,...]",
	  N_("a NIC with its own backend in one option"), kd_cli_apply_nic },
	{ "pcidevice", NULL, "host=BB:DD.F[,name=NAME]",
	  N_("assign a host PCI device (qemu-kvm 0.12 form of -device vfio-pci)"),
	  kd_cli_apply_pcidevice },
	{ "hda", NULL, "FILE", N_("raw disk image as IDE primary master (index 0)"),
	  kd_cli_apply_hda },
	{ "hdb", NULL, "FILE", N_("raw disk image as IDE primary slave (index 1)"),
	  kd_cli_apply_hdb },
	{ "hdc", NULL, "FILE", N_("raw disk image as IDE secondary master (index 2)"),
	  kd_cli_apply_hdc },
	{ "hdd", NULL, "FILE", N_("raw disk image as IDE secondary slave (index 3)"),
	  kd_cli_apply_hdd },
	{ "cdrom", NULL, "FILE", N_("ISO image in the CD-ROM drive (IDE secondary master)"),
	  kd_cli_apply_cdrom },
	{ "drive", NULL, "SPEC",
	  N_("file=F,if=ide,index=0-3,media=disk|cdrom,format=raw,readonly=on|off,"
	     "cache=writeback|none"),
	  kd_cli_apply_drive },
	{ "nodefaults", NULL, NULL,
	  N_("no default devices (the empty CD-ROM drive, the RTL8139 on user networking)"),
	  apply_nodefaults },
	{ "boot", NULL, "OPTIONS",
	  N_("firmware boot options: order=cdn (c disk, d CD-ROM, n network), reboot-timeout=MS "
	     "(after a failed boot), menu=on|off"),
	  kd_cli_apply_boot },
	{ "S", NULL, NULL, N_("start with the CPUs stopped (monitor `cont` starts them)"),
	  apply_start_paused },
	{ "no-reboot", NULL, NULL, N_("exit instead of rebooting when the guest resets"),
	  apply_no_reboot },
	{ "list-host-devices", NULL, NULL,
	  N_("list the host's PCI devices: drivers, interrupts, IOMMU groups, and whether each "
	     "can be assigned"),
	  apply_list_host_devices },
	{ "check-host", NULL, NULL, N_("check KVM, the IOMMU, vfio-pci and KSM on this host"),
	  apply_check_host },
	{ "json", NULL, NULL, N_("with -list-host-devices: JSON for scripts"), apply_json },
	{ "host-root", NULL, "DIR",
	  N_("read sysfs and procfs below DIR (a copied host tree) instead of /"),
	  apply_host_root },
	{ "dump-host", NULL, "DIR",
	  N_("copy what -list-host-devices reads into DIR (for bug reports; read back with "
	     "-host-root)"),
	  apply_dump_host },
	{ "vfio-bind", NULL, "ADDR",
	  N_("give host device ADDR (and its IOMMU group) to vfio-pci until -vfio-restore"),
	  apply_vfio_bind },
	{ "vfio-restore", NULL, "ADDR",
	  N_("give ADDR back to the driver it had before kvmdesk took it"), apply_vfio_restore },
	{ "force", NULL, NULL,
	  N_("with -vfio-bind or an assigned device: allow the boot display, root disk controller "
	     "or default-route NIC, or a card that cannot mask a shared INTx"),
	  apply_force },
	{ "ascii", NULL, NULL,
	  N_("workstation: draw lines with ASCII characters even in a UTF-8 terminal"),
	  apply_ascii },
	{ "monochrome", NULL, NULL,
	  N_("workstation: no colours (also when the environment sets NO_COLOR)"),
	  apply_monochrome },
	{ "echr", NULL, "CHAR",
	  N_("workstation: the console's escape key instead of Ctrl+A, as its code (0x14) or ^T"),
	  apply_echr },
	{ "enable-kvm", NULL, NULL, N_("accepted for qemu-kvm compatibility (always on)"),
	  apply_accel },
	{ "accel", NULL, "kvm", N_("accepted for QEMU compatibility: only kvm"), apply_accel },
	{ NULL },
};

/* "--vm NAME: no saved VM (looked for PATH); saved VMs: a, b" */
static void vm_not_found(const char *name, const char *path, GError **err)
{
	g_autofree char *dir = kd_vmdef_dir();
	g_auto(GStrv) names = kd_vmdef_list_in(dir);
	g_autofree char *list = g_strjoinv(", ", names);

	g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
		    _("-vm %s: no saved VM of that name (looked for %s); saved VMs: %s"), name,
		    path, names[0] ? list : _("none yet"));
}

/* --vm NAME: the definition's equivalent command line goes through this same table, so the
 * options after --vm override it as they would override earlier options. */
static bool apply_vm(struct kd_config *cfg, const char *value, GError **err)
{
	g_autofree char *dir = kd_vmdef_dir();
	g_autofree char *path = NULL;
	g_autoptr(kd_vmdef) def = NULL;
	g_auto(GStrv) args = NULL;
	g_autofree char **kept = NULL;
	GError *cause = NULL;
	guint argc;

	path = kd_vmdef_path_in(dir, value, &cause);
	if (path)
		def = kd_vmdef_load_file(path, NULL, &cause);
	/* The built-in demo needs no file until it is changed and saved. */
	if (!def && !strcmp(value, "demo") &&
	    g_error_matches(cause, KD_VMDEF_ERROR, KD_VMDEF_ERROR_NOT_FOUND)) {
		g_autofree char *image = kd_vmdef_demo_image();

		g_clear_error(&cause);
		def = kd_vmdef_demo(image);
	}
	if (!def) {
		if (g_error_matches(cause, KD_VMDEF_ERROR, KD_VMDEF_ERROR_NOT_FOUND))
			vm_not_found(value, path, err);
		else
			g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE, "-vm %s: %s", value,
				    cause->message);
		g_error_free(cause);
		return false;
	}
	if (!kd_vmdef_check(def, NULL, &cause)) {
		g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE, "-vm %s: %s: %s", value,
			    path, cause->message);
		g_error_free(cause);
		return false;
	}
	/* The configuration points into argv: its strings must outlive this function. */
	args = kd_vmdef_to_argv(def);
	argc = g_strv_length(args);
	kept = g_new0(char *, argc + 1);
	for (guint i = 0; i < argc; i++)
		kept[i] = (char *)kd_cli_keep(args[i]);
	if (!kd_cli_parse_with(program_options, (int)argc, kept, cfg, err)) {
		g_prefix_error(err, "-vm %s: ", value);
		return false;
	}
	return true;
}

const struct kd_cli_option *kd_cli_options(void)
{
	return program_options;
}

static const struct kd_cli_option *find_option(const struct kd_cli_option *table, const char *name,
					       size_t len)
{
	for (const struct kd_cli_option *o = table; o->name; o++) {
		if (strlen(o->name) == len && !strncmp(o->name, name, len))
			return o;
		if (o->short_alias && strlen(o->short_alias) == len &&
		    !strncmp(o->short_alias, name, len))
			return o;
	}
	return NULL;
}

bool kd_cli_parse_with(const struct kd_cli_option *table, int argc, char *const argv[],
		       struct kd_config *cfg, GError **err)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *name, *equals, *value = NULL;
		const struct kd_cli_option *o;
		size_t len;
		bool double_dash;

		if (arg[0] != '-' || arg[1] == 0) {
			g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_UNEXPECTED_ARGUMENT,
				    _("unexpected argument '%s'; see '%s --help'"), arg, PACKAGE);
			return false;
		}
		double_dash = arg[1] == '-';
		name = arg + (double_dash ? 2 : 1);
		/* "--name=value" is the GNU habit; QEMU's one-dash options never contain '='. */
		equals = double_dash ? strchr(name, '=') : NULL;
		len = equals ? (size_t)(equals - name) : strlen(name);
		o = len ? find_option(table, name, len) : NULL;
		if (!o) {
			g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_UNKNOWN_OPTION,
				    _("unknown option '%s'; see '%s --help'"), arg, PACKAGE);
			return false;
		}
		if (o->arg_name) {
			if (equals)
				value = equals + 1;
			else if (i + 1 < argc)
				value = argv[++i];
			else {
				g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_MISSING_ARGUMENT,
					    _("option '-%s' needs an argument (%s)"), o->name,
					    o->arg_name);
				return false;
			}
		} else if (equals) {
			g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
				    _("option '-%s' takes no argument"), o->name);
			return false;
		}
		if (!o->apply(cfg, value, err))
			return false;
	}
	return true;
}

bool kd_cli_parse(int argc, char *const argv[], struct kd_config *cfg, GError **err)
{
	if (!kd_cli_parse_with(program_options, argc, argv, cfg, err))
		return false;
	/* As qemu-kvm's PC: without any network option (and without -nodefaults) the guest gets
	 * an RTL8139 at 00:03.0 on user-mode networking, the -net nic -net user of the old
	 * command lines. That alone does not describe a VM to start. */
	if (!cfg->nodefaults && !cfg->net_given) {
		bool vm_requested = cfg->vm_requested;

		if (!kd_cli_apply_net(cfg, "nic", err) || !kd_cli_apply_net(cfg, "user", err))
			return false;
		cfg->vm_requested = vm_requested;
	}
	if (!kd_cli_net_finish(cfg, err))
		return false;
	/* -nodefaults leaves out the display adapter too, as QEMU's does. */
	if (!cfg->pc.vga)
		cfg->pc.vga = cfg->nodefaults ? "none" : "cirrus";
	/* As QEMU's PC: an empty CD-ROM drive at the secondary master unless that place is
	 * taken or -nodefaults, so that `change` has somewhere to put a disc. */
	if (!cfg->nodefaults && !cfg->pc.ide[2].present) {
		cfg->pc.ide[2].present = true;
		cfg->pc.ide[2].cdrom = true;
		cfg->pc.ide[2].readonly = true;
	}
	return true;
}

static char *option_synopsis(const struct kd_cli_option *o)
{
	GString *s = g_string_new("  ");

	if (o->short_alias)
		g_string_append_printf(s, "-%s, ", o->short_alias);
	g_string_append_printf(s, "-%s", o->name);
	if (o->arg_name)
		g_string_append_printf(s, " %s", o->arg_name);
	return g_string_free(s, FALSE);
}

char *kd_cli_help_text_with(const struct kd_cli_option *table, const char *program)
{
	GString *s = g_string_new(NULL);
	size_t width = 0;

	g_string_append_printf(s, _("Usage: %s [options]\n"), program);
	g_string_append(s,
			_("kvmdesk runs PC virtual machines on KVM and hands host PCI devices to "
			  "them,\nfrom one terminal program.\n\nOptions:\n"));
	for (const struct kd_cli_option *o = table; o->name; o++) {
		g_autofree char *synopsis = option_synopsis(o);

		width = MAX(width, strlen(synopsis));
	}
	for (const struct kd_cli_option *o = table; o->name; o++) {
		g_autofree char *synopsis = option_synopsis(o);

		g_string_append_printf(s, "%-*s  %s\n", (int)width, synopsis, _(o->help));
	}
	g_string_append(
		s, _("\nOptions take one dash or two: -version and --version are the same.\n"));
	return g_string_free(s, FALSE);
}

char *kd_cli_help_text(const char *program)
{
	return kd_cli_help_text_with(program_options, program);
}

char *kd_cli_version_text(void)
{
	return g_strdup_printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
}
