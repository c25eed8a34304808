/*
 * The monitor's inspection commands: memory dumps (x, xp) in QEMU's /FMT syntax and output,
 * and the info subcommands about the machine's plumbing: irq, mtree, chardev, ksm, balloon.
 */
#include "config.h"

#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>

#include "hw/chardev.h"
#include "hw/machine.h"
#include "i18n.h"
#include "monitor/commands.h"
#include "monitor/inspect.h"
#include "vm/bus.h"
#include "vm/vcpu.h"
#include "vm/vm.h"

#define MAX_DUMP_BYTES (64 * 1024) /* enough for any screen; a typo cannot flood the monitor */

struct dump_format {
	unsigned count;
	char format; /* x d u o c */
	unsigned size; /* 1 2 4 8 */
};

/* "/[COUNT][FORMAT][SIZE]" as QEMU: FORMAT x d u o c, SIZE b h w g. */
static bool parse_format(const char *text, struct dump_format *f, GString *out, const char *cmd)
{
	const char *p = text + 1;

	f->count = 1;
	f->format = 'x';
	f->size = 4;
	if (g_ascii_isdigit(*p)) {
		char *end;
		guint64 n = g_ascii_strtoull(p, &end, 10);

		if (n == 0 || n > MAX_DUMP_BYTES)
			goto bad;
		f->count = (unsigned)n;
		p = end;
	}
	for (; *p; p++) {
		if (strchr("xduoc", *p))
			f->format = *p;
		else if (*p == 'b')
			f->size = 1;
		else if (*p == 'h')
			f->size = 2;
		else if (*p == 'w')
			f->size = 4;
		else if (*p == 'g')
			f->size = 8;
		else
			goto bad;
	}
	if (f->format == 'c')
		f->size = 1;
	if ((uint64_t)f->count * f->size > MAX_DUMP_BYTES) {
		g_string_append_printf(out, _("%s: at most %d bytes at a time\n"), cmd,
				       MAX_DUMP_BYTES);
		return false;
	}
	return true;
bad:
	g_string_append_printf(
		out, _("%s: bad format '%s' (/[COUNT][x|d|u|o|c][b|h|w|g], e.g. /16xb)\n"), cmd,
		text);
	return false;
}

static bool parse_address(const char *text, uint64_t *addr, GString *out, const char *cmd)
{
	char *end;

	errno = 0;
	*addr = g_ascii_strtoull(text, &end, 0);
	if (!*text || *end || errno) {
		g_string_append_printf(out, _("%s: '%s' is not an address (0x1000, 4096)\n"), cmd,
				       text);
		return false;
	}
	return true;
}

static void format_value(GString *out, const struct dump_format *f, uint64_t v)
{
	unsigned bits = f->size * 8;
	int64_t sv = bits == 64 ? (int64_t)v : (int64_t)(v << (64 - bits)) >> (64 - bits);

	switch (f->format) {
	case 'x':
		g_string_append_printf(out, " 0x%0*" G_GINT64_MODIFIER "x", (int)f->size * 2, v);
		break;
	case 'd':
		g_string_append_printf(out, " %*" G_GINT64_MODIFIER "d", (int)f->size * 3 + 1, sv);
		break;
	case 'u':
		g_string_append_printf(out, " %*" G_GINT64_MODIFIER "u", (int)f->size * 3, v);
		break;
	case 'o':
		g_string_append_printf(out, " 0%0*" G_GINT64_MODIFIER "o", (int)(bits + 2) / 3, v);
		break;
	case 'c':
		if (v >= 0x20 && v < 0x7F && v != '\'' && v != '\\')
			g_string_append_printf(out, " '%c'", (int)v);
		else
			g_string_append_printf(out, " '\\x%02x'", (unsigned)v);
		break;
	}
}

/* The guest-physical address of a virtual one, through the first vCPU's page tables. */
static bool translate(struct kd_machine *m, uint64_t va, uint64_t *pa)
{
	struct kvm_translation t = { .linear_address = va };

	if (ioctl(kd_vcpu_fd(kd_vm_vcpu(m->vm, 0)), KVM_TRANSLATE, &t) < 0 || !t.valid)
		return false;
	*pa = t.physical_address;
	return true;
}

