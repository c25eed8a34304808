/*
 * Firmware and direct kernel boot (see loader.h). Every size and offset read from a file is
 * checked against the file and against guest RAM before it is used.
 *
 * References: Multiboot Specification 0.6.96; Linux Documentation/arch/x86/boot.rst (boot
 * protocol 2.x, "32-bit boot protocol"); Xen's public/arch-x86/hvm/start_info.h (PVH).
 */
#include "config.h"

#include "vm/loader.h"

#include <elf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "le.h"
#include "vm/e820.h"
#include "vm/vcpu.h"

#define MAX_FIRMWARE_SIZE (16 * KD_MIB)
#define MAX_KERNEL_FILE (512 * KD_MIB)

/* Low-memory places of the boot structures; kernels load at 1 MiB and above. */
#define BOOT_GDT_ADDR 0x6000u
#define BOOT_INFO_ADDR 0x7000u /* multiboot info, Linux boot_params, PVH start_info */
#define BOOT_INFO_END 0x9000u
#define BOOT_CMDLINE_ADDR 0x20000u
#define BOOT_CMDLINE_MAX 0x10000u

#define MULTIBOOT_MAGIC 0x1BADB002u
#define MULTIBOOT_BOOT_MAGIC 0x2BADB002u
#define MULTIBOOT_SEARCH 8192
#define MULTIBOOT_FLAG_AOUT_KLUDGE (1u << 16)
#define MULTIBOOT_KNOWN_FLAGS (0x7u | MULTIBOOT_FLAG_AOUT_KLUDGE)
#define MBI_FLAG_MEM (1u << 0)
#define MBI_FLAG_CMDLINE (1u << 2)
#define MBI_FLAG_MMAP (1u << 6)
#define MBI_FLAG_LOADER_NAME (1u << 9)

#define LINUX_HDRS_MAGIC 0x53726448u /* "HdrS" */
#define LINUX_KERNEL_ADDR 0x100000u
#define LINUX_MIN_PROTOCOL 0x0206
#define LINUX_E820_MAX 128

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define PVH_START_MAGIC 0x336ec578u

struct elf_segment {
	uint64_t paddr;
	uint64_t offset;
	uint64_t filesz;
	uint64_t memsz;
};

struct kd_kernel {
	enum kd_kernel_format format;
	char *path;
	GBytes *file;
	GBytes *initrd;
	char *cmdline;
	GArray *segments; /* struct elf_segment, for multiboot and PVH */
	uint32_t entry;
	/* bzImage */
	uint16_t protocol;
	size_t setup_size; /* bytes of the real-mode part, header included */
	uint32_t initrd_max;
	uint32_t cmdline_max;
	uint32_t init_size;
};

/* ------------------------------------------------------------------ little helpers */
static GBytes *read_file(const char *path, const char *what, size_t max, GError **err)
{
	g_autoptr(GError) local = NULL;
	char *data = NULL;
	gsize len = 0;

	if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_LOADER, _("%s %s is a directory"), what,
			    path);
		return NULL;
	}
	if (!g_file_get_contents(path, &data, &len, &local)) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_LOADER, _("cannot read %s: %s"), what,
			    local->message);
		return NULL;
	}
	if (len > max) {
		g_free(data);
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_LOADER,
			    _("%s %s is too large (%zu bytes, at most %zu)"), what, path, len, max);
		return NULL;
	}
	return g_bytes_new_take(data, len);
}

/* ------------------------------------------------------------------ firmware */
GBytes *kd_load_firmware(const char *path, GError **err)
{
	g_autoptr(GBytes) image = read_file(path, _("firmware"), MAX_FIRMWARE_SIZE, err);
	void *aligned = NULL;
	gsize size;

	if (!image)
		return NULL;
	size = g_bytes_get_size(image);
	if (size == 0 || size % (64 * KD_KIB)) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_LOADER,
			    _("firmware %s is %zu bytes; a BIOS image is a multiple of 64 KiB"),
			    path, size);
		return NULL;
	}
	/* KVM maps only page-aligned host memory into the guest. */
	if (posix_memalign(&aligned, 4096, size)) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_LOADER, _("out of memory for %s"), path);
		return NULL;
	}
	memcpy(aligned, g_bytes_get_data(image, NULL), size);
	return g_bytes_new_with_free_func(aligned, size, free, aligned);
}

