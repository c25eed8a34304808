/*
 * An assigned host PCI device (vfio-pci.h). What the guest sees:
 * - configuration space: identity, header type, BARs, ROM BAR, COMMAND, interrupt line and the
 *   MSI and MSI-X capabilities are emulated here; everything else (other capabilities,
 *   device-specific registers) is read from and written to the device through VFIO, whose
 *   kernel driver keeps the dangerous bits (bus numbers, power, ...) virtual as well;
 * - BARs: mmap-able memory BARs become KVM memory slots, so guest accesses never exit; I/O BARs,
 *   small or unmappable BARs and the MSI-X table and PBA are trapped and forwarded;
 * - interrupts: INTx through VFIO's eventfd and a KVM irqfd with resampling (the line is
 *   level-triggered: KVM signals the guest's EOI, VFIO unmasks); MSI and MSI-X through KVM MSI
 *   routes and irqfds, following every change the guest makes to enables, masks, addresses and
 *   data. Nothing of the device's interrupt path runs in kvmdesk.
 */
#include "config.h"

#include "assign/vfio-pci.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "assign/bind.h"
#include "assign/hostdev.h"
#include "assign/vfio.h"
#include "hw/machine.h"
#include "hw/pci.h"
#include "i18n.h"
#include "le.h"
#include "vm/bus.h"

#define CAP_ID_MSI 0x05
#define CAP_ID_MSIX 0x11
#define MSI_CTRL_ENABLE 0x0001
#define MSI_CTRL_64BIT 0x0080
#define MSI_CTRL_PVM 0x0100
#define MSIX_CTRL_ENABLE 0x8000
#define MSIX_CTRL_MASKALL 0x4000
#define MSIX_ENTRY_SIZE 16
#define MSIX_VECTOR_MASKED 0x1
#define MAX_MSI_VECTORS 32
#define FIRST_SLOT 4 /* 2 and 3 are the display's and the first NIC's, as on QEMU's PC */
#define PAGE 4096u

struct vector {
	int fd; /* VFIO signals it; an irqfd injects it */
	int gsi; /* MSI route, -1 when none */
	bool attached; /* irqfd registered */
};

struct vbar {
	int index;
	uint64_t size;
	enum kd_pci_bar_type type;
	void *mmap; /* NULL: trapped */
	struct kd_io_region *region; /* trapped BARs */
	/* mmap-able BARs: memory slots around the MSI-X window, the window itself trapped */
	int slots[2];
	uint64_t trap_start, trap_end; /* page-aligned, empty when trap_end == 0 */
	struct kd_io_region *trap;
	struct vfio_pci *owner;
};

struct vfio_pci {
	struct kd_device dev;
	struct kd_pci_device pci;
	struct kd_machine *m;
	struct kd_vfio_device *vd;
	char *host;
	char *id; /* ours; dev.id is the machine's copy */
	char *host_label; /* "0000:00:0b.0 (vendor device)" for info pci */
	char *name; /* "vfio-pci 0000:00:0b.0 (Device 11e8)" for info */
	bool bound_by_us;
	uint8_t passthrough[256]; /* 1: read from and written to the device */
	struct vbar bars[PCI_NUM_BARS];

	uint8_t *rom;
	size_t rom_size;
	struct kd_io_region *rom_region;

	/* INTx */
	bool intx;
	int intx_fd, intx_unmask_fd, intx_gsi;
	bool intx_active; /* VFIO's INTx trigger is set */

	/* MSI */
	unsigned msi_cap;
	bool msi_64, msi_pvm;
	unsigned msi_max;
	bool msi_enabled;
	unsigned msi_nvec;
	struct vector msi[MAX_MSI_VECTORS];

	/* MSI-X */
	unsigned msix_cap;
	unsigned msix_entries;
	unsigned msix_table_bar, msix_pba_bar;
	uint32_t msix_table_off, msix_pba_off;
	uint8_t *msix_table;
	struct vector *msix;
	bool msix_enabled;
};

static unsigned next_hostdev;

static struct kd_vm *vm_of(struct vfio_pci *v)
{
	return v->m->vm;
}

/* ------------------------------------------------------------------ vectors */

static void vector_detach(struct vfio_pci *v, struct vector *vec)
{
	if (vec->attached) {
		kd_vm_remove_irqfd(vm_of(v), (unsigned)vec->gsi, vec->fd);
		vec->attached = false;
	}
}

static void vector_free(struct vfio_pci *v, struct vector *vec)
{
	vector_detach(v, vec);
	if (vec->gsi >= 0)
		kd_vm_remove_msi_route(vm_of(v), (unsigned)vec->gsi);
	if (vec->fd >= 0)
		close(vec->fd);
	vec->fd = vec->gsi = -1;
}

/* Routes vec to (address, data) and attaches its irqfd unless masked. A KVM irqfd registered
 * on an eventfd that already counts injects at once, so an interrupt that came while the
 * vector was masked is delivered when it is unmasked: the pending bit, in effect. */
