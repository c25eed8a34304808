/*
 * The engine: one virtual machine on KVM. Guest RAM and memslots, vCPU threads, the port-I/O and
 * MMIO buses, interrupt lines, and the lifecycle (create, run, pause, reset, destroy). It knows
 * nothing of the UI: errors come back as GError, events (reset, power-off, exit requests) as
 * calls to kd_vm_handle_events() from the owner's main loop.
 *
 * Locking: one machine lock serialises device state. vCPU threads hold it while they dispatch
 * an exit; the main loop takes it (kd_vm_lock) before touching devices. Functions marked
 * "locked" must be called with it held.
 */
#ifndef KD_VM_VM_H
#define KD_VM_VM_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "vm/bus.h"
#include "vm/kvm.h"

#define KD_GIB ((uint64_t)1 << 30)
#define KD_MIB ((uint64_t)1 << 20)
#define KD_KIB ((uint64_t)1 << 10)
#define KD_4G (4 * KD_GIB)

struct kd_vm;
struct kd_vcpu;

struct kd_vm_config {
	const char *name; /* for messages; NULL: "kvmdesk" */
	uint64_t ram_size; /* bytes, > 0 */
	unsigned ncpus; /* >= 1 */
	/* Highest guest-physical address of RAM below 4 GiB; RAM beyond goes above 4 GiB.
	 * 0: the PC default (3 GiB when RAM would reach 3.5 GiB, as QEMU's i440FX does). */
	uint64_t below_4g_limit;
};

enum kd_vm_state {
	KD_VM_STATE_CREATED, /* built, never run */
	KD_VM_STATE_RUNNING,
	KD_VM_STATE_PAUSED, /* stopped by the user (monitor `stop`, -S) */
	KD_VM_STATE_SHUTDOWN, /* the guest powered off or asked to exit */
	KD_VM_STATE_INTERNAL_ERROR, /* KVM could not run the guest; see kd_vm_last_error */
};

/* What kd_vm_handle_events() tells its caller to do. */
enum kd_vm_outcome {
	KD_VM_CONTINUE, /* nothing for the owner to do */
	KD_VM_EXIT, /* the VM is done: exit the process with kd_vm_exit_status() */
};

/* Requests a vCPU (or a device on it) posts; they are carried out by the main loop. */
enum kd_vm_request {
	KD_VM_REQUEST_NONE,
	KD_VM_REQUEST_RESET, /* reset button, 0xCF9, keyboard controller, triple fault */
	KD_VM_REQUEST_POWEROFF, /* ACPI S5 */
	KD_VM_REQUEST_EXIT, /* a test device asked to end with a status */
	KD_VM_REQUEST_INTERNAL_ERROR,
};

struct kd_vm_stats {
	uint64_t exits; /* KVM_RUN returns to userspace, all vCPUs */
	uint64_t exits_io;
	uint64_t exits_mmio;
	uint64_t exits_other;
	uint64_t resets;
};

struct kd_vm *kd_vm_new(struct kd_kvm *kvm, const struct kd_vm_config *cfg, GError **err);
/* Stops the vCPUs if they run and frees everything. */
void kd_vm_free(struct kd_vm *vm);

const char *kd_vm_name(const struct kd_vm *vm);
struct kd_kvm *kd_vm_kvm(struct kd_vm *vm);
int kd_vm_fd(const struct kd_vm *vm);
unsigned kd_vm_ncpus(const struct kd_vm *vm);

void kd_vm_lock(struct kd_vm *vm);
void kd_vm_unlock(struct kd_vm *vm);

/* ------------------------------------------------------------------ memory */
uint64_t kd_vm_ram_size(const struct kd_vm *vm);
/* RAM below 4 GiB (from 0) and above it (from 4 GiB). */
uint64_t kd_vm_ram_below_4g(const struct kd_vm *vm);
uint64_t kd_vm_ram_above_4g(const struct kd_vm *vm);
/* Host address of guest RAM [gpa, gpa + len), or NULL when any byte is not RAM. */
void *kd_vm_gpa_to_hva(struct kd_vm *vm, uint64_t gpa, uint64_t len);
bool kd_vm_read(struct kd_vm *vm, uint64_t gpa, void *buf, uint64_t len);
bool kd_vm_write(struct kd_vm *vm, uint64_t gpa, const void *buf, uint64_t len);
/* Host address of RAM at byte offset `offset` of the RAM block (for aliases such as PAM). */
void *kd_vm_ram_at(struct kd_vm *vm, uint64_t offset);