/* ------------------------------------------------------------------ ELF */
static bool range_in_file(gsize file_size, uint64_t offset, uint64_t len)
{
	return offset <= file_size && len <= file_size - offset;
}

/* Reads the PT_LOAD segments of an ELF32 or ELF64 executable into segments, and calls
 * note_fn for each note of its PT_NOTE segments. */
static bool parse_elf(struct kd_kernel *k, const uint8_t *data, gsize size, uint64_t *entry,
		      uint32_t *pvh_entry, GError **err)
{
	bool is64 = size >= EI_NIDENT && data[EI_CLASS] == ELFCLASS64;
	uint64_t phoff, phentsize, phnum;

	if (size < sizeof(Elf64_Ehdr) || data[EI_DATA] != ELFDATA2LSB ||
	    (data[EI_CLASS] != ELFCLASS32 && data[EI_CLASS] != ELFCLASS64))
		goto bad;
	/* Headers are copied out: a file may put them at any (misaligned) offset. */
	if (is64) {
		Elf64_Ehdr h;

		memcpy(&h, data, sizeof(h));
		if (h.e_machine != EM_X86_64 && h.e_machine != EM_386)
			goto bad;
		*entry = h.e_entry;
		phoff = h.e_phoff;
		phentsize = h.e_phentsize;
		phnum = h.e_phnum;
		if (phentsize < sizeof(Elf64_Phdr))
			goto bad;
	} else {
		Elf32_Ehdr h;

		memcpy(&h, data, sizeof(h));
		if (h.e_machine != EM_386 && h.e_machine != EM_X86_64)
			goto bad;
		*entry = h.e_entry;
		phoff = h.e_phoff;
		phentsize = h.e_phentsize;
		phnum = h.e_phnum;
		if (phentsize < sizeof(Elf32_Phdr))
			goto bad;
	}
	if (phnum == 0 || phnum > 64 || !range_in_file(size, phoff, phnum * phentsize))
		goto bad;
	for (uint64_t i = 0; i < phnum; i++) {
		const uint8_t *ph = data + phoff + i * phentsize;
		struct elf_segment seg;
		uint32_t type;

		if (is64) {
			Elf64_Phdr p;

			memcpy(&p, ph, sizeof(p));
			type = p.p_type;
			seg = (struct elf_segment){ p.p_paddr, p.p_offset, p.p_filesz, p.p_memsz };
		} else {
			Elf32_Phdr p;

			memcpy(&p, ph, sizeof(p));
			type = p.p_type;
			seg = (struct elf_segment){ p.p_paddr, p.p_offset, p.p_filesz, p.p_memsz };
		}
		if (type != PT_LOAD && type != PT_NOTE)
			continue;
		if (!range_in_file(size, seg.offset, seg.filesz) ||
		    (type == PT_LOAD && seg.filesz > seg.memsz))
			goto bad;
		if (type == PT_LOAD) {
			if (seg.memsz)
				g_array_append_val(k->segments, seg);
			continue;
		}
		/* Notes: namesz, descsz, type, then name and desc, each padded to 4 bytes. */
		for (uint64_t off = 0; off + 12 <= seg.filesz;) {
			const uint8_t *n = data + seg.offset + off;
			uint64_t namesz = kd_get_le32(n), descsz = kd_get_le32(n + 4),
				 ntype = kd_get_le32(n + 8);
			uint64_t name_pad = (namesz + 3) & ~3ull, desc_pad = (descsz + 3) & ~3ull;

			if (name_pad > seg.filesz || desc_pad > seg.filesz ||
			    off + 12 + name_pad + desc_pad > seg.filesz)
				break;
			if (ntype == XEN_ELFNOTE_PHYS32_ENTRY && namesz == 4 &&
			    !memcmp(n + 12, "Xen", 4) && descsz >= 4)
				*pvh_entry = kd_get_le32(n + 12 + name_pad);
			off += 12 + name_pad + desc_pad;
		}
	}
	if (k->segments->len == 0)
		goto bad;
	return true;
bad:
	g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_LOADER,
		    _("%s: not a loadable x86 ELF executable (bad or unsupported headers)"),
		    k->path);
	return false;
}

