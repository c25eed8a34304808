/*
 * vCPUs: creation with the guest CPUID, the power-on snapshot used for resets, the KVM_RUN
 * thread and its exit dispatch.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "i18n.h"
#include "vm/vm-internal.h"

/* The signal that interrupts KVM_RUN; its handler does nothing, KVM_RUN returns EINTR. */
#define KD_SIG_KICK SIGUSR1

#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define CPUID_1_ECX_X2APIC (1u << 21)
#define CPUID_1_EDX_HTT (1u << 28)
#define CPUID_KVM_FEATURES 0x40000001
/* KVM paravirtual features a guest may use (Documentation/virt/kvm/x86/cpuid.rst): the set
 * QEMU enables by default - kvmclock (0, 3), no I/O delay (1), async page faults (4), steal
 * time (5), PV EOI (6), stable clock bit (24). Left out: PV unhalt/spinlocks (7), PV TLB flush
 * (9), PV IPIs (11), PV sched yield (13) and the like, which rely on timely kicks between
 * vCPUs and have hung Linux guests' shutdown under nested KVM here. */
#define KVM_PV_FEATURES_ALLOWED                                                                    \
	((1u << 0) | (1u << 1) | (1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) | (1u << 24))

/* MSRs a reset must bring back to their power-on values (SDM vol. 3A, 9.1 table 9-1), and
 * KVM's paravirtual ones that would otherwise keep writing into guest memory after a reset. */
static const uint32_t
	reset_msrs
		[] = {
			0x174,	    0x175,	0x176, /* SYSENTER_CS/ESP/EIP */
			0xC0000081, 0xC0000082, 0xC0000083, 0xC0000084, /* STAR, LSTAR, CSTAR, SFMASK */
			0xC0000102, 0xC0000103, /* KERNEL_GS_BASE, TSC_AUX */
			0x1A0, /* MISC_ENABLE */
			0x277, /* PAT */
			0x2FF,	    0x250,	0x258,	    0x259, /* MTRR default type, fixed ranges */
			0x268,	    0x269,	0x26A,	    0x26B,	0x26C, 0x26D,
			0x26E,	    0x26F,	0x200,	    0x201,	0x202, 0x203,
			0x204,	    0x205,	0x206,	    0x207, /* variable MTRRs 0-3 */
			0x208,	    0x209,	0x20A,	    0x20B,	0x20C, 0x20D,
			0x20E,	    0x20F, /* variable MTRRs 4-7 */
			0x12,	    0x4b564d01, /* KVM system time (old, new) */
			0x4b564d02, 0x4b564d03, 0x4b564d04, /* KVM async PF, steal time, PV EOI */
		};

static void kick_handler(int sig)
{
}

void kd_vcpu_install_kick_signal(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the point is to interrupt KVM_RUN. */
	sigaction(KD_SIG_KICK, &sa, NULL);
}

unsigned kd_vcpu_index(const struct kd_vcpu *vcpu)
{
	return vcpu->index;
}

int kd_vcpu_fd(const struct kd_vcpu *vcpu)
{
	return vcpu->fd;
}

int kd_vcpu_thread_id(const struct kd_vcpu *vcpu)
{
	return vcpu->tid;
}

static bool vcpu_ioctl(struct kd_vcpu *vcpu, unsigned long request, void *arg, const char *what,
		       GError **err)
{
	if (ioctl(vcpu->fd, request, arg) < 0) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_KVM, _("vCPU %u: %s failed: %s"),
			    vcpu->index, what, g_strerror(errno));
		return false;
	}
	return true;
}

bool kd_vcpu_get_regs(struct kd_vcpu *vcpu, struct kvm_regs *regs, GError **err)
{
	return vcpu_ioctl(vcpu, KVM_GET_REGS, regs, "KVM_GET_REGS", err);
}

bool kd_vcpu_set_regs(struct kd_vcpu *vcpu, const struct kvm_regs *regs, GError **err)
{
	return vcpu_ioctl(vcpu, KVM_SET_REGS, (void *)regs, "KVM_SET_REGS", err);
}

bool kd_vcpu_get_sregs(struct kd_vcpu *vcpu, struct kvm_sregs *sregs, GError **err)
{
	return vcpu_ioctl(vcpu, KVM_GET_SREGS, sregs, "KVM_GET_SREGS", err);
}

bool kd_vcpu_set_sregs(struct kd_vcpu *vcpu, const struct kvm_sregs *sregs, GError **err)
{
	return vcpu_ioctl(vcpu, KVM_SET_SREGS, (void *)sregs, "KVM_SET_SREGS", err);
}

