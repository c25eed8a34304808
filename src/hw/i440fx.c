/*
 * Intel 82441FX PCI and memory controller (PMC), 00:00.0 (Intel 440FX PCIset datasheet,
 * 290549): the PCI host bridge, configuration mechanism #1 at 0xCF8/0xCFC, and the PAM
 * registers that shadow 0xC0000-0xFFFFF between RAM and the BIOS ROM.
 */
#include "config.h"

#include "hw/i440fx.h"

#include <string.h>

#include "hw/machine.h"
#include "hw/pci.h"
#include "i18n.h"

#define I440FX_PAM0 0x59 /* PAM0..PAM6: 0x59-0x5F */
#define I440FX_PAM_COUNT 7
#define I440FX_SMRAM 0x72
#define SMRAM_D_LCK 0x10
#define SMRAM_DEFAULT 0x02 /* C_BASE_SEG = 010b: the SMRAM window would be at 0xA0000 */

#define PAM_SEGMENTS 13
#define PAM_RE 0x1
#define PAM_WE 0x2
#define PAM_RAM_RW 0x33 /* both nibbles read-write: what firmware leaves behind */

#define BIOS_ALIAS_START 0xE0000u
#define CONFIG_PORT 0xCF8
#define RESET_CONTROL_PORT 0xCF9

struct pam_segment {
	uint32_t start;
	uint32_t size;
	int slot; /* KVM memslot while mapped as RAM or ROM, else -1 */
	unsigned mode; /* PAM_RE | PAM_WE, or 0 */
	struct kd_io_region *write_only; /* mode PAM_WE: reads from ROM, writes to RAM */
};

struct kd_i440fx {
	struct kd_device dev;
	struct kd_pci_device pci;
	struct kd_machine *machine;
	struct kd_io_region *config_ports;
	struct pam_segment pam[PAM_SEGMENTS];
	bool no_firmware;
	void (*reset_control)(void *opaque, uint8_t value);
	void *reset_opaque;
};

/* Segment i's PAM register and nibble: PAM0's high nibble is 0xF0000-0xFFFFF; PAM1-6 each
 * hold two 16 KiB segments from 0xC0000 up. */
static void pam_location(unsigned i, unsigned *reg, unsigned *shift)
{
	if (i == 0) {
		*reg = I440FX_PAM0;
		*shift = 4;
	} else {
		*reg = I440FX_PAM0 + 1 + (i - 1) / 2;
		*shift = (i - 1) % 2 ? 4 : 0;
	}
}

/* What the CPU reads in a segment when PAM does not route reads to RAM. */
static const uint8_t *rom_behind(struct kd_i440fx *h, const struct pam_segment *s)
{
	size_t alias_len;
	const uint8_t *alias;

	if (s->start < BIOS_ALIAS_START || !h->machine->bios)
		return NULL;
	alias = kd_pc_bios_alias(h->machine, &alias_len);
	if (s->start - BIOS_ALIAS_START + s->size > alias_len)
		return NULL;
	return alias + (s->start - (0x100000u - alias_len));
}

struct write_only_ctx {
	struct kd_i440fx *h;
	struct pam_segment *s;
};

static uint64_t wo_read(void *opaque, uint64_t offset, unsigned size)
{
	struct write_only_ctx *c = opaque;
	const uint8_t *rom = rom_behind(c->h, c->s);
	uint64_t v = 0;

	if (!rom)
		return ~0ull;
	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)rom[offset + i] << (8 * i);
	return v;
}

static void wo_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct write_only_ctx *c = opaque;
	uint8_t *ram = kd_vm_ram_at(c->h->machine->vm, c->s->start + offset);

	for (unsigned i = 0; ram && i < size; i++)
		ram[i] = (uint8_t)(value >> (8 * i));
}

static const struct kd_io_ops write_only_ops = {
	.read = wo_read,
	.write = wo_write,
};

static void unmap_segment(struct kd_i440fx *h, struct pam_segment *s)
{
	if (s->slot >= 0)
		kd_vm_unmap_memory(h->machine->vm, s->slot);
	s->slot = -1;
	if (s->write_only) {
		g_free(s->write_only->opaque);
		kd_io_region_free(s->write_only);
		s->write_only = NULL;
	}
}

/* Maps one segment for its PAM mode: RAM read-write, RAM read-only (writes exit and are
 * dropped), ROM or nothing (reads from the PCI side), or the rare write-only mode. */
static void map_segment(struct kd_i440fx *h, struct pam_segment *s, unsigned mode)
{
	struct kd_vm *vm = h->machine->vm;
	const uint8_t *rom;
	g_autoptr(GError) err = NULL;

	unmap_segment(h, s);
	s->mode = mode;
	if (mode & PAM_RE) {
		s->slot = kd_vm_map_memory(vm, s->start, s->size, kd_vm_ram_at(vm, s->start),
					   !(mode & PAM_WE), &err);
	} else if (mode & PAM_WE) {
		struct write_only_ctx *c = g_new0(struct write_only_ctx, 1);

		c->h = h;
		c->s = s;
		s->write_only = kd_io_region_new("pam-write-only", s->size, &write_only_ops, c);
		if (!kd_bus_map(kd_vm_mmio(vm), s->write_only, s->start, &err)) {
			g_free(c);
			kd_io_region_free(s->write_only);
			s->write_only = NULL;
		}
	} else if ((rom = rom_behind(h, s)) != NULL) {
		s->slot = kd_vm_map_memory(vm, s->start, s->size, (void *)rom, true, &err);
	}
	if (err)
		g_warning("PAM %#x: %s", s->start, err->message);
}