/* ------------------------------------------------------------------ multiboot */
/* Offset of a valid multiboot header in the first 8 KiB, or -1. */
static gssize find_multiboot_header(const uint8_t *data, gsize size)
{
	for (gsize off = 0; off + 12 <= MIN(size, (gsize)MULTIBOOT_SEARCH); off += 4) {
		uint32_t magic = kd_get_le32(data + off), flags = kd_get_le32(data + off + 4);

		if (magic == MULTIBOOT_MAGIC && magic + flags + kd_get_le32(data + off + 8) == 0)
			return (gssize)off;
	}
	return -1;
}

static bool open_multiboot(struct kd_kernel *k, const uint8_t *data, gsize size, gsize header,
			   GError **err)
{
	uint32_t flags = kd_get_le32(data + header + 4);

	if (flags & ~MULTIBOOT_KNOWN_FLAGS & 0xFFFF) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_LOADER,
			    _("%s: multiboot header asks for features kvmdesk does not provide "
			      "(flags %#x)"),
			    k->path, flags);
		return false;
	}
	if (k->initrd) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_LOADER,
			    _("-initrd is for Linux kernels; %s is a multiboot kernel"), k->path);
		return false;
	}
	if (flags & MULTIBOOT_FLAG_AOUT_KLUDGE) {
		/* Header fields: header_addr, load_addr, load_end_addr, bss_end_addr, entry. */
		uint32_t header_addr, load_addr, load_end, bss_end;
		struct elf_segment seg;

		if (header + 32 > size)
			goto bad;
		header_addr = kd_get_le32(data + header + 12);
		load_addr = kd_get_le32(data + header + 16);
		load_end = kd_get_le32(data + header + 20);
		bss_end = kd_get_le32(data + header + 24);
		k->entry = kd_get_le32(data + header + 28);
		if (header_addr < load_addr || header_addr - load_addr > header)
			goto bad;
		seg.offset = header - (header_addr - load_addr);
		seg.paddr = load_addr;
		seg.filesz = load_end ? (uint64_t)load_end - load_addr : size - seg.offset;
		seg.memsz = bss_end ? (uint64_t)bss_end - load_addr : seg.filesz;
		if (load_end && load_end < load_addr)
			goto bad;
		if (seg.memsz < seg.filesz || !range_in_file(size, seg.offset, seg.filesz))
			goto bad;
		g_array_append_val(k->segments, seg);
	} else {
		uint64_t entry = 0;
		uint32_t pvh = 0;

		if (!parse_elf(k, data, size, &entry, &pvh, err))
			return false;
		if (entry > UINT32_MAX)
			goto bad;
		k->entry = (uint32_t)entry;
	}
	k->format = KD_KERNEL_MULTIBOOT;
	return true;
bad:
	g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_LOADER, _("%s: inconsistent multiboot header"),
		    k->path);
	return false;
}

/* ------------------------------------------------------------------ Linux bzImage */
static bool open_bzimage(struct kd_kernel *k, const uint8_t *data, gsize size, GError **err)
{
	unsigned setup_sects = data[0x1F1] ? data[0x1F1] : 4;

	k->protocol = kd_get_le16(data + 0x206);
	if (k->protocol < LINUX_MIN_PROTOCOL) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_LOADER,
			    _("%s: Linux boot protocol %u.%02u is too old (need 2.06 or later)"),
			    k->path, k->protocol >> 8, k->protocol & 0xFF);
		return false;
	}
	if (!(data[0x211] & 0x01)) { /* loadflags.LOADED_HIGH */
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_LOADER,
			    _("%s: a zImage (loaded low) is not supported; use a bzImage"),
			    k->path);
		return false;
	}
	k->setup_size = (setup_sects + 1) * 512u;
	if (k->setup_size >= size) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_LOADER, _("%s: truncated bzImage"),
			    k->path);
		return false;
	}
	k->initrd_max = kd_get_le32(data + 0x22C);
	if (!k->initrd_max)
		k->initrd_max = 0x37FFFFFF;
	k->cmdline_max = kd_get_le32(data + 0x238);
	if (!k->cmdline_max)
		k->cmdline_max = 255;
	k->init_size = size >= 0x264 ? kd_get_le32(data + 0x260) : 0;
	k->entry = LINUX_KERNEL_ADDR;
	k->format = KD_KERNEL_BZIMAGE;
	return true;
}