/* ------------------------------------------------------------------ CPUID */
static void set_cpuid(struct kd_vcpu *vcpu, GError **err_out, bool *ok)
{
	const struct kvm_cpuid2 *supported = vcpu->vm->kvm->supported_cpuid;
	g_autofree struct kvm_cpuid2 *cpuid = NULL;
	unsigned ncpus = vcpu->vm->ncpus;
	size_t size = sizeof(*cpuid) + supported->nent * sizeof(cpuid->entries[0]);

	cpuid = g_malloc(size);
	memcpy(cpuid, supported, size);
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		switch (e->function) {
		case 1:
			/* SDM vol. 2A, CPUID leaf 1: initial APIC ID and logical processor count. */
			e->ebx = (e->ebx & 0x0000FFFF) | (vcpu->index << 24) |
				 ((ncpus & 0xFF) << 16);
			e->ecx |= CPUID_1_ECX_HYPERVISOR;
			if (ncpus > 1)
				e->edx |= CPUID_1_EDX_HTT;
			else
				e->edx &= ~CPUID_1_EDX_HTT;
			break;
		case 4:
			/* One core per vCPU, one thread per core, all in one package. */
			e->eax = (e->eax & 0x3FF) | ((ncpus - 1) << 26);
			break;
		case 0xB:
		case 0x1F:
			/* x2APIC topology: level 0 = SMT (1 thread), level 1 = cores. */
			e->edx = vcpu->index;
			if (e->index == 0) {
				e->eax = 0;
				e->ebx = 1;
				e->ecx = (1u << 8) | e->index;
			} else if (e->index == 1) {
				e->eax = (uint32_t)g_bit_storage(ncpus - 1 ? ncpus - 1 : 1);
				e->ebx = ncpus;
				e->ecx = (2u << 8) | e->index;
			} else {
				e->eax = e->ebx = 0;
				e->ecx = e->index;
			}
			break;
		case 0x80000008:
			e->ecx = (e->ecx & ~0xFFu) | ((ncpus - 1) & 0xFF);
			break;
		case CPUID_KVM_FEATURES:
			e->eax &= KVM_PV_FEATURES_ALLOWED;
			e->edx = 0; /* no hints: vCPUs are not pinned to dedicated host CPUs */
			break;
		}
	}
	*ok = vcpu_ioctl(vcpu, KVM_SET_CPUID2, cpuid, "KVM_SET_CPUID2", err_out);
}

/* ------------------------------------------------------------------ power-on snapshot */
static void snapshot_msrs(struct kd_vcpu *vcpu)
{
	struct kd_vcpu_snapshot *s = &vcpu->power_on;
	struct {
		struct kvm_msrs header;
		struct kvm_msr_entry entries[KD_MAX_MSR_SNAPSHOT];
	} buf;
	uint32_t candidates[G_N_ELEMENTS(reset_msrs)];
	unsigned n = G_N_ELEMENTS(reset_msrs);

	memcpy(candidates, reset_msrs, sizeof(candidates));
	/* KVM_GET_MSRS stops at the first MSR it does not know: drop that one and retry. */
	while (n > 0) {
		int got;

		memset(&buf, 0, sizeof(buf));
		buf.header.nmsrs = n;
		for (unsigned i = 0; i < n; i++)
			buf.entries[i].index = candidates[i];
		got = ioctl(vcpu->fd, KVM_GET_MSRS, &buf);
		if (got < 0)
			got = 0;
		if ((unsigned)got == n)
			break;
		memmove(&candidates[got], &candidates[got + 1], (n - got - 1) * sizeof(uint32_t));
		n--;
	}
	s->nmsrs = n;
	memcpy(s->msrs, buf.entries, n * sizeof(buf.entries[0]));
}

static bool take_power_on_snapshot(struct kd_vcpu *vcpu, GError **err)
{
	struct kd_vcpu_snapshot *s = &vcpu->power_on;

	if (!kd_vcpu_get_regs(vcpu, &s->regs, err) || !kd_vcpu_get_sregs(vcpu, &s->sregs, err) ||
	    !vcpu_ioctl(vcpu, KVM_GET_FPU, &s->fpu, "KVM_GET_FPU", err) ||
	    !vcpu_ioctl(vcpu, KVM_GET_LAPIC, &s->lapic, "KVM_GET_LAPIC", err) ||
	    !vcpu_ioctl(vcpu, KVM_GET_MP_STATE, &s->mp_state, "KVM_GET_MP_STATE", err) ||
	    !vcpu_ioctl(vcpu, KVM_GET_VCPU_EVENTS, &s->events, "KVM_GET_VCPU_EVENTS", err))
		return false;
	s->has_xcrs = ioctl(vcpu->fd, KVM_GET_XCRS, &s->xcrs) == 0;
	snapshot_msrs(vcpu);
	return true;
}