static bool vector_program(struct vfio_pci *v, struct vector *vec, uint64_t address, uint32_t data,
			   bool masked, GError **err)
{
	if (vec->gsi < 0) {
		vec->gsi = kd_vm_add_msi_route(vm_of(v), address, data, err);
		if (vec->gsi < 0)
			return false;
	} else if (!kd_vm_update_msi_route(vm_of(v), (unsigned)vec->gsi, address, data, err)) {
		return false;
	}
	if (masked) {
		vector_detach(v, vec);
		return true;
	}
	if (!vec->attached) {
		if (!kd_vm_add_irqfd(vm_of(v), (unsigned)vec->gsi, vec->fd, -1, err))
			return false;
		vec->attached = true;
	}
	return true;
}

/* ------------------------------------------------------------------ INTx */

static void intx_detach(struct vfio_pci *v)
{
	if (v->intx_gsi >= 0) {
		kd_vm_remove_irqfd(vm_of(v), (unsigned)v->intx_gsi, v->intx_fd);
		v->intx_gsi = -1;
	}
}

static void intx_attach(struct vfio_pci *v)
{
	g_autoptr(GError) err = NULL;
	int gsi;

	if (!v->intx_active)
		return;
	gsi = kd_pci_intx_gsi(&v->pci);
	if (gsi == v->intx_gsi)
		return;
	intx_detach(v);
	if (gsi < 0)
		return; /* routing off: the line waits, masked by VFIO, until it is routed */
	if (!kd_vm_add_irqfd(vm_of(v), (unsigned)gsi, v->intx_fd, v->intx_unmask_fd, &err)) {
		g_warning("%s: INTx: %s", v->host, err->message);
		return;
	}
	v->intx_gsi = gsi;
}

static void intx_routing_changed(struct kd_pci_device *pci)
{
	intx_attach(pci->opaque);
}

static bool intx_enable(struct vfio_pci *v, GError **err)
{
	if (!v->intx || v->intx_active)
		return true;
	if (!kd_vfio_set_irq_eventfds(v->vd, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, &v->intx_fd, err) ||
	    !kd_vfio_set_intx_unmask_fd(v->vd, v->intx_unmask_fd, err))
		return false;
	v->intx_active = true;
	intx_attach(v);
	return true;
}

/* VFIO takes one interrupt type at a time: INTx goes off while MSI or MSI-X is on. */
static void intx_disable(struct vfio_pci *v)
{
	if (!v->intx_active)
		return;
	intx_detach(v);
	kd_vfio_set_irq_eventfds(v->vd, VFIO_PCI_INTX_IRQ_INDEX, 0, 0, NULL, NULL);
	v->intx_active = false;
}

/* ------------------------------------------------------------------ MSI */

static uint16_t msi_ctrl(struct vfio_pci *v)
{
	return kd_get_le16(v->pci.config + v->msi_cap + 2);
}

static void msi_message(struct vfio_pci *v, uint64_t *address, uint32_t *data, uint32_t *mask)
{
	const uint8_t *c = v->pci.config + v->msi_cap;

	*address = kd_get_le32(c + 4);
	if (v->msi_64) {
		*address |= (uint64_t)kd_get_le32(c + 8) << 32;
		*data = kd_get_le16(c + 12);
		*mask = v->msi_pvm ? kd_get_le32(c + 16) : 0;
	} else {
		*data = kd_get_le16(c + 8);
		*mask = v->msi_pvm ? kd_get_le32(c + 12) : 0;
	}
}

static void msi_disable(struct vfio_pci *v)
{
	if (!v->msi_enabled)
		return;
	kd_vfio_set_irq_eventfds(v->vd, VFIO_PCI_MSI_IRQ_INDEX, 0, 0, NULL, NULL);
	for (unsigned i = 0; i < v->msi_nvec; i++)
		vector_free(v, &v->msi[i]);
	v->msi_nvec = 0;
	v->msi_enabled = false;
}

/* The guest wrote the MSI capability: enable, disable, or new address/data/mask. */
static void msi_update(struct vfio_pci *v)
{
	g_autoptr(GError) err = NULL;
	uint16_t ctrl = msi_ctrl(v);
	uint64_t address;
	uint32_t data, mask;
	unsigned nvec = 1u << ((ctrl >> 4) & 7);

	if (!(ctrl & MSI_CTRL_ENABLE)) {
		if (v->msi_enabled) {
			msi_disable(v);
			intx_enable(v, NULL);
		}
		return;
	}
	msi_message(v, &address, &data, &mask);
	nvec = MIN(nvec, v->msi_max);
	if (v->msi_enabled && nvec != v->msi_nvec)
		msi_disable(v);
	if (!v->msi_enabled) {
		int fds[MAX_MSI_VECTORS];

		intx_disable(v);
		for (unsigned i = 0; i < nvec; i++) {
			v->msi[i].fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
			v->msi[i].gsi = -1;
			fds[i] = v->msi[i].fd;
		}
		v->msi_nvec = nvec;
		v->msi_enabled = true;
		if (!kd_vfio_set_irq_eventfds(v->vd, VFIO_PCI_MSI_IRQ_INDEX, 0, nvec, fds, &err))
			goto fail;
	}
	/* Vector i carries data with its low log2(n) bits replaced by i (PCI 3.0, 6.8.1.7). */
	for (unsigned i = 0; i < v->msi_nvec; i++)
		if (!vector_program(v, &v->msi[i], address, (data & ~(v->msi_nvec - 1)) | i,
				    mask & (1u << i), &err))
			goto fail;
	return;
fail:
	g_warning("%s: MSI: %s", v->host, err->message);
	msi_disable(v);
}

