/*
 * A virtual machine: KVM VM, guest RAM and memslots, in-kernel interrupt controllers and PIT,
 * interrupt lines, and the lifecycle run from the owner's main loop.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "i18n.h"
#include "vm/vm-internal.h"

/* Where KVM keeps the pages it needs for real-mode emulation on Intel hosts; the PC e820 map
 * reserves 0xFEFFC000-0xFF000000 for them, as QEMU does. */
#define KD_IDENTITY_MAP_ADDR 0xFEFFC000ull
#define KD_TSS_ADDR 0xFEFFD000ull
#define KD_PCI_HOLE_DEFAULT 0xE0000000ull /* RAM reaching this goes partly above 4 GiB */
#define KD_LOWMEM_ALIGNED 0xC0000000ull
#define KD_VGA_HOLE_START 0xA0000ull
#define KD_BIOS_AREA_END 0x100000ull
#define KD_MIN_RAM (2 * KD_MIB)
#define KD_IOAPIC_PINS 24

static bool vm_ioctl(struct kd_vm *vm, unsigned long request, void *arg, const char *what,
		     GError **err)
{
	if (ioctl(vm->fd, request, arg) < 0) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_KVM, _("%s failed: %s"), what,
			    g_strerror(errno));
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ memory */
int kd_vm_map_memory(struct kd_vm *vm, uint64_t gpa, uint64_t size, void *hva, bool readonly,
		     GError **err)
{
	return kd_vm_map_memory_flags(vm, gpa, size, hva, readonly ? KD_VM_MEM_READONLY : 0, err);
}

int kd_vm_map_memory_flags(struct kd_vm *vm, uint64_t gpa, uint64_t size, void *hva, unsigned flags,
			   GError **err)
{
	bool readonly = flags & KD_VM_MEM_READONLY;
	struct kvm_userspace_memory_region region;
	int slot;

	for (slot = 0; slot < vm->nslots && vm->slots[slot].used; slot++)
		;
	if (slot == vm->nslots) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_MEMORY,
			    _("no free KVM memory slot for %#" PRIx64 "+%#" PRIx64 " (KVM has %d)"),
			    gpa, size, vm->nslots);
		return -1;
	}
	if (readonly && !vm->kvm->has_readonly_mem) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_MEMORY,
			    _("this KVM has no read-only memory slots (KVM_CAP_READONLY_MEM)"));
		return -1;
	}
	memset(&region, 0, sizeof(region));
	region.slot = (uint32_t)slot;
	region.flags = (readonly ? KVM_MEM_READONLY : 0) |
		       (flags & KD_VM_MEM_LOG_DIRTY ? KVM_MEM_LOG_DIRTY_PAGES : 0);
	region.guest_phys_addr = gpa;
	region.memory_size = size;
	region.userspace_addr = (uint64_t)(uintptr_t)hva;
	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_MEMORY,
			    _("cannot map guest memory %#" PRIx64 "+%#" PRIx64 ": %s"), gpa, size,
			    g_strerror(errno));
		return -1;
	}
	vm->slots[slot] = (struct kd_memslot){ true, gpa, size, hva, readonly };
	return slot;
}

void kd_vm_unmap_memory(struct kd_vm *vm, int slot)
{
	struct kvm_userspace_memory_region region;

	if (slot < 0 || slot >= vm->nslots || !vm->slots[slot].used)
		return;
	memset(&region, 0, sizeof(region));
	region.slot = (uint32_t)slot;
	region.guest_phys_addr = vm->slots[slot].gpa;
	ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region);
	vm->slots[slot].used = false;
}

bool kd_vm_get_dirty_log(struct kd_vm *vm, int slot, unsigned long *bitmap)
{
	struct kvm_dirty_log log;

	if (slot < 0 || slot >= vm->nslots || !vm->slots[slot].used)
		return false;
	memset(&log, 0, sizeof(log));
	log.slot = (uint32_t)slot;
	log.dirty_bitmap = bitmap;
	return ioctl(vm->fd, KVM_GET_DIRTY_LOG, &log) == 0;
}

uint64_t kd_vm_ram_size(const struct kd_vm *vm)
{
	return vm->ram_size;
}

uint64_t kd_vm_ram_below_4g(const struct kd_vm *vm)
{
	return vm->below_4g;
}

uint64_t kd_vm_ram_above_4g(const struct kd_vm *vm)
{
	return vm->ram_size - vm->below_4g;
}

void *kd_vm_ram_at(struct kd_vm *vm, uint64_t offset)
{
	return offset < vm->ram_size ? vm->ram + offset : NULL;
}

