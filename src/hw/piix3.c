/*
 * Intel 82371SB PIIX3 function 0, the PCI-to-ISA bridge (PIIX3 datasheet 290550): PIRQ routing
 * registers 0x60-0x63, the reset control register at 0xCF9 and port 0x92 (fast reset, A20).
 * The PICs, PIT and ELCR behind it are KVM's in-kernel ones.
 */
#include "config.h"

#include "hw/piix3.h"

#include "hw/i440fx.h"
#include "hw/machine.h"
#include "hw/pci.h"

#define PIIX3_PIRQRC 0x60 /* PIRQRC[A:D]: 0x60-0x63 */
#define PIRQ_DISABLE 0x80
#define PIRQ_IRQ_MASK 0x0F
/* IRQs a PIRQ may be routed to (datasheet 2.2.7): 3-7, 9-12, 14, 15. */
#define PIRQ_VALID_IRQS 0xDEF8
#define RCR_SYSTEM_RESET 0x02
#define RCR_RESET_CPU 0x04
#define PORT_92 0x92
#define PORT_92_FAST_RESET 0x01

struct kd_piix3 {
	struct kd_device dev;
	struct kd_pci_device pci;
	struct kd_machine *machine;
	struct kd_io_region *port92;
	uint8_t rcr;
	uint8_t port92_value;
};

static int route_pirq(void *opaque, unsigned pirq)
{
	struct kd_piix3 *p = opaque;
	uint8_t reg = p->pci.config[PIIX3_PIRQRC + pirq];
	unsigned irq = reg & PIRQ_IRQ_MASK;

	if ((reg & PIRQ_DISABLE) || !(PIRQ_VALID_IRQS & (1u << irq)))
		return -1;
	return (int)irq;
}

static void config_written(struct kd_pci_device *pci, unsigned offset, uint32_t value,
			   unsigned size)
{
	struct kd_piix3 *p = pci->opaque;

	if (offset < PIIX3_PIRQRC + 4 && offset + size > PIIX3_PIRQRC)
		kd_pci_bus_routing_changed(p->machine->pci);
}

static void reset_control(void *opaque, uint8_t value)
{
	struct kd_piix3 *p = opaque;

	/* Datasheet 4.1.7: setting RCPU resets; SRST picks hard over soft, both reset us. */
	p->rcr = value & RCR_SYSTEM_RESET;
	if (value & RCR_RESET_CPU)
		kd_vm_request(p->machine->vm, KD_VM_REQUEST_RESET, 0);
}

static uint64_t port92_read(void *opaque, uint64_t offset, unsigned size)
{
	struct kd_piix3 *p = opaque;

	return p->port92_value;
}

static void port92_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct kd_piix3 *p = opaque;

	/* Bit 1 gates A20, which KVM never masks; bit 0 resets the CPU. */
	p->port92_value = (uint8_t)value & ~PORT_92_FAST_RESET;
	if (value & PORT_92_FAST_RESET)
		kd_vm_request(p->machine->vm, KD_VM_REQUEST_RESET, 0);
}

static const struct kd_io_ops port92_ops = {
	.read = port92_read,
	.write = port92_write,
};

static void piix3_reset(struct kd_device *dev)
{
	struct kd_piix3 *p = (struct kd_piix3 *)dev;

	kd_pci_device_reset(&p->pci);
	for (unsigned i = 0; i < 4; i++)
		p->pci.config[PIIX3_PIRQRC + i] = PIRQ_DISABLE;
	p->rcr = 0;
	p->port92_value = 0x02; /* A20 enabled */
	kd_pci_bus_routing_changed(p->machine->pci);
}

static void piix3_destroy(struct kd_device *dev)
{
	struct kd_piix3 *p = (struct kd_piix3 *)dev;

	kd_pci_unplug(&p->pci);
	kd_io_region_free(p->port92);
	g_free(p);
}

struct kd_piix3 *kd_piix3_create(struct kd_machine *m, struct kd_i440fx *host, GError **err)
{
	struct kd_piix3 *p = g_new0(struct kd_piix3, 1);

	p->machine = m;
	kd_pci_device_init(&p->pci, "PIIX3", 0x8086, 0x7000, 0x00, 0x060100, 0);
	p->pci.config[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_MULTI_FUNCTION;
	p->pci.opaque = p;
	p->pci.config_written = config_written;
	for (unsigned i = 0; i < 4; i++)
		p->pci.wmask[PIIX3_PIRQRC + i] = PIRQ_DISABLE | PIRQ_IRQ_MASK;
	p->port92 = kd_io_region_new("port92", 1, &port92_ops, p);
	if (!kd_bus_map(kd_vm_pio(m->vm), p->port92, PORT_92, err) ||
	    !kd_pci_plug(m->pci, &p->pci, PCI_DEVFN(1, 0), err)) {
		kd_io_region_free(p->port92);
		g_free(p);
		return NULL;
	}
	kd_pci_bus_set_router(m->pci, route_pirq, p);
	kd_i440fx_set_reset_control(host, reset_control, p);
	p->dev.reset = piix3_reset;
	p->dev.destroy = piix3_destroy;
	kd_device_add(m, &p->dev, "PIIX3", "piix3");
	piix3_reset(&p->dev);
	return p;
}