/* ------------------------------------------------------------------ MSI-X */

static uint16_t msix_ctrl(struct vfio_pci *v)
{
	return kd_get_le16(v->pci.config + v->msix_cap + 2);
}

static void msix_program_entry(struct vfio_pci *v, unsigned i)
{
	g_autoptr(GError) err = NULL;
	const uint8_t *e = v->msix_table + MSIX_ENTRY_SIZE * i;
	uint64_t address = kd_get_le32(e) | (uint64_t)kd_get_le32(e + 4) << 32;
	bool masked =
		(kd_get_le32(e + 12) & MSIX_VECTOR_MASKED) || (msix_ctrl(v) & MSIX_CTRL_MASKALL);

	if (!v->msix_enabled)
		return;
	/* An entry never programmed (address 0) stays without a route until it is. */
	if (!address && v->msix[i].gsi < 0)
		return;
	if (!vector_program(v, &v->msix[i], address, kd_get_le32(e + 8), masked, &err))
		g_warning("%s: MSI-X vector %u: %s", v->host, i, err->message);
}

static void msix_disable(struct vfio_pci *v)
{
	if (!v->msix_enabled)
		return;
	kd_vfio_set_irq_eventfds(v->vd, VFIO_PCI_MSIX_IRQ_INDEX, 0, 0, NULL, NULL);
	for (unsigned i = 0; i < v->msix_entries; i++)
		vector_free(v, &v->msix[i]);
	v->msix_enabled = false;
}

static void msix_update(struct vfio_pci *v)
{
	g_autoptr(GError) err = NULL;
	bool enable = msix_ctrl(v) & MSIX_CTRL_ENABLE;

	if (!enable) {
		if (v->msix_enabled) {
			msix_disable(v);
			intx_enable(v, NULL);
		}
		return;
	}
	if (!v->msix_enabled) {
		g_autofree int *fds = g_new(int, v->msix_entries);

		intx_disable(v);
		for (unsigned i = 0; i < v->msix_entries; i++) {
			v->msix[i].fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
			v->msix[i].gsi = -1;
			fds[i] = v->msix[i].fd;
		}
		v->msix_enabled = true;
		if (!kd_vfio_set_irq_eventfds(v->vd, VFIO_PCI_MSIX_IRQ_INDEX, 0, v->msix_entries,
					      fds, &err)) {
			g_warning("%s: MSI-X: %s", v->host, err->message);
			msix_disable(v);
			return;
		}
	}
	for (unsigned i = 0; i < v->msix_entries; i++)
		msix_program_entry(v, i);
}

/* The trapped MSI-X window: table entries are emulated, the PBA and anything else in the
 * window's pages go to the device. offset is from the BAR's start. */
static bool msix_table_access(struct vfio_pci *v, int bar, uint64_t offset, uint64_t *value,
			      unsigned size, bool write)
{
	uint64_t table_len = (uint64_t)v->msix_entries * MSIX_ENTRY_SIZE;
	uint64_t t;
	uint8_t *p;

	if (!v->msix_cap || (unsigned)bar != v->msix_table_bar || offset < v->msix_table_off ||
	    offset + size > v->msix_table_off + table_len)
		return false;
	t = offset - v->msix_table_off;
	p = v->msix_table + t;
	if (!write) {
		*value = 0;
		for (unsigned i = 0; i < size; i++)
			*value |= (uint64_t)p[i] << (8 * i);
		return true;
	}
	for (unsigned i = 0; i < size; i++)
		p[i] = (uint8_t)(*value >> (8 * i));
	msix_program_entry(v, (unsigned)(t / MSIX_ENTRY_SIZE));
	return true;
}

/* ------------------------------------------------------------------ BARs */

static uint64_t bar_read(struct vbar *b, uint64_t offset, unsigned size)
{
	struct vfio_pci *v = b->owner;
	uint64_t value = 0;
	uint8_t buf[8];

	if (msix_table_access(v, b->index, offset, &value, size, false))
		return value;
	if (!kd_vfio_region_read(v->vd, (unsigned)b->index, offset, buf, size))
		return ~0ull >> (64 - 8 * size);
	for (unsigned i = 0; i < size; i++)
		value |= (uint64_t)buf[i] << (8 * i);
	return value;
}

