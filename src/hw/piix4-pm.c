/*
 * PIIX4 power management function, 00:01.3 (Intel 82371AB PIIX4 datasheet 290562, 3.4 and 11;
 * ACPI 6.4 chapter 4 "ACPI Hardware Specification"): the PM1 event and control registers, the
 * 24-bit PM timer, a GPE0 block, and the SCI on IRQ 9.
 *
 * There is no SMM, so the board is always in ACPI mode: SCI_EN is set at power-on and the FADT
 * has no SMI command port.
 */
#include "config.h"

#include "hw/piix4-pm.h"

#include <string.h>
#include <time.h>

#include "hw/machine.h"
#include "hw/pci.h"
#include "i18n.h"

#define PIIX4_PMBA 0x40
#define PIIX4_DEVACTB 0x58
#define DEVACTB_APMC_EN_BYTE3 0x02 /* bit 25: SMI on APM control writes */
#define PIIX4_PMREGMISC 0x80
#define PMREGMISC_PMIOSE 0x01
#define PIIX4_SMBBA 0x90
#define PIIX4_SMBHSTCFG 0xD2
#define PM_IO_SIZE 64

/* Registers in the PM I/O block (datasheet 11.2). */
#define PM1_STS 0x00
#define PM1_EN 0x02
#define PM1_CNT 0x04
#define PM_TMR 0x08

#define PM1_TMR 0x0001
#define PM1_GBL 0x0020
#define PM1_PWRBTN 0x0100
#define PM1_RTC 0x0400
#define PM1_WAK 0x8000
#define PM1_STS_WRITABLE (PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_RTC | PM1_WAK)
#define PM1_EN_WRITABLE (PM1_TMR | PM1_GBL | PM1_PWRBTN | PM1_RTC)
#define CNT_SCI_EN 0x0001
#define CNT_SLP_TYP_SHIFT 10
#define CNT_SLP_TYP_MASK 0x1C00
#define CNT_SLP_EN 0x2000
#define CNT_WRITABLE 0x1C07 /* SCI_EN, BM_RLD, GBL_RLS, SLP_TYP */
#define SLP_TYP_S5 0 /* the value our DSDT's _S5 gives */

#define PM_TIMER_HZ 3579545ull
#define PM_TIMER_MASK 0xFFFFFFu

struct kd_piix4_pm {
	struct kd_device dev;
	struct kd_pci_device pci;
	struct kd_machine *machine;
	struct kd_io_region *pm_region;
	struct kd_io_region *gpe_region;
	bool no_firmware;
	uint16_t pm1_sts;
	uint16_t pm1_en;
	uint16_t pm1_cnt;
	uint16_t gpe_sts;
	uint16_t gpe_en;
	uint64_t timer_overflows_seen; /* for TMR_STS: bit 23 transitions already reported */
	int64_t timer_base_ns;
};

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Ticks of the 3.579545 MHz timer since power-on. */
static uint64_t timer_ticks(const struct kd_piix4_pm *pm)
{
	uint64_t ns = (uint64_t)(monotonic_ns() - pm->timer_base_ns);

	return (ns / 1000000000) * PM_TIMER_HZ + (ns % 1000000000) * PM_TIMER_HZ / 1000000000;
}

static void update_sci(struct kd_piix4_pm *pm)
{
	uint64_t overflows = timer_ticks(pm) >> 23;
	bool level;

	/* TMR_STS: the timer's bit 23 changed since the guest last cleared it. */
	if (overflows != pm->timer_overflows_seen)
		pm->pm1_sts |= PM1_TMR;
	level = (pm->pm1_sts & pm->pm1_en) || (pm->gpe_sts & pm->gpe_en);
	if (!(pm->pm1_cnt & CNT_SCI_EN))
		level = false;
	kd_vm_set_irq(pm->machine->vm, KD_PIIX4_SCI_IRQ, 0, level);
}

static uint64_t pm_read(void *opaque, uint64_t offset, unsigned size)
{
	struct kd_piix4_pm *pm = opaque;
	uint8_t regs[PM_IO_SIZE];
	uint32_t timer = (uint32_t)(timer_ticks(pm) & PM_TIMER_MASK);
	uint64_t v = 0;

	update_sci(pm);
	memset(regs, 0, sizeof(regs));
	kd_pci_set_word(regs + PM1_STS, pm->pm1_sts);
	kd_pci_set_word(regs + PM1_EN, pm->pm1_en);
	kd_pci_set_word(regs + PM1_CNT, pm->pm1_cnt);
	kd_pci_set_long(regs + PM_TMR, timer);
	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)regs[offset + i] << (8 * i);
	return v;
}

