/*
 * Opening /dev/kvm and reading what it can do (Documentation/virt/kvm/api.rst).
 */
#include "config.h"

#include "vm/kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "i18n.h"

/* api.rst 4.1: the API version has been 12 since Linux 2.6.22 and will not change. */
#define KVM_STABLE_API_VERSION 12
#define KVM_CPUID_MAX_ENTRIES 256

GQuark kd_vm_error_quark(void)
{
	return g_quark_from_static_string("kd-vm-error-quark");
}

int kd_kvm_check_extension(const struct kd_kvm *kvm, int cap)
{
	int r = ioctl(kvm->fd, KVM_CHECK_EXTENSION, cap);

	return r < 0 ? 0 : r;
}

static bool read_supported_cpuid(struct kd_kvm *kvm, GError **err)
{
	size_t size =
		sizeof(struct kvm_cpuid2) + KVM_CPUID_MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2);

	kvm->supported_cpuid = g_malloc0(size);
	kvm->supported_cpuid->nent = KVM_CPUID_MAX_ENTRIES;
	if (ioctl(kvm->fd, KVM_GET_SUPPORTED_CPUID, kvm->supported_cpuid) < 0) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_KVM,
			    _("KVM_GET_SUPPORTED_CPUID failed: %s"), g_strerror(errno));
		return false;
	}
	return true;
}

struct kd_kvm *kd_kvm_open(const char *path, GError **err)
{
	struct kd_kvm *kvm = g_new0(struct kd_kvm, 1);

	if (!path)
		path = "/dev/kvm";
	kvm->fd = open(path, O_RDWR | O_CLOEXEC);
	if (kvm->fd < 0) {
		int e = errno;

		if (e == ENOENT)
			g_set_error(
				err, KD_VM_ERROR, KD_VM_ERROR_NO_KVM,
				_("%s does not exist: load the kvm module (modprobe kvm_intel or "
				  "kvm_amd) or enable virtualization in the firmware"),
				path);
		else if (e == EACCES || e == EPERM)
			g_set_error(
				err, KD_VM_ERROR, KD_VM_ERROR_NO_KVM,
				_("%s: %s: add your user to the kvm group (usermod -aG kvm USER) "
				  "and log in again"),
				path, g_strerror(e));
		else
			g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_NO_KVM, _("cannot open %s: %s"),
				    path, g_strerror(e));
		g_free(kvm);
		return NULL;
	}
	kvm->api_version = ioctl(kvm->fd, KVM_GET_API_VERSION, 0);
	if (kvm->api_version != KVM_STABLE_API_VERSION) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_NO_KVM,
			    _("%s is not a usable KVM device (API version %d, need %d)"), path,
			    kvm->api_version, KVM_STABLE_API_VERSION);
		goto fail;
	}
	if (!kd_kvm_check_extension(kvm, KVM_CAP_IRQCHIP) ||
	    !kd_kvm_check_extension(kvm, KVM_CAP_USER_MEMORY) ||
	    !kd_kvm_check_extension(kvm, KVM_CAP_EXT_CPUID) ||
	    !kd_kvm_check_extension(kvm, KVM_CAP_IRQ_ROUTING) ||
	    !kd_kvm_check_extension(kvm, KVM_CAP_PIT2) ||
	    !kd_kvm_check_extension(kvm, KVM_CAP_IRQFD)) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_NO_KVM,
			    _("%s lacks the in-kernel interrupt controller, PIT or irqfd that "
			      "kvmdesk needs (Linux 3.x or later provides them)"),
			    path);
		goto fail;
	}
	kvm->vcpu_mmap_size = ioctl(kvm->fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (kvm->vcpu_mmap_size < (int)sizeof(struct kvm_run)) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_KVM,
			    _("KVM_GET_VCPU_MMAP_SIZE failed: %s"), g_strerror(errno));
		goto fail;
	}
	kvm->max_vcpus = kd_kvm_check_extension(kvm, KVM_CAP_MAX_VCPUS);
	if (kvm->max_vcpus <= 0)
		kvm->max_vcpus = kd_kvm_check_extension(kvm, KVM_CAP_NR_VCPUS);
	if (kvm->max_vcpus <= 0)
		kvm->max_vcpus = 4; /* api.rst: assume 4 when neither capability answers */
	kvm->nr_memslots = kd_kvm_check_extension(kvm, KVM_CAP_NR_MEMSLOTS);
	if (kvm->nr_memslots <= 0)
		kvm->nr_memslots = 32;
	kvm->has_readonly_mem = kd_kvm_check_extension(kvm, KVM_CAP_READONLY_MEM) > 0;
	kvm->has_immediate_exit = kd_kvm_check_extension(kvm, KVM_CAP_IMMEDIATE_EXIT) > 0;
	kvm->has_irqfd_resample = kd_kvm_check_extension(kvm, KVM_CAP_IRQFD_RESAMPLE) > 0;
	kvm->has_ioeventfd = kd_kvm_check_extension(kvm, KVM_CAP_IOEVENTFD) > 0;
	kvm->has_smm = kd_kvm_check_extension(kvm, KVM_CAP_X86_SMM) > 0;
	kvm->has_tsc_deadline = kd_kvm_check_extension(kvm, KVM_CAP_TSC_DEADLINE_TIMER) > 0;
	if (!read_supported_cpuid(kvm, err))
		goto fail;
	return kvm;
fail:
	kd_kvm_close(kvm);
	return NULL;
}

void kd_kvm_close(struct kd_kvm *kvm)
{
	if (!kvm)
		return;
	if (kvm->fd >= 0)
		close(kvm->fd);
	g_free(kvm->supported_cpuid);
	g_free(kvm);
}

const struct kvm_cpuid_entry2 *kd_kvm_cpuid_entry(const struct kd_kvm *kvm, uint32_t function,
						  uint32_t index)
{
	for (uint32_t i = 0; i < kvm->supported_cpuid->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &kvm->supported_cpuid->entries[i];

		if (e->function != function)
			continue;
		if ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) && e->index != index)
			continue;
		return e;
	}
	return NULL;
}