static void bar_write(struct vbar *b, uint64_t offset, uint64_t value, unsigned size)
{
	struct vfio_pci *v = b->owner;
	uint8_t buf[8];

	if (msix_table_access(v, b->index, offset, &value, size, true))
		return;
	for (unsigned i = 0; i < size; i++)
		buf[i] = (uint8_t)(value >> (8 * i));
	kd_vfio_region_write(v->vd, (unsigned)b->index, offset, buf, size);
}

static uint64_t trapped_read(void *opaque, uint64_t offset, unsigned size)
{
	return bar_read(opaque, offset, size);
}

static void trapped_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	bar_write(opaque, offset, value, size);
}

static const struct kd_io_ops trapped_ops = { .read = trapped_read, .write = trapped_write };

/* The MSI-X window of an mmap-ed BAR: offsets from the window's start. */
static uint64_t window_read(void *opaque, uint64_t offset, unsigned size)
{
	struct vbar *b = opaque;

	return bar_read(b, b->trap_start + offset, size);
}

static void window_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct vbar *b = opaque;

	bar_write(b, b->trap_start + offset, value, size);
}

static const struct kd_io_ops window_ops = { .read = window_read, .write = window_write };

static void map_slot(struct vfio_pci *v, struct vbar *b, int which, uint64_t gpa, uint64_t from,
		     uint64_t to)
{
	g_autoptr(GError) err = NULL;

	if (to <= from)
		return;
	b->slots[which] = kd_vm_map_memory(vm_of(v), gpa + from, to - from,
					   (uint8_t *)b->mmap + from, false, &err);
	if (b->slots[which] < 0)
		g_warning("%s: BAR %d: %s", v->host, b->index, err->message);
}

/* An mmap-ed BAR moves: memory slots for the guest's direct access, the MSI-X window (if any)
 * on the MMIO bus in between. */
static void bar_map(struct kd_pci_device *pci, int n, uint64_t address)
{
	struct vfio_pci *v = pci->opaque;
	struct vbar *b = &v->bars[n];

	if (!b->trap_end) {
		map_slot(v, b, 0, address, 0, b->size);
		return;
	}
	map_slot(v, b, 0, address, 0, b->trap_start);
	map_slot(v, b, 1, address, b->trap_end, b->size);
	if (!kd_bus_map(kd_vm_mmio(vm_of(v)), b->trap, address + b->trap_start, NULL))
		g_warning("%s: BAR %d: the MSI-X window overlaps another device", v->host, n);
}

static void bar_unmap(struct kd_pci_device *pci, int n)
{
	struct vfio_pci *v = pci->opaque;
	struct vbar *b = &v->bars[n];

	for (unsigned i = 0; i < 2; i++) {
		if (b->slots[i] >= 0)
			kd_vm_unmap_memory(vm_of(v), b->slots[i]);
		b->slots[i] = -1;
	}
	if (b->trap)
		kd_bus_unmap(b->trap);
}

/* The page-aligned part of BAR n that holds the MSI-X table or PBA, which must trap. */
static void msix_window(struct vfio_pci *v, struct vbar *b)
{
	uint64_t start = UINT64_MAX, end = 0;

	if (!v->msix_cap)
		return;
	if (v->msix_table_bar == (unsigned)b->index) {
		start = MIN(start, v->msix_table_off);
		end = MAX(end, v->msix_table_off + (uint64_t)v->msix_entries * MSIX_ENTRY_SIZE);
	}
	if (v->msix_pba_bar == (unsigned)b->index) {
		start = MIN(start, v->msix_pba_off);
		end = MAX(end, v->msix_pba_off + (v->msix_entries + 63) / 64 * 8);
	}
	if (end <= start)
		return;
	b->trap_start = start & ~(uint64_t)(PAGE - 1);
	b->trap_end = MIN((end + PAGE - 1) & ~(uint64_t)(PAGE - 1), b->size);
}

static bool setup_bars(struct vfio_pci *v, const uint8_t *devcfg, GError **err)
{
	for (int n = 0; n < PCI_NUM_BARS; n++) {
		struct vbar *b = &v->bars[n];
		const struct vfio_region_info *r = &v->vd->regions[n];
		uint32_t low = kd_get_le32(devcfg + PCI_BASE_ADDRESS_0 + 4 * n);
		bool prefetch;
		char name[32];

		b->index = n;
		b->owner = v;
		b->slots[0] = b->slots[1] = -1;
		if (!r->size)
			continue;
		if (r->size & (r->size - 1)) {
			g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
				    _("%s: BAR %d has a size (%#llx) that is not a power of two"),
				    v->host, n, (unsigned long long)r->size);
			return false;
		}
		b->size = r->size;
		prefetch = !(low & 1) && (low & 0x8);
		b->type = (low & 1)		  ? KD_PCI_BAR_IO
			  : ((low >> 1) & 3) == 2 ? KD_PCI_BAR_MEM64
						  : KD_PCI_BAR_MEM32;
		g_snprintf(name, sizeof(name), "%s-bar%d", v->id, n);
		if (b->type != KD_PCI_BAR_IO && b->size >= PAGE)
			b->mmap = kd_vfio_region_mmap(v->vd, (unsigned)n);
		if (b->mmap) {
			msix_window(v, b);
			if (b->trap_end)
				b->trap = kd_io_region_new(name, b->trap_end - b->trap_start,
							   &window_ops, b);
			kd_pci_device_set_bar(&v->pci, n, b->type, prefetch, b->size, NULL);
			v->pci.bars[n].map = bar_map;
			v->pci.bars[n].unmap = bar_unmap;
		} else {
			b->region = kd_io_region_new(name, b->size, &trapped_ops, b);
			kd_pci_device_set_bar(&v->pci, n, b->type, prefetch, b->size, b->region);
		}
		if (b->type == KD_PCI_BAR_MEM64)
			n++; /* the upper half */
	}
	return true;
}

