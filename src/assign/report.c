/*
 * The inventory as text: a table in the spirit of `lspci -k` with the verdict and its reasons
 * under each device, JSON with the same facts for scripts, and the host checks.
 */
#include "config.h"

#include <string.h>

#include "assign/inventory-internal.h"
#include "i18n.h"

static const char *severity_label(enum kd_severity s)
{
	switch (s) {
	case KD_NOTE:
		return "note";
	case KD_WARNING:
		return "warning";
	case KD_BLOCKER:
		return "BLOCKER";
	}
	return "?";
}

static const char *intx_name(enum kd_intx_mask m)
{
	return m == KD_INTX_MASK_YES ? "yes" : m == KD_INTX_MASK_NO ? "no" : "unknown";
}

/* Appends text with every line after the first indented by indent. */
static void append_indented(GString *out, const char *text, const char *indent)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

	for (char **l = lines; *l; l++) {
		if (!**l && !l[1])
			break;
		g_string_append_printf(out, "%s%s\n", l == lines ? "" : indent, *l);
	}
}

static void format_device(GString *out, const struct kd_hostdev *d)
{
	g_string_append_printf(
		out, "%s %s [%04x]%s: %s %s [%04x:%04x]", kd_pci_address_short(d->address),
		d->class_name ? d->class_name : _("Class"), d->class_code >> 8,
		d->bridge ? " [bridge]" : "", d->vendor_name ? d->vendor_name : _("Unknown vendor"),
		d->device_name ? d->device_name : _("unknown device"), d->vendor, d->device);
	if (d->revision)
		g_string_append_printf(out, " (rev %02x)", d->revision);
	g_string_append_c(out, '\n');
	if (d->subvendor || d->subdevice)
		g_string_append_printf(out, "\tSubsystem: [%04x:%04x]\n", d->subvendor,
				       d->subdevice);
	if (d->irq_pin) {
		g_string_append_printf(out, "\tInterrupt: pin %c", 'A' + d->irq_pin - 1);
		if (d->irq >= 0)
			g_string_append_printf(out, ", IRQ %d%s", d->irq,
					       d->enabled ? "" : _(" (set by the BIOS, unused)"));
		if (d->irq_sharers->len) {
			g_string_append(out, _(", shared with "));
			for (guint i = 0; i < d->irq_sharers->len; i++)
				g_string_append_printf(
					out, "%s%s", i ? ", " : "",
					(char *)g_ptr_array_index(d->irq_sharers, i));
		}
		g_string_append_printf(out, _("; INTx masking: %s"), intx_name(d->intx_mask));
	} else {
		g_string_append(out, _("\tInterrupt: none"));
	}
	g_string_append_printf(out, _("; MSI: %s"),
			       d->msix_capable	? "MSI-X"
			       : d->msi_capable ? "MSI"
						: _("no"));
	if (d->msi_vectors)
		g_string_append_printf(out,
				       g_dngettext(NULL, " (%u vector in use)",
						   " (%u vectors in use)", d->msi_vectors),
				       d->msi_vectors);
	g_string_append_c(out, '\n');
	if (d->driver)
		g_string_append_printf(out, _("\tKernel driver in use: %s\n"), d->driver);
	if (d->modules->len) {
		g_string_append(out, _("\tKernel modules: "));
		for (guint i = 0; i < d->modules->len; i++)
			g_string_append_printf(out, "%s%s", i ? ", " : "",
					       (char *)g_ptr_array_index(d->modules, i));
		g_string_append_c(out, '\n');
	}
	if (d->iommu_group >= 0)
		g_string_append_printf(out, _("\tIOMMU group: %d (%u other device%s)\n"),
				       d->iommu_group, d->group_members->len,
				       d->group_members->len == 1 ? "" : "s");
	g_string_append_printf(out, _("\tReset: %s\n"),
			       d->reset_methods ? d->reset_methods : _("none"));
	g_string_append_printf(out, _("\tVerdict: %s\n"), kd_verdict_name(d->verdict));
	for (guint i = 0; i < d->reasons->len; i++) {
		const struct kd_reason *r = g_ptr_array_index(d->reasons, i);

		g_string_append_printf(out, "\t  %s: ", severity_label(r->severity));
		append_indented(out, r->what, "\t      ");
		if (r->fix) {
			g_string_append(out, "\t      fix: ");
			append_indented(out, r->fix, "\t        ");
		}
	}
}

