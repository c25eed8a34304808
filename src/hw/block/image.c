/*
 * Raw disk images (see image.h). One worker thread per image keeps requests in submission
 * order, so a flush completes after the writes before it; completions reach the main loop
 * through an eventfd.
 */
#include "config.h"

#include "hw/block/image.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <glib-unix.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "i18n.h"

struct request {
	struct kd_block *b;
	enum kd_block_op op;
	void *buf;
	size_t len;
	struct iovec *iov; /* vectored requests; buf is unused then */
	unsigned iovcnt;
	uint64_t offset;
	kd_block_done_fn done;
	void *opaque;
	int result;
};

struct kd_block {
	char *path;
	int fd;
	int buffered_fd; /* cache=none: the same file without O_DIRECT, for unaligned requests */
	bool direct;
	uint64_t size;
	bool readonly;
	GThreadPool *pool;
	GAsyncQueue *completed;
	int event_fd;
	guint watch;
	gint in_flight; /* submitted from vCPU threads, completed in the main loop: atomic */
};

GQuark kd_block_error_quark(void)
{
	return g_quark_from_static_string("kd-block-error-quark");
}

/* Who else has this file open: "qemu-system-x86 (pid 1234)", or NULL. OFD locks show no pid
 * in /proc/locks, so the open files of every process are compared with ours. */
static char *find_other_user(int fd)
{
	struct stat mine;
	GDir *proc;
	const char *pid;
	char *found = NULL;

	if (fstat(fd, &mine) < 0 || !(proc = g_dir_open("/proc", 0, NULL)))
		return NULL;
	while (!found && (pid = g_dir_read_name(proc))) {
		g_autofree char *fd_dir = NULL;
		GDir *fds;
		const char *n;

		if (!g_ascii_isdigit(*pid) || atoi(pid) == getpid())
			continue;
		fd_dir = g_strdup_printf("/proc/%s/fd", pid);
		fds = g_dir_open(fd_dir, 0, NULL);
		while (fds && !found && (n = g_dir_read_name(fds))) {
			g_autofree char *link = g_build_filename(fd_dir, n, NULL);
			struct stat st;

			if (stat(link, &st) == 0 && st.st_dev == mine.st_dev &&
			    st.st_ino == mine.st_ino) {
				g_autofree char *comm_path = g_strdup_printf("/proc/%s/comm", pid);
				g_autofree char *comm = NULL;

				if (g_file_get_contents(comm_path, &comm, NULL, NULL))
					g_strchomp(comm);
				found = g_strdup_printf("%s (pid %s)", comm ? comm : "?", pid);
			}
		}
		if (fds)
			g_dir_close(fds);
	}
	g_dir_close(proc);
	return found;
}

static bool lock_image(struct kd_block *b, GError **err)
{
	struct flock lock = { 0 };
	g_autofree char *other = NULL;

	/* The whole file: shared for readers, exclusive for a writer. */
	lock.l_type = b->readonly ? F_RDLCK : F_WRLCK;
	lock.l_whence = SEEK_SET;
	if (fcntl(b->fd, F_OFD_SETLK, &lock) == 0)
		return true;
	if (errno != EAGAIN && errno != EACCES) {
		g_set_error(err, KD_BLOCK_ERROR, KD_BLOCK_ERROR_LOCKED, _("cannot lock %s: %s"),
			    b->path, g_strerror(errno));
		return false;
	}
	other = find_other_user(b->fd);
	g_set_error(err, KD_BLOCK_ERROR, KD_BLOCK_ERROR_LOCKED,
		    _("%s is in use by %s%s; stop it first, or open the image read-only on both "
		      "sides"),
		    b->path, other ? other : _("another program"),
		    b->readonly ? _(" for writing") : "");
	return false;
}

static void run_request(gpointer data, gpointer user_data)
{
	struct request *r = data;
	struct kd_block *b = r->b;
	uint64_t one = 1;

	switch (r->op) {
	case KD_BLOCK_READ:
		r->result = r->iov ? kd_block_preadv(b, r->iov, r->iovcnt, r->offset)
				   : kd_block_pread(b, r->buf, r->len, r->offset);
		break;
	case KD_BLOCK_WRITE:
		r->result = r->iov ? kd_block_pwritev(b, r->iov, r->iovcnt, r->offset)
				   : kd_block_pwrite(b, r->buf, r->len, r->offset);
		break;
	case KD_BLOCK_FLUSH:
		r->result = kd_block_flush(b);
		break;
	}
	g_async_queue_push(b->completed, r);
	if (write(b->event_fd, &one, sizeof(one)) < 0)
		g_warning("%s: cannot signal a completion: %s", b->path, g_strerror(errno));
}