void *kd_vm_gpa_to_hva(struct kd_vm *vm, uint64_t gpa, uint64_t len)
{
	uint64_t above = vm->ram_size - vm->below_4g;

	if (len == 0)
		len = 1;
	if (gpa < vm->below_4g)
		return len <= vm->below_4g - gpa ? vm->ram + gpa : NULL;
	if (gpa >= KD_4G && gpa - KD_4G < above)
		return len <= above - (gpa - KD_4G) ? vm->ram + vm->below_4g + (gpa - KD_4G) : NULL;
	return NULL;
}

bool kd_vm_read(struct kd_vm *vm, uint64_t gpa, void *buf, uint64_t len)
{
	void *p = kd_vm_gpa_to_hva(vm, gpa, len);

	if (!p)
		return false;
	memcpy(buf, p, len);
	return true;
}

bool kd_vm_write(struct kd_vm *vm, uint64_t gpa, const void *buf, uint64_t len)
{
	void *p = kd_vm_gpa_to_hva(vm, gpa, len);

	if (!p)
		return false;
	memcpy(p, buf, len);
	return true;
}

static bool check_ram_size(const struct kd_vm_config *cfg, GError **err)
{
	struct sysinfo si;
	uint64_t host;

	if (cfg->ram_size < KD_MIN_RAM) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
			    _("guest RAM of %" PRIu64 " bytes is too small: give at least 2 MiB"),
			    cfg->ram_size);
		return false;
	}
	if (sysinfo(&si) == 0) {
		host = ((uint64_t)si.totalram + si.totalswap) * si.mem_unit;
		if (cfg->ram_size > host) {
			g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
				    _("guest RAM of %" PRIu64
				      " MiB is more than this host can back "
				      "(%" PRIu64 " MiB of RAM and swap)"),
				    cfg->ram_size / KD_MIB, host / KD_MIB);
			return false;
		}
	}
	return true;
}

static bool setup_ram(struct kd_vm *vm, const struct kd_vm_config *cfg, GError **err)
{
	uint64_t limit = cfg->below_4g_limit;

	vm->ram_size = cfg->ram_size;
	/* QEMU's i440FX layout: RAM up to 3.5 GiB stays below 4 GiB; more moves the split to
	 * 3 GiB so the PCI hole starts on a gigabyte. */
	if (!limit)
		limit = cfg->ram_size >= KD_PCI_HOLE_DEFAULT ? KD_LOWMEM_ALIGNED
							     : KD_PCI_HOLE_DEFAULT;
	vm->below_4g = MIN(vm->ram_size, limit);
	vm->ram = mmap(NULL, vm->ram_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->ram == MAP_FAILED) {
		vm->ram = NULL;
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_MEMORY,
			    _("cannot allocate %" PRIu64 " MiB of guest RAM: %s"),
			    vm->ram_size / KD_MIB, g_strerror(errno));
		return false;
	}
	/* Identical pages of idle guests can be merged when the host runs KSM. */
	madvise(vm->ram, vm->ram_size, MADV_MERGEABLE);

	/* 0xA0000-0xFFFFF belongs to the chipset: VGA window, option ROMs, BIOS (PAM). */
	if (kd_vm_map_memory(vm, 0, MIN(vm->below_4g, KD_VGA_HOLE_START), vm->ram, false, err) < 0)
		return false;
	if (vm->below_4g > KD_BIOS_AREA_END &&
	    kd_vm_map_memory(vm, KD_BIOS_AREA_END, vm->below_4g - KD_BIOS_AREA_END,
			     vm->ram + KD_BIOS_AREA_END, false, err) < 0)
		return false;
	if (vm->ram_size > vm->below_4g && kd_vm_map_memory(vm, KD_4G, vm->ram_size - vm->below_4g,
							    vm->ram + vm->below_4g, false, err) < 0)
		return false;
	return true;
}

/* ------------------------------------------------------------------ interrupts */
/* The PC's GSI routing (QEMU's, which its ACPI MADT describes): ISA IRQ 0 arrives at IOAPIC
 * pin 2, IRQ n at pin n; ISA IRQs also reach the PICs (IRQ 2 is the cascade). MSI routes
 * follow from GSI 24 up. KVM takes the whole table at every change. */
