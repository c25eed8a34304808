/*
 * Port-I/O and MMIO dispatch (see bus.h).
 */
#include "config.h"

#include "vm/bus.h"

#include <string.h>

#include "i18n.h"
#include "vm/kvm.h"

struct kd_bus {
	char *name;
	uint64_t limit; /* highest address + 1 (0x10000 for ports) */
	GPtrArray *regions; /* mapped regions, sorted by base, never overlapping */
	struct kd_bus_stats stats;
};

struct kd_bus *kd_bus_new(const char *name, uint64_t limit)
{
	struct kd_bus *bus = g_new0(struct kd_bus, 1);

	bus->name = g_strdup(name);
	bus->limit = limit;
	bus->regions = g_ptr_array_new();
	return bus;
}

void kd_bus_free(struct kd_bus *bus)
{
	if (!bus)
		return;
	for (guint i = 0; i < bus->regions->len; i++) {
		struct kd_io_region *r = g_ptr_array_index(bus->regions, i);

		r->bus = NULL;
	}
	g_ptr_array_free(bus->regions, TRUE);
	g_free(bus->name);
	g_free(bus);
}

const char *kd_bus_name(const struct kd_bus *bus)
{
	return bus->name;
}

struct kd_io_region *kd_io_region_new(const char *name, uint64_t len, const struct kd_io_ops *ops,
				      void *opaque)
{
	struct kd_io_region *r = g_new0(struct kd_io_region, 1);

	r->name = g_strdup(name);
	r->len = len;
	r->ops = ops;
	r->opaque = opaque;
	return r;
}

void kd_io_region_free(struct kd_io_region *region)
{
	if (!region)
		return;
	kd_bus_unmap(region);
	g_free(region->name);
	g_free(region);
}

/* Index of the first mapped region whose end lies above address. */
static guint lower_bound(const struct kd_bus *bus, uint64_t address)
{
	guint lo = 0, hi = bus->regions->len;

	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;
		const struct kd_io_region *r = g_ptr_array_index(bus->regions, mid);

		if (r->base + r->len <= address)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct kd_io_region *kd_bus_find(struct kd_bus *bus, uint64_t address)
{
	guint i = lower_bound(bus, address);
	struct kd_io_region *r;

	if (i >= bus->regions->len)
		return NULL;
	r = g_ptr_array_index(bus->regions, i);
	return address >= r->base ? r : NULL;
}

/* The region (other than self) that [base, base+len) would overlap, or NULL. */
static const struct kd_io_region *overlap(const struct kd_bus *bus, uint64_t base, uint64_t len,
					  const struct kd_io_region *self)
{
	for (guint i = lower_bound(bus, base); i < bus->regions->len; i++) {
		const struct kd_io_region *r = g_ptr_array_index(bus->regions, i);

		if (r->base >= base + len)
			break;
		if (r != self)
			return r;
	}
	return NULL;
}

static bool check_place(struct kd_bus *bus, const struct kd_io_region *region, uint64_t base,
			GError **err)
{
	const struct kd_io_region *other;

	if (region->len == 0 || base > bus->limit || region->len > bus->limit - base) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_BUSY,
			    _("%s: %s at %#" G_GINT64_MODIFIER "x (+%#" G_GINT64_MODIFIER
			      "x) does not fit"),
			    bus->name, region->name, base, region->len);
		return false;
	}
	other = overlap(bus, base, region->len, region);
	if (other) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_BUSY,
			    _("%s: %s at %#" G_GINT64_MODIFIER "x-%#" G_GINT64_MODIFIER
			      "x overlaps %s at %#" G_GINT64_MODIFIER "x-%#" G_GINT64_MODIFIER "x"),
			    bus->name, region->name, base, base + region->len - 1, other->name,
			    other->base, other->base + other->len - 1);
		return false;
	}
	return true;
}

static void insert_sorted(struct kd_bus *bus, struct kd_io_region *region)
{
	g_ptr_array_insert(bus->regions, (gint)lower_bound(bus, region->base), region);
}

bool kd_bus_map(struct kd_bus *bus, struct kd_io_region *region, uint64_t base, GError **err)
{
	g_return_val_if_fail(region->bus == NULL, false);
	if (!check_place(bus, region, base, err))
		return false;
	region->base = base;
	region->bus = bus;
	insert_sorted(bus, region);
	return true;
}

void kd_bus_unmap(struct kd_io_region *region)
{
	if (!region->bus)
		return;
	g_ptr_array_remove(region->bus->regions, region);
	region->bus = NULL;
}

bool kd_bus_move(struct kd_io_region *region, uint64_t new_base, GError **err)
{
	struct kd_bus *bus = region->bus;

	g_return_val_if_fail(bus != NULL, false);
	if (new_base == region->base)
		return true;
	if (!check_place(bus, region, new_base, err))
		return false;
	g_ptr_array_remove(bus->regions, region);
	region->base = new_base;
	insert_sorted(bus, region);
	return true;
}

static bool valid_size(unsigned size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

static uint64_t load_le(const void *data, unsigned size)
{
	const uint8_t *p = data;
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void store_le(void *data, uint64_t v, unsigned size)
{
	uint8_t *p = data;

	for (unsigned i = 0; i < size; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* An access lies wholly inside one region: the common case, dispatched at once. */
static struct kd_io_region *whole_region(struct kd_bus *bus, uint64_t address, unsigned size)
{
	struct kd_io_region *r = kd_bus_find(bus, address);

	if (r && valid_size(size) && address - r->base + size <= r->len)
		return r;
	return NULL;
}

bool kd_bus_read(struct kd_bus *bus, uint64_t address, void *data, unsigned size)
{
	struct kd_io_region *r = whole_region(bus, address, size);
	bool claimed = false;

	if (r) {
		r->accesses++;
		store_le(data,
			 r->ops->read ? r->ops->read(r->opaque, address - r->base, size) : ~0ull,
			 size);
		return true;
	}
	if (!overlap(bus, address, size, NULL)) {
		/* Nothing answers: the bus floats high. Counted so `info` can show it. */
		memset(data, 0xFF, size);
		bus->stats.unclaimed_reads++;
		bus->stats.last_unclaimed_address = address;
		return false;
	}
	/* Crosses a region's edge (or an odd size): byte by byte, each to its owner. */
	for (unsigned i = 0; i < size; i++)
		claimed |= kd_bus_read(bus, address + i, (uint8_t *)data + i, 1);
	return claimed;
}

bool kd_bus_write(struct kd_bus *bus, uint64_t address, const void *data, unsigned size)
{
	struct kd_io_region *r = whole_region(bus, address, size);
	bool claimed = false;

	if (r) {
		r->accesses++;
		if (r->ops->write)
			r->ops->write(r->opaque, address - r->base, load_le(data, size), size);
		return true;
	}
	if (!overlap(bus, address, size, NULL)) {
		bus->stats.unclaimed_writes++;
		bus->stats.last_unclaimed_address = address;
		return false;
	}
	for (unsigned i = 0; i < size; i++)
		claimed |= kd_bus_write(bus, address + i, (const uint8_t *)data + i, 1);
	return claimed;
}

void kd_bus_get_stats(const struct kd_bus *bus, struct kd_bus_stats *stats)
{
	*stats = bus->stats;
}

void kd_bus_foreach(struct kd_bus *bus, void (*fn)(const struct kd_io_region *r, void *data),
		    void *data)
{
	for (guint i = 0; i < bus->regions->len; i++)
		fn(g_ptr_array_index(bus->regions, i), data);
}