bool kd_vcpu_restore_power_on(struct kd_vcpu *vcpu, GError **err)
{
	struct kd_vcpu_snapshot *s = &vcpu->power_on;
	struct {
		struct kvm_msrs header;
		struct kvm_msr_entry entries[KD_MAX_MSR_SNAPSHOT];
	} msrs;

	memset(&msrs, 0, sizeof(msrs));
	msrs.header.nmsrs = s->nmsrs;
	memcpy(msrs.entries, s->msrs, s->nmsrs * sizeof(s->msrs[0]));
	if (ioctl(vcpu->fd, KVM_SET_MSRS, &msrs) != (int)s->nmsrs) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_KVM, _("vCPU %u: KVM_SET_MSRS failed"),
			    vcpu->index);
		return false;
	}
	if (s->has_xcrs && ioctl(vcpu->fd, KVM_SET_XCRS, &s->xcrs) < 0) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_KVM,
			    _("vCPU %u: KVM_SET_XCRS failed: %s"), vcpu->index, g_strerror(errno));
		return false;
	}
	return vcpu_ioctl(vcpu, KVM_SET_SREGS, &s->sregs, "KVM_SET_SREGS", err) &&
	       vcpu_ioctl(vcpu, KVM_SET_REGS, &s->regs, "KVM_SET_REGS", err) &&
	       vcpu_ioctl(vcpu, KVM_SET_FPU, &s->fpu, "KVM_SET_FPU", err) &&
	       vcpu_ioctl(vcpu, KVM_SET_LAPIC, &s->lapic, "KVM_SET_LAPIC", err) &&
	       vcpu_ioctl(vcpu, KVM_SET_VCPU_EVENTS, &s->events, "KVM_SET_VCPU_EVENTS", err) &&
	       vcpu_ioctl(vcpu, KVM_SET_MP_STATE, &s->mp_state, "KVM_SET_MP_STATE", err);
}

/* ------------------------------------------------------------------ create and destroy */
struct kd_vcpu *kd_vcpu_new(struct kd_vm *vm, unsigned index, GError **err)
{
	struct kd_vcpu *vcpu = g_new0(struct kd_vcpu, 1);
	bool ok = false;

	vcpu->vm = vm;
	vcpu->index = index;
	vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (vcpu->fd < 0) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_KVM, _("cannot create vCPU %u: %s"),
			    index, g_strerror(errno));
		g_free(vcpu);
		return NULL;
	}
	vcpu->run = mmap(NULL, (size_t)vm->kvm->vcpu_mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		vcpu->run = NULL;
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_KVM, _("vCPU %u: cannot map kvm_run: %s"),
			    index, g_strerror(errno));
		goto fail;
	}
	kd_vm_set_coalesced_ring(vm, vcpu->run, (size_t)vm->kvm->vcpu_mmap_size);
	set_cpuid(vcpu, err, &ok);
	if (!ok || !take_power_on_snapshot(vcpu, err))
		goto fail;
	return vcpu;
fail:
	kd_vcpu_free(vcpu);
	return NULL;
}