/* ------------------------------------------------------------------ open */
struct kd_kernel *kd_kernel_open(const char *path, const char *initrd_path, const char *cmdline,
				 GError **err)
{
	struct kd_kernel *k = g_new0(struct kd_kernel, 1);
	const uint8_t *data;
	gsize size;
	gssize mb;

	k->path = g_strdup(path);
	k->cmdline = g_strdup(cmdline ? cmdline : "");
	k->segments = g_array_new(FALSE, FALSE, sizeof(struct elf_segment));
	if (strlen(k->cmdline) >= BOOT_CMDLINE_MAX) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_LOADER,
			    _("the kernel command line is longer than %u bytes"),
			    BOOT_CMDLINE_MAX - 1);
		goto fail;
	}
	k->file = read_file(path, _("kernel"), MAX_KERNEL_FILE, err);
	if (!k->file)
		goto fail;
	if (initrd_path) {
		k->initrd = read_file(initrd_path, _("initrd"), MAX_KERNEL_FILE, err);
		if (!k->initrd)
			goto fail;
	}
	data = g_bytes_get_data(k->file, &size);

	if (size >= 0x264 && kd_get_le32(data + 0x202) == LINUX_HDRS_MAGIC) {
		if (!open_bzimage(k, data, size, err))
			goto fail;
	} else if ((mb = find_multiboot_header(data, size)) >= 0) {
		if (!open_multiboot(k, data, size, (gsize)mb, err))
			goto fail;
	} else if (size >= 4 && !memcmp(data, ELFMAG, SELFMAG)) {
		uint64_t entry = 0;
		uint32_t pvh = 0;

		if (!parse_elf(k, data, size, &entry, &pvh, err))
			goto fail;
		if (!pvh) {
			g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_LOADER,
				    _("%s: ELF kernel with neither a multiboot header nor a PVH "
				      "entry note (Linux needs CONFIG_PVH)"),
				    path);
			goto fail;
		}
		k->entry = pvh;
		k->format = KD_KERNEL_PVH;
	} else {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_LOADER,
			    _("%s: not a kernel kvmdesk can boot (a multiboot kernel, a Linux "
			      "bzImage or a Linux vmlinux with a PVH entry)"),
			    path);
		goto fail;
	}
	return k;
fail:
	kd_kernel_free(k);
	return NULL;
}

void kd_kernel_free(struct kd_kernel *k)
{
	if (!k)
		return;
	g_free(k->path);
	g_free(k->cmdline);
	if (k->file)
		g_bytes_unref(k->file);
	if (k->initrd)
		g_bytes_unref(k->initrd);
	g_array_free(k->segments, TRUE);
	g_free(k);
}

enum kd_kernel_format kd_kernel_format(const struct kd_kernel *k)
{
	return k->format;
}

const char *kd_kernel_format_name(enum kd_kernel_format format)
{
	switch (format) {
	case KD_KERNEL_MULTIBOOT:
		return "multiboot";
	case KD_KERNEL_BZIMAGE:
		return "bzImage";
	case KD_KERNEL_PVH:
		return "PVH";
	}
	return "?";
}

/* ------------------------------------------------------------------ placing in RAM */
static bool overlaps_boot_area(uint64_t start, uint64_t len)
{
	return start < BOOT_INFO_END && start + len > BOOT_GDT_ADDR;
}

static bool copy_segments(struct kd_kernel *k, struct kd_vm *vm, GError **err)
{
	const uint8_t *data = g_bytes_get_data(k->file, NULL);

	for (guint i = 0; i < k->segments->len; i++) {
		const struct elf_segment *s = &g_array_index(k->segments, struct elf_segment, i);
		uint8_t *dst = kd_vm_gpa_to_hva(vm, s->paddr, s->memsz);

		if (!dst || overlaps_boot_area(s->paddr, s->memsz)) {
			g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_LOADER,
				    _("%s: segment at %#" PRIx64 "+%#" PRIx64
				      " does not fit in guest RAM (more -m?)"),
				    k->path, s->paddr, s->memsz);
			return false;
		}
		memcpy(dst, data + s->offset, s->filesz);
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
	}
	return true;
}