static bool set_gsi_routing(struct kd_vm *vm, GError **err)
{
	g_autofree struct kvm_irq_routing *table = NULL;
	unsigned n = 0;

	table = g_malloc0(sizeof(*table) + (48 + KD_MAX_MSI_ROUTES) * sizeof(table->entries[0]));
	for (unsigned gsi = 0; gsi < 16; gsi++) {
		if (gsi == 2)
			continue;
		table->entries[n].gsi = gsi;
		table->entries[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		table->entries[n].u.irqchip.irqchip =
			gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE;
		table->entries[n].u.irqchip.pin = gsi & 7;
		n++;
	}
	for (unsigned gsi = 0; gsi < KD_IOAPIC_PINS; gsi++) {
		if (gsi == 2)
			continue;
		table->entries[n].gsi = gsi;
		table->entries[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		table->entries[n].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		table->entries[n].u.irqchip.pin = gsi == 0 ? 2 : gsi;
		n++;
	}
	for (unsigned i = 0; i < KD_MAX_MSI_ROUTES; i++) {
		if (!vm->msi_routes[i].used)
			continue;
		table->entries[n].gsi = KD_MAX_GSI + i;
		table->entries[n].type = KVM_IRQ_ROUTING_MSI;
		table->entries[n].u.msi.address_lo = (uint32_t)vm->msi_routes[i].address;
		table->entries[n].u.msi.address_hi = (uint32_t)(vm->msi_routes[i].address >> 32);
		table->entries[n].u.msi.data = vm->msi_routes[i].data;
		n++;
	}
	table->nr = n;
	return vm_ioctl(vm, KVM_SET_GSI_ROUTING, table, "KVM_SET_GSI_ROUTING", err);
}

int kd_vm_add_msi_route(struct kd_vm *vm, uint64_t address, uint32_t data, GError **err)
{
	for (unsigned i = 0; i < KD_MAX_MSI_ROUTES; i++) {
		if (vm->msi_routes[i].used)
			continue;
		vm->msi_routes[i] = (struct kd_msi_route){ true, address, data };
		if (!set_gsi_routing(vm, err)) {
			vm->msi_routes[i].used = false;
			return -1;
		}
		return (int)(KD_MAX_GSI + i);
	}
	g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_KVM, _("all %d MSI routes are in use"),
		    KD_MAX_MSI_ROUTES);
	return -1;
}

static struct kd_msi_route *msi_route(struct kd_vm *vm, unsigned gsi)
{
	if (gsi < KD_MAX_GSI || gsi >= KD_MAX_GSI + KD_MAX_MSI_ROUTES ||
	    !vm->msi_routes[gsi - KD_MAX_GSI].used)
		return NULL;
	return &vm->msi_routes[gsi - KD_MAX_GSI];
}

bool kd_vm_update_msi_route(struct kd_vm *vm, unsigned gsi, uint64_t address, uint32_t data,
			    GError **err)
{
	struct kd_msi_route *r = msi_route(vm, gsi);

	if (!r) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_KVM, _("GSI %u is not an MSI route"),
			    gsi);
		return false;
	}
	if (r->address == address && r->data == data)
		return true;
	r->address = address;
	r->data = data;
	return set_gsi_routing(vm, err);
}

void kd_vm_remove_msi_route(struct kd_vm *vm, unsigned gsi)
{
	struct kd_msi_route *r = msi_route(vm, gsi);

	if (!r)
		return;
	r->used = false;
	set_gsi_routing(vm, NULL);
}

bool kd_vm_signal_msi(struct kd_vm *vm, uint64_t address, uint32_t data)
{
	struct kvm_msi msi = { 0 };

	msi.address_lo = (uint32_t)address;
	msi.address_hi = (uint32_t)(address >> 32);
	msi.data = data;
	return ioctl(vm->fd, KVM_SIGNAL_MSI, &msi) >= 0;
}

bool kd_vm_add_irqfd(struct kd_vm *vm, unsigned gsi, int fd, int resample_fd, GError **err)
{
	struct kvm_irqfd irqfd = { 0 };

	irqfd.fd = (uint32_t)fd;
	irqfd.gsi = gsi;
	if (resample_fd >= 0) {
		if (!vm->kvm->has_irqfd_resample) {
			g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_KVM,
				    _("this KVM cannot resample irqfds (KVM_CAP_IRQFD_RESAMPLE)"));
			return false;
		}
		irqfd.flags = KVM_IRQFD_FLAG_RESAMPLE;
		irqfd.resamplefd = (uint32_t)resample_fd;
	}
	return vm_ioctl(vm, KVM_IRQFD, &irqfd, "KVM_IRQFD", err);
}

void kd_vm_remove_irqfd(struct kd_vm *vm, unsigned gsi, int fd)
{
	struct kvm_irqfd irqfd = { 0 };

	irqfd.fd = (uint32_t)fd;
	irqfd.gsi = gsi;
	irqfd.flags = KVM_IRQFD_FLAG_DEASSIGN;
	ioctl(vm->fd, KVM_IRQFD, &irqfd);
}