/* ------------------------------------------------------------------ option ROM */

static uint64_t rom_read(void *opaque, uint64_t offset, unsigned size)
{
	struct vfio_pci *v = opaque;
	uint64_t value = 0;

	for (unsigned i = 0; i < size; i++)
		if (offset + i < v->rom_size)
			value |= (uint64_t)v->rom[offset + i] << (8 * i);
	return value;
}

static const struct kd_io_ops rom_ops = { .read = rom_read };

static bool setup_rom(struct vfio_pci *v, const struct kd_vfio_pci_config *cfg, GError **err)
{
	const struct vfio_region_info *r = &v->vd->regions[VFIO_PCI_ROM_REGION_INDEX];
	uint64_t bar_size = PAGE;

	if (cfg->romfile && *cfg->romfile) {
		gsize len;
		g_autoptr(GError) local = NULL;

		if (!g_file_get_contents(cfg->romfile, (char **)&v->rom, &len, &local)) {
			g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG, "romfile: %s",
				    local->message);
			return false;
		}
		v->rom_size = len;
	} else if (cfg->rombar && (!cfg->romfile) && r->size) {
		v->rom = g_malloc(r->size);
		if (!kd_vfio_region_read(v->vd, VFIO_PCI_ROM_REGION_INDEX, 0, v->rom, r->size) ||
		    v->rom[0] != 0x55 || v->rom[1] != 0xAA) {
			/* An unreadable or blank ROM is no ROM (many cards have none). */
			g_free(v->rom);
			v->rom = NULL;
		} else {
			v->rom_size = r->size;
		}
	}
	if (!v->rom_size)
		return true;
	while (bar_size < v->rom_size)
		bar_size <<= 1;
	v->rom_region = kd_io_region_new("vfio-rom", bar_size, &rom_ops, v);
	kd_pci_device_set_bar(&v->pci, PCI_ROM_SLOT, KD_PCI_BAR_MEM32, false, bar_size,
			      v->rom_region);
	return true;
}

/* ------------------------------------------------------------------ configuration space */

static bool config_read(struct kd_pci_device *pci, unsigned offset, unsigned size, uint32_t *value)
{
	struct vfio_pci *v = pci->opaque;
	uint8_t dev[4] = { 0 };
	bool any = false;

	for (unsigned i = 0; i < size; i++)
		any |= v->passthrough[offset + i];
	if (!any)
		return false;
	kd_vfio_region_read(v->vd, VFIO_PCI_CONFIG_REGION_INDEX, offset, dev, size);
	*value = 0;
	for (unsigned i = 0; i < size; i++)
		*value |= (uint32_t)(v->passthrough[offset + i] ? dev[i] : pci->config[offset + i])
			  << (8 * i);
	return true;
}

static void config_written(struct kd_pci_device *pci, unsigned offset, uint32_t value,
			   unsigned size)
{
	struct vfio_pci *v = pci->opaque;

	for (unsigned i = 0; i < size; i++) {
		uint8_t b = (uint8_t)(value >> (8 * i));

		if (v->passthrough[offset + i])
			kd_vfio_region_write(v->vd, VFIO_PCI_CONFIG_REGION_INDEX, offset + i, &b,
					     1);
	}
	if (offset < PCI_COMMAND + 2 && offset + size > PCI_COMMAND) {
		/* The device decodes and masters as the guest says (VFIO filters the rest). */
		uint8_t cmd[2];

		kd_put_le16(cmd, kd_get_le16(pci->config + PCI_COMMAND));
		kd_vfio_region_write(v->vd, VFIO_PCI_CONFIG_REGION_INDEX, PCI_COMMAND, cmd, 2);
	}
	if (offset < 0x0E && offset + size > 0x0C) /* cache line size, latency timer */
		kd_vfio_region_write(v->vd, VFIO_PCI_CONFIG_REGION_INDEX, 0x0C, pci->config + 0x0C,
				     2);
	if (v->msi_cap && offset < v->msi_cap + 24 && offset + size > v->msi_cap)
		msi_update(v);
	if (v->msix_cap && offset < v->msix_cap + 4 && offset + size > v->msix_cap + 2)
		msix_update(v);
}