static bool write_guest(struct kd_vm *vm, uint64_t gpa, const void *buf, uint64_t len, GError **err)
{
	if (kd_vm_write(vm, gpa, buf, len))
		return true;
	g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_LOADER,
		    _("boot data at %#" PRIx64 "+%#" PRIx64 " does not fit in guest RAM"), gpa,
		    len);
	return false;
}

/* A GDT with flat 4 GiB code at 0x10 and data at 0x18: what Linux's 32-bit boot protocol
 * requires (__BOOT_CS, __BOOT_DS), and harmless for the others. */
static bool write_boot_gdt(struct kd_vm *vm, GError **err)
{
	static const uint64_t gdt[4] = { 0, 0, 0x00CF9B000000FFFFull, 0x00CF93000000FFFFull };

	return write_guest(vm, BOOT_GDT_ADDR, gdt, sizeof(gdt), err);
}

static bool enter(struct kd_vcpu *bsp, uint32_t eip, uint32_t eax, uint32_t ebx, uint32_t esi,
		  GError **err)
{
	struct kvm_regs r;
	struct kvm_sregs sr;

	if (!kd_vcpu_enter_flat32(bsp, eip, err) || !kd_vcpu_get_sregs(bsp, &sr, err))
		return false;
	sr.gdt.base = BOOT_GDT_ADDR;
	sr.gdt.limit = 4 * 8 - 1;
	if (!kd_vcpu_set_sregs(bsp, &sr, err) || !kd_vcpu_get_regs(bsp, &r, err))
		return false;
	r.rax = eax;
	r.rbx = ebx;
	r.rsi = esi;
	return kd_vcpu_set_regs(bsp, &r, err);
}

static uint64_t mem_upper_kib(const struct kd_boot_layout *layout)
{
	for (guint i = 0; i < layout->e820->len; i++) {
		const struct kd_e820_entry *e =
			&g_array_index(layout->e820, struct kd_e820_entry, i);

		if (e->type == KD_E820_RAM && e->address <= 0x100000 &&
		    e->address + e->size > 0x100000)
			return (e->address + e->size - 0x100000) / KD_KIB;
	}
	return 0;
}

static bool boot_multiboot(struct kd_kernel *k, struct kd_vm *vm, struct kd_vcpu *bsp,
			   const struct kd_boot_layout *layout, GError **err)
{
	uint8_t info[BOOT_INFO_END - BOOT_INFO_ADDR];
	const uint32_t mmap_addr = BOOT_INFO_ADDR + 0x100, name_addr = BOOT_INFO_ADDR + 0xF00;
	const uint32_t cmdline_addr = BOOT_INFO_ADDR + 0x1000;
	size_t cmdline_len = strlen(k->cmdline) + 1;
	uint32_t mmap_len = 0;

	if (cmdline_len > BOOT_INFO_END - cmdline_addr) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_LOADER,
			    _("the command line of a multiboot kernel is limited to %u bytes"),
			    BOOT_INFO_END - cmdline_addr - 1);
		return false;
	}
	memset(info, 0, sizeof(info));
	kd_put_le32(info + 0,
		    MBI_FLAG_MEM | MBI_FLAG_CMDLINE | MBI_FLAG_MMAP | MBI_FLAG_LOADER_NAME);
	kd_put_le32(info + 4, 640);
	kd_put_le32(info + 8, (uint32_t)MIN(mem_upper_kib(layout), (uint64_t)UINT32_MAX));
	kd_put_le32(info + 16, cmdline_addr);
	for (guint i = 0; i < layout->e820->len && i < 100; i++) {
		const struct kd_e820_entry *e =
			&g_array_index(layout->e820, struct kd_e820_entry, i);
		uint8_t *m = info + (mmap_addr - BOOT_INFO_ADDR) + mmap_len;

		kd_put_le32(m, 20);
		kd_put_le64(m + 4, e->address);
		kd_put_le64(m + 12, e->size);
		kd_put_le32(m + 20, e->type);
		mmap_len += 24;
	}
	kd_put_le32(info + 44, mmap_len);
	kd_put_le32(info + 48, mmap_addr);
	kd_put_le32(info + 64, name_addr);
	memcpy(info + (name_addr - BOOT_INFO_ADDR), PACKAGE_STRING, sizeof(PACKAGE_STRING));
	memcpy(info + (cmdline_addr - BOOT_INFO_ADDR), k->cmdline, cmdline_len);
	return copy_segments(k, vm, err) && write_boot_gdt(vm, err) &&
	       write_guest(vm, BOOT_INFO_ADDR, info, sizeof(info), err) &&
	       enter(bsp, k->entry, MULTIBOOT_BOOT_MAGIC, BOOT_INFO_ADDR, 0, err);
}