static void fill_ioeventfd(struct kvm_ioeventfd *k, const struct kd_ioeventfd *io, bool deassign)
{
	memset(k, 0, sizeof(*k));
	k->addr = io->addr;
	k->len = io->len;
	k->fd = io->fd;
	k->datamatch = io->value;
	k->flags = (io->pio ? KVM_IOEVENTFD_FLAG_PIO : 0) |
		   (io->match ? KVM_IOEVENTFD_FLAG_DATAMATCH : 0) |
		   (deassign ? KVM_IOEVENTFD_FLAG_DEASSIGN : 0);
}

bool kd_vm_add_ioeventfd(struct kd_vm *vm, const struct kd_ioeventfd *io, GError **err)
{
	struct kvm_ioeventfd k;

	if (!vm->kvm->has_ioeventfd) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_KVM, _("this KVM has no ioeventfd"));
		return false;
	}
	fill_ioeventfd(&k, io, false);
	return vm_ioctl(vm, KVM_IOEVENTFD, &k, "KVM_IOEVENTFD", err);
}

void kd_vm_remove_ioeventfd(struct kd_vm *vm, const struct kd_ioeventfd *io)
{
	struct kvm_ioeventfd k;

	fill_ioeventfd(&k, io, true);
	ioctl(vm->fd, KVM_IOEVENTFD, &k);
}

void kd_vm_set_irq(struct kd_vm *vm, unsigned gsi, unsigned input, bool level)
{
	uint32_t old, now;
	struct kvm_irq_level line;

	if (gsi >= KD_MAX_GSI || input >= 32)
		return;
	old = vm->gsi_inputs[gsi];
	now = level ? old | (1u << input) : old & ~(1u << input);
	vm->gsi_inputs[gsi] = now;
	if (!old == !now)
		return;
	if (now)
		vm->gsi_raised[gsi]++;
	line.irq = gsi;
	line.level = now ? 1 : 0;
	ioctl(vm->fd, KVM_IRQ_LINE, &line);
}

void kd_vm_foreach_memslot(struct kd_vm *vm, kd_vm_memslot_fn fn, void *data)
{
	for (int i = 0; i < vm->nslots; i++) {
		const struct kd_memslot *m = &vm->slots[i];
		bool ram;

		if (!m->used)
			continue;
		ram = (uint8_t *)m->hva >= (uint8_t *)vm->ram &&
		      (uint8_t *)m->hva < (uint8_t *)vm->ram + vm->ram_size;
		fn(m->gpa, m->size, m->readonly, ram, data);
	}
}

uint64_t kd_vm_irq_count(struct kd_vm *vm, unsigned gsi)
{
	return gsi < KD_MAX_GSI ? vm->gsi_raised[gsi] : 0;
}

unsigned kd_vm_irq_lines(void)
{
	return KD_MAX_GSI;
}

void kd_vm_pulse_irq(struct kd_vm *vm, unsigned gsi, unsigned input)
{
	kd_vm_set_irq(vm, gsi, input, true);
	kd_vm_set_irq(vm, gsi, input, false);
}

/* ------------------------------------------------------------------ create and destroy */
static bool create_irqchip_and_pit(struct kd_vm *vm, GError **err)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	uint64_t identity = KD_IDENTITY_MAP_ADDR;

	if (!vm_ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, &identity, "KVM_SET_IDENTITY_MAP_ADDR", err))
		return false;
	if (ioctl(vm->fd, KVM_SET_TSS_ADDR, (unsigned long)KD_TSS_ADDR) < 0) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_KVM, _("KVM_SET_TSS_ADDR failed: %s"),
			    g_strerror(errno));
		return false;
	}
	return vm_ioctl(vm, KVM_CREATE_IRQCHIP, NULL, "KVM_CREATE_IRQCHIP", err) &&
	       vm_ioctl(vm, KVM_CREATE_PIT2, &pit, "KVM_CREATE_PIT2", err) &&
	       set_gsi_routing(vm, err);
}

static bool snapshot_irqchip(struct kd_vm *vm, GError **err)
{
	for (unsigned i = 0; i < 3; i++) {
		vm->irqchip_power_on[i].chip_id = i;
		if (!vm_ioctl(vm, KVM_GET_IRQCHIP, &vm->irqchip_power_on[i], "KVM_GET_IRQCHIP",
			      err))
			return false;
	}
	return vm_ioctl(vm, KVM_GET_PIT2, &vm->pit_power_on, "KVM_GET_PIT2", err);
}

struct kd_vm *kd_vm_new(struct kd_kvm *kvm, const struct kd_vm_config *cfg, GError **err)
{
	struct kd_vm *vm;

