/*
 * Shared helpers for kvmdesk's GLib test programs: skip, with the reason printed in the TAP
 * output, when a test needs something this machine lacks (/dev/kvm, root, a program).
 *
 * Environment:
 *   KVMDESK_TEST_KVM_DEVICE  the KVM device to probe (default /dev/kvm)
 *   KVMDESK_TESTS_QUICK=1    skip every test that needs KVM or QEMU (used by make distcheck)
 */
#ifndef KD_TEST_H
#define KD_TEST_H

#include <glib.h>
#include <stdint.h>

/* Each returns NULL when the requirement is met, else a newly allocated reason to skip. */
char *kd_test_kvm_missing(void);
/* Guest-style accesses to a machine's port and MMIO buses (machine lock taken inside). */
struct kd_vm;
uint32_t kd_test_in(struct kd_vm *vm, uint16_t port, unsigned size);
void kd_test_out(struct kd_vm *vm, uint16_t port, uint32_t value, unsigned size);
uint64_t kd_test_mmio_read(struct kd_vm *vm, uint64_t addr, unsigned size);
void kd_test_mmio_write(struct kd_vm *vm, uint64_t addr, uint64_t value, unsigned size);
char *kd_test_root_missing(void);
char *kd_test_program_missing(const char *program);

/* Skip the running test case (and return from it) when reason_expr gives a reason. */
#define KD_TEST_REQUIRE(reason_expr)                                                               \
	do {                                                                                       \
		char *kd_reason_ = (reason_expr);                                                  \
		if (kd_reason_) {                                                                  \
			g_test_skip(kd_reason_);                                                   \
			g_free(kd_reason_);                                                        \
			return;                                                                    \
		}                                                                                  \
	} while (0)
#define KD_TEST_REQUIRE_KVM() KD_TEST_REQUIRE(kd_test_kvm_missing())
#define KD_TEST_REQUIRE_ROOT() KD_TEST_REQUIRE(kd_test_root_missing())
#define KD_TEST_REQUIRE_PROGRAM(p) KD_TEST_REQUIRE(kd_test_program_missing(p))

#endif
