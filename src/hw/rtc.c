/*
 * MC146818 real-time clock and CMOS RAM at ports 0x70/0x71, IRQ 8 (Motorola MC146818A data
 * sheet). The clock runs from the host's UTC clock plus whatever offset the guest sets; periodic,
 * alarm and update-ended interrupts come from a timerfd in the main loop.
 */
#include "config.h"

#include "hw/rtc.h"

#include <glib-unix.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "hw/machine.h"
#include "i18n.h"

#define RTC_IRQ 8
#define CMOS_SIZE 128

/* Register numbers and bits (data sheet, "Register A" to "Register D"). */
#define REG_SECONDS 0
#define REG_SECONDS_ALARM 1
#define REG_MINUTES 2
#define REG_MINUTES_ALARM 3
#define REG_HOURS 4
#define REG_HOURS_ALARM 5
#define REG_WEEKDAY 6
#define REG_DAY 7
#define REG_MONTH 8
#define REG_YEAR 9
#define REG_A 10
#define REG_B 11
#define REG_C 12
#define REG_D 13
#define REG_CENTURY 0x32

#define A_UIP 0x80
#define B_SET 0x80
#define B_PIE 0x40
#define B_AIE 0x20
#define B_UIE 0x10
#define B_DM_BINARY 0x04
#define B_24H 0x02
#define C_IRQF 0x80
#define C_PF 0x40
#define C_AF 0x20
#define C_UF 0x10
#define D_VRT 0x80

/* The update cycle: UIP is high for 244 us before the second turns over. */
#define UIP_NS 244000

struct kd_rtc {
	struct kd_device dev;
	struct kd_machine *machine;
	struct kd_io_region *region;
	uint8_t index;
	uint8_t cmos[CMOS_SIZE];
	int64_t offset; /* guest seconds minus host UTC seconds */
	int timer_fd;
	guint timer_watch;
	int64_t last_second; /* guest second of the last update-ended check */
	uint64_t irqs_raised;
};

static int64_t host_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool binary_mode(const struct kd_rtc *r)
{
	return r->cmos[REG_B] & B_DM_BINARY;
}

static uint8_t to_reg(const struct kd_rtc *r, unsigned v)
{
	return binary_mode(r) ? (uint8_t)v : (uint8_t)(((v / 10) << 4) | (v % 10));
}

static unsigned from_reg(const struct kd_rtc *r, uint8_t v)
{
	return binary_mode(r) ? v : (unsigned)((v >> 4) * 10 + (v & 0x0F));
}

static uint8_t hours_to_reg(const struct kd_rtc *r, unsigned h)
{
	if (r->cmos[REG_B] & B_24H)
		return to_reg(r, h);
	/* 12-hour mode: 12 AM is 12, bit 7 marks PM. */
	return (uint8_t)(to_reg(r, h % 12 ? h % 12 : 12) | (h >= 12 ? 0x80 : 0));
}

static unsigned hours_from_reg(const struct kd_rtc *r, uint8_t v)
{
	unsigned h;

	if (r->cmos[REG_B] & B_24H)
		return from_reg(r, v) % 24;
	h = from_reg(r, v & 0x7F) % 12;
	return (v & 0x80) ? h + 12 : h;
}

/* Writes the guest's current time into the clock registers. */
static void store_time(struct kd_rtc *r, int64_t guest_seconds)
{
	time_t t = (time_t)guest_seconds;
	struct tm tm;

	gmtime_r(&t, &tm);
	r->cmos[REG_SECONDS] = to_reg(r, (unsigned)tm.tm_sec);
	r->cmos[REG_MINUTES] = to_reg(r, (unsigned)tm.tm_min);
	r->cmos[REG_HOURS] = hours_to_reg(r, (unsigned)tm.tm_hour);
	r->cmos[REG_WEEKDAY] = to_reg(r, (unsigned)tm.tm_wday + 1);
	r->cmos[REG_DAY] = to_reg(r, (unsigned)tm.tm_mday);
	r->cmos[REG_MONTH] = to_reg(r, (unsigned)tm.tm_mon + 1);
	r->cmos[REG_YEAR] = to_reg(r, (unsigned)(tm.tm_year % 100));
	r->cmos[REG_CENTURY] = to_reg(r, (unsigned)(tm.tm_year + 1900) / 100);
}

/* Reads the clock registers back as seconds since the epoch (after the guest set them). */
static int64_t load_time(const struct kd_rtc *r)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_sec = (int)MIN(from_reg(r, r->cmos[REG_SECONDS]), 59u);
	tm.tm_min = (int)MIN(from_reg(r, r->cmos[REG_MINUTES]), 59u);
	tm.tm_hour = (int)hours_from_reg(r, r->cmos[REG_HOURS]);
	tm.tm_mday = (int)CLAMP(from_reg(r, r->cmos[REG_DAY]), 1u, 31u);
	tm.tm_mon = (int)CLAMP(from_reg(r, r->cmos[REG_MONTH]), 1u, 12u) - 1;
	tm.tm_year =
		(int)(from_reg(r, r->cmos[REG_CENTURY]) * 100 + from_reg(r, r->cmos[REG_YEAR])) -
		1900;
	if (tm.tm_year < 70)
		tm.tm_year += 100;
	return (int64_t)timegm(&tm);
}