	if (cfg->ncpus < 1 || cfg->ncpus > (unsigned)kvm->max_vcpus || cfg->ncpus > 255) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
			    _("%u vCPUs requested; this KVM allows 1 to %d"), cfg->ncpus,
			    MIN(kvm->max_vcpus, 255));
		return NULL;
	}
	if (!check_ram_size(cfg, err))
		return NULL;
	vm = g_new0(struct kd_vm, 1);
	vm->kvm = kvm;
	vm->name = g_strdup(cfg->name ? cfg->name : PACKAGE);
	vm->event_fd = -1;
	vm->nslots = kvm->nr_memslots;
	vm->slots = g_new0(struct kd_memslot, vm->nslots);
	vm->pio = kd_bus_new("ioport", 0x10000);
	vm->mmio = kd_bus_new("mmio", 1ull << 52);
	vm->reset_handlers = g_array_new(FALSE, FALSE, sizeof(struct kd_reset_handler));
	pthread_mutex_init(&vm->lock, NULL);
	pthread_mutex_init(&vm->run_lock, NULL);
	pthread_cond_init(&vm->run_cond, NULL);
	pthread_cond_init(&vm->parked_cond, NULL);
	vm->state = KD_VM_STATE_CREATED;
	kd_vcpu_install_kick_signal();

	vm->fd = ioctl(kvm->fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_KVM, _("KVM_CREATE_VM failed: %s"),
			    g_strerror(errno));
		goto fail;
	}
	vm->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (vm->event_fd < 0) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_KVM, _("eventfd failed: %s"),
			    g_strerror(errno));
		goto fail;
	}
	if (!create_irqchip_and_pit(vm, err) || !setup_ram(vm, cfg, err))
		goto fail;
	vm->vcpus = g_new0(struct kd_vcpu *, cfg->ncpus);
	for (unsigned i = 0; i < cfg->ncpus; i++) {
		vm->vcpus[i] = kd_vcpu_new(vm, i, err);
		if (!vm->vcpus[i])
			goto fail;
		vm->ncpus++;
	}
	if (!snapshot_irqchip(vm, err))
		goto fail;
	return vm;
fail:
	kd_vm_free(vm);
	return NULL;
}

static void stop_threads(struct kd_vm *vm)
{
	pthread_mutex_lock(&vm->run_lock);
	vm->quitting = true;
	vm->run_vcpus = false;
	for (unsigned i = 0; i < vm->ncpus; i++)
		kd_vcpu_kick(vm->vcpus[i]);
	pthread_cond_broadcast(&vm->run_cond);
	pthread_mutex_unlock(&vm->run_lock);
	for (unsigned i = 0; i < vm->ncpus; i++) {
		if (vm->vcpus[i]->thread_started) {
			pthread_join(vm->vcpus[i]->thread, NULL);
			vm->vcpus[i]->thread_started = false;
		}
	}
}

void kd_vm_free(struct kd_vm *vm)
{
	if (!vm)
		return;
	if (vm->vcpus) {
		stop_threads(vm);
		for (unsigned i = 0; i < vm->ncpus; i++)
			kd_vcpu_free(vm->vcpus[i]);
		g_free(vm->vcpus);
	}
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->event_fd >= 0)
		close(vm->event_fd);
	if (vm->ram)
		munmap(vm->ram, vm->ram_size);
	kd_bus_free(vm->pio);
	kd_bus_free(vm->mmio);
	g_array_free(vm->reset_handlers, TRUE);
	pthread_mutex_destroy(&vm->lock);
	pthread_mutex_destroy(&vm->run_lock);
	pthread_cond_destroy(&vm->run_cond);
	pthread_cond_destroy(&vm->parked_cond);
	g_free(vm->slots);
	g_free(vm->last_error);
	g_free(vm->name);
	g_free(vm);
}

const char *kd_vm_name(const struct kd_vm *vm)
{
	return vm->name;
}

struct kd_kvm *kd_vm_kvm(struct kd_vm *vm)
{
	return vm->kvm;
}

int kd_vm_fd(const struct kd_vm *vm)
{
	return vm->fd;
}

unsigned kd_vm_ncpus(const struct kd_vm *vm)
{
	return vm->ncpus;
}

struct kd_vcpu *kd_vm_vcpu(struct kd_vm *vm, unsigned index)
{
	return index < vm->ncpus ? vm->vcpus[index] : NULL;
}

void kd_vm_lock(struct kd_vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	/* Device state the main loop looks at includes the guest's latest queued writes. */
	kd_vm_drain_coalesced(vm);
}

/* ------------------------------------------------------------------ coalesced port writes */

