#include "config.h"

#include "kd-test.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vm/vm.h"

/* KVM_GET_API_VERSION has returned 12 since Linux 2.6.22; anything else is not usable KVM. */
#define KD_TEST_KVM_API_VERSION 12

static bool quick_mode(void)
{
	return g_strcmp0(g_getenv("KVMDESK_TESTS_QUICK"), "1") == 0;
}

char *kd_test_kvm_missing(void)
{
	const char *path = g_getenv("KVMDESK_TEST_KVM_DEVICE");
	int fd, version;

	if (quick_mode())
		return g_strdup("KVMDESK_TESTS_QUICK=1: tests that need KVM are skipped");
	if (!path)
		path = "/dev/kvm";
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		if (e == ENOENT)
			return g_strdup_printf("needs KVM: %s does not exist on this machine",
					       path);
		if (e == EACCES || e == EPERM)
			return g_strdup_printf("needs KVM: %s: %s (join the kvm group)", path,
					       g_strerror(e));
		return g_strdup_printf("needs KVM: %s: %s", path, g_strerror(e));
	}
	version = ioctl(fd, KVM_GET_API_VERSION, 0);
	close(fd);
	if (version != KD_TEST_KVM_API_VERSION)
		return g_strdup_printf("needs KVM: %s is not a KVM device (API version %d)", path,
				       version);
	return NULL;
}

char *kd_test_root_missing(void)
{
	if (geteuid() == 0)
		return NULL;
	return g_strdup_printf("needs root (running as uid %u)", (unsigned)geteuid());
}

char *kd_test_program_missing(const char *program)
{
	g_autofree char *found = NULL;

	if (quick_mode() && g_str_has_prefix(program, "qemu-"))
		return g_strdup_printf("KVMDESK_TESTS_QUICK=1: tests that need %s are skipped",
				       program);
	found = g_find_program_in_path(program);
	if (found)
		return NULL;
	return g_strdup_printf("needs %s, which is not installed (build-aux/install-deps --tests)",
			       program);
}

uint32_t kd_test_in(struct kd_vm *vm, uint16_t port, unsigned size)
{
	uint32_t v = 0;

	kd_vm_lock(vm);
	kd_bus_read(kd_vm_pio(vm), port, &v, size);
	kd_vm_unlock(vm);
	return v;
}

void kd_test_out(struct kd_vm *vm, uint16_t port, uint32_t value, unsigned size)
{
	kd_vm_lock(vm);
	kd_bus_write(kd_vm_pio(vm), port, &value, size);
	kd_vm_unlock(vm);
}

uint64_t kd_test_mmio_read(struct kd_vm *vm, uint64_t addr, unsigned size)
{
	uint64_t v = 0;

	kd_vm_lock(vm);
	kd_bus_read(kd_vm_mmio(vm), addr, &v, size);
	kd_vm_unlock(vm);
	return v;
}

void kd_test_mmio_write(struct kd_vm *vm, uint64_t addr, uint64_t value, unsigned size)
{
	kd_vm_lock(vm);
	kd_bus_write(kd_vm_mmio(vm), addr, &value, size);
	kd_vm_unlock(vm);
}