/* Applies a write of `size` bytes at `offset` to a 16-bit register at reg. */
static uint16_t merge16(unsigned reg, uint16_t old, uint64_t offset, uint64_t value, unsigned size,
			uint16_t *written_bits)
{
	uint16_t v = old, mask = 0;

	for (unsigned i = 0; i < size; i++) {
		unsigned o = (unsigned)offset + i;

		if (o < reg || o >= reg + 2u)
			continue;
		unsigned shift = 8 * (o - reg);
		uint8_t b = (uint8_t)(value >> (8 * i));

		v = (uint16_t)((v & ~(0xFFu << shift)) | ((unsigned)b << shift));
		mask |= (uint16_t)(0xFFu << shift);
	}
	*written_bits = mask;
	return v;
}

static void pm_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct kd_piix4_pm *pm = opaque;
	uint16_t v, mask;

	if (offset < PM1_STS + 2) {
		v = merge16(PM1_STS, 0, offset, value, size, &mask);
		pm->pm1_sts &= (uint16_t) ~(v & mask & PM1_STS_WRITABLE);
		if (v & mask & PM1_TMR)
			pm->timer_overflows_seen = timer_ticks(pm) >> 23;
	}
	if (offset < PM1_EN + 2 && offset + size > PM1_EN) {
		v = merge16(PM1_EN, pm->pm1_en, offset, value, size, &mask);
		pm->pm1_en = v & PM1_EN_WRITABLE;
	}
	if (offset < PM1_CNT + 2 && offset + size > PM1_CNT) {
		v = merge16(PM1_CNT, pm->pm1_cnt, offset, value, size, &mask);
		pm->pm1_cnt = (uint16_t)((v & CNT_WRITABLE) | (pm->pm1_cnt & ~CNT_WRITABLE));
		if ((v & mask & CNT_SLP_EN) &&
		    ((v & CNT_SLP_TYP_MASK) >> CNT_SLP_TYP_SHIFT) == SLP_TYP_S5)
			kd_vm_request(pm->machine->vm, KD_VM_REQUEST_POWEROFF, 0);
	}
	update_sci(pm);
}

static const struct kd_io_ops pm_ops = {
	.read = pm_read,
	.write = pm_write,
};

static uint64_t gpe_read(void *opaque, uint64_t offset, unsigned size)
{
	struct kd_piix4_pm *pm = opaque;
	uint32_t regs = (uint32_t)pm->gpe_sts | (uint32_t)pm->gpe_en << 16;

	return (regs >> (8 * offset)) & (size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1);
}

static void gpe_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct kd_piix4_pm *pm = opaque;
	uint16_t v, mask;

	if (offset < 2) {
		v = merge16(0, 0, offset, value, size, &mask);
		pm->gpe_sts &= (uint16_t) ~(v & mask); /* write-1-to-clear */
	}
	if (offset + size > 2) {
		v = merge16(2, pm->gpe_en, offset, value, size, &mask);
		pm->gpe_en = v;
	}
	update_sci(pm);
}

static const struct kd_io_ops gpe_ops = {
	.read = gpe_read,
	.write = gpe_write,
};

/* The PM I/O block follows PMBA when PMIOSE enables it (datasheet 3.4.2). */
static void update_pm_io(struct kd_piix4_pm *pm)
{
	uint32_t base = kd_pci_get_long(pm->pci.config + PIIX4_PMBA) & 0xFFC0u;
	bool enabled = pm->pci.config[PIIX4_PMREGMISC] & PMREGMISC_PMIOSE;
	struct kd_bus *io = kd_vm_pio(pm->machine->vm);

	if (!enabled || base == 0) {
		kd_bus_unmap(pm->pm_region);
		return;
	}
	if (pm->pm_region->bus) {
		if (pm->pm_region->base != base && !kd_bus_move(pm->pm_region, base, NULL))
			kd_bus_unmap(pm->pm_region);
	} else {
		kd_bus_map(io, pm->pm_region, base, NULL);
	}
}

static void config_written(struct kd_pci_device *pci, unsigned offset, uint32_t value,
			   unsigned size)
{
	struct kd_piix4_pm *pm = pci->opaque;

	if ((offset < PIIX4_PMBA + 4 && offset + size > PIIX4_PMBA) ||
	    (offset <= PIIX4_PMREGMISC && offset + size > PIIX4_PMREGMISC))
		update_pm_io(pm);
}