char *kd_hostdev_format_detail(const struct kd_hostdev *dev)
{
	GString *out = g_string_new(NULL);

	format_device(out, dev);
	return g_string_free(out, FALSE);
}

char *kd_host_format_table(struct kd_host *host)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < host->devices->len; i++) {
		if (i)
			g_string_append_c(out, '\n');
		format_device(out, g_ptr_array_index(host->devices, i));
	}
	return g_string_free(out, FALSE);
}

/* ------------------------------------------------------------------ JSON */
static void json_string(GString *out, const char *s)
{
	if (!s) {
		g_string_append(out, "null");
		return;
	}
	g_string_append_c(out, '"');
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		switch (*c) {
		case '"':
			g_string_append(out, "\\\"");
			break;
		case '\\':
			g_string_append(out, "\\\\");
			break;
		case '\n':
			g_string_append(out, "\\n");
			break;
		case '\t':
			g_string_append(out, "\\t");
			break;
		default:
			if (*c < 0x20)
				g_string_append_printf(out, "\\u%04x", *c);
			else
				g_string_append_c(out, (char)*c);
		}
	}
	g_string_append_c(out, '"');
}

static void json_strings(GString *out, GPtrArray *items)
{
	g_string_append_c(out, '[');
	for (guint i = 0; i < items->len; i++) {
		if (i)
			g_string_append(out, ", ");
		json_string(out, g_ptr_array_index(items, i));
	}
	g_string_append_c(out, ']');
}

static void json_device(GString *out, const struct kd_hostdev *d)
{
	char ids[16];

	g_string_append(out, "    {\"address\": ");
	json_string(out, d->address);
	g_snprintf(ids, sizeof(ids), "%04x:%04x", d->vendor, d->device);
	g_string_append(out, ", \"id\": ");
	json_string(out, ids);
	g_snprintf(ids, sizeof(ids), "%04x:%04x", d->subvendor, d->subdevice);
	g_string_append(out, ", \"subsystem\": ");
	json_string(out, ids);
	g_string_append_printf(out, ", \"revision\": %u, \"class\": \"%06x\", \"vendor_name\": ",
			       d->revision, d->class_code);
	json_string(out, d->vendor_name);
	g_string_append(out, ", \"device_name\": ");
	json_string(out, d->device_name);
	g_string_append(out, ", \"class_name\": ");
	json_string(out, d->class_name);
	g_string_append_printf(out, ", \"bridge\": %s,\n     \"interrupt\": {\"pin\": ",
			       d->bridge ? "true" : "false");
	if (d->irq_pin)
		g_string_append_printf(out, "\"%c\"", 'A' + d->irq_pin - 1);
	else
		g_string_append(out, "null");
	g_string_append(out, ", \"irq\": ");
	if (d->irq >= 0)
		g_string_append_printf(out, "%d", d->irq);
	else
		g_string_append(out, "null");
	g_string_append_printf(out,
			       ", \"enabled\": %s, \"msi\": %s, \"msix\": %s, \"msi_vectors\": %u, "
			       "\"intx_masking\": \"%s\", \"shared_with\": ",
			       d->enabled ? "true" : "false", d->msi_capable ? "true" : "false",
			       d->msix_capable ? "true" : "false", d->msi_vectors,
			       intx_name(d->intx_mask));
	json_strings(out, d->irq_sharers);
	g_string_append(out, "},\n     \"driver\": ");
	json_string(out, d->driver);
	g_string_append(out, ", \"modules\": ");
	json_strings(out, d->modules);
	g_string_append(out, ", \"iommu_group\": ");
	if (d->iommu_group >= 0)
		g_string_append_printf(out, "%d", d->iommu_group);
	else
		g_string_append(out, "null");
	g_string_append(out, ", \"group_members\": [");
	for (guint i = 0; i < d->group_members->len; i++) {
		if (i)
			g_string_append(out, ", ");
		json_string(out,
			    ((struct kd_hostdev *)g_ptr_array_index(d->group_members, i))->address);
	}
	g_string_append(out, "], \"reset_methods\": ");
	json_string(out, d->reset_methods);
	g_string_append_printf(
		out,
		",\n     \"boot_vga\": %s, \"root_disk\": %s, \"default_route\": %s, "
		"\"verdict\": \"%s\",\n     \"reasons\": [",
		d->boot_vga ? "true" : "false", d->root_disk ? "true" : "false",
		d->default_route ? "true" : "false", kd_verdict_name(d->verdict));
	for (guint i = 0; i < d->reasons->len; i++) {
		const struct kd_reason *r = g_ptr_array_index(d->reasons, i);

		g_string_append_printf(out,
				       "%s\n       {\"severity\": \"%s\", \"what\": ", i ? "," : "",
				       r->severity == KD_BLOCKER   ? "blocker"
				       : r->severity == KD_WARNING ? "warning"
								   : "note");
		json_string(out, r->what);
		g_string_append(out, ", \"fix\": ");
		json_string(out, r->fix);
		g_string_append_c(out, '}');
	}
	g_string_append(out, "]}");
}