void kd_vm_set_coalesced_ring(struct kd_vm *vm, void *run_mapping, size_t mapping_size)
{
	long page = sysconf(_SC_PAGESIZE);

	if (vm->coalesced || kd_kvm_check_extension(vm->kvm, KVM_CAP_COALESCED_PIO) <= 0 ||
	    mapping_size < (size_t)page * (KVM_COALESCED_MMIO_PAGE_OFFSET + 1))
		return;
	vm->coalesced = (struct kvm_coalesced_mmio_ring *)((uint8_t *)run_mapping +
							   page * KVM_COALESCED_MMIO_PAGE_OFFSET);
	vm->coalesced_max = (unsigned)(((size_t)page - sizeof(struct kvm_coalesced_mmio_ring)) /
				       sizeof(struct kvm_coalesced_mmio));
}

void kd_vm_drain_coalesced(struct kd_vm *vm)
{
	struct kvm_coalesced_mmio_ring *ring = vm->coalesced;

	if (!ring)
		return;
	while (__atomic_load_n(&ring->first, __ATOMIC_ACQUIRE) !=
	       __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE)) {
		uint32_t first = ring->first;
		struct kvm_coalesced_mmio *e;

		if (first >= vm->coalesced_max) { /* never from a sane kernel; do not index */
			ring->first = ring->last;
			break;
		}
		e = &ring->coalesced_mmio[first];
		if (e->len && e->len <= sizeof(e->data))
			kd_bus_write(e->pio ? vm->pio : vm->mmio, e->phys_addr, e->data, e->len);
		__atomic_store_n(&ring->first, (first + 1) % vm->coalesced_max, __ATOMIC_RELEASE);
	}
}

bool kd_vm_coalesce_pio(struct kd_vm *vm, uint16_t port, unsigned len)
{
	struct kvm_coalesced_mmio_zone zone = { .addr = port, .size = len, .pio = 1 };

	if (kd_kvm_check_extension(vm->kvm, KVM_CAP_COALESCED_PIO) <= 0)
		return false;
	return ioctl(vm->fd, KVM_REGISTER_COALESCED_MMIO, &zone) == 0;
}

void kd_vm_uncoalesce_pio(struct kd_vm *vm, uint16_t port, unsigned len)
{
	struct kvm_coalesced_mmio_zone zone = { .addr = port, .size = len, .pio = 1 };

	kd_vm_drain_coalesced(vm);
	if (ioctl(vm->fd, KVM_UNREGISTER_COALESCED_MMIO, &zone) < 0 && errno != ENXIO)
		g_warning("cannot stop coalescing ports %#x+%u: %s", port, len, g_strerror(errno));
}

bool kd_vm_coalesce_mmio(struct kd_vm *vm, uint64_t addr, uint32_t len)
{
	struct kvm_coalesced_mmio_zone zone = { .addr = addr, .size = len };

	/* The ring lives in the first vCPU's mapping, set up only where KVM coalesces ports
	 * too; without it the writes would queue with nobody draining them. */
	if (kd_kvm_check_extension(vm->kvm, KVM_CAP_COALESCED_MMIO) <= 0 ||
	    kd_kvm_check_extension(vm->kvm, KVM_CAP_COALESCED_PIO) <= 0)
		return false;
	return ioctl(vm->fd, KVM_REGISTER_COALESCED_MMIO, &zone) == 0;
}

void kd_vm_uncoalesce_mmio(struct kd_vm *vm, uint64_t addr, uint32_t len)
{
	struct kvm_coalesced_mmio_zone zone = { .addr = addr, .size = len };

	kd_vm_drain_coalesced(vm);
	if (ioctl(vm->fd, KVM_UNREGISTER_COALESCED_MMIO, &zone) < 0 && errno != ENXIO)
		g_warning("cannot stop coalescing MMIO %#" PRIx64 "+%u: %s", addr, len,
			  g_strerror(errno));
}

void kd_vm_unlock(struct kd_vm *vm)
{
	pthread_mutex_unlock(&vm->lock);
}

struct kd_bus *kd_vm_pio(struct kd_vm *vm)
{
	return vm->pio;
}

struct kd_bus *kd_vm_mmio(struct kd_vm *vm)
{
	return vm->mmio;
}

void kd_vm_add_reset_handler(struct kd_vm *vm, void (*fn)(void *opaque), void *opaque)
{
	struct kd_reset_handler h = { fn, opaque };

	g_array_append_val(vm->reset_handlers, h);
}

void kd_vm_remove_reset_handler(struct kd_vm *vm, void (*fn)(void *opaque), void *opaque)
{
	for (guint i = 0; i < vm->reset_handlers->len; i++) {
		struct kd_reset_handler *h =
			&g_array_index(vm->reset_handlers, struct kd_reset_handler, i);

		if (h->fn == fn && h->opaque == opaque) {
			g_array_remove_index(vm->reset_handlers, i);
			return;
		}
	}
}

void kd_vm_set_boot(struct kd_vm *vm, kd_vm_boot_fn fn, void *opaque)
{
	vm->boot_fn = fn;
	vm->boot_opaque = opaque;
}