void kd_piix4_pm_power_button(struct kd_piix4_pm *pm)
{
	pm->pm1_sts |= PM1_PWRBTN;
	update_sci(pm);
}

void kd_piix4_pm_raise_gpe(struct kd_piix4_pm *pm, unsigned bit)
{
	if (bit < 16)
		pm->gpe_sts |= (uint16_t)(1u << bit);
	update_sci(pm);
}

static void pm_reset(struct kd_device *dev)
{
	struct kd_piix4_pm *pm = (struct kd_piix4_pm *)dev;

	kd_pci_device_reset(&pm->pci);
	kd_pci_set_long(pm->pci.config + PIIX4_PMBA, 1); /* I/O space indicator */
	kd_pci_set_long(pm->pci.config + PIIX4_SMBBA, 1);
	pm->pci.config[PIIX4_PMREGMISC] = 0;
	pm->pci.config[PIIX4_SMBHSTCFG] = 0;
	/* There is no SMM: APMC_EN reads as set, which tells firmware SMM is set up already
	 * (SeaBIOS would otherwise raise an SMI and wait for it forever). */
	pm->pci.config[PIIX4_DEVACTB + 3] = DEVACTB_APMC_EN_BYTE3;
	pm->pm1_sts = pm->pm1_en = pm->gpe_sts = pm->gpe_en = 0;
	pm->pm1_cnt = CNT_SCI_EN;
	pm->timer_base_ns = monotonic_ns();
	pm->timer_overflows_seen = 0;
	if (pm->no_firmware) {
		/* What SeaBIOS would have programmed: the PM block at 0x600, SCI on 9. */
		kd_pci_set_long(pm->pci.config + PIIX4_PMBA, KD_PIIX4_PM_BASE | 1);
		pm->pci.config[PIIX4_PMREGMISC] = PMREGMISC_PMIOSE;
		pm->pci.config[PCI_INTERRUPT_LINE] = KD_PIIX4_SCI_IRQ;
	}
	update_pm_io(pm);
	update_sci(pm);
}

static void pm_destroy(struct kd_device *dev)
{
	struct kd_piix4_pm *pm = (struct kd_piix4_pm *)dev;

	kd_pci_unplug(&pm->pci);
	kd_io_region_free(pm->pm_region);
	kd_io_region_free(pm->gpe_region);
	g_free(pm);
}

static void pm_info(struct kd_device *dev, GString *out)
{
	struct kd_piix4_pm *pm = (struct kd_piix4_pm *)dev;

	g_string_append_printf(out,
			       "piix4-pm: PM1 sts %#06x en %#06x cnt %#06x, GPE0 sts %#06x en "
			       "%#06x\n",
			       pm->pm1_sts, pm->pm1_en, pm->pm1_cnt, pm->gpe_sts, pm->gpe_en);
}

struct kd_piix4_pm *kd_piix4_pm_create(struct kd_machine *m, bool no_firmware, GError **err)
{
	struct kd_piix4_pm *pm = g_new0(struct kd_piix4_pm, 1);

	pm->machine = m;
	pm->no_firmware = no_firmware;
	kd_pci_device_init(&pm->pci, "PIIX4 PM", 0x8086, 0x7113, 0x03, 0x068000, 1);
	pm->pci.opaque = pm;
	pm->pci.config_written = config_written;
	kd_pci_set_long(pm->pci.wmask + PIIX4_PMBA, 0xFFC0);
	kd_pci_set_long(pm->pci.wmask + PIIX4_SMBBA, 0xFFF0);
	pm->pci.wmask[PIIX4_PMREGMISC] = PMREGMISC_PMIOSE;
	pm->pci.wmask[PIIX4_SMBHSTCFG] = 0x0F;
	pm->pm_region = kd_io_region_new("piix4-pm", PM_IO_SIZE, &pm_ops, pm);
	pm->gpe_region = kd_io_region_new("acpi-gpe0", KD_PIIX4_GPE0_LEN, &gpe_ops, pm);
	if (!kd_bus_map(kd_vm_pio(m->vm), pm->gpe_region, KD_PIIX4_GPE0_BASE, err) ||
	    !kd_pci_plug(m->pci, &pm->pci, PCI_DEVFN(1, 3), err)) {
		kd_io_region_free(pm->pm_region);
		kd_io_region_free(pm->gpe_region);
		g_free(pm);
		return NULL;
	}
	pm->dev.reset = pm_reset;
	pm->dev.info = pm_info;
	pm->dev.destroy = pm_destroy;
	kd_device_add(m, &pm->dev, "PIIX4_PM", "pm");
	pm_reset(&pm->dev);
	return pm;
}