static bool dump(struct kd_monitor_context *ctx, int argc, char **argv, GString *out, bool physical)
{
	struct kd_machine *m = ctx->machine;
	const char *cmd = argv[0];
	struct dump_format f = { 1, 'x', 4 };
	uint64_t addr;
	unsigned line = 0, per_line;
	bool was_running = false, ok = true;

	if (argc == 3 && argv[1][0] == '/') {
		if (!parse_format(argv[1], &f, out, cmd))
			return false;
	} else if (argc != 2) {
		g_string_append_printf(out,
				       _("%s: usage: %s /FMT ADDR (FMT: [COUNT][x|d|u|o|c]"
					 "[b|h|w|g])\n"),
				       cmd, cmd);
		return false;
	}
	if (!parse_address(argv[argc - 1], &addr, out, cmd))
		return false;
	per_line = f.size == 1 ? 8 : 16 / f.size;
	/* The vCPU's page tables only hold still while it is stopped. */
	if (!physical)
		was_running = kd_vm_pause(m->vm);
	kd_vm_lock(m->vm);
	for (unsigned i = 0; i < f.count && ok; i++) {
		uint64_t a = addr + (uint64_t)i * f.size, pa = a, v = 0;
		uint8_t buf[8];

		if (!physical && !translate(m, a, &pa)) {
			g_string_append_printf(
				out,
				_("%s%s: cannot access virtual address %#" G_GINT64_MODIFIER
				  "x (not mapped)\n"),
				line ? "\n" : "", cmd, a);
			ok = false;
			break;
		}
		if (!kd_vm_read(m->vm, pa, buf, f.size)) {
			g_string_append_printf(
				out,
				_("%s%s: cannot read %#" G_GINT64_MODIFIER "x: not guest RAM\n"),
				line ? "\n" : "", cmd, pa);
			ok = false;
			break;
		}
		for (unsigned b = 0; b < f.size; b++)
			v |= (uint64_t)buf[b] << (8 * b);
		if (line == 0)
			g_string_append_printf(out, "%016" G_GINT64_MODIFIER "x:", a);
		format_value(out, &f, v);
		if (++line == per_line || i + 1 == f.count) {
			g_string_append_c(out, '\n');
			line = 0;
		}
	}
	kd_vm_unlock(m->vm);
	if (!physical && was_running)
		kd_vm_resume(m->vm);
	return ok;
}

bool kd_monitor_cmd_x(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	return dump(ctx, argc, argv, out, false);
}

bool kd_monitor_cmd_xp(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	return dump(ctx, argc, argv, out, true);
}

/* ------------------------------------------------------------------ info */

bool kd_monitor_info_irq(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	struct kd_vm *vm = ctx->machine->vm;

	g_string_append(out, "IRQ statistics for ioapic:\n");
	kd_vm_lock(vm);
	for (unsigned i = 0; i < kd_vm_irq_lines(); i++) {
		uint64_t n = kd_vm_irq_count(vm, i);

		if (n)
			g_string_append_printf(out, "%2u: %" G_GUINT64_FORMAT "\n", i, n);
	}
	kd_vm_unlock(vm);
	g_string_append(out, _("(raised by kvmdesk's devices; irqfd, MSI and the in-kernel "
			       "PIT go to KVM directly)\n"));
	return true;
}

struct mtree_ctx {
	GString *out;
	const char *kind;
};

struct slot {
	uint64_t gpa, size;
	bool readonly, ram;
};

static void collect_slot(uint64_t gpa, uint64_t size, bool readonly, bool ram, void *data)
{
	struct slot s = { gpa, size, readonly, ram };

	g_array_append_val((GArray *)data, s);
}

static gint slot_order(gconstpointer a, gconstpointer b)
{
	const struct slot *x = a, *y = b;

	return x->gpa < y->gpa ? -1 : x->gpa > y->gpa;
}

static void mtree_slot(uint64_t gpa, uint64_t size, bool readonly, bool ram, void *data)
{
	struct mtree_ctx *c = data;

	g_string_append_printf(c->out,
			       "  %016" G_GINT64_MODIFIER "x-%016" G_GINT64_MODIFIER
			       "x (prio 1, %s): %s\n",
			       gpa, gpa + size - 1, readonly ? "romd" : "ram",
			       ram	  ? "ram"
			       : readonly ? "firmware"
					  : "device memory (mapped)");
}

static void mtree_region(const struct kd_io_region *r, void *data)
{
	struct mtree_ctx *c = data;

	g_string_append_printf(
		c->out, "  %0*" G_GINT64_MODIFIER "x-%0*" G_GINT64_MODIFIER "x (prio 0, i/o): %s\n",
		!strcmp(c->kind, "io") ? 4 : 16, r->base, !strcmp(c->kind, "io") ? 4 : 16,
		r->base + r->len - 1, r->name);
}

