/*
 * kvmdesk: command line -> configuration -> what the user asked for.
 *
 * main() is the only place that prints errors for the user and picks exit codes: 0 success,
 * 1 runtime failure, 2 bad usage (as QEMU and most tools do).
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "i18n.h"

#define KD_EXIT_USAGE 2

int main(int argc, char **argv)
{
	struct kd_config cfg = { 0 };
	g_autoptr(GError) err = NULL;

	setlocale(LC_ALL, "");
#if ENABLE_NLS
	bindtextdomain(PACKAGE, LOCALEDIR);
	bind_textdomain_codeset(PACKAGE, "UTF-8");
	textdomain(PACKAGE);
#endif

	if (!kd_cli_parse(argc, argv, &cfg, &err)) {
		fprintf(stderr, "%s: %s\n", PACKAGE, err->message);
		return KD_EXIT_USAGE;
	}
	if (cfg.show_help) {
		g_autofree char *text = kd_cli_help_text(PACKAGE);

		fputs(text, stdout);
		return EXIT_SUCCESS;
	}
	if (cfg.show_version) {
		g_autofree char *text = kd_cli_version_text();

		fputs(text, stdout);
		return EXIT_SUCCESS;
	}
	printf(_("%s %s: the virtual machine engine is not part of this build yet.\n"
		 "Run '%s --help' for what it can do.\n"),
	       PACKAGE_NAME, PACKAGE_VERSION, PACKAGE);
	return EXIT_SUCCESS;
}
