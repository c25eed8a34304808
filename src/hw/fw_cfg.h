/*
 * The firmware configuration device (ports 0x510/0x511, DMA at 0x514): how SeaBIOS learns the
 * machine's memory map, CPU count, ACPI tables and boot order.
 */
#ifndef KD_HW_FW_CFG_H
#define KD_HW_FW_CFG_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kd_machine;
struct kd_fw_cfg;

/* Item keys (QEMU's include/standard-headers/linux/qemu_fw_cfg.h numbering). */
#define KD_FW_CFG_SIGNATURE 0x00
#define KD_FW_CFG_ID 0x01
#define KD_FW_CFG_UUID 0x02
#define KD_FW_CFG_RAM_SIZE 0x03
#define KD_FW_CFG_NOGRAPHIC 0x04
#define KD_FW_CFG_NB_CPUS 0x05
#define KD_FW_CFG_BOOT_MENU 0x0E
#define KD_FW_CFG_MAX_CPUS 0x0F
#define KD_FW_CFG_FILE_DIR 0x19
#define KD_FW_CFG_FILE_FIRST 0x20
#define KD_FW_CFG_IRQ0_OVERRIDE 0x8002

struct kd_fw_cfg *kd_fw_cfg_create(struct kd_machine *m, GError **err);
void kd_fw_cfg_add_bytes(struct kd_fw_cfg *fw, uint16_t key, const void *data, size_t len);
void kd_fw_cfg_add_u16(struct kd_fw_cfg *fw, uint16_t key, uint16_t v);
void kd_fw_cfg_add_u32(struct kd_fw_cfg *fw, uint16_t key, uint32_t v);
void kd_fw_cfg_add_u64(struct kd_fw_cfg *fw, uint16_t key, uint64_t v);
/* Adds or replaces a named file ("etc/e820", "bootorder", ...). */
bool kd_fw_cfg_add_file(struct kd_fw_cfg *fw, const char *name, const void *data, size_t len,
			GError **err);

#endif