/* The highest page-aligned address below limit where len bytes of RAM fit above floor. */
static uint64_t place_high(const struct kd_boot_layout *layout, uint64_t len, uint64_t floor,
			   uint64_t limit)
{
	uint64_t best = 0;

	for (guint i = 0; i < layout->e820->len; i++) {
		const struct kd_e820_entry *e =
			&g_array_index(layout->e820, struct kd_e820_entry, i);
		uint64_t end = MIN(e->address + e->size, limit), start;

		if (e->type != KD_E820_RAM || end < len)
			continue;
		start = (end - len) & ~0xFFFull;
		if (start >= MAX(e->address, floor) && start > best)
			best = start;
	}
	return best;
}

static bool write_cmdline(struct kd_kernel *k, struct kd_vm *vm, uint32_t max, GError **err)
{
	size_t len = strlen(k->cmdline);

	if (len > max) {
		g_set_error(
			err, KD_VM_ERROR, KD_VM_ERROR_LOADER,
			_("the kernel command line has %zu bytes; this kernel takes at most %u"),
			len, max);
		return false;
	}
	return write_guest(vm, BOOT_CMDLINE_ADDR, k->cmdline, len + 1, err);
}

/* Loads the initrd as high as the kernel allows; returns its address via *address. */
static bool place_initrd(struct kd_kernel *k, struct kd_vm *vm, const struct kd_boot_layout *layout,
			 uint64_t floor, uint64_t limit, uint64_t *address, GError **err)
{
	gsize len;
	const void *data;

	*address = 0;
	if (!k->initrd)
		return true;
	data = g_bytes_get_data(k->initrd, &len);
	*address = place_high(layout, len, floor, limit);
	if (!*address) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_LOADER,
			    _("the initrd (%zu bytes) does not fit in guest RAM below %#" PRIx64
			      " (more -m?)"),
			    len, limit);
		return false;
	}
	return write_guest(vm, *address, data, len, err);
}

static bool boot_bzimage(struct kd_kernel *k, struct kd_vm *vm, struct kd_vcpu *bsp,
			 const struct kd_boot_layout *layout, GError **err)
{
	gsize size;
	const uint8_t *data = g_bytes_get_data(k->file, &size);
	uint8_t params[4096];
	size_t header_end = 0x202 + data[0x201];
	uint64_t kernel_len = size - k->setup_size;
	uint64_t kernel_span = MAX(kernel_len, (uint64_t)k->init_size), initrd = 0;
	unsigned n = 0;

	if (header_end > k->setup_size || header_end > sizeof(params))
		header_end = MIN(k->setup_size, (size_t)0x290);
	if (!kd_vm_gpa_to_hva(vm, LINUX_KERNEL_ADDR, kernel_span)) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_LOADER,
			    _("%s needs %" PRIu64 " MiB at 1 MiB; give the guest more memory (-m)"),
			    k->path, kernel_span / KD_MIB + 1);
		return false;
	}
	if (!write_guest(vm, LINUX_KERNEL_ADDR, data + k->setup_size, kernel_len, err) ||
	    !place_initrd(k, vm, layout, LINUX_KERNEL_ADDR + kernel_span,
			  (uint64_t)k->initrd_max + 1, &initrd, err) ||
	    !write_cmdline(k, vm, k->cmdline_max, err))
		return false;

	/* boot.rst: the zero page holds a copy of the setup header plus what the loader says. */
	memset(params, 0, sizeof(params));
	memcpy(params + 0x1F1, data + 0x1F1, header_end - 0x1F1);
	params[0x210] = 0xFF; /* type_of_loader: undefined */
	params[0x211] |= 0x80; /* loadflags.CAN_USE_HEAP */
	kd_put_le16(params + 0x224, 0xDE00); /* heap_end_ptr */
	kd_put_le32(params + 0x228, BOOT_CMDLINE_ADDR);
	kd_put_le32(params + 0x218, (uint32_t)initrd);
	kd_put_le32(params + 0x21C, k->initrd ? (uint32_t)g_bytes_get_size(k->initrd) : 0);
	kd_put_le16(params + 0x1FA, 0xFFFF); /* vid_mode: normal */
	if (k->protocol >= 0x020E)
		kd_put_le64(params + 0x070, layout->rsdp_address); /* acpi_rsdp_addr */
	for (guint i = 0; i < layout->e820->len && n < LINUX_E820_MAX; i++, n++) {
		const struct kd_e820_entry *e =
			&g_array_index(layout->e820, struct kd_e820_entry, i);
		uint8_t *p = params + 0x2D0 + 20 * n;

		kd_put_le64(p, e->address);
		kd_put_le64(p + 8, e->size);
		kd_put_le32(p + 16, e->type);
	}
	params[0x1E8] = (uint8_t)n;
	return write_boot_gdt(vm, err) &&
	       write_guest(vm, BOOT_INFO_ADDR, params, sizeof(params), err) &&
	       enter(bsp, k->entry, 0, 0, BOOT_INFO_ADDR, err);
}

