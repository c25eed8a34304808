/*
 * VFIO containers, groups and devices (see vfio.h). Containers and groups are shared: every
 * assigned device of a VM lives in one container, so guest RAM is pinned and mapped once; two
 * devices of one IOMMU group share the group.
 */
#include "config.h"

#include "assign/vfio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "i18n.h"
#include "vm/vm.h"

#define VFIO_CONTAINER_PATH "/dev/vfio/vfio"

struct container {
	struct kd_vm *vm;
	int fd;
	unsigned groups;
	bool iommu_set;
};

struct kd_vfio_group {
	int number;
	int fd;
	unsigned devices;
	struct container *container;
};

/* Machine lock held by every caller: these lists need no lock of their own. */
static GPtrArray *containers;
static GPtrArray *groups;

GQuark kd_vfio_error_quark(void)
{
	return g_quark_from_static_string("kd-vfio-error-quark");
}

/* ------------------------------------------------------------------ containers */

static bool map_dma(struct container *c, uint64_t iova, void *hva, uint64_t size, GError **err)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)hva,
		.iova = iova,
		.size = size,
	};

	if (!size || ioctl(c->fd, VFIO_IOMMU_MAP_DMA, &map) == 0)
		return true;
	g_set_error(err, KD_VFIO_ERROR, KD_VFIO_ERROR_UNAVAILABLE,
		    _("cannot map guest RAM [%#" G_GINT64_MODIFIER "x, %#" G_GINT64_MODIFIER
		      "x) for the device's DMA: %s%s"),
		    iova, iova + size, g_strerror(errno),
		    errno == ENOMEM ? _(" (the locked-memory limit, ulimit -l, must cover the "
					"guest's RAM)")
				    : "");
	return false;
}

/* The guest's RAM at IOVA = guest-physical address: what a device's DMA addresses mean to
 * the guest. RAM does not change while the VM lives (no memory hotplug), so this is done
 * once, when the IOMMU is set. */
static bool map_guest_ram(struct container *c, GError **err)
{
	struct kd_vm *vm = c->vm;
	uint64_t below = kd_vm_ram_below_4g(vm), above = kd_vm_ram_above_4g(vm);

	return map_dma(c, 0, kd_vm_ram_at(vm, 0), below, err) &&
	       (!above || map_dma(c, 1ull << 32, kd_vm_ram_at(vm, below), above, err));
}

static struct container *container_get(struct kd_vm *vm, GError **err)
{
	struct container *c;
	int fd, version;

	for (guint i = 0; containers && i < containers->len; i++) {
		c = g_ptr_array_index(containers, i);
		if (c->vm == vm)
			return c;
	}
	fd = open(VFIO_CONTAINER_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		g_set_error(err, KD_VFIO_ERROR, KD_VFIO_ERROR_UNAVAILABLE,
			    _("cannot open %s: %s (is the vfio module loaded?)"),
			    VFIO_CONTAINER_PATH, g_strerror(errno));
		return NULL;
	}
	version = ioctl(fd, VFIO_GET_API_VERSION);
	if (version != VFIO_API_VERSION) {
		g_set_error(err, KD_VFIO_ERROR, KD_VFIO_ERROR_UNAVAILABLE,
			    _("VFIO API version %d, kvmdesk speaks %d"), version, VFIO_API_VERSION);
		close(fd);
		return NULL;
	}
	if (ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) <= 0 &&
	    ioctl(fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) <= 0) {
		g_set_error(err, KD_VFIO_ERROR, KD_VFIO_ERROR_UNAVAILABLE,
			    _("VFIO has no type1 IOMMU driver (load vfio_iommu_type1)"));
		close(fd);
		return NULL;
	}
	c = g_new0(struct container, 1);
	c->vm = vm;
	c->fd = fd;
	if (!containers)
		containers = g_ptr_array_new();
	g_ptr_array_add(containers, c);
	return c;
}

static void container_put(struct container *c)
{
	if (--c->groups)
		return;
	g_ptr_array_remove(containers, c);
	close(c->fd); /* unmaps and unpins everything */
	g_free(c);
}

/* ------------------------------------------------------------------ groups */

static int group_number(const char *address, GError **err)
{
	g_autofree char *link = g_strdup_printf("/sys/bus/pci/devices/%s/iommu_group", address);
	g_autofree char *target = g_file_read_link(link, NULL);
	g_autofree char *base = NULL;

	if (!target) {
		g_set_error(err, KD_VFIO_ERROR, KD_VFIO_ERROR_GROUP,
			    _("%s is in no IOMMU group (no IOMMU, or it is off)"), address);
		return -1;
	}
	base = g_path_get_basename(target);
	return atoi(base);
}

