/*
 * PCI bus 0 of the PC: configuration space through mechanism #1 (ports 0xCF8/0xCFC), BARs that
 * map and unmap as the guest programs them, and INTx lines routed through the PIIX3's PIRQ
 * registers (PCI Local Bus Specification 3.0, chapter 6; Intel 82371SB (PIIX3) datasheet).
 *
 * Configuration space is data: a value array plus a writable-bits mask and a write-1-to-clear
 * mask; devices hook only what is special about them. All calls: machine lock held.
 */
#ifndef KD_HW_PCI_H
#define KD_HW_PCI_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "le.h"
#include "vm/bus.h"

struct kd_device;
struct kd_machine;
struct kd_pci_bus;
struct kd_pci_device;

/* PCI 3.0, 6.1: configuration header offsets. */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION_ID 0x08
#define PCI_CLASS_PROG 0x09
#define PCI_CLASS_DEVICE 0x0A
#define PCI_HEADER_TYPE 0x0E
#define PCI_BASE_ADDRESS_0 0x10
#define PCI_SUBSYSTEM_VENDOR_ID 0x2C
#define PCI_SUBSYSTEM_ID 0x2E
#define PCI_ROM_ADDRESS 0x30
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_LINE 0x3C
#define PCI_INTERRUPT_PIN 0x3D

#define PCI_COMMAND_IO 0x0001
#define PCI_COMMAND_MEMORY 0x0002
#define PCI_COMMAND_MASTER 0x0004
#define PCI_COMMAND_SERR 0x0100
#define PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS_INTERRUPT 0x0008
#define PCI_STATUS_CAP_LIST 0x0010
#define PCI_HEADER_TYPE_MULTI_FUNCTION 0x80

#define PCI_NUM_BARS 6
#define PCI_ROM_SLOT 6

#define PCI_DEVFN(slot, fn) ((uint8_t)(((slot) << 3) | (fn)))
#define PCI_SLOT(devfn) ((devfn) >> 3)
#define PCI_FUNC(devfn) ((devfn)&7)

/* Subsystem IDs of every function of QEMU's PC, which drivers and firmware have seen for years. */
#define KD_PCI_SUBSYSTEM_VENDOR 0x1AF4
#define KD_PCI_SUBSYSTEM 0x1100

enum kd_pci_bar_type {
	KD_PCI_BAR_NONE,
	KD_PCI_BAR_IO,
	KD_PCI_BAR_MEM32,
	KD_PCI_BAR_MEM64,
};

struct kd_pci_bar {
	enum kd_pci_bar_type type;
	bool prefetchable;
	uint64_t size; /* a power of two */
	/* A trapped BAR dispatches through this region (moved on the I/O or MMIO bus)... */
	struct kd_io_region *region;
	/* ...or the device maps it itself (RAM-backed BARs): called on every change. With a
	 * region too, they are called besides it (memory laid over the trapped region). */
	void (*map)(struct kd_pci_device *dev, int bar, uint64_t address);
	void (*unmap)(struct kd_pci_device *dev, int bar);
	void *map_opaque; /* for map/unmap, when dev->opaque is the device's */
	uint64_t address; /* where it is mapped now, KD_PCI_BAR_UNMAPPED when not */
};

#define KD_PCI_BAR_UNMAPPED UINT64_MAX

struct kd_pci_device {
	struct kd_pci_bus *bus;
	uint8_t devfn;
	const char *name;
	const char *id; /* shown by info pci; "" when none */
	const char *host_device; /* assigned devices: "0000:05:06.0 (name)" for info pci */
	uint8_t config[256];
	uint8_t wmask[256];
	uint8_t w1cmask[256];
	struct kd_pci_bar bars[PCI_NUM_BARS + 1];
	bool intx_level; /* what the device drives on its INTx pin */
	void *opaque;
	/* The machine device that made this function, for cards that can be unplugged (NICs,
	 * assigned devices); NULL for the board's own functions. */
	struct kd_device *owner;
	/* Optional: called after the generic write handling (BAR/COMMAND updates included). */
	void (*config_written)(struct kd_pci_device *dev, unsigned offset, uint32_t value,
			       unsigned size);
	/* Optional: the GSI its INTx pin reaches changed (the guest reprogrammed the PIIX3's PIRQ
	 * routing). For devices that inject INTx in the kernel (VFIO with irqfd). */
	void (*intx_routing_changed)(struct kd_pci_device *dev);
	/* Optional: replaces the value read from config[] for offset (size 1, 2 or 4). */
	bool (*config_read)(struct kd_pci_device *dev, unsigned offset, unsigned size,
			    uint32_t *value);
};