static int64_t guest_seconds(const struct kd_rtc *r, int64_t *fraction_ns)
{
	int64_t now = host_now_ns();

	if (fraction_ns)
		*fraction_ns = now % 1000000000;
	return now / 1000000000 + r->offset;
}

static void update_irq(struct kd_rtc *r)
{
	uint8_t enabled = r->cmos[REG_B] & (B_PIE | B_AIE | B_UIE);
	uint8_t flags = r->cmos[REG_C] & (C_PF | C_AF | C_UF);
	/* PF/AF/UF map onto PIE/AIE/UIE bit for bit. */
	bool level = (flags & enabled) != 0;

	if (level) {
		if (!(r->cmos[REG_C] & C_IRQF))
			r->irqs_raised++;
		r->cmos[REG_C] |= C_IRQF;
	}
	kd_vm_set_irq(r->machine->vm, RTC_IRQ, 0, level);
}

static bool alarm_matches(const struct kd_rtc *r)
{
	static const uint8_t pairs[3][2] = { { REG_SECONDS_ALARM, REG_SECONDS },
					     { REG_MINUTES_ALARM, REG_MINUTES },
					     { REG_HOURS_ALARM, REG_HOURS } };

	for (unsigned i = 0; i < 3; i++) {
		uint8_t alarm = r->cmos[pairs[i][0]];

		/* 0xC0-0xFF in an alarm register means "any". */
		if ((alarm & 0xC0) != 0xC0 && alarm != r->cmos[pairs[i][1]])
			return false;
	}
	return true;
}

/* Brings the once-a-second flags up to date: update-ended and alarm. */
static void tick_seconds(struct kd_rtc *r)
{
	int64_t now;

	if (r->cmos[REG_B] & B_SET)
		return;
	now = guest_seconds(r, NULL);
	if (now == r->last_second)
		return;
	r->last_second = now;
	store_time(r, now);
	r->cmos[REG_C] |= C_UF;
	if (alarm_matches(r))
		r->cmos[REG_C] |= C_AF;
}

/* Periodic rate in Hz from register A's rate select (data sheet table 3). */
static unsigned periodic_hz(const struct kd_rtc *r)
{
	unsigned rs = r->cmos[REG_A] & 0x0F;

	if (rs == 0)
		return 0;
	if (rs <= 2)
		rs += 7; /* 1 and 2 repeat 8 and 9 with a 32.768 kHz time base */
	return 65536u >> rs;
}

/* The timerfd runs at the periodic rate when periodic interrupts are on, once a second when
 * alarm or update interrupts are, and not at all otherwise: an idle guest costs nothing. */
static void program_timer(struct kd_rtc *r)
{
	struct itimerspec its;
	unsigned hz = 0;

	memset(&its, 0, sizeof(its));
	if ((r->cmos[REG_B] & B_PIE) && periodic_hz(r))
		hz = periodic_hz(r);
	else if (r->cmos[REG_B] & (B_AIE | B_UIE))
		hz = 1;
	if (hz) {
		its.it_interval.tv_nsec = 1000000000 / hz;
		if (hz == 1) {
			its.it_interval.tv_sec = 1;
			its.it_interval.tv_nsec = 0;
		}
		its.it_value = its.it_interval;
	}
	if (r->timer_fd >= 0)
		timerfd_settime(r->timer_fd, 0, &its, NULL);
}

static gboolean on_timer(gint fd, GIOCondition cond, gpointer data)
{
	struct kd_rtc *r = data;
	uint64_t expirations;

	if (read(fd, &expirations, sizeof(expirations)) != sizeof(expirations))
		return G_SOURCE_CONTINUE;
	kd_vm_lock(r->machine->vm);
	if (r->cmos[REG_B] & B_PIE)
		r->cmos[REG_C] |= C_PF;
	tick_seconds(r);
	update_irq(r);
	kd_vm_unlock(r->machine->vm);
	return G_SOURCE_CONTINUE;
}

static bool is_clock_register(uint8_t index)
{
	return index <= REG_YEAR ? index != REG_SECONDS_ALARM && index != REG_MINUTES_ALARM &&
					   index != REG_HOURS_ALARM
				 : index == REG_CENTURY;
}

static uint8_t read_register(struct kd_rtc *r, uint8_t index)
{
	int64_t fraction;
	uint8_t v;

	if (is_clock_register(index)) {
		tick_seconds(r);
		return r->cmos[index];
	}
	switch (index) {
	case REG_A:
		guest_seconds(r, &fraction);
		v = r->cmos[REG_A] & ~A_UIP;
		if (!(r->cmos[REG_B] & B_SET) && fraction >= 1000000000 - UIP_NS)
			v |= A_UIP;
		return v;
	case REG_C:
		/* Reading C returns and clears the flags and drops the interrupt. */
		tick_seconds(r);
		v = r->cmos[REG_C];
		r->cmos[REG_C] = 0;
		update_irq(r);
		return v;
	case REG_D:
		return D_VRT;
	}
	return r->cmos[index];
}

