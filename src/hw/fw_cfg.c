/*
 * QEMU's firmware configuration device, as SeaBIOS expects it on a PC (QEMU
 * docs/specs/fw_cfg.rst): selector at 0x510 (16-bit), data at 0x511 (8-bit), and the DMA
 * interface at 0x514 (big-endian address, high half at 0x514, low half at 0x518 starts it).
 */
#include "config.h"

#include "hw/fw_cfg.h"

#include <string.h>

#include "hw/machine.h"
#include "i18n.h"

#define FW_CFG_PORT 0x510
#define FW_CFG_DMA_PORT 0x514
#define FW_CFG_MAX_ENTRIES 0x4000
#define FW_CFG_FILE_NAME_LEN 56

#define DMA_ERROR 0x01
#define DMA_READ 0x02
#define DMA_SKIP 0x04
#define DMA_SELECT 0x08
#define DMA_WRITE 0x10

/* "QEMU CFG", what reading the DMA address port returns. */
static const uint8_t dma_signature[8] = { 'Q', 'E', 'M', 'U', ' ', 'C', 'F', 'G' };

struct entry {
	uint16_t key;
	char *name; /* files only */
	GBytes *data;
};

struct kd_fw_cfg {
	struct kd_device dev;
	struct kd_machine *machine;
	struct kd_io_region *io;
	struct kd_io_region *dma;
	GArray *entries; /* struct entry, items and files */
	uint16_t next_file_key;
	uint16_t selected;
	struct entry *current; /* the selected item, or NULL: looked up once per selection */
	uint32_t offset;
	uint32_t dma_high;
	uint64_t dma_transfers;
	GBytes *file_dir; /* rebuilt when files are added */
};

static struct entry *find(struct kd_fw_cfg *fw, uint16_t key)
{
	for (guint i = 0; i < fw->entries->len; i++) {
		struct entry *e = &g_array_index(fw->entries, struct entry, i);

		if (e->key == key)
			return e;
	}
	return NULL;
}

static void put_entry(struct kd_fw_cfg *fw, uint16_t key, const char *name, GBytes *data)
{
	struct entry *old = find(fw, key);
	struct entry e = { key, g_strdup(name), data };

	if (old) {
		g_free(old->name);
		g_bytes_unref(old->data);
		*old = e;
		return;
	}
	g_array_append_val(fw->entries, e);
	/* The array may have moved. */
	fw->current = find(fw, fw->selected);
}

void kd_fw_cfg_add_bytes(struct kd_fw_cfg *fw, uint16_t key, const void *data, size_t len)
{
	put_entry(fw, key, NULL, g_bytes_new(data, len));
}

void kd_fw_cfg_add_u16(struct kd_fw_cfg *fw, uint16_t key, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };

	kd_fw_cfg_add_bytes(fw, key, b, sizeof(b));
}

void kd_fw_cfg_add_u32(struct kd_fw_cfg *fw, uint16_t key, uint32_t v)
{
	uint8_t b[4];

	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	kd_fw_cfg_add_bytes(fw, key, b, sizeof(b));
}

