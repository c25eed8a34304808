/*
 * ACPI PCI hotplug controller (see pci-hotplug.h).
 */
#include "config.h"

#include "hw/pci-hotplug.h"

#include <string.h>

#include "hw/device.h"
#include "hw/machine.h"
#include "hw/pci.h"
#include "hw/piix4-pm.h"
#include "i18n.h"
#include "vm/vm.h"

#define REG_UP 0x0 /* PCIU: slots with a new card; write 1 to clear */
#define REG_DOWN 0x4 /* PCID: slots asked to give up their card; write 1 to clear */
#define REG_EJECT 0x8 /* B0EJ: write a slot's bit: the OS let the card go */
#define REG_REMOVABLE 0xC /* PRMV: slots holding a card that can be removed */

#define HOTPLUG_SLOTS (~0u << KD_HOTPLUG_FIRST_SLOT)

struct kd_pci_hotplug {
	struct kd_device dev;
	struct kd_machine *m;
	struct kd_io_region *region;
	uint32_t up, down;
	uint32_t removing; /* asked to go, not gone yet */
	uint32_t ejected; /* the guest ejected them: the main loop destroys them */
	guint timeout[32];
	guint idle;
};

static struct kd_pci_device *slot_device(struct kd_pci_hotplug *hp, unsigned slot)
{
	struct kd_pci_device *d = kd_pci_find(hp->m->pci, PCI_DEVFN(slot, 0));

	return d && d->owner ? d : NULL;
}

static uint32_t removable_slots(struct kd_pci_hotplug *hp)
{
	uint32_t map = 0;

	for (unsigned s = KD_HOTPLUG_FIRST_SLOT; s < 32; s++)
		if (slot_device(hp, s))
			map |= 1u << s;
	return map;
}

static void raise_event(struct kd_pci_hotplug *hp)
{
	if (hp->m->pm)
		kd_piix4_pm_raise_gpe(hp->m->pm, KD_HOTPLUG_GPE_BIT);
}

/* Main loop: destroys the cards the guest ejected (or that timed out), vCPUs paused so that
 * none is inside one of their registers. */
static gboolean remove_ejected(gpointer data)
{
	struct kd_pci_hotplug *hp = data;
	struct kd_vm *vm = hp->m->vm;
	bool was_running = kd_vm_pause(vm);
	uint32_t slots;

	kd_vm_lock(vm);
	hp->idle = 0;
	slots = hp->ejected;
	hp->ejected = 0;
	for (unsigned s = 0; s < 32; s++) {
		struct kd_pci_device *d;

		if (!(slots & (1u << s)))
			continue;
		if (hp->timeout[s]) {
			g_source_remove(hp->timeout[s]);
			hp->timeout[s] = 0;
		}
		hp->removing &= ~(1u << s);
		hp->down &= ~(1u << s);
		d = slot_device(hp, s);
		if (d)
			kd_device_remove(d->owner);
	}
	kd_vm_unlock(vm);
	if (was_running)
		kd_vm_resume(vm);
	return G_SOURCE_REMOVE;
}

static void eject(struct kd_pci_hotplug *hp, uint32_t slots)
{
	/* A guest may eject any card it holds (Linux: echo 0 > /sys/bus/pci/slots/N/power),
	 * but never the board's own functions. */
	slots &= removable_slots(hp) & ~hp->ejected;
	if (!slots)
		return;
	hp->ejected |= slots;
	if (!hp->idle)
		hp->idle = g_idle_add(remove_ejected, hp);
}

static uint64_t hp_read(void *opaque, uint64_t offset, unsigned size)
{
	struct kd_pci_hotplug *hp = opaque;
	uint32_t regs[4] = { hp->up, hp->down, 0, removable_slots(hp) };
	uint8_t bytes[KD_HOTPLUG_LEN];
	uint64_t v = 0;

	for (unsigned i = 0; i < 4; i++)
		kd_pci_set_long(bytes + 4 * i, regs[i]);
	for (unsigned i = 0; i < size && offset + i < KD_HOTPLUG_LEN; i++)
		v |= (uint64_t)bytes[offset + i] << (8 * i);
	return v;
}

static void hp_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct kd_pci_hotplug *hp = opaque;

	/* Byte by byte, so that any access width the guest picks means the same. */
	for (unsigned i = 0; i < size && offset + i < KD_HOTPLUG_LEN; i++) {
		unsigned o = (unsigned)offset + i;
		uint32_t bits = (uint32_t)((value >> (8 * i)) & 0xFF) << (8 * (o % 4));

		switch (o / 4) {
		case REG_UP / 4:
			hp->up &= ~bits;
			break;
		case REG_DOWN / 4:
			hp->down &= ~bits;
			break;
		case REG_EJECT / 4:
			eject(hp, bits);
			break;
		default:
			break;
		}
	}
}

