/*
 * The engine's own view of a VM and its vCPUs; only src/vm includes this.
 */
#ifndef KD_VM_INTERNAL_H
#define KD_VM_INTERNAL_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>

#include "vm/vcpu.h"
#include "vm/vm.h"

#define KD_MAX_GSI 24 /* pins of KVM's in-kernel IOAPIC */
#define KD_MAX_MSI_ROUTES 1024
#define KD_MAX_MSR_SNAPSHOT 64

struct kd_memslot {
	bool used;
	uint64_t gpa;
	uint64_t size;
	void *hva;
	bool readonly;
};

struct kd_vcpu_snapshot {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_fpu fpu;
	struct kvm_lapic_state lapic;
	struct kvm_mp_state mp_state;
	struct kvm_vcpu_events events;
	struct kvm_xcrs xcrs;
	bool has_xcrs;
	unsigned nmsrs;
	struct kvm_msr_entry msrs[KD_MAX_MSR_SNAPSHOT];
};

struct kd_vcpu {
	struct kd_vm *vm;
	unsigned index;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool thread_started;
	int tid;
	bool parked; /* under vm->run_lock */
	struct kd_vcpu_snapshot power_on;
	/* Exit counters, written by this vCPU's thread only. */
	uint64_t exits, exits_io, exits_mmio, exits_other;
};

struct kd_reset_handler {
	void (*fn)(void *opaque);
	void *opaque;
};

struct kd_vm {
	struct kd_kvm *kvm;
	char *name;
	int fd;

	/* Guest RAM: one host mapping; [0, below_4g) at GPA 0, the rest at 4 GiB. */
	uint8_t *ram;
	uint64_t ram_size;
	uint64_t below_4g;
	struct kd_memslot *slots;
	int nslots;

	struct kd_bus *pio;
	struct kd_bus *mmio;
	pthread_mutex_t lock; /* the machine lock */
	/* KVM's ring of coalesced port writes (in the first vCPU's mapping), NULL until then or
	 * when KVM cannot coalesce port I/O. Drained under the machine lock. */
	struct kvm_coalesced_mmio_ring *coalesced;
	unsigned coalesced_max;

	uint32_t gsi_inputs[KD_MAX_GSI];
	uint64_t gsi_raised[KD_MAX_GSI]; /* rising edges, for the monitor's info irq */
	/* MSI routes, by GSI - KD_MAX_GSI; address 0 = unused. Under the machine lock. */
	struct kd_msi_route {
		bool used;
		uint64_t address;
		uint32_t data;
	} msi_routes[KD_MAX_MSI_ROUTES];

	struct kd_vcpu **vcpus;
	unsigned ncpus;

	/* Run control, under run_lock (taken after the machine lock, never before it). */
	pthread_mutex_t run_lock;
	pthread_cond_t run_cond;
	pthread_cond_t parked_cond;
	bool run_vcpus;
	bool quitting;
	unsigned parked;
	enum kd_vm_state state;
	enum kd_vm_request pending;
	int pending_status;
	char *last_error;
	int event_fd;
	bool no_reboot;
	int exit_status;
	uint64_t resets;

	GArray *reset_handlers; /* struct kd_reset_handler */
	kd_vm_boot_fn boot_fn;
	void *boot_opaque;

	struct kvm_irqchip irqchip_power_on[3]; /* PIC master, PIC slave, IOAPIC */
	struct kvm_pit_state2 pit_power_on;
};

/* vcpu.c */
struct kd_vcpu *kd_vcpu_new(struct kd_vm *vm, unsigned index, GError **err);
void kd_vcpu_free(struct kd_vcpu *vcpu);
bool kd_vcpu_start_thread(struct kd_vcpu *vcpu, GError **err);
/* Makes a running KVM_RUN return soon (run_lock held by the caller). */
void kd_vcpu_kick(struct kd_vcpu *vcpu);
bool kd_vcpu_restore_power_on(struct kd_vcpu *vcpu, GError **err);
void kd_vcpu_install_kick_signal(void);

/* vm.c, for vcpu.c */
void kd_vm_internal_error(struct kd_vm *vm, char *report);

/* Dispatches the port writes KVM queued, in guest order. Machine lock held. */
void kd_vm_drain_coalesced(struct kd_vm *vm);
/* Called once the first vCPU's kvm_run mapping exists. */
void kd_vm_set_coalesced_ring(struct kd_vm *vm, void *run_mapping, size_t mapping_size);

#endif
