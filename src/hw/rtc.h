/*
 * The MC146818 RTC and its CMOS RAM (ports 0x70/0x71, IRQ 8).
 */
#ifndef KD_HW_RTC_H
#define KD_HW_RTC_H

#include <glib.h>
#include <stdint.h>

struct kd_machine;
struct kd_rtc;

#define KD_RTC_PORT 0x70

struct kd_rtc *kd_rtc_create(struct kd_machine *m, GError **err);
/* CMOS RAM bytes the firmware reads (memory sizes, CPU count, boot order); the clock and its
 * control registers are not settable this way. */
void kd_rtc_set_cmos(struct kd_rtc *r, unsigned index, uint8_t value);
uint8_t kd_rtc_get_cmos(struct kd_rtc *r, unsigned index);

#endif