/* Maps host memory into the guest. Returns a slot handle >= 0, or -1 with err set. Readonly
 * slots make guest writes exit as MMIO, which the MMIO bus then dispatches. */
int kd_vm_map_memory(struct kd_vm *vm, uint64_t gpa, uint64_t size, void *hva, bool readonly,
		     GError **err);
void kd_vm_unmap_memory(struct kd_vm *vm, int slot);
/* The same with flags: KD_VM_MEM_LOG_DIRTY makes KVM record the pages guests write, which
 * kd_vm_get_dirty_log() returns (a bit per 4 KiB page from the slot's start, bitmap rounded up
 * to 64 bits) and clears. Display memory uses it so a static screen costs nothing. */
#define KD_VM_MEM_READONLY 1u
#define KD_VM_MEM_LOG_DIRTY 2u
int kd_vm_map_memory_flags(struct kd_vm *vm, uint64_t gpa, uint64_t size, void *hva, unsigned flags,
			   GError **err);
bool kd_vm_get_dirty_log(struct kd_vm *vm, int slot, unsigned long *bitmap);
/* Every KVM memory slot: where, how big, read-only, and whether it is guest RAM. */
typedef void (*kd_vm_memslot_fn)(uint64_t gpa, uint64_t size, bool readonly, bool ram, void *data);
void kd_vm_foreach_memslot(struct kd_vm *vm, kd_vm_memslot_fn fn, void *data);

/* ------------------------------------------------------------------ buses and interrupts */
struct kd_bus *kd_vm_pio(struct kd_vm *vm);
struct kd_bus *kd_vm_mmio(struct kd_vm *vm);

/* Level of one input of a GSI; a GSI is asserted while any of its inputs is (shared PCI INTx
 * lines). input < 32 identifies the source. locked. */
void kd_vm_set_irq(struct kd_vm *vm, unsigned gsi, unsigned input, bool level);
/* Edge: raise and lower at once (ISA devices in edge mode). locked. */
void kd_vm_pulse_irq(struct kd_vm *vm, unsigned gsi, unsigned input);
/* How often kd_vm_set_irq raised gsi (irqfds and MSIs bypass this count); machine lock. */
uint64_t kd_vm_irq_count(struct kd_vm *vm, unsigned gsi);
unsigned kd_vm_irq_lines(void);

/* irqfd: a write to fd raises gsi inside KVM, with no trip through userspace. For level
 * sources (VFIO INTx) pass resample_fd: KVM lowers the line and signals it at the guest's EOI.
 * GSIs below 24 are the IOAPIC pins; MSI routes (below) add more. */
bool kd_vm_add_irqfd(struct kd_vm *vm, unsigned gsi, int fd, int resample_fd, GError **err);
void kd_vm_remove_irqfd(struct kd_vm *vm, unsigned gsi, int fd);

/* ioeventfd: guest writes of len bytes (1, 2, 4 or 8) at addr, in port space if pio, signal
 * fd instead of exiting to userspace; with match, only writes of value do. */
struct kd_ioeventfd {
	bool pio;
	uint64_t addr;
	unsigned len;
	bool match;
	uint64_t value;
	int fd;
};
bool kd_vm_add_ioeventfd(struct kd_vm *vm, const struct kd_ioeventfd *io, GError **err);
void kd_vm_remove_ioeventfd(struct kd_vm *vm, const struct kd_ioeventfd *io);

/* Coalesced port writes: guest writes to [port, port + len) are queued by KVM instead of
 * exiting, and dispatched in order, under the machine lock, before the next exit of any vCPU is
 * handled (and whenever the main loop takes the lock). For registers whose writes only latch a
 * value that a later access uses (ATA task file): every access that could observe them exits
 * and sees them applied. Returns false when KVM cannot do it; the ports then exit as before. */
