/*
 * The skip helpers themselves: a skip must say why, and must not fire when the requirement holds.
 */
#include "config.h"

#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kd-test.h"

static void test_kvm_device_absent(void)
{
	g_autofree char *reason = NULL;

	g_setenv("KVMDESK_TEST_KVM_DEVICE", "/nonexistent/kvm", TRUE);
	reason = kd_test_kvm_missing();
	g_unsetenv("KVMDESK_TEST_KVM_DEVICE");
	g_assert_nonnull(reason);
	g_assert_nonnull(strstr(reason, "/nonexistent/kvm does not exist"));
}

static void test_kvm_device_not_kvm(void)
{
	g_autofree char *reason = NULL;

	g_setenv("KVMDESK_TEST_KVM_DEVICE", "/dev/null", TRUE);
	reason = kd_test_kvm_missing();
	g_unsetenv("KVMDESK_TEST_KVM_DEVICE");
	g_assert_nonnull(reason);
	g_assert_nonnull(strstr(reason, "/dev/null is not a KVM device"));
}

static void test_quick_mode_skips_kvm_and_qemu(void)
{
	g_autofree char *kvm = NULL, *qemu = NULL, *sh = NULL;

	g_setenv("KVMDESK_TESTS_QUICK", "1", TRUE);
	kvm = kd_test_kvm_missing();
	qemu = kd_test_program_missing("qemu-system-x86_64");
	sh = kd_test_program_missing("sh");
	g_unsetenv("KVMDESK_TESTS_QUICK");
	g_assert_nonnull(kvm);
	g_assert_nonnull(strstr(kvm, "KVMDESK_TESTS_QUICK"));
	g_assert_nonnull(qemu);
	g_assert_null(sh); /* quick mode only concerns KVM and QEMU */
}

static void test_program_lookup(void)
{
	g_autofree char *missing = kd_test_program_missing("kvmdesk-no-such-program");
	g_autofree char *present = kd_test_program_missing("sh");

	g_assert_nonnull(missing);
	g_assert_nonnull(strstr(missing, "kvmdesk-no-such-program"));
	g_assert_null(present);
}

static void test_root_reason_matches_uid(void)
{
	g_autofree char *reason = kd_test_root_missing();

	if (geteuid() == 0) {
		g_assert_null(reason);
	} else {
		g_assert_nonnull(reason);
		g_assert_nonnull(strstr(reason, "needs root"));
	}
}

static const char *self_path;

/* Registered only in the child run below: it must end as a TAP "SKIP" with its reason. */
static void skipping_case(void)
{
	KD_TEST_REQUIRE_PROGRAM("kvmdesk-no-such-program");
	g_assert_not_reached();
}

static void test_require_macro_skips(void)
{
	const char *argv[] = { self_path, "--tap", "-p", "/harness/skipping-child", NULL };
	g_auto(GStrv) envp = g_environ_setenv(g_get_environ(), "KD_TEST_HARNESS_CHILD", "1", TRUE);
	g_autofree char *out = NULL;
	g_autoptr(GError) err = NULL;
	int status = -1;

	g_assert_true(g_spawn_sync(NULL, (char **)argv, envp, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
				   NULL, &out, NULL, &status, &err));
	g_assert_no_error(err);
	g_assert_nonnull(
		strstr(out, "ok 1 /harness/skipping-child # SKIP needs kvmdesk-no-such-program"));
	g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(int argc, char **argv)
{
	self_path = argv[0];
	g_test_init(&argc, &argv, NULL);
	if (g_getenv("KD_TEST_HARNESS_CHILD")) {
		g_test_add_func("/harness/skipping-child", skipping_case);
		return g_test_run();
	}
	/* These tests probe the helpers themselves; quick mode would mask what they check. */
	g_unsetenv("KVMDESK_TESTS_QUICK");
	g_test_add_func("/harness/kvm-device-absent", test_kvm_device_absent);
	g_test_add_func("/harness/kvm-device-not-kvm", test_kvm_device_not_kvm);
	g_test_add_func("/harness/quick-mode", test_quick_mode_skips_kvm_and_qemu);
	g_test_add_func("/harness/program-lookup", test_program_lookup);
	g_test_add_func("/harness/root", test_root_reason_matches_uid);
	g_test_add_func("/harness/require-macro-skips", test_require_macro_skips);
	return g_test_run();
}
