/*
 * Disk and CD-ROM images on the host (raw format): opened and locked once, read and written off
 * the vCPU threads, flushed on the guest's request. Guest-facing models (IDE) sit on top.
 */
#ifndef KD_HW_BLOCK_IMAGE_H
#define KD_HW_BLOCK_IMAGE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define KD_BLOCK_ERROR (kd_block_error_quark())
GQuark kd_block_error_quark(void);

enum kd_block_error_code {
	KD_BLOCK_ERROR_OPEN, /* missing, a directory, no permission */
	KD_BLOCK_ERROR_LOCKED, /* another program holds it */
	KD_BLOCK_ERROR_SIZE, /* not a usable size */
};

struct kd_block;

struct kd_block_config {
	const char *path;
	bool readonly;
	bool direct; /* cache=none: O_DIRECT, bypassing the host's page cache */
};

/* Opens and locks the image: shared for read-only, exclusive for read-write (OFD locks, so a
 * second kvmdesk or a QEMU using the same image is refused, with its name where it can be
 * found). */
struct kd_block *kd_block_open(const struct kd_block_config *cfg, GError **err);
void kd_block_close(struct kd_block *b);
uint64_t kd_block_size(const struct kd_block *b);
bool kd_block_readonly(const struct kd_block *b);
bool kd_block_direct(const struct kd_block *b); /* cache=none */
const char *kd_block_path(const struct kd_block *b);

/* Synchronous I/O for worker threads: 0 or -errno. Ranges past the end are -ERANGE, writes to
 * a read-only image -EROFS; nothing is transferred then. */
int kd_block_pread(struct kd_block *b, void *buf, size_t len, uint64_t offset);
int kd_block_pwrite(struct kd_block *b, const void *buf, size_t len, uint64_t offset);
int kd_block_preadv(struct kd_block *b, const struct iovec *iov, unsigned iovcnt, uint64_t offset);
int kd_block_pwritev(struct kd_block *b, const struct iovec *iov, unsigned iovcnt, uint64_t offset);
int kd_block_flush(struct kd_block *b);

/* cache=none requests whose buffers, lengths or offset are not aligned to this go through the
 * page cache instead of failing. */
#define KD_BLOCK_DIRECT_ALIGN 512

/* Asynchronous requests run on a worker thread; done() is called in the main loop (the default
 * GMainContext) with the result, in completion order. Buffers stay the caller's until then. */
enum kd_block_op { KD_BLOCK_READ, KD_BLOCK_WRITE, KD_BLOCK_FLUSH };
typedef void (*kd_block_done_fn)(void *opaque, int result);
void kd_block_submit(struct kd_block *b, enum kd_block_op op, void *buf, size_t len,
		     uint64_t offset, kd_block_done_fn done, void *opaque);
/* The same with a scatter/gather list (DMA straight into guest memory); the list is copied,
 * the memory it points at must stay valid until done(). */
void kd_block_submitv(struct kd_block *b, enum kd_block_op op, const struct iovec *iov,
		      unsigned iovcnt, uint64_t offset, kd_block_done_fn done, void *opaque);
/* Requests submitted and not yet completed (done() not yet called). */
unsigned kd_block_in_flight(struct kd_block *b);

#endif