void kd_vm_set_no_reboot(struct kd_vm *vm, bool no_reboot)
{
	vm->no_reboot = no_reboot;
}

void kd_vm_get_stats(struct kd_vm *vm, struct kd_vm_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	for (unsigned i = 0; i < vm->ncpus; i++) {
		stats->exits += vm->vcpus[i]->exits;
		stats->exits_io += vm->vcpus[i]->exits_io;
		stats->exits_mmio += vm->vcpus[i]->exits_mmio;
		stats->exits_other += vm->vcpus[i]->exits_other;
	}
	stats->resets = vm->resets;
}

/* ------------------------------------------------------------------ run control */
/* Stops every vCPU thread at its next exit and waits until all are parked. Called from the
 * main loop without the machine lock (a vCPU may be waiting for it). */
static void stop_vcpus(struct kd_vm *vm)
{
	unsigned started = 0;

	pthread_mutex_lock(&vm->run_lock);
	vm->run_vcpus = false;
	for (unsigned i = 0; i < vm->ncpus; i++) {
		kd_vcpu_kick(vm->vcpus[i]);
		started += vm->vcpus[i]->thread_started;
	}
	while (vm->parked < started)
		pthread_cond_wait(&vm->parked_cond, &vm->run_lock);
	pthread_mutex_unlock(&vm->run_lock);
}

static void resume_vcpus(struct kd_vm *vm)
{
	pthread_mutex_lock(&vm->run_lock);
	if (vm->state == KD_VM_STATE_RUNNING && vm->pending == KD_VM_REQUEST_NONE) {
		vm->run_vcpus = true;
		pthread_cond_broadcast(&vm->run_cond);
	}
	pthread_mutex_unlock(&vm->run_lock);
}

static bool boot_bsp(struct kd_vm *vm, GError **err)
{
	if (!vm->boot_fn)
		return true;
	return vm->boot_fn(vm, vm->vcpus[0], vm->boot_opaque, err);
}

/* The vCPUs are stopped; the machine lock is held. */
static bool do_reset(struct kd_vm *vm, GError **err)
{
	for (unsigned i = 0; i < 3; i++)
		if (!vm_ioctl(vm, KVM_SET_IRQCHIP, &vm->irqchip_power_on[i], "KVM_SET_IRQCHIP",
			      err))
			return false;
	if (!vm_ioctl(vm, KVM_SET_PIT2, &vm->pit_power_on, "KVM_SET_PIT2", err))
		return false;
	memset(vm->gsi_inputs, 0, sizeof(vm->gsi_inputs));
	for (guint i = 0; i < vm->reset_handlers->len; i++) {
		struct kd_reset_handler *h =
			&g_array_index(vm->reset_handlers, struct kd_reset_handler, i);

		h->fn(h->opaque);
	}
	for (unsigned i = 0; i < vm->ncpus; i++)
		if (!kd_vcpu_restore_power_on(vm->vcpus[i], err))
			return false;
	vm->resets++;
	return boot_bsp(vm, err);
}

bool kd_vm_start(struct kd_vm *vm, bool start_paused, GError **err)
{
	bool ok;

	kd_vm_lock(vm);
	ok = boot_bsp(vm, err);
	kd_vm_unlock(vm);
	if (!ok)
		return false;
	for (unsigned i = 0; i < vm->ncpus; i++)
		if (!kd_vcpu_start_thread(vm->vcpus[i], err))
			return false;
	pthread_mutex_lock(&vm->run_lock);
	vm->state = start_paused ? KD_VM_STATE_PAUSED : KD_VM_STATE_RUNNING;
	pthread_mutex_unlock(&vm->run_lock);
	resume_vcpus(vm);
	return true;
}

bool kd_vm_pause(struct kd_vm *vm)
{
	bool was_running;

	stop_vcpus(vm);
	pthread_mutex_lock(&vm->run_lock);
	was_running = vm->state == KD_VM_STATE_RUNNING;
	if (was_running)
		vm->state = KD_VM_STATE_PAUSED;
	pthread_mutex_unlock(&vm->run_lock);
	return was_running;
}

void kd_vm_resume(struct kd_vm *vm)
{
	pthread_mutex_lock(&vm->run_lock);
	if (vm->state == KD_VM_STATE_PAUSED || vm->state == KD_VM_STATE_CREATED)
		vm->state = KD_VM_STATE_RUNNING;
	pthread_mutex_unlock(&vm->run_lock);
	resume_vcpus(vm);
}