static const struct kd_io_ops hp_ops = {
	.read = hp_read,
	.write = hp_write,
};

struct timeout_arg {
	struct kd_pci_hotplug *hp;
	unsigned slot;
};

static gboolean removal_timed_out(gpointer data)
{
	struct timeout_arg *t = data;
	struct kd_pci_hotplug *hp = t->hp;

	kd_vm_lock(hp->m->vm);
	hp->timeout[t->slot] = 0;
	if (hp->removing & (1u << t->slot)) {
		g_printerr(_("kvmdesk: the guest did not release the card in slot %u within %d s "
			     "(no ACPI hotplug driver?); removing it\n"),
			   t->slot, KD_HOTPLUG_TIMEOUT_S);
		eject(hp, 1u << t->slot);
	}
	kd_vm_unlock(hp->m->vm);
	return G_SOURCE_REMOVE;
}

void kd_pci_hotplug_announce(struct kd_pci_hotplug *hp, struct kd_pci_device *dev)
{
	unsigned slot = PCI_SLOT(dev->devfn);

	hp->up |= 1u << slot;
	hp->down &= ~(1u << slot);
	raise_event(hp);
}

bool kd_pci_hotplug_request_removal(struct kd_pci_hotplug *hp, unsigned slot, GError **err)
{
	struct timeout_arg *t;

	if (slot >= 32 || !kd_pci_find(hp->m->pci, PCI_DEVFN(slot, 0))) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG, _("slot %u is empty"), slot);
		return false;
	}
	if (!(HOTPLUG_SLOTS & (1u << slot)) || !slot_device(hp, slot)) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
			    _("slot %u holds a part of the board, which cannot be removed"), slot);
		return false;
	}
	if ((hp->removing | hp->ejected) & (1u << slot)) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
			    _("the card in slot %u is being removed already (waiting for the "
			      "guest to eject it)"),
			    slot);
		return false;
	}
	hp->removing |= 1u << slot;
	hp->down |= 1u << slot;
	hp->up &= ~(1u << slot);
	t = g_new(struct timeout_arg, 1);
	t->hp = hp;
	t->slot = slot;
	hp->timeout[slot] = g_timeout_add_seconds_full(G_PRIORITY_DEFAULT, KD_HOTPLUG_TIMEOUT_S,
						       removal_timed_out, t, g_free);
	raise_event(hp);
	return true;
}

uint32_t kd_pci_hotplug_pending(struct kd_pci_hotplug *hp)
{
	return hp->removing | hp->ejected;
}

/* A reset ends the OS that was asked to eject: removals under way complete now, as the user
 * asked for them; notifications pending for the old OS are dropped. */
static void hp_reset(struct kd_device *dev)
{
	struct kd_pci_hotplug *hp = (struct kd_pci_hotplug *)dev;

	hp->up = hp->down = 0;
	if (hp->removing)
		eject(hp, hp->removing);
}

static void hp_destroy(struct kd_device *dev)
{
	struct kd_pci_hotplug *hp = (struct kd_pci_hotplug *)dev;

	for (unsigned s = 0; s < 32; s++)
		if (hp->timeout[s])
			g_source_remove(hp->timeout[s]);
	if (hp->idle)
		g_source_remove(hp->idle);
	if (hp->m->hotplug == hp)
		hp->m->hotplug = NULL;
	kd_io_region_free(hp->region);
	g_free(hp);
}

static void hp_info(struct kd_device *dev, GString *out)
{
	struct kd_pci_hotplug *hp = (struct kd_pci_hotplug *)dev;

	g_string_append_printf(out,
			       "acpi-pcihp: up %#010x down %#010x removing %#010x removable "
			       "%#010x\n",
			       hp->up, hp->down, hp->removing | hp->ejected, removable_slots(hp));
}

struct kd_pci_hotplug *kd_pci_hotplug_create(struct kd_machine *m, GError **err)
{
	struct kd_pci_hotplug *hp = g_new0(struct kd_pci_hotplug, 1);

	hp->m = m;
	hp->region = kd_io_region_new("acpi-pcihp", KD_HOTPLUG_LEN, &hp_ops, hp);
	if (!kd_bus_map(kd_vm_pio(m->vm), hp->region, KD_HOTPLUG_BASE, err)) {
		kd_io_region_free(hp->region);
		g_free(hp);
		return NULL;
	}
	hp->dev.reset = hp_reset;
	hp->dev.info = hp_info;
	hp->dev.destroy = hp_destroy;
	kd_device_add(m, &hp->dev, "acpi-pcihp", "pcihp");
	m->hotplug = hp;
	return hp;
}
