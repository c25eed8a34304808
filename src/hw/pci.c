/*
 * PCI bus 0: configuration space, BAR mapping and INTx routing (see pci.h).
 */
#include "config.h"

#include "hw/pci.h"

#include <inttypes.h>
#include <string.h>

#include "hw/machine.h"
#include "i18n.h"

#define PCI_MAX_DEVFN 256
#define PIRQ_COUNT 4
#define PIRQ_INPUT_BASE 16 /* kd_vm_set_irq inputs 16..19 are PIRQA..D */
#define IO_SPACE_END 0x10000ull
#define MMIO_SPACE_END (1ull << 52)

struct kd_pci_bus {
	struct kd_machine *machine;
	struct kd_pci_device *devices[PCI_MAX_DEVFN];
	uint32_t config_address;
	unsigned pirq_count[PIRQ_COUNT]; /* devices asserting each PIRQ */
	int pirq_irq[PIRQ_COUNT]; /* ISA IRQ each PIRQ drives now, -1 when disabled */
	kd_pci_route_fn route;
	void *route_opaque;
};

struct kd_pci_bus *kd_pci_bus_new(struct kd_machine *m)
{
	struct kd_pci_bus *bus = g_new0(struct kd_pci_bus, 1);

	bus->machine = m;
	for (unsigned i = 0; i < PIRQ_COUNT; i++)
		bus->pirq_irq[i] = -1;
	return bus;
}

void kd_pci_bus_free(struct kd_pci_bus *bus)
{
	g_free(bus);
}

void kd_pci_bus_set_router(struct kd_pci_bus *bus, kd_pci_route_fn route, void *opaque)
{
	bus->route = route;
	bus->route_opaque = opaque;
}

/* ------------------------------------------------------------------ interrupts */
static unsigned device_pirq(const struct kd_pci_device *dev)
{
	unsigned pin = dev->config[PCI_INTERRUPT_PIN];

	/* The i440FX board's swizzle, which SeaBIOS and our DSDT's _PRT assume as well:
	 * INTA of slot 1 is PIRQA, INTB of slot 1 and INTA of slot 2 are PIRQB, and so on. */
	return (pin - 1 + PCI_SLOT(dev->devfn) - 1) & 3;
}

static void drive_pirq(struct kd_pci_bus *bus, unsigned pirq)
{
	int irq = bus->route ? bus->route(bus->route_opaque, pirq) : -1;
	bool level = bus->pirq_count[pirq] > 0;

	if (bus->pirq_irq[pirq] >= 0 && bus->pirq_irq[pirq] != irq)
		kd_vm_set_irq(bus->machine->vm, (unsigned)bus->pirq_irq[pirq],
			      PIRQ_INPUT_BASE + pirq, false);
	bus->pirq_irq[pirq] = irq;
	if (irq >= 0)
		kd_vm_set_irq(bus->machine->vm, (unsigned)irq, PIRQ_INPUT_BASE + pirq, level);
}

void kd_pci_bus_routing_changed(struct kd_pci_bus *bus)
{
	for (unsigned p = 0; p < PIRQ_COUNT; p++)
		drive_pirq(bus, p);
	for (unsigned i = 0; i < PCI_MAX_DEVFN; i++)
		if (bus->devices[i] && bus->devices[i]->intx_routing_changed)
			bus->devices[i]->intx_routing_changed(bus->devices[i]);
}

int kd_pci_intx_gsi(struct kd_pci_device *dev)
{
	if (!dev->bus || !dev->config[PCI_INTERRUPT_PIN] || !dev->bus->route)
		return -1;
	return dev->bus->route(dev->bus->route_opaque, device_pirq(dev));
}

int kd_pci_bus_free_slot(struct kd_pci_bus *bus, unsigned first)
{
	for (unsigned slot = first; slot < 32; slot++) {
		bool used = false;

		for (unsigned fn = 0; fn < 8; fn++)
			used |= bus->devices[PCI_DEVFN(slot, fn)] != NULL;
		if (!used)
			return (int)slot;
	}
	return -1;
}

