/*
 * ACPI PCI hotplug from the guest's side, in ring 3 (tests/system/hotplug.sh drives the
 * monitor): what an OS's acpiphp does, without the AML. For each of `rounds` rounds:
 *   "hotplug: ready N"         -> the test runs pci_add auto nic model=e1000 (or device_add)
 *   GPE0 status bit 1, PCIU has the new slot; the guest acknowledges both, finds the e1000 in
 *   that slot's configuration space, places BAR0, reads the MAC from the EEPROM and the link
 *   from STATUS                -> "hotplug: added slot S mac M"
 *                               -> the test runs pci_del S
 *   GPE0 bit 1 again, PCID has the slot; the guest writes it to B0EJ and waits until the slot
 *   reads as empty             -> "hotplug: removed slot S"
 * Then "hotplug: done". Command line: rounds=N, hostile (a register storm first: hostile()).
 */
#include "kd.h"

#define GPE0_STS 0xAFE0
#define GPE0_EN 0xAFE2
#define PCIU 0xAE00
#define PCID 0xAE04
#define B0EJ 0xAE08
#define PRMV 0xAE0C
#define HOTPLUG_GPE (1u << 1)
#define BAR0 0xE0000000u

static uint64_t tsc_hz;

/* Waits (30 s at most) for GPE0 bit 1 and returns the slots of reg, acknowledged. */
static uint32_t wait_event(unsigned reg)
{
	uint64_t end = kd_rdtsc() + 30 * tsc_hz;
	uint32_t slots = 0;

	while (kd_rdtsc() < end) {
		if (!(inw(GPE0_STS) & HOTPLUG_GPE))
			continue;
		slots = inl(reg);
		outl(reg, slots); /* write 1 to clear, as the DSDT's PCNT does */
		outw(GPE0_STS, HOTPLUG_GPE);
		if (slots)
			return slots;
	}
	return 0;
}

static unsigned lowest(uint32_t bits)
{
	for (unsigned s = 0; s < 32; s++)
		if (bits & (1u << s))
			return s;
	return 32;
}

static uint16_t eerd(unsigned word)
{
	mmio_write32(BAR0 + 0x14, word << 8 | 1);
	for (unsigned i = 0; i < 100000; i++) {
		uint32_t v = mmio_read32(BAR0 + 0x14);

		if (v & 0x10)
			return (uint16_t)(v >> 16);
	}
	return 0xFFFF;
}

static bool round_trip(unsigned round)
{
	uint32_t slots;
	unsigned slot;
	uint16_t mac[3];

	kd_printf("hotplug: ready %u\n", round);
	slots = wait_event(PCIU);
	KD_CHECK(slots != 0);
	slot = lowest(slots);
	KD_CHECK_EQ(slots, 1u << slot);
	KD_CHECK(slot >= 3 && slot < 32);
	if (slot >= 32)
		return false;
	KD_CHECK_EQ(kd_pci_read32(0, slot, 0, 0), 0x100E8086);
	KD_CHECK(inl(PRMV) & (1u << slot));
	kd_pci_write32(0, slot, 0, 0x10, BAR0);
	kd_pci_write16(0, slot, 0, 0x04, 0x0006);
	for (unsigned i = 0; i < 3; i++)
		mac[i] = eerd(i);
	KD_CHECK(mmio_read32(BAR0 + 0x08) & 0x02); /* STATUS.LU */
	kd_printf("hotplug: added slot %u mac %02x:%02x:%02x:%02x:%02x:%02x\n", slot, mac[0] & 0xFF,
		  mac[0] >> 8, mac[1] & 0xFF, mac[1] >> 8, mac[2] & 0xFF, mac[2] >> 8);

	slots = wait_event(PCID);
	KD_CHECK_EQ(slots, 1u << slot);
	if (slots != 1u << slot)
		return false;
	kd_pci_write16(0, slot, 0, 0x04, 0); /* a driver stops the card first */
	outl(B0EJ, 1u << slot);
	{
		uint64_t end = kd_rdtsc() + 10 * tsc_hz;

		while (kd_pci_read32(0, slot, 0, 0) != 0xFFFFFFFF && kd_rdtsc() < end)
			;
	}
	KD_CHECK_EQ(kd_pci_read32(0, slot, 0, 0), 0xFFFFFFFF);
	KD_CHECK(!(inl(PRMV) & (1u << slot)));
	kd_printf("hotplug: removed slot %u\n", slot);
	return true;
}

/* A hostile guest first: 6000 reads and writes of every width at every offset of the hotplug
 * block and GPE0 (also across their ends), ejects aimed at the board's slots and at empty
 * ones. The board stays, the default NIC in slot 3 stays (never aimed at), and the registers
 * read sanely afterwards. */
static void hostile(void)
{
	for (unsigned i = 0; i < 6000; i++) {
		uint32_t v = i * 2654435761u;
		unsigned width = 1u << (i % 3), off = (i * 7) % 20;
		uint16_t port = (uint16_t)((i & 8 ? GPE0_STS : PCIU) + off);

		/* Never slot 3's eject bit: bit 3 of B0EJ's first byte. */
		if (port <= B0EJ && B0EJ < port + width)
			v &= ~(1u << (3 + 8 * (B0EJ - port)));
		if (i & 1) {
			if (width == 1)
				outb(port, (uint8_t)v);
			else if (width == 2)
				outw(port, (uint16_t)v);
			else
				outl(port, v);
		} else {
			(void)(width == 1 ? inb(port) : width == 2 ? inw(port) : inl(port));
		}
	}
	outw(GPE0_EN, HOTPLUG_GPE);
	outw(GPE0_STS, 0xFFFF);
	KD_CHECK_EQ(kd_pci_read32(0, 0, 0, 0), 0x12378086);
	KD_CHECK_EQ(kd_pci_read32(0, 1, 0, 0), 0x70008086);
	KD_CHECK_EQ(kd_pci_read32(0, 3, 0, 0), 0x813910EC);
	KD_CHECK_EQ(inl(PRMV), 1u << 3);
	KD_CHECK_EQ(inl(PCIU), 0);
	KD_CHECK_EQ(inl(PCID), 0);
	kd_printf("hotplug: hostile register storm: survived\n");
}

int kd_main(const struct kd_boot_info *boot)
{
	unsigned rounds = (unsigned)kd_cmdline_u64(boot, "rounds", 1);

	tsc_hz = kd_tsc_hz();
	outw(GPE0_EN, HOTPLUG_GPE);
	/* The board's own slots are not removable. */
	KD_CHECK_EQ(inl(PRMV) & 0x7, 0);
	/* Ejecting a slot that is not removable does nothing. */
	outl(B0EJ, 1u << 1);
	KD_CHECK_EQ(kd_pci_read32(0, 1, 0, 0), 0x70008086);
	if (kd_cmdline_has(boot, "hostile"))
		hostile();
	for (unsigned r = 0; r < rounds; r++)
		if (!round_trip(r))
			break;
	kd_printf("hotplug: done\n");
	return 0;
}