/* Capabilities: MSI and MSI-X become ours; the others stay the device's. The walk is bounded
 * (a broken list could loop). */
static void scan_capabilities(struct vfio_pci *v, const uint8_t *devcfg)
{
	uint8_t *wmask = v->pci.wmask;
	unsigned pos = devcfg[PCI_CAPABILITY_LIST] & 0xFC;

	for (unsigned n = 0; pos >= 0x40 && pos < 0x100 && n < 48; n++) {
		unsigned id = devcfg[pos];

		if (id == CAP_ID_MSI && !v->msi_cap) {
			uint16_t ctrl = kd_get_le16(devcfg + pos + 2);
			unsigned len;

			v->msi_cap = pos;
			v->msi_64 = ctrl & MSI_CTRL_64BIT;
			v->msi_pvm = ctrl & MSI_CTRL_PVM;
			v->msi_max = MIN(1u << ((ctrl >> 1) & 7), MAX_MSI_VECTORS);
			len = 10 + (v->msi_64 ? 4 : 0) + (v->msi_pvm ? 10 : 0);
			for (unsigned i = 2; i < len && pos + i < 256; i++)
				v->passthrough[pos + i] = 0;
			/* Guest-visible: enable and multiple message enable, address, data,
			 * mask bits; the device's real capability stays VFIO's business. */
			memcpy(v->pci.config + pos, devcfg + pos, MIN(len, 256 - pos));
			kd_put_le16(v->pci.config + pos + 2, ctrl & ~(MSI_CTRL_ENABLE | 0x70));
			wmask[pos + 2] = 0x71;
			kd_put_le32(wmask + pos + 4, 0xFFFFFFFC);
			if (v->msi_64)
				kd_put_le32(wmask + pos + 8, 0xFFFFFFFF);
			kd_put_le16(wmask + pos + (v->msi_64 ? 12 : 8), 0xFFFF);
			if (v->msi_pvm)
				kd_put_le32(wmask + pos + (v->msi_64 ? 16 : 12), 0xFFFFFFFF);
		} else if (id == CAP_ID_MSIX && !v->msix_cap) {
			uint16_t ctrl = kd_get_le16(devcfg + pos + 2);
			uint32_t table = kd_get_le32(devcfg + pos + 4);
			uint32_t pba = kd_get_le32(devcfg + pos + 8);

			v->msix_cap = pos;
			v->msix_entries = (ctrl & 0x7FF) + 1u;
			v->msix_table_bar = table & 7;
			v->msix_table_off = table & ~7u;
			v->msix_pba_bar = pba & 7;
			v->msix_pba_off = pba & ~7u;
			for (unsigned i = 2; i < 12; i++)
				v->passthrough[pos + i] = 0;
			memcpy(v->pci.config + pos, devcfg + pos, 12);
			kd_put_le16(v->pci.config + pos + 2,
				    ctrl & ~(MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL));
			wmask[pos + 3] = 0xC0;
		}
		pos = devcfg[pos + 1] & 0xFC;
	}
}

/* ------------------------------------------------------------------ life cycle */

static void reset_interrupts(struct vfio_pci *v)
{
	msi_disable(v);
	msix_disable(v);
	if (v->msi_cap)
		kd_put_le16(v->pci.config + v->msi_cap + 2,
			    msi_ctrl(v) & ~(MSI_CTRL_ENABLE | 0x70));
	if (v->msix_cap)
		kd_put_le16(v->pci.config + v->msix_cap + 2,
			    msix_ctrl(v) & ~(MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL));
	if (v->msix_table) {
		memset(v->msix_table, 0, (size_t)v->msix_entries * MSIX_ENTRY_SIZE);
		for (unsigned i = 0; i < v->msix_entries; i++)
			kd_put_le32(v->msix_table + MSIX_ENTRY_SIZE * i + 12, MSIX_VECTOR_MASKED);
	}
}

static void vfio_pci_reset(struct kd_device *dev)
{
	struct vfio_pci *v = (struct vfio_pci *)dev;

	reset_interrupts(v);
	kd_pci_device_reset(&v->pci);
	config_written(&v->pci, PCI_COMMAND, 0, 2);
	kd_vfio_reset(v->vd);
	intx_enable(v, NULL);
	intx_attach(v);
}