/* What actually reaches the PIRQ line: the device's level unless INTx is disabled. */
static bool effective_intx(const struct kd_pci_device *dev)
{
	return dev->intx_level && dev->config[PCI_INTERRUPT_PIN] &&
	       !(kd_pci_get_word(dev->config + PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE);
}

static void update_intx(struct kd_pci_device *dev, bool was_asserted)
{
	bool now = effective_intx(dev);
	unsigned pirq;

	if (dev->intx_level)
		dev->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
	else
		dev->config[PCI_STATUS] &= ~PCI_STATUS_INTERRUPT;
	if (!dev->bus || now == was_asserted)
		return;
	pirq = device_pirq(dev);
	if (now)
		dev->bus->pirq_count[pirq]++;
	else if (dev->bus->pirq_count[pirq])
		dev->bus->pirq_count[pirq]--;
	drive_pirq(dev->bus, pirq);
}

void kd_pci_set_intx(struct kd_pci_device *dev, bool level)
{
	bool was = effective_intx(dev);

	dev->intx_level = level;
	update_intx(dev, was);
}

/* ------------------------------------------------------------------ BARs */
static unsigned bar_offset(int n)
{
	return n == PCI_ROM_SLOT ? PCI_ROM_ADDRESS : PCI_BASE_ADDRESS_0 + 4u * (unsigned)n;
}

/* Where the guest's programming puts BAR n, or KD_PCI_BAR_UNMAPPED. Addresses that cannot be
 * real (0, past the end of the space, the all-ones pattern of BAR sizing) stay unmapped. */
static uint64_t bar_target(const struct kd_pci_device *dev, int n)
{
	const struct kd_pci_bar *bar = &dev->bars[n];
	uint16_t cmd = kd_pci_get_word(dev->config + PCI_COMMAND);
	uint32_t reg = kd_pci_get_long(dev->config + bar_offset(n));
	uint64_t addr, last;

	if (bar->type == KD_PCI_BAR_NONE || !bar->size)
		return KD_PCI_BAR_UNMAPPED;
	if (bar->type == KD_PCI_BAR_IO) {
		if (!(cmd & PCI_COMMAND_IO))
			return KD_PCI_BAR_UNMAPPED;
		addr = reg & ~3u;
		if (addr == 0 || addr + bar->size > IO_SPACE_END)
			return KD_PCI_BAR_UNMAPPED;
		return addr;
	}
	if (!(cmd & PCI_COMMAND_MEMORY))
		return KD_PCI_BAR_UNMAPPED;
	if (n == PCI_ROM_SLOT) {
		if (!(reg & 1))
			return KD_PCI_BAR_UNMAPPED;
		addr = reg & ~0x7FFu;
	} else {
		addr = reg & ~0xFu;
		if (bar->type == KD_PCI_BAR_MEM64)
			addr |= (uint64_t)kd_pci_get_long(dev->config + bar_offset(n) + 4) << 32;
	}
	last = addr + bar->size - 1;
	if (addr == 0 || last < addr || last >= MMIO_SPACE_END)
		return KD_PCI_BAR_UNMAPPED;
	if (bar->type != KD_PCI_BAR_MEM64 && last >= UINT32_MAX)
		return KD_PCI_BAR_UNMAPPED;
	return addr;
}

static void unmap_bar(struct kd_pci_device *dev, int n)
{
	struct kd_pci_bar *bar = &dev->bars[n];

	if (bar->address == KD_PCI_BAR_UNMAPPED)
		return;
	if (bar->region)
		kd_bus_unmap(bar->region);
	if (bar->unmap)
		bar->unmap(dev, n);
	bar->address = KD_PCI_BAR_UNMAPPED;
}

static void update_bars(struct kd_pci_device *dev)
{
	struct kd_vm *vm = dev->bus ? dev->bus->machine->vm : NULL;

	if (!vm)
		return;
	for (int n = 0; n <= PCI_ROM_SLOT; n++) {
		struct kd_pci_bar *bar = &dev->bars[n];
		uint64_t target = bar_target(dev, n);

		if (target == bar->address)
			continue;
		unmap_bar(dev, n);
		if (target == KD_PCI_BAR_UNMAPPED)
			continue;
		if (bar->region) {
			struct kd_bus *space =
				bar->type == KD_PCI_BAR_IO ? kd_vm_pio(vm) : kd_vm_mmio(vm);

			/* A guest may point two BARs at one place; the later one stays off. */
			if (!kd_bus_map(space, bar->region, target, NULL))
				continue;
			if (bar->map)
				bar->map(dev, n, target);
		} else if (bar->map) {
			bar->map(dev, n, target);
		}
		bar->address = target;
	}
}

void kd_pci_device_set_bar(struct kd_pci_device *dev, int n, enum kd_pci_bar_type type,
			   bool prefetchable, uint64_t size, struct kd_io_region *region)
{
	struct kd_pci_bar *bar = &dev->bars[n];
	unsigned off = bar_offset(n);
	uint32_t low_bits = 0, mask;

	g_return_if_fail(n >= 0 && n <= PCI_ROM_SLOT && size && !(size & (size - 1)));
	bar->type = type;
	bar->prefetchable = prefetchable;
	bar->size = size;
	bar->region = region;
	bar->address = KD_PCI_BAR_UNMAPPED;
	if (n == PCI_ROM_SLOT) {
		mask = (uint32_t) ~(size - 1) | 1u; /* address bits and the enable bit */
	} else if (type == KD_PCI_BAR_IO) {
		low_bits = 0x1;
		mask = (uint32_t) ~(size - 1) & ~3u;
	} else {
		low_bits = (type == KD_PCI_BAR_MEM64 ? 0x4 : 0) | (prefetchable ? 0x8 : 0);
		mask = (uint32_t) ~(size - 1) & ~0xFu;
	}
	kd_pci_set_long(dev->config + off, low_bits);
	kd_pci_set_long(dev->wmask + off, mask);
	if (type == KD_PCI_BAR_MEM64 && n < PCI_NUM_BARS - 1) {
		kd_pci_set_long(dev->config + off + 4, 0);
		kd_pci_set_long(dev->wmask + off + 4, (uint32_t)(~(size - 1) >> 32));
	}
}

/* ------------------------------------------------------------------ configuration space */
void kd_pci_device_init(struct kd_pci_device *dev, const char *name, uint16_t vendor,
			uint16_t device, uint8_t revision, uint32_t class_code, uint8_t int_pin)
{
	memset(dev->config, 0, sizeof(dev->config));
	memset(dev->wmask, 0, sizeof(dev->wmask));
	memset(dev->w1cmask, 0, sizeof(dev->w1cmask));
	dev->name = name;
	if (!dev->id)
		dev->id = "";
	kd_pci_set_word(dev->config + PCI_VENDOR_ID, vendor);
	kd_pci_set_word(dev->config + PCI_DEVICE_ID, device);
	dev->config[PCI_REVISION_ID] = revision;
	dev->config[PCI_CLASS_PROG] = (uint8_t)class_code;
	kd_pci_set_word(dev->config + PCI_CLASS_DEVICE, (uint16_t)(class_code >> 8));
	kd_pci_set_word(dev->config + PCI_SUBSYSTEM_VENDOR_ID, KD_PCI_SUBSYSTEM_VENDOR);
	kd_pci_set_word(dev->config + PCI_SUBSYSTEM_ID, KD_PCI_SUBSYSTEM);
	dev->config[PCI_INTERRUPT_PIN] = int_pin;
	/* COMMAND: I/O, memory, bus master, SERR#, INTx disable are the guest's to set. */
	kd_pci_set_word(dev->wmask + PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
							  PCI_COMMAND_MASTER | PCI_COMMAND_SERR |
							  PCI_COMMAND_INTX_DISABLE);
	/* STATUS: the error bits are write-1-to-clear (PCI 3.0, 6.2.3). */
	kd_pci_set_word(dev->w1cmask + PCI_STATUS, 0xF900);
	dev->wmask[PCI_INTERRUPT_LINE] = 0xFF;
	dev->wmask[0x0C] = 0xFF; /* cache line size */
	dev->wmask[0x0D] = 0xFF; /* latency timer */
	for (int n = 0; n <= PCI_ROM_SLOT; n++)
		dev->bars[n].address = KD_PCI_BAR_UNMAPPED;
}

static bool ranges_overlap(unsigned a, unsigned alen, unsigned b, unsigned blen)
{
	return a < b + blen && b < a + alen;
}

uint32_t kd_pci_device_config_read(struct kd_pci_device *dev, unsigned offset, unsigned size)
{
	uint32_t v = 0;

	if (offset >= 256 || size > 4 || offset + size > 256)
		return ~0u;
	if (dev->config_read && dev->config_read(dev, offset, size, &v))
		return v;
	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)dev->config[offset + i] << (8 * i);
	return v;
}

