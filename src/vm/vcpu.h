/*
 * One virtual CPU: its registers for loaders and the monitor, and its exit counters.
 */
#ifndef KD_VM_VCPU_H
#define KD_VM_VCPU_H

#include <glib.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

struct kd_vcpu;

unsigned kd_vcpu_index(const struct kd_vcpu *vcpu);
int kd_vcpu_fd(const struct kd_vcpu *vcpu);

bool kd_vcpu_get_regs(struct kd_vcpu *vcpu, struct kvm_regs *regs, GError **err);
bool kd_vcpu_set_regs(struct kd_vcpu *vcpu, const struct kvm_regs *regs, GError **err);
bool kd_vcpu_get_sregs(struct kd_vcpu *vcpu, struct kvm_sregs *sregs, GError **err);
bool kd_vcpu_set_sregs(struct kd_vcpu *vcpu, const struct kvm_sregs *sregs, GError **err);

/* Puts the vCPU in 32-bit flat protected mode, paging off, interrupts off, at eip: the state
 * the multiboot, Linux 32-bit and PVH boot protocols all start from. */
bool kd_vcpu_enter_flat32(struct kd_vcpu *vcpu, uint32_t eip, GError **err);

/* The Linux thread id of the vCPU's thread (0 before it started), for `info cpus`. */
int kd_vcpu_thread_id(const struct kd_vcpu *vcpu);

/* Registers in the style of QEMU's `info registers`. */
char *kd_vcpu_format_registers(struct kd_vcpu *vcpu);

#endif