bool kd_vm_coalesce_pio(struct kd_vm *vm, uint16_t port, unsigned len);
void kd_vm_uncoalesce_pio(struct kd_vm *vm, uint16_t port, unsigned len);
/* The same for guest writes to MMIO [addr, addr + len): for memory whose writes only store
 * (a display's legacy window); every read still exits and sees them applied. */
bool kd_vm_coalesce_mmio(struct kd_vm *vm, uint64_t addr, uint32_t len);
void kd_vm_uncoalesce_mmio(struct kd_vm *vm, uint64_t addr, uint32_t len);

/* MSI routes: a GSI whose injection delivers the message (address, data). Returns the GSI
 * (>= 24), or -1 with err when the routing table is full. */
int kd_vm_add_msi_route(struct kd_vm *vm, uint64_t address, uint32_t data, GError **err);
bool kd_vm_update_msi_route(struct kd_vm *vm, unsigned gsi, uint64_t address, uint32_t data,
			    GError **err);
void kd_vm_remove_msi_route(struct kd_vm *vm, unsigned gsi);
/* Delivers one MSI now (emulated devices that signal from userspace). */
bool kd_vm_signal_msi(struct kd_vm *vm, uint64_t address, uint32_t data);

/* ------------------------------------------------------------------ lifecycle */
/* Starts the vCPU threads; the VM runs unless start_paused. */
bool kd_vm_start(struct kd_vm *vm, bool start_paused, GError **err);
/* Stop/resume from the main loop (monitor `stop`/`cont`). Not from a vCPU thread. kd_vm_pause
 * says whether the VM was running, for callers that stop it briefly and then resume it. */
bool kd_vm_pause(struct kd_vm *vm);
void kd_vm_resume(struct kd_vm *vm);
/* System reset now (monitor `system_reset`); the VM keeps its run state. Not from a vCPU. */
void kd_vm_reset(struct kd_vm *vm);
enum kd_vm_state kd_vm_state(struct kd_vm *vm);
const char *kd_vm_state_name(enum kd_vm_state state);

/* From a vCPU or device: ask the main loop to act. status is the exit status for
 * KD_VM_REQUEST_EXIT. Safe with or without the machine lock. */
void kd_vm_request(struct kd_vm *vm, enum kd_vm_request request, int status);
/* A file descriptor that becomes readable when requests are pending. */
int kd_vm_event_fd(struct kd_vm *vm);
/* Carries out pending requests (main loop). */
enum kd_vm_outcome kd_vm_handle_events(struct kd_vm *vm);
int kd_vm_exit_status(struct kd_vm *vm);
/* -no-reboot: a reset request ends the VM (status 0) instead. */
void kd_vm_set_no_reboot(struct kd_vm *vm, bool no_reboot);
/* Description of the last internal error (registers included), or NULL. */
const char *kd_vm_last_error(struct kd_vm *vm);

void kd_vm_get_stats(struct kd_vm *vm, struct kd_vm_stats *stats);

/* Devices with reset state register here; handlers run in registration order with the machine
 * lock held, after the vCPUs are stopped and before they restart. */
void kd_vm_add_reset_handler(struct kd_vm *vm, void (*fn)(void *opaque), void *opaque);
void kd_vm_remove_reset_handler(struct kd_vm *vm, void (*fn)(void *opaque), void *opaque);

/* Where the bootstrap processor starts after a reset; by default the x86 reset vector. A
 * direct kernel boot installs a function that sets up the vCPU's registers instead. Called
 * with the machine lock held, the vCPUs stopped. Returns false (with err) to fail the boot. */
typedef bool (*kd_vm_boot_fn)(struct kd_vm *vm, struct kd_vcpu *bsp, void *opaque, GError **err);
void kd_vm_set_boot(struct kd_vm *vm, kd_vm_boot_fn fn, void *opaque);

struct kd_vcpu *kd_vm_vcpu(struct kd_vm *vm, unsigned index);

#endif
