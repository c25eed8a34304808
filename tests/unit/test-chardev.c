/*
 * Character backends without a VM: the specs they take, and the "vc" backend's output kept for
 * its reader within its limit whatever a guest writes, with one main-loop wake-up per batch.
 */
#include "config.h"

#include <glib.h>
#include <string.h>

#include "hw/chardev.h"

static void test_specs(void)
{
	g_autoptr(GError) err = NULL;
	struct kd_chardev *c;

	g_assert_null(kd_chardev_new("none", &err));
	g_assert_no_error(err);
	g_assert_null(kd_chardev_new("pty", &err));
	g_assert_nonnull(err);
	g_assert_nonnull(strstr(err->message, "vc"));
	c = kd_chardev_new("vc", NULL);
	g_assert_true(kd_chardev_is_vc(c));
	g_assert_cmpstr(kd_chardev_spec(c), ==, "vc");
	kd_chardev_free(c);
}

static void count_wakeup(void *opaque)
{
	(*(unsigned *)opaque)++;
}

/* A guest writing 1 MiB byte by byte (as a UART does) while nobody reads: the backend keeps at
 * most 64 KiB, the newest bytes, in order. */
static void test_vc_limit(void)
{
	struct kd_chardev *c = kd_chardev_new("vc", NULL);
	unsigned wakeups = 0;
	g_autoptr(GBytes) out = NULL;
	const uint8_t *data;
	gsize len;
	uint8_t b;

	for (unsigned i = 0; i < 1024 * 1024; i++) {
		b = (uint8_t)(i % 251);
		kd_chardev_write(c, &b, 1);
	}
	out = kd_chardev_take_output(c);
	data = g_bytes_get_data(out, &len);
	g_assert_cmpuint(len, >, 0);
	g_assert_cmpuint(len, <=, 64 * 1024);
	for (gsize i = 0; i < len; i++)
		g_assert_cmpuint(data[i], ==, (1024 * 1024 - len + i) % 251);
	g_bytes_unref(g_steal_pointer(&out));

	/* A reader: many writes, one wake-up until it ran. */
	kd_chardev_set_output_listener(c, count_wakeup, &wakeups);
	for (unsigned i = 0; i < 1000; i++)
		kd_chardev_write(c, "x", 1);
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_assert_cmpuint(wakeups, ==, 1);
	out = kd_chardev_take_output(c);
	g_assert_cmpuint(g_bytes_get_size(out), ==, 1000);
	/* Freed with a wake-up pending: nothing runs afterwards. */
	kd_chardev_write(c, "y", 1);
	kd_chardev_free(c);
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_assert_cmpuint(wakeups, ==, 1);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/chardev/specs", test_specs);
	g_test_add_func("/chardev/vc-limit", test_vc_limit);
	return g_test_run();
}
