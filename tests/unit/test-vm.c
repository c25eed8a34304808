/*
 * The engine against the real /dev/kvm (skipped without it): guest memory accessors, irqfd into
 * the PIC, MSI routes into the local APIC, ioeventfd with and without data match, and the
 * power-on snapshot a reset restores.
 */
#include "config.h"

#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kd-test.h"
#include "vm/vcpu.h"
#include "vm/vm.h"

struct fixture {
	struct kd_kvm *kvm;
	struct kd_vm *vm;
};

static bool setup(struct fixture *f, uint64_t ram)
{
	struct kd_vm_config cfg = { "test", ram, 1, 0 };
	g_autoptr(GError) err = NULL;

	f->kvm = kd_kvm_open(NULL, &err);
	g_assert_no_error(err);
	f->vm = kd_vm_new(f->kvm, &cfg, &err);
	g_assert_no_error(err);
	return true;
}

static void teardown(struct fixture *f)
{
	kd_vm_free(f->vm);
	kd_kvm_close(f->kvm);
}

static void test_memory_accessors(void)
{
	struct fixture f;
	uint8_t buf[16];

	KD_TEST_REQUIRE_KVM();
	setup(&f, 4 * KD_GIB + 64 * KD_MIB);
	/* 4 GiB + 64 MiB: 3 GiB below 4 GiB, the rest above; the hole is not RAM. */
	g_assert_cmphex(kd_vm_ram_below_4g(f.vm), ==, 3 * KD_GIB);
	g_assert_cmphex(kd_vm_ram_above_4g(f.vm), ==, KD_GIB + 64 * KD_MIB);
	g_assert_nonnull(kd_vm_gpa_to_hva(f.vm, 0, 16));
	g_assert_nonnull(kd_vm_gpa_to_hva(f.vm, 3 * KD_GIB - 16, 16));
	g_assert_null(kd_vm_gpa_to_hva(f.vm, 3 * KD_GIB - 8, 16)); /* runs into the hole */
	g_assert_null(kd_vm_gpa_to_hva(f.vm, 0xFEC00000, 4));
	g_assert_nonnull(kd_vm_gpa_to_hva(f.vm, KD_4G, 16));
	g_assert_null(kd_vm_gpa_to_hva(f.vm, KD_4G + KD_GIB + 64 * KD_MIB - 8, 16));
	g_assert_null(kd_vm_gpa_to_hva(f.vm, UINT64_MAX - 4, 16)); /* no wrap-around */
	memset(buf, 0x5A, sizeof(buf));
	g_assert_true(kd_vm_write(f.vm, KD_4G + 100, buf, sizeof(buf)));
	memset(buf, 0, sizeof(buf));
	g_assert_true(kd_vm_read(f.vm, KD_4G + 100, buf, sizeof(buf)));
	g_assert_cmpuint(buf[15], ==, 0x5A);
	g_assert_false(kd_vm_write(f.vm, 3 * KD_GIB - 4, buf, sizeof(buf)));
	teardown(&f);
}

static struct kvm_irqchip pic_master(struct kd_vm *vm)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_PIC_MASTER };

	g_assert_cmpint(ioctl(kd_vm_fd(vm), KVM_GET_IRQCHIP, &chip), ==, 0);
	return chip;
}

static void test_irqfd(void)
{
	struct fixture f;
	uint64_t one = 1;
	int fd;

	KD_TEST_REQUIRE_KVM();
	setup(&f, 16 * KD_MIB);
	fd = eventfd(0, EFD_CLOEXEC);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpuint(pic_master(f.vm).chip.pic.irr & (1 << 5), ==, 0);
	g_assert_true(kd_vm_add_irqfd(f.vm, 5, fd, -1, NULL));
	g_assert_cmpint(write(fd, &one, sizeof(one)), ==, sizeof(one));
	/* KVM injects from a work queue: give it a moment. */
	for (int i = 0; i < 100 && !(pic_master(f.vm).chip.pic.irr & (1 << 5)); i++)
		g_usleep(1000);
	g_assert_cmpuint(pic_master(f.vm).chip.pic.irr & (1 << 5), !=, 0);
	kd_vm_remove_irqfd(f.vm, 5, fd);
	close(fd);
	teardown(&f);
}

static bool lapic_irr(struct kd_vcpu *vcpu, unsigned vector)
{
	struct kvm_lapic_state lapic;

	g_assert_cmpint(ioctl(kd_vcpu_fd(vcpu), KVM_GET_LAPIC, &lapic), ==, 0);
	/* IRR: eight 32-bit registers at 0x200, 0x210, ... */
	return (*(uint32_t *)(lapic.regs + 0x200 + (vector / 32) * 0x10) >> (vector % 32)) & 1;
}

