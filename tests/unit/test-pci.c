/*
 * PCI configuration space as data: write masks, write-1-to-clear bits, BAR sizing for every BAR
 * kind, the INTx status bit and reset. (Mapping BARs onto buses is covered by the engine's
 * system test, which needs a VM.)
 */
#include "config.h"

#include <string.h>

#include "hw/pci.h"

static void make(struct kd_pci_device *dev)
{
	memset(dev, 0, sizeof(*dev));
	kd_pci_device_init(dev, "test", 0x8086, 0x100E, 0x03, 0x020000, 1);
}

static void test_identity_read_only(void)
{
	struct kd_pci_device dev;

	make(&dev);
	kd_pci_device_config_write(&dev, PCI_VENDOR_ID, 0xFFFFFFFF, 4);
	kd_pci_device_config_write(&dev, PCI_REVISION_ID, 0xFFFFFFFF, 4);
	kd_pci_device_config_write(&dev, PCI_SUBSYSTEM_VENDOR_ID, 0, 4);
	g_assert_cmphex(kd_pci_device_config_read(&dev, PCI_VENDOR_ID, 4), ==, 0x100E8086);
	g_assert_cmphex(kd_pci_device_config_read(&dev, PCI_REVISION_ID, 4), ==, 0x02000003);
	g_assert_cmphex(kd_pci_device_config_read(&dev, PCI_SUBSYSTEM_VENDOR_ID, 4), ==,
			0x11001AF4);
	g_assert_cmpuint(kd_pci_device_config_read(&dev, PCI_INTERRUPT_PIN, 1), ==, 1);
	/* Out of range: all ones, and writes go nowhere. */
	g_assert_cmphex(kd_pci_device_config_read(&dev, 254, 4), ==, 0xFFFFFFFF);
	kd_pci_device_config_write(&dev, 300, 1, 4);
}

static void test_command_and_status(void)
{
	struct kd_pci_device dev;

	make(&dev);
	kd_pci_device_config_write(&dev, PCI_COMMAND, 0xFFFF, 2);
	g_assert_cmphex(kd_pci_device_config_read(&dev, PCI_COMMAND, 2), ==, 0x0507);
	/* STATUS error bits are write-1-to-clear. */
	dev.config[PCI_STATUS + 1] = 0xF9;
	kd_pci_device_config_write(&dev, PCI_STATUS, 0x0100, 2);
	g_assert_cmphex(kd_pci_device_config_read(&dev, PCI_STATUS, 2), ==, 0xF800);
	kd_pci_device_config_write(&dev, PCI_STATUS, 0xFFFF, 2);
	g_assert_cmphex(kd_pci_device_config_read(&dev, PCI_STATUS, 2), ==, 0);
	/* Byte writes touch only their byte. */
	kd_pci_device_config_write(&dev, PCI_INTERRUPT_LINE, 0xAB, 1);
	g_assert_cmphex(kd_pci_device_config_read(&dev, PCI_INTERRUPT_LINE, 2), ==, 0x01AB);
}

struct bar_case {
	enum kd_pci_bar_type type;
	bool prefetch;
	uint64_t size;
	int n;
	uint32_t sized_low, sized_high;
};

static const struct bar_case bars[] = {
	{ KD_PCI_BAR_IO, false, 0x20, 0, 0xFFFFFFE1, 0 },
	{ KD_PCI_BAR_MEM32, false, 0x20000, 1, 0xFFFE0000, 0 },
	{ KD_PCI_BAR_MEM32, true, 0x1000000, 2, 0xFF000008, 0 },
	{ KD_PCI_BAR_MEM64, true, 0x200000000ull, 2, 0x0000000C, 0xFFFFFFFE },
	{ KD_PCI_BAR_MEM32, false, 0x10000, PCI_ROM_SLOT, 0xFFFF0001, 0 },
};

static void test_bar_sizing(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(bars); i++) {
		const struct bar_case *c = &bars[i];
		unsigned off =
			c->n == PCI_ROM_SLOT ? PCI_ROM_ADDRESS : PCI_BASE_ADDRESS_0 + 4u * c->n;
		struct kd_pci_device dev;

		make(&dev);
		kd_pci_device_set_bar(&dev, c->n, c->type, c->prefetch, c->size, NULL);
		kd_pci_device_config_write(&dev, off, 0xFFFFFFFF, 4);
		if (c->type == KD_PCI_BAR_MEM64)
			kd_pci_device_config_write(&dev, off + 4, 0xFFFFFFFF, 4);
		g_assert_cmphex(kd_pci_device_config_read(&dev, off, 4), ==, c->sized_low);
		if (c->type == KD_PCI_BAR_MEM64)
			g_assert_cmphex(kd_pci_device_config_read(&dev, off + 4, 4), ==,
					c->sized_high);
		/* An address keeps its type bits and loses what is below the size. */
		kd_pci_device_config_write(&dev, off, 0x12345678, 4);
		g_assert_cmphex(kd_pci_device_config_read(&dev, off, 4), ==,
				(0x12345678 & c->sized_low) |
					(c->sized_low & ~kd_pci_get_long(dev.wmask + off)));
		kd_pci_device_reset(&dev);
		g_assert_cmphex(kd_pci_device_config_read(&dev, off, 4) &
					kd_pci_get_long(dev.wmask + off),
				==, 0);
	}
}

static void test_intx_status_and_reset(void)
{
	struct kd_pci_device dev;

	make(&dev);
	kd_pci_set_intx(&dev, true);
	g_assert_true(kd_pci_device_config_read(&dev, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	/* INTX_DISABLE masks the line, not the status bit (PCI 3.0, 6.2.2 and 6.2.3). */
	kd_pci_device_config_write(&dev, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE, 2);
	g_assert_true(kd_pci_device_config_read(&dev, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	kd_pci_set_intx(&dev, false);
	g_assert_false(kd_pci_device_config_read(&dev, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT);
	kd_pci_device_config_write(&dev, PCI_INTERRUPT_LINE, 11, 1);
	kd_pci_device_reset(&dev);
	g_assert_cmpuint(kd_pci_device_config_read(&dev, PCI_COMMAND, 2), ==, 0);
	g_assert_cmpuint(kd_pci_device_config_read(&dev, PCI_INTERRUPT_LINE, 1), ==, 0);
	g_assert_cmpuint(kd_pci_device_config_read(&dev, PCI_INTERRUPT_PIN, 1), ==, 1);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/pci/identity-read-only", test_identity_read_only);
	g_test_add_func("/pci/command-status", test_command_and_status);
	g_test_add_func("/pci/bar-sizing", test_bar_sizing);
	g_test_add_func("/pci/intx-status-reset", test_intx_status_and_reset);
	return g_test_run();
}