void kd_vcpu_free(struct kd_vcpu *vcpu)
{
	if (!vcpu)
		return;
	if (vcpu->run)
		munmap(vcpu->run, (size_t)vcpu->vm->kvm->vcpu_mmap_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	g_free(vcpu);
}

/* ------------------------------------------------------------------ register formatting */
static void format_segment(GString *s, const char *name, const struct kvm_segment *seg)
{
	unsigned flags = (seg->type << 8) | (seg->s << 12) | (seg->dpl << 13) |
			 (seg->present << 15) | (seg->avl << 20) | (seg->l << 21) |
			 (seg->db << 22) | (seg->g << 23);

	g_string_append_printf(s, "%-3s=%04x %016" PRIx64 " %08x %08x\n", name, seg->selector,
			       (uint64_t)seg->base, seg->limit, flags);
}

char *kd_vcpu_format_registers(struct kd_vcpu *vcpu)
{
	struct kvm_regs r;
	struct kvm_sregs sr;
	GString *s = g_string_new(NULL);

	if (!kd_vcpu_get_regs(vcpu, &r, NULL) || !kd_vcpu_get_sregs(vcpu, &sr, NULL)) {
		g_string_append_printf(s, "CPU#%u: registers unavailable\n", vcpu->index);
		return g_string_free(s, FALSE);
	}
	g_string_append_printf(s, "CPU#%u\n", vcpu->index);
	g_string_append_printf(s,
			       "RAX=%016llx RBX=%016llx RCX=%016llx RDX=%016llx\n"
			       "RSI=%016llx RDI=%016llx RBP=%016llx RSP=%016llx\n"
			       "R8 =%016llx R9 =%016llx R10=%016llx R11=%016llx\n"
			       "R12=%016llx R13=%016llx R14=%016llx R15=%016llx\n"
			       "RIP=%016llx RFL=%08llx CPL=%u\n",
			       r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp, r.r8, r.r9,
			       r.r10, r.r11, r.r12, r.r13, r.r14, r.r15, r.rip, r.rflags,
			       sr.cs.selector & 3);
	format_segment(s, "ES", &sr.es);
	format_segment(s, "CS", &sr.cs);
	format_segment(s, "SS", &sr.ss);
	format_segment(s, "DS", &sr.ds);
	format_segment(s, "FS", &sr.fs);
	format_segment(s, "GS", &sr.gs);
	format_segment(s, "LDT", &sr.ldt);
	format_segment(s, "TR", &sr.tr);
	g_string_append_printf(s, "GDT=     %016llx %08x\nIDT=     %016llx %08x\n", sr.gdt.base,
			       sr.gdt.limit, sr.idt.base, sr.idt.limit);
	g_string_append_printf(s, "CR0=%08llx CR2=%016llx CR3=%016llx CR4=%08llx\n", sr.cr0, sr.cr2,
			       sr.cr3, sr.cr4);
	g_string_append_printf(s, "EFER=%016llx APIC_BASE=%016llx\n", sr.efer, sr.apic_base);
	return g_string_free(s, FALSE);
}

/* ------------------------------------------------------------------ boot state */
bool kd_vcpu_enter_flat32(struct kd_vcpu *vcpu, uint32_t eip, GError **err)
{
	struct kvm_sregs sr;
	struct kvm_regs r;
	struct kvm_segment code = {
		.base = 0,
		.limit = 0xFFFFFFFF,
		.selector = 0x10,
		.type = 0xB,
		.present = 1,
		.dpl = 0,
		.db = 1,
		.s = 1,
		.l = 0,
		.g = 1,
	};
	struct kvm_segment data = code;

	data.selector = 0x18;
	data.type = 0x3;
	if (!kd_vcpu_get_sregs(vcpu, &sr, err))
		return false;
	sr.cs = code;
	sr.ds = sr.es = sr.fs = sr.gs = sr.ss = data;
	sr.cr0 = (sr.cr0 | 0x1) & ~0x80000000ull; /* PE on, PG off */
	sr.cr4 = 0;
	sr.efer = 0;
	if (!kd_vcpu_set_sregs(vcpu, &sr, err))
		return false;
	memset(&r, 0, sizeof(r));
	r.rflags = 0x2;
	r.rip = eip;
	return kd_vcpu_set_regs(vcpu, &r, err);
}

/* ------------------------------------------------------------------ the run loop */
static void report_internal_error(struct kd_vcpu *vcpu, const char *what)
{
	g_autofree char *regs = kd_vcpu_format_registers(vcpu);

	kd_vm_internal_error(vcpu->vm, g_strdup_printf("vCPU %u: %s\n%s", vcpu->index, what, regs));
}

static void handle_io(struct kd_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct kd_vm *vm = vcpu->vm;
	unsigned size = run->io.size, count = run->io.count;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;

	/* KVM puts the data inside the kvm_run page(s); check anyway before trusting it. */
	if (run->io.data_offset + (uint64_t)size * count > (uint64_t)vm->kvm->vcpu_mmap_size)
		return;
	vcpu->exits_io++;
	pthread_mutex_lock(&vm->lock);
	kd_vm_drain_coalesced(vm);
	for (unsigned i = 0; i < count; i++, data += size) {
		if (run->io.direction == KVM_EXIT_IO_OUT)
			kd_bus_write(vm->pio, run->io.port, data, size);
		else
			kd_bus_read(vm->pio, run->io.port, data, size);
	}
	pthread_mutex_unlock(&vm->lock);
}

static void handle_mmio(struct kd_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct kd_vm *vm = vcpu->vm;
	unsigned len = run->mmio.len;

	if (len == 0 || len > sizeof(run->mmio.data))
		return;
	vcpu->exits_mmio++;
	pthread_mutex_lock(&vm->lock);
	kd_vm_drain_coalesced(vm);
	if (run->mmio.is_write)
		kd_bus_write(vm->mmio, run->mmio.phys_addr, run->mmio.data, len);
	else
		kd_bus_read(vm->mmio, run->mmio.phys_addr, run->mmio.data, len);
	pthread_mutex_unlock(&vm->lock);
}

static void handle_system_event(struct kd_vcpu *vcpu)
{
	switch (vcpu->run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		kd_vm_request(vcpu->vm, KD_VM_REQUEST_POWEROFF, 0);
		break;
	case KVM_SYSTEM_EVENT_RESET:
		kd_vm_request(vcpu->vm, KD_VM_REQUEST_RESET, 0);
		break;
	default: {
		g_autofree char *what = g_strdup_printf("system event %u (guest crash)",
							vcpu->run->system_event.type);

		report_internal_error(vcpu, what);
	}
	}
}

static void run_once(struct kd_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	g_autofree char *what = NULL;

	if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		what = g_strdup_printf("KVM_RUN failed: %s", g_strerror(errno));
		report_internal_error(vcpu, what);
		return;
	}
	vcpu->exits++;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(vcpu);
		return;
	case KVM_EXIT_MMIO:
		handle_mmio(vcpu);
		return;
	}
	vcpu->exits_other++;
	switch (run->exit_reason) {
	case KVM_EXIT_INTR:
	case KVM_EXIT_HLT: /* only without an in-kernel LAPIC; ours has one */
	case KVM_EXIT_IRQ_WINDOW_OPEN:
	case KVM_EXIT_DEBUG:
		return;
	case KVM_EXIT_SHUTDOWN:
		/* A triple fault: the PC resets, as real hardware does. */
		kd_vm_request(vcpu->vm, KD_VM_REQUEST_RESET, 0);
		return;
	case KVM_EXIT_SYSTEM_EVENT:
		handle_system_event(vcpu);
		return;
	case KVM_EXIT_INTERNAL_ERROR:
		what = g_strdup_printf("KVM internal error, suberror %u%s", run->internal.suberror,
				       run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION
					       ? " (emulation failure)"
					       : "");
		report_internal_error(vcpu, what);
		return;
	case KVM_EXIT_FAIL_ENTRY:
		what = g_strdup_printf(
			"VM entry failed, hardware reason %#llx",
			(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		report_internal_error(vcpu, what);
		return;
	default:
		what = g_strdup_printf("unexpected KVM exit reason %u", run->exit_reason);
		report_internal_error(vcpu, what);
	}
}

void kd_vcpu_kick(struct kd_vcpu *vcpu)
{
	vcpu->run->immediate_exit = 1;
	if (vcpu->thread_started)
		pthread_kill(vcpu->thread, KD_SIG_KICK);
}

static void *vcpu_thread(void *arg)
{
	struct kd_vcpu *vcpu = arg;
	struct kd_vm *vm = vcpu->vm;
	sigset_t set;

	vcpu->tid = (int)gettid();
	sigemptyset(&set);
	sigaddset(&set, KD_SIG_KICK);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	for (;;) {
		pthread_mutex_lock(&vm->run_lock);
		while (!vm->run_vcpus && !vm->quitting) {
			if (!vcpu->parked) {
				vcpu->parked = true;
				vm->parked++;
				pthread_cond_broadcast(&vm->parked_cond);
			}
			pthread_cond_wait(&vm->run_cond, &vm->run_lock);
		}
		if (vcpu->parked) {
			vcpu->parked = false;
			vm->parked--;
		}
		if (vm->quitting) {
			pthread_mutex_unlock(&vm->run_lock);
			break;
		}
		/* Every stop sets run_vcpus false before it kicks, both under run_lock: with
		 * run_vcpus true here no stop is pending, so clearing cannot lose a kick. */
		vcpu->run->immediate_exit = 0;
		pthread_mutex_unlock(&vm->run_lock);
		run_once(vcpu);
	}
	return NULL;
}

bool kd_vcpu_start_thread(struct kd_vcpu *vcpu, GError **err)
{
	g_autofree char *name = g_strdup_printf("vcpu%u", vcpu->index);
	sigset_t set, old;
	int r;

	/* The thread starts with the kick signal blocked and unblocks it itself. */
	sigemptyset(&set);
	sigaddset(&set, KD_SIG_KICK);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	r = pthread_create(&vcpu->thread, NULL, vcpu_thread, vcpu);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_KVM, _("cannot start vCPU %u: %s"),
			    vcpu->index, g_strerror(r));
		return false;
	}
	pthread_setname_np(vcpu->thread, name);
	vcpu->thread_started = true;
	return true;
}