static struct kd_vfio_group *group_get(struct kd_vm *vm, int number, GError **err)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	struct kd_vfio_group *g;
	struct container *c;
	g_autofree char *path = g_strdup_printf("/dev/vfio/%d", number);
	int fd;

	for (guint i = 0; groups && i < groups->len; i++) {
		g = g_ptr_array_index(groups, i);
		if (g->number == number && g->container->vm == vm) {
			g->devices++;
			return g;
		}
	}
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		g_set_error(err, KD_VFIO_ERROR, KD_VFIO_ERROR_GROUP, _("cannot open %s: %s%s"),
			    path, g_strerror(errno),
			    errno == EBUSY ? _(" (another program holds the group)") : "");
		return NULL;
	}
	if (ioctl(fd, VFIO_GROUP_GET_STATUS, &status) < 0 ||
	    !(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		g_set_error(err, KD_VFIO_ERROR, KD_VFIO_ERROR_GROUP,
			    _("IOMMU group %d is not viable: every device in "
			      "/sys/kernel/iommu_groups/%d/devices must be bound to vfio-pci or to "
			      "no driver"),
			    number, number);
		close(fd);
		return NULL;
	}
	c = container_get(vm, err);
	if (!c) {
		close(fd);
		return NULL;
	}
	if (ioctl(fd, VFIO_GROUP_SET_CONTAINER, &c->fd) < 0) {
		g_set_error(err, KD_VFIO_ERROR, KD_VFIO_ERROR_GROUP,
			    _("IOMMU group %d cannot join the VM's container: %s"), number,
			    g_strerror(errno));
		close(fd);
		if (!c->groups) {
			c->groups = 1;
			container_put(c);
		}
		return NULL;
	}
	c->groups++;
	if (!c->iommu_set) {
		int type = ioctl(c->fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0
				   ? VFIO_TYPE1v2_IOMMU
				   : VFIO_TYPE1_IOMMU;

		if (ioctl(c->fd, VFIO_SET_IOMMU, type) < 0) {
			g_set_error(err, KD_VFIO_ERROR, KD_VFIO_ERROR_UNAVAILABLE,
				    _("cannot set the VFIO IOMMU type: %s"), g_strerror(errno));
			close(fd);
			container_put(c);
			return NULL;
		}
		c->iommu_set = true;
		if (!map_guest_ram(c, err)) {
			close(fd);
			container_put(c);
			return NULL;
		}
	}
	g = g_new0(struct kd_vfio_group, 1);
	g->number = number;
	g->fd = fd;
	g->devices = 1;
	g->container = c;
	if (!groups)
		groups = g_ptr_array_new();
	g_ptr_array_add(groups, g);
	return g;
}

static void group_put(struct kd_vfio_group *g)
{
	if (--g->devices)
		return;
	g_ptr_array_remove(groups, g);
	ioctl(g->fd, VFIO_GROUP_UNSET_CONTAINER);
	close(g->fd);
	container_put(g->container);
	g_free(g);
}

/* ------------------------------------------------------------------ devices */

struct kd_vfio_device *kd_vfio_device_open(struct kd_vm *vm, const char *address, GError **err)
{
	struct kd_vfio_device *d = g_new0(struct kd_vfio_device, 1);

	d->fd = -1;
	d->address = g_strdup(address);
	d->group_number = group_number(address, err);
	if (d->group_number < 0)
		goto fail;
	d->group = group_get(vm, d->group_number, err);
	if (!d->group)
		goto fail;
	d->fd = ioctl(d->group->fd, VFIO_GROUP_GET_DEVICE_FD, address);
	if (d->fd < 0) {
		g_set_error(err, KD_VFIO_ERROR, KD_VFIO_ERROR_DEVICE,
			    _("cannot get %s from its IOMMU group: %s"), address,
			    g_strerror(errno));
		goto fail;
	}
	d->info.argsz = sizeof(d->info);
	if (ioctl(d->fd, VFIO_DEVICE_GET_INFO, &d->info) < 0 ||
	    !(d->info.flags & VFIO_DEVICE_FLAGS_PCI) ||
	    d->info.num_regions < VFIO_PCI_CONFIG_REGION_INDEX + 1) {
		g_set_error(err, KD_VFIO_ERROR, KD_VFIO_ERROR_DEVICE,
			    _("%s is not a VFIO PCI device"), address);
		goto fail;
	}
	for (unsigned i = 0; i < VFIO_PCI_NUM_REGIONS && i < d->info.num_regions; i++) {
		d->regions[i].argsz = sizeof(d->regions[i]);
		d->regions[i].index = i;
		if (ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &d->regions[i]) < 0)
			memset(&d->regions[i], 0, sizeof(d->regions[i]));
	}
	for (unsigned i = 0; i < VFIO_PCI_NUM_IRQS && i < d->info.num_irqs; i++) {
		d->irqs[i].argsz = sizeof(d->irqs[i]);
		d->irqs[i].index = i;
		if (ioctl(d->fd, VFIO_DEVICE_GET_IRQ_INFO, &d->irqs[i]) < 0)
			memset(&d->irqs[i], 0, sizeof(d->irqs[i]));
	}
	return d;
fail:
	kd_vfio_device_close(d);
	return NULL;
}