char *kd_host_format_json(struct kd_host *host)
{
	GString *out = g_string_new("{\n  \"host\": {\"kernel\": ");

	json_string(out, host->kernel_release);
	g_string_append_printf(out, ", \"kvm\": %s, \"iommu\": %s, \"vfio_pci\": %s, \"ksm\": ",
			       host->kvm_usable ? "true" : "false",
			       host->iommu_active ? "true" : "false",
			       host->vfio_pci_available ? "true" : "false");
	json_string(out, host->ksm);
	g_string_append(out, "},\n  \"devices\": [\n");
	for (guint i = 0; i < host->devices->len; i++) {
		json_device(out, g_ptr_array_index(host->devices, i));
		g_string_append(out, i + 1 < host->devices->len ? ",\n" : "\n");
	}
	g_string_append(out, "  ]\n}\n");
	return g_string_free(out, FALSE);
}

/* ------------------------------------------------------------------ host checks */
char *kd_host_format_checks(struct kd_host *host)
{
	GString *out = g_string_new(NULL);
	unsigned counts[3] = { 0 };

	for (guint i = 0; i < host->devices->len; i++)
		counts[((struct kd_hostdev *)g_ptr_array_index(host->devices, i))->verdict]++;
	g_string_append_printf(out, _("kvmdesk host check (kernel %s)\n"),
			       host->kernel_release ? host->kernel_release : "?");
	g_string_append_printf(out, "  %-12s %-4s %s\n",
			       "/dev/kvm:", host->kvm_usable ? "ok" : "NO", host->kvm_detail);
	g_string_append_printf(out,
			       _("  %-12s %s, %s (informational: nested and software-assisted "
				 "KVM need neither)\n"),
			       "CPU:", host->cpu_vendor ? host->cpu_vendor : "?",
			       host->cpu_vmx   ? _("vmx flag")
			       : host->cpu_svm ? _("svm flag")
					       : _("no vmx/svm flag"));
	g_string_append_printf(out, "  %-12s %-4s %s\n", "IOMMU:", host->iommu_active ? "ok" : "NO",
			       host->iommu_detail);
	g_string_append_printf(out, "  %-12s %-4s %s\n",
			       "vfio-pci:", host->vfio_pci_available ? "ok" : "NO",
			       host->vfio_detail);
	g_string_append_printf(out, "  %-12s %s\n", "KSM:", host->ksm);
	g_string_append_printf(out,
			       _("  %-12s %u (%u ready, %u with warnings, %u not assignable)\n"),
			       _("PCI devices:"), host->devices->len, counts[KD_VERDICT_READY],
			       counts[KD_VERDICT_WARNINGS], counts[KD_VERDICT_NO]);
	return g_string_free(out, FALSE);
}