static void write_register(struct kd_rtc *r, uint8_t index, uint8_t v)
{
	if (is_clock_register(index)) {
		if (!(r->cmos[REG_B] & B_SET))
			store_time(r, guest_seconds(r, NULL));
		r->cmos[index] = v;
		if (!(r->cmos[REG_B] & B_SET))
			r->offset = load_time(r) - host_now_ns() / 1000000000;
		return;
	}
	switch (index) {
	case REG_A:
		r->cmos[REG_A] = v & ~A_UIP;
		program_timer(r);
		return;
	case REG_B:
		if ((r->cmos[REG_B] & B_SET) && !(v & B_SET)) {
			/* SET cleared: the clock restarts from what the guest wrote. */
			r->cmos[REG_B] = v;
			r->offset = load_time(r) - host_now_ns() / 1000000000;
			r->last_second = guest_seconds(r, NULL);
		} else if (!(r->cmos[REG_B] & B_SET) && (v & B_SET)) {
			store_time(r, guest_seconds(r, NULL));
			r->cmos[REG_B] = v & ~B_UIE; /* SET clears UIE */
		} else {
			/* A mode change (binary/BCD, 12/24 h) shows in the next read. */
			r->cmos[REG_B] = v;
			if (!(v & B_SET))
				store_time(r, guest_seconds(r, NULL));
		}
		program_timer(r);
		update_irq(r);
		return;
	case REG_C:
	case REG_D:
		return; /* read-only */
	}
	r->cmos[index] = v;
}

static uint64_t rtc_read(void *opaque, uint64_t offset, unsigned size)
{
	struct kd_rtc *r = opaque;

	if (offset == 0)
		return 0xFF; /* the index port is write-only */
	return read_register(r, r->index);
}

static void rtc_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct kd_rtc *r = opaque;

	if (offset == 0) {
		/* Bit 7 is the NMI mask on a PC, not part of the index. */
		r->index = (uint8_t)value & 0x7F;
		return;
	}
	write_register(r, r->index, (uint8_t)value);
}

static const struct kd_io_ops rtc_ops = {
	.read = rtc_read,
	.write = rtc_write,
};

static void rtc_reset(struct kd_device *dev)
{
	struct kd_rtc *r = (struct kd_rtc *)dev;

	/* Data sheet "RESET": PIE, AIE, UIE and the flags clear; the time and RAM stay. */
	r->cmos[REG_B] &= ~(B_PIE | B_AIE | B_UIE);
	r->cmos[REG_C] = 0;
	program_timer(r);
	kd_vm_set_irq(r->machine->vm, RTC_IRQ, 0, false);
}

static void rtc_info(struct kd_device *dev, GString *out)
{
	struct kd_rtc *r = (struct kd_rtc *)dev;

	g_string_append_printf(out,
			       "mc146818rtc: offset %" G_GINT64_FORMAT " s from host UTC, "
			       "%" G_GUINT64_FORMAT " interrupts\n",
			       r->offset, r->irqs_raised);
}

static void rtc_destroy(struct kd_device *dev)
{
	struct kd_rtc *r = (struct kd_rtc *)dev;

	if (r->timer_watch)
		g_source_remove(r->timer_watch);
	if (r->timer_fd >= 0)
		close(r->timer_fd);
	kd_io_region_free(r->region);
	g_free(r);
}

struct kd_rtc *kd_rtc_create(struct kd_machine *m, GError **err)
{
	struct kd_rtc *r = g_new0(struct kd_rtc, 1);

	r->machine = m;
	r->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (r->timer_fd < 0) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG, _("RTC: timerfd_create failed"));
		g_free(r);
		return NULL;
	}
	r->region = kd_io_region_new("rtc", 2, &rtc_ops, r);
	if (!kd_bus_map(kd_vm_pio(m->vm), r->region, KD_RTC_PORT, err)) {
		kd_io_region_free(r->region);
		close(r->timer_fd);
		g_free(r);
		return NULL;
	}
	/* Power-on: 32.768 kHz time base with the 1024 Hz rate, 24-hour BCD, valid RAM. */
	r->cmos[REG_A] = 0x26;
	r->cmos[REG_B] = B_24H;
	r->last_second = guest_seconds(r, NULL);
	store_time(r, r->last_second);
	r->timer_watch = g_unix_fd_add(r->timer_fd, G_IO_IN, on_timer, r);
	r->dev.reset = rtc_reset;
	r->dev.info = rtc_info;
	r->dev.destroy = rtc_destroy;
	kd_device_add(m, &r->dev, "mc146818rtc", "rtc");
	return r;
}

void kd_rtc_set_cmos(struct kd_rtc *r, unsigned index, uint8_t value)
{
	if (index >= REG_A + 4 && index < CMOS_SIZE && index != REG_CENTURY)
		r->cmos[index] = value;
}

uint8_t kd_rtc_get_cmos(struct kd_rtc *r, unsigned index)
{
	return index < CMOS_SIZE ? r->cmos[index] : 0xFF;
}