static void update_pam(struct kd_i440fx *h)
{
	for (unsigned i = 0; i < PAM_SEGMENTS; i++) {
		unsigned reg, shift, mode;

		pam_location(i, &reg, &shift);
		mode = (h->pci.config[reg] >> shift) & (PAM_RE | PAM_WE);
		if (mode != h->pam[i].mode || (h->pam[i].slot < 0 && !h->pam[i].write_only))
			map_segment(h, &h->pam[i], mode);
	}
}

static void config_written(struct kd_pci_device *pci, unsigned offset, uint32_t value,
			   unsigned size)
{
	struct kd_i440fx *h = pci->opaque;

	if (offset < I440FX_PAM0 + I440FX_PAM_COUNT && offset + size > I440FX_PAM0)
		update_pam(h);
	/* D_LCK freezes the SMRAM register until reset (there is no SMM behind it). */
	if (pci->config[I440FX_SMRAM] & SMRAM_D_LCK)
		pci->wmask[I440FX_SMRAM] = 0;
}

/* ------------------------------------------------------------------ 0xCF8-0xCFF */
static uint64_t config_port_read(void *opaque, uint64_t offset, unsigned size)
{
	struct kd_i440fx *h = opaque;

	if (offset >= 4)
		return kd_pci_config_data_read(h->machine->pci, (unsigned)offset - 4, size);
	if (offset == 0 && size == 4)
		return kd_pci_config_address(h->machine->pci);
	return ~0ull; /* byte and word accesses to 0xCF8-0xCFB are not the address register */
}

static void config_port_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct kd_i440fx *h = opaque;

	if (offset >= 4)
		kd_pci_config_data_write(h->machine->pci, (unsigned)offset - 4, (uint32_t)value,
					 size);
	else if (offset == 0 && size == 4)
		kd_pci_set_config_address(h->machine->pci, (uint32_t)value);
	else if (offset == 1 && size == 1 && h->reset_control)
		h->reset_control(h->reset_opaque, (uint8_t)value);
}

static const struct kd_io_ops config_port_ops = {
	.read = config_port_read,
	.write = config_port_write,
};

static void i440fx_reset(struct kd_device *dev)
{
	struct kd_i440fx *h = (struct kd_i440fx *)dev;

	kd_pci_device_reset(&h->pci);
	for (unsigned i = 0; i < I440FX_PAM_COUNT; i++)
		h->pci.config[I440FX_PAM0 + i] = h->no_firmware ? PAM_RAM_RW : 0;
	h->pci.config[I440FX_PAM0] &= 0xF0; /* PAM0's low nibble is reserved */
	h->pci.config[I440FX_SMRAM] = SMRAM_DEFAULT;
	h->pci.wmask[I440FX_SMRAM] = 0x78;
	kd_pci_set_config_address(h->machine->pci, 0);
	update_pam(h);
}

static void i440fx_destroy(struct kd_device *dev)
{
	struct kd_i440fx *h = (struct kd_i440fx *)dev;

	kd_pci_unplug(&h->pci);
	for (unsigned i = 0; i < PAM_SEGMENTS; i++)
		unmap_segment(h, &h->pam[i]);
	kd_io_region_free(h->config_ports);
	g_free(h);
}

struct kd_i440fx *kd_i440fx_create(struct kd_machine *m, bool no_firmware, GError **err)
{
	struct kd_i440fx *h = g_new0(struct kd_i440fx, 1);

	h->machine = m;
	h->no_firmware = no_firmware;
	for (unsigned i = 0; i < PAM_SEGMENTS; i++) {
		h->pam[i].start = i == 0 ? 0xF0000u : 0xC0000u + (i - 1) * 0x4000u;
		h->pam[i].size = i == 0 ? 0x10000u : 0x4000u;
		h->pam[i].slot = -1;
		h->pam[i].mode = ~0u; /* forces the first mapping */
	}
	kd_pci_device_init(&h->pci, "i440FX", 0x8086, 0x1237, 0x02, 0x060000, 0);
	h->pci.opaque = h;
	h->pci.config_written = config_written;
	for (unsigned i = 0; i < I440FX_PAM_COUNT; i++)
		h->pci.wmask[I440FX_PAM0 + i] = i == 0 ? 0x30 : 0x33;
	h->pci.wmask[I440FX_SMRAM] = 0x78;
	h->config_ports = kd_io_region_new("pci-conf", 8, &config_port_ops, h);
	if (!kd_bus_map(kd_vm_pio(m->vm), h->config_ports, CONFIG_PORT, err) ||
	    !kd_pci_plug(m->pci, &h->pci, PCI_DEVFN(0, 0), err)) {
		kd_io_region_free(h->config_ports);
		g_free(h);
		return NULL;
	}
	h->dev.reset = i440fx_reset;
	h->dev.destroy = i440fx_destroy;
	kd_device_add(m, &h->dev, "i440FX", "i440fx");
	i440fx_reset(&h->dev);
	return h;
}

void kd_i440fx_set_reset_control(struct kd_i440fx *h, void (*fn)(void *opaque, uint8_t value),
				 void *opaque)
{
	h->reset_control = fn;
	h->reset_opaque = opaque;
}
