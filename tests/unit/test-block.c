/*
 * Raw images: sizes, bounds, read-only, OFD locking between openers (naming the other user),
 * flush, and asynchronous requests completing in order in the main loop.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "hw/block/image.h"

static char *make_image(const char *name, gsize size)
{
	g_autofree char *dir = g_dir_make_tmp("kvmdesk-block-XXXXXX", NULL);
	char *path = g_build_filename(dir, name, NULL);
	g_autofree char *zeros = g_malloc0(size);

	g_assert_true(g_file_set_contents(path, zeros, (gssize)size, NULL));
	return path;
}

static void remove_image(char *path)
{
	g_autofree char *dir = g_path_get_dirname(path);

	g_unlink(path);
	g_rmdir(dir);
	g_free(path);
}

static struct kd_block *open_image(const char *path, bool readonly, GError **err)
{
	struct kd_block_config cfg = { path, readonly, false };

	return kd_block_open(&cfg, err);
}

static void test_io_and_bounds(void)
{
	char *path = make_image("disk.img", 1 << 20);
	struct kd_block *b = open_image(path, false, NULL);
	uint8_t out[512], in[512];

	g_assert_nonnull(b);
	g_assert_cmpuint(kd_block_size(b), ==, 1 << 20);
	for (int i = 0; i < 512; i++)
		out[i] = (uint8_t)(i * 7);
	g_assert_cmpint(kd_block_pwrite(b, out, sizeof(out), 4096), ==, 0);
	g_assert_cmpint(kd_block_pread(b, in, sizeof(in), 4096), ==, 0);
	g_assert_cmpmem(in, sizeof(in), out, sizeof(out));
	/* Past the end, across it, or with an offset that wraps: refused, nothing moved. */
	g_assert_cmpint(kd_block_pread(b, in, 512, (1 << 20) - 256), ==, -ERANGE);
	g_assert_cmpint(kd_block_pwrite(b, out, 512, 1 << 20), ==, -ERANGE);
	g_assert_cmpint(kd_block_pread(b, in, 512, UINT64_MAX - 100), ==, -ERANGE);
	g_assert_cmpint(kd_block_pread(b, in, 0, 1 << 20), ==, 0);
	g_assert_cmpint(kd_block_flush(b), ==, 0);
	kd_block_close(b);
	remove_image(path);
}

static void test_readonly(void)
{
	char *path = make_image("ro.img", 8192);
	struct kd_block *b = open_image(path, true, NULL);
	uint8_t buf[512] = { 1 };

	g_assert_nonnull(b);
	g_assert_true(kd_block_readonly(b));
	g_assert_cmpint(kd_block_pwrite(b, buf, sizeof(buf), 0), ==, -EROFS);
	g_assert_cmpint(kd_block_pread(b, buf, sizeof(buf), 0), ==, 0);
	g_assert_cmpuint(buf[0], ==, 0);
	kd_block_close(b);
	remove_image(path);
}

static void test_locking(void)
{
	char *path = make_image("locked.img", 8192);
	g_autoptr(GError) err = NULL;
	struct kd_block *writer = open_image(path, false, NULL), *reader, *other;

	g_assert_nonnull(writer);
	/* OFD locks belong to open files: even this process is refused a second open. */
	g_assert_null(open_image(path, false, &err));
	g_assert_error(err, KD_BLOCK_ERROR, KD_BLOCK_ERROR_LOCKED);
	g_assert_nonnull(strstr(err->message, "is in use by"));
	g_clear_error(&err);
	g_assert_null(open_image(path, true, &err));
	g_assert_error(err, KD_BLOCK_ERROR, KD_BLOCK_ERROR_LOCKED);
	g_clear_error(&err);
	kd_block_close(writer);
	/* Readers share; a writer is refused while they read. */
	reader = open_image(path, true, NULL);
	other = open_image(path, true, NULL);
	g_assert_nonnull(reader);
	g_assert_nonnull(other);
	g_assert_null(open_image(path, false, &err));
	g_assert_error(err, KD_BLOCK_ERROR, KD_BLOCK_ERROR_LOCKED);
	kd_block_close(reader);
	kd_block_close(other);
	remove_image(path);
}

/* Another process holds the image: the refusal names it. */
static void test_lock_names_other_process(void)
{
	char *path = make_image("shared.img", 8192);
	g_autoptr(GError) err = NULL;
	g_autofree char *expect = NULL;
	int ready[2], stop[2];
	char byte;
	pid_t child;

	g_assert_cmpint(pipe(ready), ==, 0);
	g_assert_cmpint(pipe(stop), ==, 0);
	child = fork();
	g_assert_cmpint(child, >=, 0);
	if (child == 0) {
		int fd = open(path, O_RDWR);
		struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

		/* The child holds an exclusive OFD lock, as a writing kvmdesk would. */
		if (fd < 0 || fcntl(fd, F_OFD_SETLK, &lock) < 0)
			_exit(1);
		if (write(ready[1], "x", 1) != 1 || read(stop[0], &byte, 1) < 0)
			_exit(1);
		_exit(0);
	}
	g_assert_cmpint(read(ready[0], &byte, 1), ==, 1);
	g_assert_null(open_image(path, true, &err));
	expect = g_strdup_printf("(pid %d)", (int)child);
	if (!strstr(err->message, expect))
		g_error("'%s' does not name %s", err->message, expect);
	g_assert_cmpint(write(stop[1], "x", 1), ==, 1);
	waitpid(child, NULL, 0);
	for (int i = 0; i < 2; i++) {
		close(ready[i]);
		close(stop[i]);
	}
	remove_image(path);
}