void kd_vfio_device_close(struct kd_vfio_device *d)
{
	if (!d)
		return;
	if (d->fd >= 0)
		close(d->fd);
	if (d->group)
		group_put(d->group);
	g_free(d->address);
	g_free(d);
}

static bool region_ok(const struct kd_vfio_device *d, unsigned index, uint64_t offset, size_t len)
{
	const struct vfio_region_info *r = &d->regions[index];

	return index < VFIO_PCI_NUM_REGIONS && offset <= r->size && len <= r->size - offset;
}

bool kd_vfio_region_read(struct kd_vfio_device *d, unsigned index, uint64_t offset, void *buf,
			 size_t len)
{
	if (!region_ok(d, index, offset, len))
		return false;
	return pread(d->fd, buf, len, (off_t)(d->regions[index].offset + offset)) == (ssize_t)len;
}

bool kd_vfio_region_write(struct kd_vfio_device *d, unsigned index, uint64_t offset,
			  const void *buf, size_t len)
{
	if (!region_ok(d, index, offset, len))
		return false;
	return pwrite(d->fd, buf, len, (off_t)(d->regions[index].offset + offset)) == (ssize_t)len;
}

void *kd_vfio_region_mmap(struct kd_vfio_device *d, unsigned index)
{
	const struct vfio_region_info *r = &d->regions[index];
	void *p;

	if (index >= VFIO_PCI_NUM_REGIONS || !(r->flags & VFIO_REGION_INFO_FLAG_MMAP) || !r->size)
		return NULL;
	p = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, (off_t)r->offset);
	return p == MAP_FAILED ? NULL : p;
}

bool kd_vfio_set_irq_eventfds(struct kd_vfio_device *d, unsigned index, unsigned start,
			      unsigned count, const int *fds, GError **err)
{
	size_t size = sizeof(struct vfio_irq_set) + sizeof(int32_t) * count;
	g_autofree struct vfio_irq_set *set = g_malloc0(size);

	set->argsz = (uint32_t)size;
	set->flags = (count ? VFIO_IRQ_SET_DATA_EVENTFD : VFIO_IRQ_SET_DATA_NONE) |
		     VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = index;
	set->start = start;
	set->count = count;
	if (count)
		memcpy(set->data, fds, sizeof(int32_t) * count);
	if (ioctl(d->fd, VFIO_DEVICE_SET_IRQS, set) == 0)
		return true;
	g_set_error(err, KD_VFIO_ERROR, KD_VFIO_ERROR_DEVICE,
		    _("%s: cannot %s interrupt index %u (%u vectors): %s"), d->address,
		    count ? _("enable") : _("disable"), index, count, g_strerror(errno));
	return false;
}

bool kd_vfio_set_intx_unmask_fd(struct kd_vfio_device *d, int fd, GError **err)
{
	size_t size = sizeof(struct vfio_irq_set) + sizeof(int32_t);
	g_autofree struct vfio_irq_set *set = g_malloc0(size);

	set->argsz = (uint32_t)size;
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK;
	set->index = VFIO_PCI_INTX_IRQ_INDEX;
	set->count = 1;
	memcpy(set->data, &fd, sizeof(int32_t));
	if (ioctl(d->fd, VFIO_DEVICE_SET_IRQS, set) == 0)
		return true;
	g_set_error(err, KD_VFIO_ERROR, KD_VFIO_ERROR_DEVICE,
		    _("%s: cannot attach the INTx unmask eventfd: %s"), d->address,
		    g_strerror(errno));
	return false;
}

bool kd_vfio_reset(struct kd_vfio_device *d)
{
	if (!(d->info.flags & VFIO_DEVICE_FLAGS_RESET))
		return false;
	return ioctl(d->fd, VFIO_DEVICE_RESET) == 0;
}