void kd_vm_reset(struct kd_vm *vm)
{
	g_autoptr(GError) err = NULL;
	bool ok;

	stop_vcpus(vm);
	kd_vm_lock(vm);
	ok = do_reset(vm, &err);
	kd_vm_unlock(vm);
	if (!ok) {
		kd_vm_internal_error(vm, g_strdup_printf("reset failed: %s", err->message));
		return;
	}
	resume_vcpus(vm);
}

enum kd_vm_state kd_vm_state(struct kd_vm *vm)
{
	enum kd_vm_state s;

	pthread_mutex_lock(&vm->run_lock);
	s = vm->state;
	pthread_mutex_unlock(&vm->run_lock);
	return s;
}

const char *kd_vm_state_name(enum kd_vm_state state)
{
	/* The words of QEMU's `info status`. */
	switch (state) {
	case KD_VM_STATE_CREATED:
		return "prelaunch";
	case KD_VM_STATE_RUNNING:
		return "running";
	case KD_VM_STATE_PAUSED:
		return "paused";
	case KD_VM_STATE_SHUTDOWN:
		return "shutdown";
	case KD_VM_STATE_INTERNAL_ERROR:
		return "internal-error";
	}
	return "unknown";
}

static int request_priority(enum kd_vm_request r)
{
	switch (r) {
	case KD_VM_REQUEST_NONE:
		return 0;
	case KD_VM_REQUEST_RESET:
		return 1;
	case KD_VM_REQUEST_POWEROFF:
		return 2;
	case KD_VM_REQUEST_EXIT:
		return 3;
	case KD_VM_REQUEST_INTERNAL_ERROR:
		return 4;
	}
	return 0;
}

void kd_vm_request(struct kd_vm *vm, enum kd_vm_request request, int status)
{
	uint64_t one = 1;

	pthread_mutex_lock(&vm->run_lock);
	if (request_priority(request) > request_priority(vm->pending)) {
		vm->pending = request;
		vm->pending_status = status;
	}
	/* No guest code runs between a request and its handling: a reset is immediate on a
	 * real PC, and an exit request means the test is over. */
	vm->run_vcpus = false;
	for (unsigned i = 0; i < vm->ncpus; i++)
		kd_vcpu_kick(vm->vcpus[i]);
	pthread_mutex_unlock(&vm->run_lock);
	if (write(vm->event_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		g_warning("cannot signal the VM event: %s", g_strerror(errno));
}

void kd_vm_internal_error(struct kd_vm *vm, char *report)
{
	pthread_mutex_lock(&vm->run_lock);
	if (!vm->last_error)
		vm->last_error = report;
	else
		g_free(report);
	pthread_mutex_unlock(&vm->run_lock);
	kd_vm_request(vm, KD_VM_REQUEST_INTERNAL_ERROR, 1);
}

int kd_vm_event_fd(struct kd_vm *vm)
{
	return vm->event_fd;
}

int kd_vm_exit_status(struct kd_vm *vm)
{
	return vm->exit_status;
}

const char *kd_vm_last_error(struct kd_vm *vm)
{
	return vm->last_error;
}

static enum kd_vm_outcome finish(struct kd_vm *vm, enum kd_vm_state state, int status)
{
	stop_vcpus(vm);
	pthread_mutex_lock(&vm->run_lock);
	vm->state = state;
	pthread_mutex_unlock(&vm->run_lock);
	vm->exit_status = status;
	return KD_VM_EXIT;
}

enum kd_vm_outcome kd_vm_handle_events(struct kd_vm *vm)
{
	enum kd_vm_request request;
	uint64_t count;
	int status;

	if (read(vm->event_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		g_warning("cannot read the VM event: %s", g_strerror(errno));
	pthread_mutex_lock(&vm->run_lock);
	request = vm->pending;
	status = vm->pending_status;
	vm->pending = KD_VM_REQUEST_NONE;
	pthread_mutex_unlock(&vm->run_lock);

	switch (request) {
	case KD_VM_REQUEST_NONE:
		break;
	case KD_VM_REQUEST_RESET:
		if (vm->no_reboot)
			return finish(vm, KD_VM_STATE_SHUTDOWN, 0);
		kd_vm_reset(vm);
		if (kd_vm_last_error(vm))
			return finish(vm, KD_VM_STATE_INTERNAL_ERROR, 1);
		return KD_VM_CONTINUE;
	case KD_VM_REQUEST_POWEROFF:
		return finish(vm, KD_VM_STATE_SHUTDOWN, 0);
	case KD_VM_REQUEST_EXIT:
		return finish(vm, KD_VM_STATE_SHUTDOWN, status);
	case KD_VM_REQUEST_INTERNAL_ERROR:
		return finish(vm, KD_VM_STATE_INTERNAL_ERROR, 1);
	}
	resume_vcpus(vm);
	return KD_VM_CONTINUE;
}
