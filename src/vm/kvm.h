/*
 * The host's /dev/kvm: opened once per process, shared by every VM it runs.
 */
#ifndef KD_VM_KVM_H
#define KD_VM_KVM_H

#include <glib.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

#define KD_VM_ERROR (kd_vm_error_quark())
GQuark kd_vm_error_quark(void);

enum kd_vm_error_code {
	KD_VM_ERROR_NO_KVM, /* /dev/kvm missing, not accessible, or not KVM */
	KD_VM_ERROR_KVM, /* a KVM ioctl failed */
	KD_VM_ERROR_CONFIG, /* the configuration cannot be honoured */
	KD_VM_ERROR_MEMORY, /* guest memory could not be set up */
	KD_VM_ERROR_LOADER, /* a firmware or kernel image is unusable */
	KD_VM_ERROR_BUSY, /* an I/O range is taken */
};

struct kd_kvm {
	int fd;
	int api_version;
	int vcpu_mmap_size;
	int max_vcpus; /* KVM_CAP_MAX_VCPUS (or NR_VCPUS) */
	int nr_memslots;
	bool has_readonly_mem;
	bool has_immediate_exit;
	bool has_irqfd_resample;
	bool has_ioeventfd;
	bool has_smm;
	bool has_tsc_deadline;
	struct kvm_cpuid2 *supported_cpuid;
};

/* Opens path (NULL: /dev/kvm) and reads the capabilities kvmdesk relies on. Never looks at the
 * CPU's vmx/svm flags: nested and software-assisted KVM work without them. */
struct kd_kvm *kd_kvm_open(const char *path, GError **err);
void kd_kvm_close(struct kd_kvm *kvm);
int kd_kvm_check_extension(const struct kd_kvm *kvm, int cap);

/* Entry of the supported CPUID for (function, index), or NULL. */
const struct kvm_cpuid_entry2 *kd_kvm_cpuid_entry(const struct kd_kvm *kvm, uint32_t function,
						  uint32_t index);

#endif