static void release(struct vfio_pci *v)
{
	reset_interrupts(v);
	intx_disable(v);
	if (v->pci.bus)
		kd_pci_unplug(&v->pci);
	for (int n = 0; n < PCI_NUM_BARS; n++) {
		struct vbar *b = &v->bars[n];

		kd_io_region_free(b->region);
		kd_io_region_free(b->trap);
		if (b->mmap)
			munmap(b->mmap, b->size);
	}
	kd_io_region_free(v->rom_region);
	if (v->vd) {
		kd_vfio_reset(v->vd);
		kd_vfio_device_close(v->vd);
	}
	if (v->intx_fd >= 0)
		close(v->intx_fd);
	if (v->intx_unmask_fd >= 0)
		close(v->intx_unmask_fd);
	if (v->bound_by_us) {
		g_autoptr(GError) err = NULL;
		struct kd_host *host = kd_host_scan(NULL, NULL);

		/* Back to the driver it had (or to none), now that no file holds it. */
		if (!host || !kd_bind_restore(host, v->host, &err))
			g_warning("%s: %s", v->host,
				  err ? err->message : _("cannot rescan the host"));
		kd_host_free(host);
	}
	g_free(v->msix_table);
	g_free(v->msix);
	g_free(v->rom);
	g_free(v->name);
	g_free(v->host_label);
	g_free(v->host);
	g_free(v->id);
	g_free(v);
}

static void vfio_pci_destroy(struct kd_device *dev)
{
	release((struct vfio_pci *)dev);
}

static void vfio_pci_info(struct kd_device *dev, GString *out)
{
	struct vfio_pci *v = (struct vfio_pci *)dev;

	g_string_append_printf(out, "host = %s%s%s%s\n", v->host, v->intx ? ", INTx" : "",
			       v->msi_cap ? ", MSI" : "", v->msix_cap ? ", MSI-X" : "");
}

/* The inventory's verdict: blockers refuse, unless every one of them may be forced and force
 * is given. */
static bool check_host(struct kd_host *host, struct kd_hostdev *d, bool force, GError **err)
{
	g_autoptr(GString) why = g_string_new(NULL);
	bool forced_ok = true;

	for (guint i = 0; i < d->reasons->len; i++) {
		struct kd_reason *r = g_ptr_array_index(d->reasons, i);

		if (r->severity != KD_BLOCKER)
			continue;
		forced_ok &= r->forceable;
		g_string_append_printf(why, "%s%s%s%s", why->len ? "; " : "", r->what,
				       r->fix ? " - " : "", r->fix ? r->fix : "");
	}
	if (!why->len || (force && forced_ok))
		return true;
	g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG, _("cannot assign %s: %s%s"),
		    kd_pci_address_short(d->address), why->str,
		    forced_ok ? _(" (-force overrides this)") : "");
	return false;
}