void kd_pci_device_config_write(struct kd_pci_device *dev, unsigned offset, uint32_t value,
				unsigned size)
{
	bool intx_was = effective_intx(dev);

	if (offset >= 256 || size > 4 || offset + size > 256)
		return;
	for (unsigned i = 0; i < size; i++) {
		uint8_t b = (uint8_t)(value >> (8 * i));
		unsigned o = offset + i;

		dev->config[o] = (uint8_t)((dev->config[o] & ~dev->wmask[o]) | (b & dev->wmask[o]));
		dev->config[o] &= (uint8_t) ~(b & dev->w1cmask[o]);
	}
	if (ranges_overlap(offset, size, PCI_COMMAND, 2)) {
		update_intx(dev, intx_was);
		update_bars(dev);
	} else if (ranges_overlap(offset, size, PCI_BASE_ADDRESS_0, 24) ||
		   ranges_overlap(offset, size, PCI_ROM_ADDRESS, 4)) {
		update_bars(dev);
	}
	if (dev->config_written)
		dev->config_written(dev, offset, value, size);
}

void kd_pci_device_reset(struct kd_pci_device *dev)
{
	bool intx_was = effective_intx(dev);

	kd_pci_set_word(dev->config + PCI_COMMAND, 0);
	kd_pci_set_word(dev->config + PCI_STATUS,
			kd_pci_get_word(dev->config + PCI_STATUS) & PCI_STATUS_CAP_LIST);
	dev->config[PCI_INTERRUPT_LINE] = 0;
	for (int n = 0; n <= PCI_ROM_SLOT; n++) {
		unsigned off = bar_offset(n);

		if (dev->bars[n].type == KD_PCI_BAR_NONE)
			continue;
		/* Keep the read-only type bits, clear the address. */
		kd_pci_set_long(dev->config + off, kd_pci_get_long(dev->config + off) &
							   ~kd_pci_get_long(dev->wmask + off));
		if (dev->bars[n].type == KD_PCI_BAR_MEM64 && n < PCI_NUM_BARS - 1)
			kd_pci_set_long(dev->config + off + 4, 0);
	}
	dev->intx_level = false;
	update_intx(dev, intx_was);
	update_bars(dev);
}