static void deliver_completions(struct kd_block *b)
{
	struct request *r;
	uint64_t count;

	if (read(b->event_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
		g_warning("%s: %s", b->path, g_strerror(errno));
	while ((r = g_async_queue_try_pop(b->completed))) {
		g_atomic_int_dec_and_test(&b->in_flight);
		if (r->done)
			r->done(r->opaque, r->result);
		g_free(r->iov);
		g_free(r);
	}
}

static gboolean on_completion(gint fd, GIOCondition cond, gpointer data)
{
	deliver_completions(data);
	return G_SOURCE_CONTINUE;
}

struct kd_block *kd_block_open(const struct kd_block_config *cfg, GError **err)
{
	struct kd_block *b = g_new0(struct kd_block, 1);
	int flags = (cfg->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | (cfg->direct ? O_DIRECT : 0);
	struct stat st;

	b->path = g_strdup(cfg->path);
	b->readonly = cfg->readonly;
	b->event_fd = -1;
	b->buffered_fd = -1;
	b->direct = cfg->direct;
	b->fd = open(cfg->path, flags);
	if (b->fd < 0) {
		g_set_error(err, KD_BLOCK_ERROR, KD_BLOCK_ERROR_OPEN,
			    _("cannot open disk image %s: %s"), cfg->path, g_strerror(errno));
		goto fail;
	}
	if (fstat(b->fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) {
		g_set_error(err, KD_BLOCK_ERROR, KD_BLOCK_ERROR_OPEN,
			    _("disk image %s is not a file or block device"), cfg->path);
		goto fail;
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(b->fd, BLKGETSIZE64, &b->size) < 0) {
			g_set_error(err, KD_BLOCK_ERROR, KD_BLOCK_ERROR_SIZE,
				    _("cannot read the size of %s: %s"), cfg->path,
				    g_strerror(errno));
			goto fail;
		}
	} else {
		b->size = (uint64_t)st.st_size;
	}
	if (!lock_image(b, err))
		goto fail;
	if (cfg->direct) {
		b->buffered_fd = open(cfg->path, (cfg->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
		if (b->buffered_fd < 0) {
			g_set_error(err, KD_BLOCK_ERROR, KD_BLOCK_ERROR_OPEN,
				    _("cannot open disk image %s: %s"), cfg->path,
				    g_strerror(errno));
			goto fail;
		}
	}
	b->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	b->completed = g_async_queue_new();
	b->pool = g_thread_pool_new(run_request, b, 1, FALSE, NULL);
	b->watch = g_unix_fd_add(b->event_fd, G_IO_IN, on_completion, b);
	return b;
fail:
	kd_block_close(b);
	return NULL;
}

void kd_block_close(struct kd_block *b)
{
	struct request *r;

	if (!b)
		return;
	/* Queued requests still run (their data must reach the image); nobody hears of them. */
	if (b->pool)
		g_thread_pool_free(b->pool, FALSE, TRUE);
	if (b->completed) {
		while ((r = g_async_queue_try_pop(b->completed))) {
			g_free(r->iov);
			g_free(r);
		}
		g_async_queue_unref(b->completed);
	}
	if (b->watch)
		g_source_remove(b->watch);
	if (b->event_fd >= 0)
		close(b->event_fd);
	if (b->buffered_fd >= 0)
		close(b->buffered_fd);
	if (b->fd >= 0)
		close(b->fd); /* drops the OFD lock */
	g_free(b->path);
	g_free(b);
}

uint64_t kd_block_size(const struct kd_block *b)
{
	return b->size;
}

bool kd_block_readonly(const struct kd_block *b)
{
	return b->readonly;
}

bool kd_block_direct(const struct kd_block *b)
{
	return b->direct;
}

const char *kd_block_path(const struct kd_block *b)
{
	return b->path;
}

static bool in_range(const struct kd_block *b, size_t len, uint64_t offset)
{
	return offset <= b->size && len <= b->size - offset;
}

static size_t iov_length(const struct iovec *iov, unsigned iovcnt)
{
	size_t len = 0;

	for (unsigned i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	return len;
}

/* O_DIRECT wants buffers, lengths and offsets aligned to the device's logical block; guest
 * buffers (PRD entries) often are not. Those requests take the buffered descriptor instead:
 * correct, just not cache-bypassing. */
static bool direct_ok(const struct iovec *iov, unsigned iovcnt, uint64_t offset)
{
	if (offset % KD_BLOCK_DIRECT_ALIGN)
		return false;
	for (unsigned i = 0; i < iovcnt; i++)
		if ((uintptr_t)iov[i].iov_base % KD_BLOCK_DIRECT_ALIGN ||
		    iov[i].iov_len % KD_BLOCK_DIRECT_ALIGN)
			return false;
	return true;
}

/* Transfers the whole vector, resuming after short transfers and EINTR. iov is consumed. */
static int transfer(struct kd_block *b, bool write, struct iovec *iov, unsigned iovcnt,
		    uint64_t offset)
{
	int fd = b->fd;

	if (b->direct && !direct_ok(iov, iovcnt, offset))
		fd = b->buffered_fd;
	while (iovcnt) {
		int n_iov = iovcnt > IOV_MAX ? IOV_MAX : (int)iovcnt;
		ssize_t n = write ? pwritev(fd, iov, n_iov, (off_t)offset)
				  : preadv(fd, iov, n_iov, (off_t)offset);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EINVAL && fd != b->buffered_fd && b->buffered_fd >= 0) {
			fd = b->buffered_fd; /* the device's alignment is stricter than ours */
			continue;
		}
		if (n < 0)
			return -errno;
		if (n == 0) {
			if (write)
				return -EIO;
			/* The file shrank under us: what is gone reads as zeros. */
			for (unsigned i = 0; i < iovcnt; i++)
				memset(iov[i].iov_base, 0, iov[i].iov_len);
			return 0;
		}
		offset += (uint64_t)n;
		while (iovcnt && (size_t)n >= iov->iov_len) {
			n -= (ssize_t)iov->iov_len;
			iov++;
			iovcnt--;
		}
		if (iovcnt) {
			iov->iov_base = (uint8_t *)iov->iov_base + n;
			iov->iov_len -= (size_t)n;
		}
	}
	return 0;
}

static int transfer_checked(struct kd_block *b, bool write, const struct iovec *iov,
			    unsigned iovcnt, uint64_t offset)
{
	struct iovec small[8];
	struct iovec *copy = iovcnt <= G_N_ELEMENTS(small) ? small : g_new(struct iovec, iovcnt);
	int ret;

	if (write && b->readonly)
		ret = -EROFS;
	else if (!in_range(b, iov_length(iov, iovcnt), offset))
		ret = -ERANGE;
	else {
		memcpy(copy, iov, sizeof(*iov) * iovcnt);
		ret = transfer(b, write, copy, iovcnt, offset);
	}
	if (copy != small)
		g_free(copy);
	return ret;
}

int kd_block_pread(struct kd_block *b, void *buf, size_t len, uint64_t offset)
{
	struct iovec iov = { buf, len };

	return transfer_checked(b, false, &iov, 1, offset);
}

int kd_block_pwrite(struct kd_block *b, const void *buf, size_t len, uint64_t offset)
{
	struct iovec iov = { (void *)buf, len };

	return transfer_checked(b, true, &iov, 1, offset);
}

int kd_block_preadv(struct kd_block *b, const struct iovec *iov, unsigned iovcnt, uint64_t offset)
{
	return transfer_checked(b, false, iov, iovcnt, offset);
}

int kd_block_pwritev(struct kd_block *b, const struct iovec *iov, unsigned iovcnt, uint64_t offset)
{
	return transfer_checked(b, true, iov, iovcnt, offset);
}

int kd_block_flush(struct kd_block *b)
{
	if (b->readonly)
		return 0;
	return fdatasync(b->fd) < 0 ? -errno : 0;
}

void kd_block_submit(struct kd_block *b, enum kd_block_op op, void *buf, size_t len,
		     uint64_t offset, kd_block_done_fn done, void *opaque)
{
	struct request *r = g_new0(struct request, 1);

	r->b = b;
	r->op = op;
	r->buf = buf;
	r->len = len;
	r->offset = offset;
	r->done = done;
	r->opaque = opaque;
	g_atomic_int_inc(&b->in_flight);
	g_thread_pool_push(b->pool, r, NULL);
}

void kd_block_submitv(struct kd_block *b, enum kd_block_op op, const struct iovec *iov,
		      unsigned iovcnt, uint64_t offset, kd_block_done_fn done, void *opaque)
{
	struct request *r = g_new0(struct request, 1);

	r->b = b;
	r->op = op;
	r->iov = g_new(struct iovec, iovcnt ? iovcnt : 1);
	memcpy(r->iov, iov, sizeof(*iov) * iovcnt);
	r->iovcnt = iovcnt;
	r->offset = offset;
	r->done = done;
	r->opaque = opaque;
	g_atomic_int_inc(&b->in_flight);
	g_thread_pool_push(b->pool, r, NULL);
}

unsigned kd_block_in_flight(struct kd_block *b)
{
	return (unsigned)g_atomic_int_get(&b->in_flight);
}
