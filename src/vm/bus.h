/*
 * One dispatch structure for port I/O and MMIO: devices register regions (a length, handlers
 * and an opaque pointer), map them at a base, and see offsets from that base. Lookup is a binary
 * search over the mapped regions sorted by base. Regions can be mapped, moved and unmapped at
 * run time (BAR programming, hotplug).
 *
 * Locking: every call, dispatch included, happens with the machine lock held (vm.h), so a
 * region never changes or disappears under a vCPU that is inside its handler.
 */
#ifndef KD_VM_BUS_H
#define KD_VM_BUS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

struct kd_io_ops {
	/* size is 1, 2, 4 or 8 and offset + size <= the region's length: the bus splits
	 * accesses that would cross the end. NULL handlers read as all-ones / ignore writes. */
	uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
	void (*write)(void *opaque, uint64_t offset, uint64_t value, unsigned size);
};

struct kd_bus;

struct kd_io_region {
	struct kd_bus *bus; /* where it is mapped, NULL when not */
	uint64_t base;
	uint64_t len;
	const struct kd_io_ops *ops;
	void *opaque;
	char *name;
	uint64_t accesses; /* dispatched reads and writes, for info output */
};

struct kd_bus_stats {
	uint64_t unclaimed_reads;
	uint64_t unclaimed_writes;
	uint64_t last_unclaimed_address;
};

struct kd_bus *kd_bus_new(const char *name, uint64_t limit);
void kd_bus_free(struct kd_bus *bus);
const char *kd_bus_name(const struct kd_bus *bus);

struct kd_io_region *kd_io_region_new(const char *name, uint64_t len, const struct kd_io_ops *ops,
				      void *opaque);
/* Unmaps the region if needed and frees it. */
void kd_io_region_free(struct kd_io_region *region);

/* Maps region at base; fails without change when it overlaps another region or the bus limit. */
bool kd_bus_map(struct kd_bus *bus, struct kd_io_region *region, uint64_t base, GError **err);
void kd_bus_unmap(struct kd_io_region *region);
/* Moves a mapped region; on failure it stays where it was. */
bool kd_bus_move(struct kd_io_region *region, uint64_t new_base, GError **err);

/* Guest access at address. Unclaimed reads give all-ones; both kinds are counted. Returns true
 * when a region claimed the (first byte of the) access. */
bool kd_bus_read(struct kd_bus *bus, uint64_t address, void *data, unsigned size);
bool kd_bus_write(struct kd_bus *bus, uint64_t address, const void *data, unsigned size);

struct kd_io_region *kd_bus_find(struct kd_bus *bus, uint64_t address);
void kd_bus_get_stats(const struct kd_bus *bus, struct kd_bus_stats *stats);
/* Calls fn for every mapped region in address order. */
void kd_bus_foreach(struct kd_bus *bus, void (*fn)(const struct kd_io_region *r, void *data),
		    void *data);

#endif