/* ------------------------------------------------------------------ plug and unplug */
bool kd_pci_plug(struct kd_pci_bus *bus, struct kd_pci_device *dev, uint8_t devfn, GError **err)
{
	if (bus->devices[devfn]) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_BUSY,
			    _("PCI slot %02x.%x is taken by %s"), PCI_SLOT(devfn), PCI_FUNC(devfn),
			    bus->devices[devfn]->name);
		return false;
	}
	dev->bus = bus;
	dev->devfn = devfn;
	bus->devices[devfn] = dev;
	return true;
}

void kd_pci_unplug(struct kd_pci_device *dev)
{
	struct kd_pci_bus *bus = dev->bus;

	if (!bus)
		return;
	kd_pci_set_intx(dev, false);
	for (int n = 0; n <= PCI_ROM_SLOT; n++)
		unmap_bar(dev, n);
	bus->devices[dev->devfn] = NULL;
	dev->bus = NULL;
}

struct kd_pci_device *kd_pci_find(struct kd_pci_bus *bus, uint8_t devfn)
{
	return bus->devices[devfn];
}

/* ------------------------------------------------------------------ mechanism #1 */
uint32_t kd_pci_config_address(struct kd_pci_bus *bus)
{
	return bus->config_address;
}

void kd_pci_set_config_address(struct kd_pci_bus *bus, uint32_t value)
{
	/* Bits 1:0 read back as zero; bits 30:24 are reserved. */
	bus->config_address = value & 0x80FFFFFCu;
}

static struct kd_pci_device *addressed_device(struct kd_pci_bus *bus)
{
	uint32_t a = bus->config_address;

	if (!(a & 0x80000000u) || ((a >> 16) & 0xFF) != 0)
		return NULL;
	return bus->devices[(a >> 8) & 0xFF];
}

uint32_t kd_pci_config_data_read(struct kd_pci_bus *bus, unsigned offset, unsigned size)
{
	struct kd_pci_device *dev = addressed_device(bus);
	unsigned reg = (bus->config_address & 0xFC) + (offset & 3);

	if (!dev || (offset & 3) + size > 4)
		return size == 4 ? ~0u : (1u << (8 * size)) - 1;
	return kd_pci_device_config_read(dev, reg, size);
}