struct kd_pci_device *kd_vfio_pci_create(struct kd_machine *m, const struct kd_vfio_pci_config *cfg,
					 GError **err)
{
	g_autofree char *address = kd_pci_address_normalize(cfg->host);
	struct vfio_pci *v;
	struct kd_host *host;
	struct kd_hostdev *hd;
	uint8_t devcfg[256];
	int slot;

	if (!address) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
			    _("host=%s is not a PCI address (like 05:06.0 or 0000:05:06.0)"),
			    cfg->host);
		return NULL;
	}
	host = kd_host_scan(NULL, err);
	if (!host) {
		g_prefix_error(err, _("cannot read the host's PCI devices: "));
		return NULL;
	}
	hd = kd_host_find(host, address);
	if (!hd) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
			    _("there is no PCI device %s on this host (kvmdesk -list-host-devices "
			      "lists them)"),
			    kd_pci_address_short(address));
		kd_host_free(host);
		return NULL;
	}
	if (!check_host(host, hd, cfg->force, err)) {
		kd_host_free(host);
		return NULL;
	}
	v = g_new0(struct vfio_pci, 1);
	v->m = m;
	v->host = g_strdup(address);
	v->intx_fd = v->intx_unmask_fd = v->intx_gsi = -1;
	v->id = cfg->id ? g_strdup(cfg->id) : g_strdup_printf("hostdev%u", next_hostdev++);
	v->name = g_strdup_printf("vfio %s", kd_pci_address_short(address));
	v->host_label =
		hd->vendor_name && hd->device_name
			? g_strdup_printf("%s (%s %s)", address, hd->vendor_name, hd->device_name)
			: g_strdup_printf("%s (%04x:%04x)", address, hd->vendor, hd->device);
	if (!hd->driver || strcmp(hd->driver, "vfio-pci") != 0) {
		GError *local = NULL;

		if (!kd_bind_vfio(host, address, cfg->force, getpid(), &local)) {
			g_set_error(err, KD_VM_ERROR,
				    local->code == KD_BIND_ERROR_SYSFS ? KD_VM_ERROR_KVM
								       : KD_VM_ERROR_CONFIG,
				    _("cannot give %s to vfio-pci: %s"),
				    kd_pci_address_short(address), local->message);
			g_error_free(local);
			/* Whatever of its group did reach vfio-pci goes back. */
			kd_bind_restore(host, address, NULL);
			kd_host_free(host);
			g_free(v->id);
			g_free(v->host_label);
			g_free(v->name);
			g_free(v->host);
			g_free(v);
			return NULL;
		}
		v->bound_by_us = true;
	}
	kd_host_free(host);

	{
		GError *local = NULL;

		v->vd = kd_vfio_device_open(m->vm, address, &local);
		if (!v->vd) {
			/* No group, a group that is not viable, no VFIO: the admin's to fix. */
			g_set_error_literal(err, KD_VM_ERROR,
					    local->code == KD_VFIO_ERROR_DEVICE
						    ? KD_VM_ERROR_KVM
						    : KD_VM_ERROR_CONFIG,
					    local->message);
			g_error_free(local);
			goto fail;
		}
	}
	if (!kd_vfio_region_read(v->vd, VFIO_PCI_CONFIG_REGION_INDEX, 0, devcfg, sizeof(devcfg))) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_KVM,
			    _("%s: cannot read its configuration space"), address);
		goto fail;
	}
	/* A clean device for the guest (edu and many simple cards have no reset: fine). */
	kd_vfio_reset(v->vd);

	kd_pci_device_init(&v->pci, v->name, kd_get_le16(devcfg + PCI_VENDOR_ID),
			   kd_get_le16(devcfg + PCI_DEVICE_ID), devcfg[PCI_REVISION_ID],
			   (uint32_t)devcfg[PCI_CLASS_PROG] |
				   (uint32_t)kd_get_le16(devcfg + PCI_CLASS_DEVICE) << 8,
			   devcfg[PCI_INTERRUPT_PIN]);
	v->pci.opaque = v;
	v->pci.id = v->id;
	v->pci.host_device = v->host_label;
	memcpy(v->pci.config + PCI_SUBSYSTEM_VENDOR_ID, devcfg + PCI_SUBSYSTEM_VENDOR_ID, 4);
	v->pci.config[PCI_HEADER_TYPE] = devcfg[PCI_HEADER_TYPE] & ~PCI_HEADER_TYPE_MULTI_FUNCTION;
	v->pci.config[PCI_CAPABILITY_LIST] = devcfg[PCI_CAPABILITY_LIST];
	kd_put_le16(v->pci.config + PCI_STATUS,
		    kd_get_le16(devcfg + PCI_STATUS) & PCI_STATUS_CAP_LIST);
	/* Above the header everything is the device's, except what the capability scan takes. */
	memset(v->passthrough + 0x40, 1, sizeof(v->passthrough) - 0x40);
	scan_capabilities(v, devcfg);
	if (v->msix_cap) {
		v->msix_table = g_malloc0((size_t)v->msix_entries * MSIX_ENTRY_SIZE);
		v->msix = g_new0(struct vector, v->msix_entries);
		for (unsigned i = 0; i < v->msix_entries; i++)
			v->msix[i].fd = v->msix[i].gsi = -1;
	}
	for (unsigned i = 0; i < MAX_MSI_VECTORS; i++)
		v->msi[i].fd = v->msi[i].gsi = -1;
	reset_interrupts(v);
	v->pci.config_read = config_read;
	v->pci.config_written = config_written;
	v->pci.intx_routing_changed = intx_routing_changed;
	if (!setup_bars(v, devcfg, err) || !setup_rom(v, cfg, err))
		goto fail;

	v->intx = devcfg[PCI_INTERRUPT_PIN] && v->vd->irqs[VFIO_PCI_INTX_IRQ_INDEX].count == 1;
	if (v->intx) {
		g_autoptr(GError) local = NULL;

		v->intx_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		v->intx_unmask_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (v->intx_fd < 0 || v->intx_unmask_fd < 0) {
			g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_KVM, "eventfd: %s",
				    g_strerror(errno));
			goto fail;
		}
		if (!intx_enable(v, &local)) {
			/* A shared line the card cannot mask (assigned with -force): the
			 * guest gets no pin and must use MSI. */
			g_printerr(_("kvmdesk: %s: no INTx for the guest (%s); its driver must "
				     "use MSI\n"),
				   kd_pci_address_short(address), local->message);
			v->intx = false;
		}
	}
	if (!v->intx)
		v->pci.config[PCI_INTERRUPT_PIN] = 0;

	slot = cfg->slot >= 0 ? cfg->slot : kd_pci_bus_free_slot(m->pci, FIRST_SLOT);
	if (slot < 0 || slot > 31) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG, _("no free PCI slot for %s"),
			    address);
		goto fail;
	}
	if (!kd_pci_plug(m->pci, &v->pci, PCI_DEVFN(slot, 0), err)) {
		g_prefix_error(err, "%s: ", address);
		goto fail;
	}
	intx_attach(v);
	v->dev.reset = vfio_pci_reset;
	v->dev.destroy = vfio_pci_destroy;
	v->dev.info = vfio_pci_info;
	v->pci.owner = &v->dev;
	kd_device_add(m, &v->dev, "vfio-pci", v->id);
	return &v->pci;
fail:
	release(v);
	return NULL;
}

const char *kd_vfio_pci_host_address(struct kd_pci_device *dev)
{
	struct vfio_pci *v;

	if (!dev || dev->config_read != config_read)
		return NULL;
	v = dev->opaque;
	return v->host;
}