void kd_fw_cfg_add_u64(struct kd_fw_cfg *fw, uint16_t key, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	kd_fw_cfg_add_bytes(fw, key, b, sizeof(b));
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The directory (key 0x19): big-endian count, then size, key and name of each file. */
static void rebuild_file_dir(struct kd_fw_cfg *fw)
{
	GByteArray *dir = g_byte_array_new();
	uint8_t count[4];
	uint32_t n = 0;

	g_byte_array_append(dir, count, sizeof(count));
	for (guint i = 0; i < fw->entries->len; i++) {
		struct entry *e = &g_array_index(fw->entries, struct entry, i);
		uint8_t rec[8 + FW_CFG_FILE_NAME_LEN];

		if (!e->name)
			continue;
		memset(rec, 0, sizeof(rec));
		put_be32(rec, (uint32_t)g_bytes_get_size(e->data));
		rec[4] = (uint8_t)(e->key >> 8);
		rec[5] = (uint8_t)e->key;
		memcpy(rec + 8, e->name, strlen(e->name));
		g_byte_array_append(dir, rec, sizeof(rec));
		n++;
	}
	put_be32(dir->data, n);
	put_entry(fw, KD_FW_CFG_FILE_DIR, NULL, g_byte_array_free_to_bytes(dir));
}

bool kd_fw_cfg_add_file(struct kd_fw_cfg *fw, const char *name, const void *data, size_t len,
			GError **err)
{
	if (strlen(name) >= FW_CFG_FILE_NAME_LEN) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG,
			    _("fw_cfg file name '%s' is longer than %d bytes"), name,
			    FW_CFG_FILE_NAME_LEN - 1);
		return false;
	}
	for (guint i = 0; i < fw->entries->len; i++) {
		struct entry *e = &g_array_index(fw->entries, struct entry, i);

		if (e->name && !strcmp(e->name, name)) {
			g_bytes_unref(e->data);
			e->data = g_bytes_new(data, len);
			rebuild_file_dir(fw);
			return true;
		}
	}
	if (fw->next_file_key >= FW_CFG_MAX_ENTRIES) {
		g_set_error(err, KD_VM_ERROR, KD_VM_ERROR_CONFIG, _("too many fw_cfg files"));
		return false;
	}
	put_entry(fw, fw->next_file_key++, name, g_bytes_new(data, len));
	rebuild_file_dir(fw);
	return true;
}

/* ------------------------------------------------------------------ guest access */
static void select_key(struct kd_fw_cfg *fw, uint16_t key)
{
	fw->selected = key;
	fw->current = find(fw, key);
	fw->offset = 0;
}

static uint8_t read_byte(struct kd_fw_cfg *fw)
{
	struct entry *e = fw->current;
	gsize len;
	const uint8_t *data;

	if (!e)
		return 0;
	data = g_bytes_get_data(e->data, &len);
	if (fw->offset >= len)
		return 0;
	return data[fw->offset++];
}

static uint64_t io_read(void *opaque, uint64_t offset, unsigned size)
{
	struct kd_fw_cfg *fw = opaque;

	/* Only the byte-wide data port reads; the selector is write-only. */
	if (offset == 1 && size == 1)
		return read_byte(fw);
	return 0;
}

static void io_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct kd_fw_cfg *fw = opaque;

	if (offset == 0 && size == 2)
		select_key(fw, (uint16_t)value);
}

static const struct kd_io_ops io_ops = {
	.read = io_read,
	.write = io_write,
};

/* One DMA request: control, length and address, all big-endian, at `address` in the guest.
 * Every guest range is checked; a bad one sets the error bit and moves nothing. */
static void run_dma(struct kd_fw_cfg *fw, uint64_t address)
{
	uint8_t req[16];
	uint32_t control, length;
	uint64_t target;
	uint32_t result = 0;
	struct kd_vm *vm = fw->machine->vm;

	fw->dma_transfers++;
	if (!kd_vm_read(vm, address, req, sizeof(req)))
		return; /* nowhere to report an error to */
	control = get_be32(req);
	length = get_be32(req + 4);
	target = (uint64_t)get_be32(req + 8) << 32 | get_be32(req + 12);
	if (control & DMA_SELECT)
		select_key(fw, (uint16_t)(control >> 16));
	if (control & DMA_READ) {
		struct entry *e = fw->current;
		uint8_t *dst = kd_vm_gpa_to_hva(vm, target, length);

		if (!dst && length) {
			result = DMA_ERROR;
		} else {
			gsize len = 0;
			const uint8_t *data = e ? g_bytes_get_data(e->data, &len) : NULL;
			uint32_t avail = fw->offset < len ? (uint32_t)(len - fw->offset) : 0;
			uint32_t n = MIN(avail, length);

			/* Past the end of the item the transfer reads zeros. */
			if (n)
				memcpy(dst, data + fw->offset, n);
			if (length > n)
				memset(dst + n, 0, length - n);
			fw->offset += n;
		}
	} else if (control & DMA_WRITE) {
		result = DMA_ERROR; /* no item is writable */
	} else if (control & DMA_SKIP) {
		fw->offset = (uint32_t)MIN((uint64_t)fw->offset + length, (uint64_t)UINT32_MAX);
	}
	put_be32(req, result);
	kd_vm_write(vm, address, req, 4);
}

