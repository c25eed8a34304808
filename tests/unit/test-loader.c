/*
 * The kernel loader on untrusted files: what it accepts, the error it gives for each kind of
 * bad file, and no crash or out-of-bounds read (ASan/UBSan watch) for thousands of truncated
 * and mutated kernels. Parsing needs no VM.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "kd-test.h"
#include "vm/loader.h"

static char *tmpdir;

static char *write_file(const char *name, const void *data, gsize len)
{
	char *path = g_build_filename(tmpdir, name, NULL);

	g_assert_true(g_file_set_contents(path, data, (gssize)len, NULL));
	return path;
}

/* Opens data as a kernel: returns the format, or -1 with the error message in *msg. */
static int try_open(const void *data, gsize len, char **msg)
{
	g_autofree char *path = write_file("kernel", data, len);
	g_autoptr(GError) err = NULL;
	struct kd_kernel *k = kd_kernel_open(path, NULL, "console=ttyS0", &err);
	int format;

	if (!k) {
		g_assert_nonnull(err);
		if (msg)
			*msg = g_strdup(err->message);
		return -1;
	}
	format = (int)kd_kernel_format(k);
	kd_kernel_free(k);
	return format;
}

static GBytes *guest_image(void)
{
	g_autofree char *path = g_build_filename(g_getenv("KVMDESK_GUEST_DIR") ?: "tests/guest",
						 "selftest.elf", NULL);
	char *data;
	gsize len;

	if (!g_file_get_contents(path, &data, &len, NULL))
		return NULL;
	return g_bytes_new_take(data, len);
}

static void expect_error(const void *data, gsize len, const char *part)
{
	g_autofree char *msg = NULL;

	g_assert_cmpint(try_open(data, len, &msg), ==, -1);
	if (!strstr(msg, part))
		g_error("'%s' lacks '%s'", msg, part);
}

static void test_known_bad_files(void)
{
	uint8_t buf[0x1000];
	g_autoptr(GError) err = NULL;

	memset(buf, 0, sizeof(buf));
	expect_error(buf, 0, "not a kernel kvmdesk can boot");
	expect_error("hello", 5, "not a kernel kvmdesk can boot");
	/* A bzImage from before boot protocol 2.06. */
	memcpy(buf + 0x202, "HdrS", 4);
	buf[0x206] = 0x00;
	buf[0x207] = 0x02;
	expect_error(buf, sizeof(buf), "boot protocol 2.00 is too old");
	/* One whose setup claims more sectors than the file has. */
	buf[0x206] = 0x0F;
	buf[0x1F1] = 200;
	buf[0x211] = 0x01;
	expect_error(buf, sizeof(buf), "truncated bzImage");
	/* An ELF with neither multiboot nor PVH. */
	memset(buf, 0, sizeof(buf));
	memcpy(buf,
	       "\x7f"
	       "ELF\x02\x01\x01",
	       7);
	buf[0x12] = 0x3E; /* EM_X86_64 */
	expect_error(buf, sizeof(buf), "not a loadable x86 ELF");
	/* A multiboot a.out-kludge header whose addresses contradict each other. */
	memset(buf, 0, sizeof(buf));
	{
		uint32_t h[8] = { 0x1BADB002,
				  0x00010000,
				  (uint32_t) - (0x1BADB002 + 0x00010000),
				  0x100000,
				  0x200000 /* load_addr above header_addr */,
				  0,
				  0,
				  0x100000 };

		memcpy(buf + 64, h, sizeof(h));
	}
	expect_error(buf, sizeof(buf), "inconsistent multiboot header");
	/* Missing files and directories. */
	g_assert_null(kd_kernel_open("/nonexistent/kernel", NULL, NULL, &err));
	g_assert_nonnull(strstr(err->message, "cannot read kernel"));
	g_clear_error(&err);
	g_assert_null(kd_kernel_open("/", NULL, NULL, &err));
	g_assert_nonnull(strstr(err->message, "is a directory"));
}

static void test_guest_accepted(void)
{
	g_autoptr(GBytes) image = guest_image();
	gsize len;
	const void *data;

	if (!image) {
		g_test_skip("the test guests are not built (make check builds them)");
		return;
	}
	data = g_bytes_get_data(image, &len);
	g_assert_cmpint(try_open(data, len, NULL), ==, KD_KERNEL_MULTIBOOT);
}

/* Every truncation, and random byte flips in the headers: errors at worst, never a crash. */
static void test_truncated_and_mutated(void)
{
	g_autoptr(GBytes) image = guest_image();
	GRand *rand = g_rand_new_with_seed(42);
	const uint8_t *orig;
	gsize len;
	uint8_t *copy;
	unsigned accepted = 0, refused = 0;

	if (!image) {
		g_test_skip("the test guests are not built (make check builds them)");
		return;
	}
	orig = g_bytes_get_data(image, &len);
	copy = g_malloc(len);
	for (gsize cut = 0; cut < MIN(len, (gsize)0x2000); cut += 61)
		try_open(orig, cut, NULL) < 0 ? refused++ : accepted++;
	for (unsigned round = 0; round < 1500; round++) {
		memcpy(copy, orig, len);
		for (int flips = g_rand_int_range(rand, 1, 8); flips > 0; flips--) {
			/* Mostly the ELF and program headers, sometimes anywhere. */
			gsize at = g_rand_int_range(rand, 0, 10)
					   ? (gsize)g_rand_int_range(rand, 0, 256)
					   : (gsize)g_rand_int_range(rand, 0, (gint32)len);

			copy[at] = (uint8_t)g_rand_int(rand);
		}
		try_open(copy, len, NULL) < 0 ? refused++ : accepted++;
	}
	g_test_message("%u accepted, %u refused", accepted, refused);
	g_assert_cmpuint(refused, >, 0);
	g_free(copy);
	g_rand_free(rand);
}

int main(int argc, char **argv)
{
	int ret;

	g_test_init(&argc, &argv, NULL);
	tmpdir = g_dir_make_tmp("kvmdesk-loader-XXXXXX", NULL);
	g_test_add_func("/loader/known-bad-files", test_known_bad_files);
	g_test_add_func("/loader/guest-accepted", test_guest_accepted);
	g_test_add_func("/loader/truncated-and-mutated", test_truncated_and_mutated);
	ret = g_test_run();
	{
		g_autofree char *k = g_build_filename(tmpdir, "kernel", NULL);

		g_unlink(k);
		g_rmdir(tmpdir);
	}
	g_free(tmpdir);
	return ret;
}