static bool boot_pvh(struct kd_kernel *k, struct kd_vm *vm, struct kd_vcpu *bsp,
		     const struct kd_boot_layout *layout, GError **err)
{
	uint8_t info[BOOT_INFO_END - BOOT_INFO_ADDR];
	const uint32_t memmap_addr = BOOT_INFO_ADDR + 0x100, modlist_addr = BOOT_INFO_ADDR + 0x1000;
	uint64_t initrd = 0, kernel_end = 0;
	unsigned n = 0;

	for (guint i = 0; i < k->segments->len; i++) {
		const struct elf_segment *s = &g_array_index(k->segments, struct elf_segment, i);

		kernel_end = MAX(kernel_end, s->paddr + s->memsz);
	}
	if (!copy_segments(k, vm, err) ||
	    !place_initrd(k, vm, layout, kernel_end, KD_4G, &initrd, err) ||
	    !write_cmdline(k, vm, BOOT_CMDLINE_MAX - 1, err))
		return false;

	/* struct hvm_start_info, version 1 (with the memory map). */
	memset(info, 0, sizeof(info));
	kd_put_le32(info + 0, PVH_START_MAGIC);
	kd_put_le32(info + 4, 1);
	kd_put_le64(info + 16, k->initrd ? modlist_addr : 0);
	kd_put_le32(info + 12, k->initrd ? 1 : 0);
	kd_put_le64(info + 24, BOOT_CMDLINE_ADDR);
	kd_put_le64(info + 32, layout->rsdp_address);
	for (guint i = 0; i < layout->e820->len && n < 128; i++, n++) {
		const struct kd_e820_entry *e =
			&g_array_index(layout->e820, struct kd_e820_entry, i);
		uint8_t *p = info + (memmap_addr - BOOT_INFO_ADDR) + 24 * n;

		kd_put_le64(p, e->address);
		kd_put_le64(p + 8, e->size);
		kd_put_le32(p + 16, e->type);
	}
	kd_put_le64(info + 40, memmap_addr);
	kd_put_le32(info + 48, n);
	if (k->initrd) {
		uint8_t *m = info + (modlist_addr - BOOT_INFO_ADDR);

		kd_put_le64(m, initrd);
		kd_put_le64(m + 8, g_bytes_get_size(k->initrd));
	}
	return write_boot_gdt(vm, err) &&
	       write_guest(vm, BOOT_INFO_ADDR, info, sizeof(info), err) &&
	       enter(bsp, k->entry, 0, BOOT_INFO_ADDR, 0, err);
}

bool kd_kernel_boot(struct kd_kernel *k, struct kd_vm *vm, struct kd_vcpu *bsp,
		    const struct kd_boot_layout *layout, GError **err)
{
	switch (k->format) {
	case KD_KERNEL_MULTIBOOT:
		return boot_multiboot(k, vm, bsp, layout, err);
	case KD_KERNEL_BZIMAGE:
		return boot_bzimage(k, vm, bsp, layout, err);
	case KD_KERNEL_PVH:
		return boot_pvh(k, vm, bsp, layout, err);
	}
	return false;
}