static void test_msi_route(void)
{
	struct fixture f;
	struct kvm_lapic_state lapic;
	struct kd_vcpu *vcpu;
	uint64_t one = 1;
	int gsi, fd;

	KD_TEST_REQUIRE_KVM();
	setup(&f, 16 * KD_MIB);
	vcpu = kd_vm_vcpu(f.vm, 0);
	/* A local APIC accepts fixed interrupts only when software-enabled (SVR bit 8). */
	g_assert_cmpint(ioctl(kd_vcpu_fd(vcpu), KVM_GET_LAPIC, &lapic), ==, 0);
	*(uint32_t *)(lapic.regs + 0xF0) |= 0x1FF;
	g_assert_cmpint(ioctl(kd_vcpu_fd(vcpu), KVM_SET_LAPIC, &lapic), ==, 0);

	gsi = kd_vm_add_msi_route(f.vm, 0xFEE00000, 0x0045, NULL);
	g_assert_cmpint(gsi, >=, 24);
	g_assert_true(kd_vm_update_msi_route(f.vm, (unsigned)gsi, 0xFEE00000, 0x0041, NULL));
	fd = eventfd(0, EFD_CLOEXEC);
	g_assert_true(kd_vm_add_irqfd(f.vm, (unsigned)gsi, fd, -1, NULL));
	g_assert_false(lapic_irr(vcpu, 0x41));
	g_assert_cmpint(write(fd, &one, sizeof(one)), ==, sizeof(one));
	for (int i = 0; i < 100 && !lapic_irr(vcpu, 0x41); i++)
		g_usleep(1000);
	g_assert_true(lapic_irr(vcpu, 0x41));
	g_assert_false(lapic_irr(vcpu, 0x45)); /* the update took */
	/* KVM_SIGNAL_MSI, for devices that signal from userspace. */
	g_assert_true(kd_vm_signal_msi(f.vm, 0xFEE00000, 0x0050));
	g_assert_true(lapic_irr(vcpu, 0x50));
	g_assert_false(kd_vm_update_msi_route(f.vm, 3, 0xFEE00000, 0x41, NULL)); /* not MSI */
	kd_vm_remove_irqfd(f.vm, (unsigned)gsi, fd);
	kd_vm_remove_msi_route(f.vm, (unsigned)gsi);
	close(fd);
	teardown(&f);
}

/* out 0x99 twice with AL=0x42, once with 0x43, then out 0x9A to stop, in flat 32-bit mode. */
static const uint8_t ioeventfd_code[] = {
	0xB0, 0x42, 0xE6, 0x99, 0xE6, 0x99, 0xB0, 0x43, 0xE6, 0x99, 0xE6, 0x9A, 0xEB, 0xFE,
};

static void test_ioeventfd(void)
{
	struct fixture f;
	struct kd_vcpu *vcpu;
	struct kvm_run *run;
	struct kd_ioeventfd io = { true, 0x99, 1, true, 0x42, -1 };
	unsigned userspace_99 = 0;
	uint64_t count = 0;

	KD_TEST_REQUIRE_KVM();
	setup(&f, 16 * KD_MIB);
	vcpu = kd_vm_vcpu(f.vm, 0);
	io.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	g_assert_true(kd_vm_add_ioeventfd(f.vm, &io, NULL));
	g_assert_true(kd_vm_write(f.vm, 0x1000, ioeventfd_code, sizeof(ioeventfd_code)));
	g_assert_true(kd_vcpu_enter_flat32(vcpu, 0x1000, NULL));
	run = mmap(NULL, (size_t)kd_vm_kvm(f.vm)->vcpu_mmap_size, PROT_READ | PROT_WRITE,
		   MAP_SHARED, kd_vcpu_fd(vcpu), 0);
	g_assert_true(run != MAP_FAILED);
	for (int exits = 0; exits < 100; exits++) {
		g_assert_cmpint(ioctl(kd_vcpu_fd(vcpu), KVM_RUN, 0), ==, 0);
		g_assert_cmpuint(run->exit_reason, ==, KVM_EXIT_IO);
		if (run->io.port == 0x9A)
			break;
		g_assert_cmpuint(run->io.port, ==, 0x99);
		g_assert_cmpuint(*((uint8_t *)run + run->io.data_offset), ==, 0x43);
		userspace_99++;
	}
	/* The two matching writes went to the eventfd; the other one came to us. */
	g_assert_cmpint(read(io.fd, &count, sizeof(count)), ==, sizeof(count));
	g_assert_cmpuint(count, ==, 2);
	g_assert_cmpuint(userspace_99, ==, 1);
	kd_vm_remove_ioeventfd(f.vm, &io);
	munmap(run, (size_t)kd_vm_kvm(f.vm)->vcpu_mmap_size);
	close(io.fd);
	teardown(&f);
}

static void test_bad_configs(void)
{
	struct kd_kvm *kvm;
	struct kd_vm_config small = { "t", KD_MIB, 1, 0 }, many = { "t", 16 * KD_MIB, 10000, 0 };
	g_autoptr(GError) err = NULL;

	KD_TEST_REQUIRE_KVM();
	kvm = kd_kvm_open(NULL, NULL);
	g_assert_null(kd_vm_new(kvm, &small, &err));
	g_assert_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG);
	g_clear_error(&err);
	g_assert_null(kd_vm_new(kvm, &many, &err));
	g_assert_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG);
	kd_kvm_close(kvm);
}

static void test_no_kvm_message(void)
{
	g_autoptr(GError) err = NULL;

	g_assert_null(kd_kvm_open("/nonexistent/kvm", &err));
	g_assert_error(err, KD_VM_ERROR, KD_VM_ERROR_NO_KVM);
	g_assert_nonnull(strstr(err->message, "does not exist"));
	g_clear_error(&err);
	g_assert_null(kd_kvm_open("/dev/null", &err));
	g_assert_nonnull(strstr(err->message, "not a usable KVM device"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/vm/memory-accessors", test_memory_accessors);
	g_test_add_func("/vm/irqfd", test_irqfd);
	g_test_add_func("/vm/msi-route", test_msi_route);
	g_test_add_func("/vm/ioeventfd", test_ioeventfd);
	g_test_add_func("/vm/bad-configs", test_bad_configs);
	g_test_add_func("/vm/no-kvm-message", test_no_kvm_message);
	return g_test_run();
}