static uint64_t dma_read(void *opaque, uint64_t offset, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)dma_signature[offset + i] << (8 * i);
	return v;
}

static void dma_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
	struct kd_fw_cfg *fw = opaque;
	/* The guest writes big-endian words: the port sees them byte-swapped. */
	uint32_t be = __builtin_bswap32((uint32_t)value);

	if (size != 4)
		return;
	if (offset == 0) {
		fw->dma_high = be;
	} else if (offset == 4) {
		run_dma(fw, (uint64_t)fw->dma_high << 32 | be);
		fw->dma_high = 0;
	}
}

static const struct kd_io_ops dma_ops = {
	.read = dma_read,
	.write = dma_write,
};

static void fw_cfg_reset(struct kd_device *dev)
{
	struct kd_fw_cfg *fw = (struct kd_fw_cfg *)dev;

	select_key(fw, 0);
	fw->dma_high = 0;
}

static void fw_cfg_info(struct kd_device *dev, GString *out)
{
	struct kd_fw_cfg *fw = (struct kd_fw_cfg *)dev;

	g_string_append_printf(out, "fw_cfg: %u items, %" G_GUINT64_FORMAT " DMA transfers\n",
			       fw->entries->len, fw->dma_transfers);
}

static void fw_cfg_destroy(struct kd_device *dev)
{
	struct kd_fw_cfg *fw = (struct kd_fw_cfg *)dev;

	for (guint i = 0; i < fw->entries->len; i++) {
		struct entry *e = &g_array_index(fw->entries, struct entry, i);

		g_free(e->name);
		g_bytes_unref(e->data);
	}
	g_array_free(fw->entries, TRUE);
	kd_io_region_free(fw->io);
	kd_io_region_free(fw->dma);
	g_free(fw);
}

struct kd_fw_cfg *kd_fw_cfg_create(struct kd_machine *m, GError **err)
{
	struct kd_fw_cfg *fw = g_new0(struct kd_fw_cfg, 1);
	static const char signature[4] = { 'Q', 'E', 'M', 'U' };

	fw->machine = m;
	fw->entries = g_array_new(FALSE, FALSE, sizeof(struct entry));
	fw->next_file_key = KD_FW_CFG_FILE_FIRST;
	fw->io = kd_io_region_new("fw_cfg", 2, &io_ops, fw);
	fw->dma = kd_io_region_new("fw_cfg-dma", 8, &dma_ops, fw);
	if (!kd_bus_map(kd_vm_pio(m->vm), fw->io, FW_CFG_PORT, err) ||
	    !kd_bus_map(kd_vm_pio(m->vm), fw->dma, FW_CFG_DMA_PORT, err)) {
		fw_cfg_destroy(&fw->dev);
		return NULL;
	}
	kd_fw_cfg_add_bytes(fw, KD_FW_CFG_SIGNATURE, signature, sizeof(signature));
	/* Features: the traditional interface and DMA. */
	kd_fw_cfg_add_u32(fw, KD_FW_CFG_ID, 0x3);
	rebuild_file_dir(fw);
	fw->dev.reset = fw_cfg_reset;
	fw->dev.info = fw_cfg_info;
	fw->dev.destroy = fw_cfg_destroy;
	kd_device_add(m, &fw->dev, "fw_cfg", "fw_cfg");
	return fw;
}