static void test_bad_paths(void)
{
	g_autoptr(GError) err = NULL;
	g_autofree char *dir = g_dir_make_tmp("kvmdesk-block-XXXXXX", NULL);

	g_assert_null(open_image("/nonexistent/disk.img", false, &err));
	g_assert_error(err, KD_BLOCK_ERROR, KD_BLOCK_ERROR_OPEN);
	g_assert_nonnull(strstr(err->message, "No such file or directory"));
	g_clear_error(&err);
	g_assert_null(open_image(dir, true, &err));
	g_assert_error(err, KD_BLOCK_ERROR, KD_BLOCK_ERROR_OPEN);
	g_rmdir(dir);
}

struct completion_log {
	GString *order;
	int results[8];
	unsigned n;
};

static void done(void *opaque, int result)
{
	struct completion_log *log = opaque;

	log->results[log->n++] = result;
}

static void test_async_in_order(void)
{
	char *path = make_image("async.img", 1 << 16);
	struct kd_block *b = open_image(path, false, NULL);
	struct completion_log log = { 0 };
	uint8_t pattern[4096], back[4096];

	memset(pattern, 0xA5, sizeof(pattern));
	kd_block_submit(b, KD_BLOCK_WRITE, pattern, sizeof(pattern), 8192, done, &log);
	kd_block_submit(b, KD_BLOCK_FLUSH, NULL, 0, 0, done, &log);
	kd_block_submit(b, KD_BLOCK_READ, back, sizeof(back), 8192, done, &log);
	kd_block_submit(b, KD_BLOCK_READ, back, sizeof(back), 1 << 16, done, &log); /* past end */
	for (int i = 0; i < 2000 && log.n < 4; i++)
		g_main_context_iteration(NULL, FALSE), g_usleep(1000);
	g_assert_cmpuint(log.n, ==, 4);
	g_assert_cmpint(log.results[0], ==, 0);
	g_assert_cmpint(log.results[1], ==, 0);
	g_assert_cmpint(log.results[2], ==, 0);
	g_assert_cmpint(log.results[3], ==, -ERANGE);
	g_assert_cmpmem(back, sizeof(back), pattern, sizeof(pattern));
	g_assert_cmpuint(kd_block_in_flight(b), ==, 0);
	kd_block_close(b);
	remove_image(path);
}

/* Vectored requests: a write gathered from odd-sized pieces lands contiguously, a read scatters
 * it back, also through cache=none (O_DIRECT) with buffers it cannot take directly. */
static void check_vectored(bool direct)
{
	char *path = make_image("vec.img", 1 << 20);
	struct kd_block_config cfg = { path, false, direct };
	struct kd_block *b = kd_block_open(&cfg, NULL);
	static uint8_t src[3 * 4096] __attribute__((aligned(4096)));
	static uint8_t dst[3 * 4096] __attribute__((aligned(4096)));
	uint8_t flat[3000];
	struct iovec out[3] = { { src + 1, 1000 }, { src + 4096, 1500 }, { src + 8192 + 2, 500 } };
	struct iovec in[2] = { { dst + 3, 1234 }, { dst + 8192, 3000 - 1234 } };
	struct completion_log log = { 0 };

	g_assert_nonnull(b);
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 13 + 5);
	kd_block_submitv(b, KD_BLOCK_WRITE, out, 3, 512 * 7, done, &log);
	for (int i = 0; i < 2000 && log.n < 1; i++)
		g_main_context_iteration(NULL, FALSE), g_usleep(1000);
	g_assert_cmpuint(log.n, ==, 1);
	g_assert_cmpint(log.results[0], ==, 0);
	g_assert_cmpint(kd_block_pread(b, flat, sizeof(flat), 512 * 7), ==, 0);
	g_assert_cmpmem(flat, 1000, src + 1, 1000);
	g_assert_cmpmem(flat + 1000, 1500, src + 4096, 1500);
	g_assert_cmpmem(flat + 2500, 500, src + 8194, 500);
	g_assert_cmpint(kd_block_preadv(b, in, 2, 512 * 7), ==, 0);
	g_assert_cmpmem(dst + 3, 1234, flat, 1234);
	g_assert_cmpmem(dst + 8192, 3000 - 1234, flat + 1234, 3000 - 1234);
	/* The whole vector is checked against the end before anything moves. */
	g_assert_cmpint(kd_block_pwritev(b, out, 3, (1 << 20) - 2048), ==, -ERANGE);
	kd_block_close(b);
	remove_image(path);
}

static void test_vectored(void)
{
	check_vectored(false);
}

static void test_vectored_direct(void)
{
	check_vectored(true);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/block/io-and-bounds", test_io_and_bounds);
	g_test_add_func("/block/readonly", test_readonly);
	g_test_add_func("/block/locking", test_locking);
	g_test_add_func("/block/lock-names-other-process", test_lock_names_other_process);
	g_test_add_func("/block/bad-paths", test_bad_paths);
	g_test_add_func("/block/async-in-order", test_async_in_order);
	g_test_add_func("/block/vectored", test_vectored);
	g_test_add_func("/block/vectored-direct", test_vectored_direct);
	return g_test_run();
}