void kd_pci_config_data_write(struct kd_pci_bus *bus, unsigned offset, uint32_t value,
			      unsigned size)
{
	struct kd_pci_device *dev = addressed_device(bus);
	unsigned reg = (bus->config_address & 0xFC) + (offset & 3);

	if (!dev || (offset & 3) + size > 4)
		return;
	kd_pci_device_config_write(dev, reg, value, size);
}

/* ------------------------------------------------------------------ info pci */
static const struct {
	uint16_t class;
	const char *desc;
} class_names[] = {
	{ 0x0100, "SCSI controller" },
	{ 0x0101, "IDE controller" },
	{ 0x0106, "SATA controller" },
	{ 0x0180, "Storage controller" },
	{ 0x0200, "Ethernet controller" },
	{ 0x0280, "Network controller" },
	{ 0x0300, "VGA controller" },
	{ 0x0380, "Display controller" },
	{ 0x0401, "Audio controller" },
	{ 0x0403, "Audio controller" },
	{ 0x0480, "Multimedia controller" },
	{ 0x0600, "Host bridge" },
	{ 0x0601, "ISA bridge" },
	{ 0x0604, "PCI bridge" },
	{ 0x0680, "Bridge" },
	{ 0x0700, "Serial port" },
	{ 0x0780, "Communication controller" },
	{ 0x0C03, "USB controller" },
	{ 0x0C05, "SMBus" },
	{ 0x00FF, "Unassigned class" },
};

void kd_pci_info(struct kd_pci_bus *bus, GString *out)
{
	for (unsigned devfn = 0; devfn < PCI_MAX_DEVFN; devfn++) {
		struct kd_pci_device *dev = bus ? bus->devices[devfn] : NULL;
		uint16_t class;
		const char *desc = NULL;

		if (!dev)
			continue;
		class = kd_pci_get_word(dev->config + PCI_CLASS_DEVICE);
		for (size_t i = 0; i < G_N_ELEMENTS(class_names); i++)
			if (class_names[i].class == class)
				desc = class_names[i].desc;
		g_string_append_printf(out, "  Bus %2d, device %3u, function %u:\n", 0,
				       PCI_SLOT(devfn), PCI_FUNC(devfn));
		if (desc)
			g_string_append_printf(out, "    %s", desc);
		else
			g_string_append_printf(out, "    Class %04x", class);
		g_string_append_printf(out, ": PCI device %04x:%04x\n",
				       kd_pci_get_word(dev->config + PCI_VENDOR_ID),
				       kd_pci_get_word(dev->config + PCI_DEVICE_ID));
		g_string_append_printf(out, "      PCI subsystem %04x:%04x\n",
				       kd_pci_get_word(dev->config + PCI_SUBSYSTEM_VENDOR_ID),
				       kd_pci_get_word(dev->config + PCI_SUBSYSTEM_ID));
		if (dev->config[PCI_INTERRUPT_PIN])
			g_string_append_printf(out, "      IRQ %u, pin %c\n",
					       dev->config[PCI_INTERRUPT_LINE],
					       'A' + dev->config[PCI_INTERRUPT_PIN] - 1);
		for (int n = 0; n <= PCI_ROM_SLOT; n++) {
			const struct kd_pci_bar *bar = &dev->bars[n];
			uint64_t addr = bar->address;
			uint64_t last =
				addr == KD_PCI_BAR_UNMAPPED ? bar->size - 2 : addr + bar->size - 1;

			if (bar->type == KD_PCI_BAR_NONE)
				continue;
			if (bar->type == KD_PCI_BAR_IO)
				g_string_append_printf(out,
						       "      BAR%d: I/O at 0x%04" PRIx64
						       " [0x%04" PRIx64 "].\n",
						       n, addr, last);
			else
				g_string_append_printf(
					out,
					"      BAR%d: %s%s memory at 0x%08" PRIx64 " [0x%08" PRIx64
					"].\n",
					n, bar->type == KD_PCI_BAR_MEM64 ? "64 bit" : "32 bit",
					bar->prefetchable ? " prefetchable" : "", addr, last);
		}
		if (dev->host_device)
			g_string_append_printf(out, "      assigned host device %s\n",
					       dev->host_device);
		g_string_append_printf(out, "      id \"%s\"\n", dev->id);
	}
}