/* The PIIX3 routes PIRQA-D to ISA IRQs; this tells the bus what it programmed. */
typedef int (*kd_pci_route_fn)(void *opaque, unsigned pirq);

struct kd_pci_bus *kd_pci_bus_new(struct kd_machine *m);
void kd_pci_bus_free(struct kd_pci_bus *bus);
void kd_pci_bus_set_router(struct kd_pci_bus *bus, kd_pci_route_fn route, void *opaque);
/* The PIIX3 changed its routing: re-drive the ISA IRQs. */
void kd_pci_bus_routing_changed(struct kd_pci_bus *bus);

/* Mechanism #1 (0xCF8/0xCFC); 0xCF9 byte writes are passed to reset_control. */
uint32_t kd_pci_config_address(struct kd_pci_bus *bus);
void kd_pci_set_config_address(struct kd_pci_bus *bus, uint32_t value);
uint32_t kd_pci_config_data_read(struct kd_pci_bus *bus, unsigned offset, unsigned size);
void kd_pci_config_data_write(struct kd_pci_bus *bus, unsigned offset, uint32_t value,
			      unsigned size);

/* Initialises dev's identity and masks; the device adds BARs and its own registers, then
 * plugs it. */
void kd_pci_device_init(struct kd_pci_device *dev, const char *name, uint16_t vendor,
			uint16_t device, uint8_t revision, uint32_t class_code, uint8_t int_pin);
/* Declares BAR n (its register becomes writable by its size). For trapped BARs, region is
 * created by the caller with the BAR's length. */
void kd_pci_device_set_bar(struct kd_pci_device *dev, int n, enum kd_pci_bar_type type,
			   bool prefetchable, uint64_t size, struct kd_io_region *region);
bool kd_pci_plug(struct kd_pci_bus *bus, struct kd_pci_device *dev, uint8_t devfn, GError **err);
/* Unmaps its BARs, drops its interrupt and removes it from the bus. */
void kd_pci_unplug(struct kd_pci_device *dev);
struct kd_pci_device *kd_pci_find(struct kd_pci_bus *bus, uint8_t devfn);

/* Power-on values again: COMMAND cleared (BARs unmapped), BARs zeroed, INTx low. */
void kd_pci_device_reset(struct kd_pci_device *dev);
/* Drives INTx (ignored while COMMAND.INTX_DISABLE is set, which also shows in STATUS). */
void kd_pci_set_intx(struct kd_pci_device *dev, bool level);
/* The GSI (ISA IRQ) dev's INTx pin is routed to now, or -1 (no pin, routing disabled). */
int kd_pci_intx_gsi(struct kd_pci_device *dev);
/* The first slot from `first` on with no function in it, or -1 when the bus is full. */
int kd_pci_bus_free_slot(struct kd_pci_bus *bus, unsigned first);

/* Reads and writes as the guest does, through masks and side effects. */
uint32_t kd_pci_device_config_read(struct kd_pci_device *dev, unsigned offset, unsigned size);
void kd_pci_device_config_write(struct kd_pci_device *dev, unsigned offset, uint32_t value,
				unsigned size);

/* QEMU's `info pci` text for every function. */
void kd_pci_info(struct kd_pci_bus *bus, GString *out);

/* Configuration arrays are little-endian. */
static inline void kd_pci_set_word(uint8_t *p, uint16_t v)
{
	kd_put_le16(p, v);
}
static inline void kd_pci_set_long(uint8_t *p, uint32_t v)
{
	kd_put_le32(p, v);
}
static inline uint16_t kd_pci_get_word(const uint8_t *p)
{
	return kd_get_le16(p);
}
static inline uint32_t kd_pci_get_long(const uint8_t *p)
{
	return kd_get_le32(p);
}

#endif