static gint by_base(gconstpointer a, gconstpointer b)
{
	const struct kd_io_region *x = *(struct kd_io_region *const *)a;
	const struct kd_io_region *y = *(struct kd_io_region *const *)b;

	return x->base < y->base ? -1 : x->base > y->base;
}

static void collect(const struct kd_io_region *r, void *data)
{
	g_ptr_array_add(data, (gpointer)r);
}

static void mtree_bus(struct kd_bus *bus, struct mtree_ctx *c)
{
	g_autoptr(GPtrArray) regions = g_ptr_array_new();

	kd_bus_foreach(bus, collect, regions);
	g_ptr_array_sort(regions, by_base);
	for (guint i = 0; i < regions->len; i++)
		mtree_region(g_ptr_array_index(regions, i), c);
}

bool kd_monitor_info_mtree(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	struct kd_vm *vm = ctx->machine->vm;
	struct mtree_ctx c = { out, "memory" };

	kd_vm_lock(vm);
	g_string_append(out, "address-space: memory\n");
	g_string_append(out, "  (KVM memory slots)\n");
	{
		g_autoptr(GArray) slots = g_array_new(FALSE, FALSE, sizeof(struct slot));

		kd_vm_foreach_memslot(vm, collect_slot, slots);
		g_array_sort(slots, slot_order);
		for (guint i = 0; i < slots->len; i++) {
			const struct slot *sl = &g_array_index(slots, struct slot, i);

			mtree_slot(sl->gpa, sl->size, sl->readonly, sl->ram, &c);
		}
	}
	g_string_append(out, "  (trapped MMIO)\n");
	mtree_bus(kd_vm_mmio(vm), &c);
	g_string_append(out, "\naddress-space: I/O\n");
	c.kind = "io";
	mtree_bus(kd_vm_pio(vm), &c);
	kd_vm_unlock(vm);
	return true;
}

bool kd_monitor_info_chardev(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	struct kd_machine *m = ctx->machine;

	for (unsigned i = 0; i < KD_MAX_SERIAL; i++)
		if (m->serial[i])
			g_string_append_printf(out, "serial%u: filename=%s\n", i,
					       kd_chardev_spec(m->serial[i]));
	if (m->debugcon)
		g_string_append_printf(out, "debugcon: filename=%s\n",
				       kd_chardev_spec(m->debugcon));
	if (ctx->monitor_spec)
		g_string_append_printf(out, "compat_monitor0: filename=%s\n", ctx->monitor_spec);
	return true;
}

static bool read_sys_u64(const char *name, guint64 *v)
{
	g_autofree char *path = g_build_filename("/sys/kernel/mm/ksm", name, NULL);
	g_autofree char *text = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL))
		return false;
	*v = g_ascii_strtoull(text, NULL, 10);
	return true;
}

bool kd_monitor_info_ksm(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	static const char *const counters[] = { "pages_shared", "pages_sharing", "pages_unshared",
						"pages_volatile", "full_scans" };
	guint64 run, v;

	if (!read_sys_u64("run", &run)) {
		g_string_append(out, _("KSM: not available (kernel built without CONFIG_KSM)\n"));
		return true;
	}
	g_string_append_printf(
		out, _("KSM: %s; guest RAM (%" G_GUINT64_FORMAT " MiB) is marked mergeable\n"),
		run == 1   ? _("running (run=1)")
		: run == 2 ? _("unmerging (run=2)")
			   : _("stopped (run=0: echo 1 > /sys/kernel/mm/ksm/run)"),
		kd_vm_ram_size(ctx->machine->vm) >> 20);
	for (unsigned i = 0; i < G_N_ELEMENTS(counters); i++)
		if (read_sys_u64(counters[i], &v))
			g_string_append_printf(out, "%s: %" G_GUINT64_FORMAT "\n", counters[i], v);
	return true;
}

/* There is no balloon device: QEMU's answer, word for word. */
bool kd_monitor_info_balloon(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	g_string_append(out, "No balloon device has been activated\n");
	return false;
}

bool kd_monitor_cmd_balloon(struct kd_monitor_context *ctx, int argc, char **argv, GString *out)
{
	if (argc != 2) {
		g_string_append(out, _("balloon: usage: balloon TARGET_MIB\n"));
		return false;
	}
	g_string_append(out, "No balloon device has been activated\n");
	return false;
}
