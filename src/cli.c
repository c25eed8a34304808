/*
 * Command-line parsing from one option table (see cli.h).
 */
#include "cli.h"

#include <string.h>

#include "i18n.h"

GQuark kd_cli_error_quark(void)
{
	return g_quark_from_static_string("kd-cli-error-quark");
}

static bool apply_help(struct kd_config *cfg, const char *value, GError **err)
{
	cfg->show_help = true;
	return true;
}

static bool apply_version(struct kd_config *cfg, const char *value, GError **err)
{
	cfg->show_version = true;
	return true;
}

static const struct kd_cli_option program_options[] = {
	{ "help", "h", NULL, N_("show this help and exit"), apply_help },
	{ "version", "V", NULL, N_("show the version and exit"), apply_version },
	{ NULL },
};

const struct kd_cli_option *kd_cli_options(void)
{
	return program_options;
}

static const struct kd_cli_option *find_option(const struct kd_cli_option *table, const char *name,
					       size_t len)
{
	for (const struct kd_cli_option *o = table; o->name; o++) {
		if (strlen(o->name) == len && !strncmp(o->name, name, len))
			return o;
		if (o->short_alias && strlen(o->short_alias) == len &&
		    !strncmp(o->short_alias, name, len))
			return o;
	}
	return NULL;
}

bool kd_cli_parse_with(const struct kd_cli_option *table, int argc, char *const argv[],
		       struct kd_config *cfg, GError **err)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *name, *equals, *value = NULL;
		const struct kd_cli_option *o;
		size_t len;
		bool double_dash;

		if (arg[0] != '-' || arg[1] == 0) {
			g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_UNEXPECTED_ARGUMENT,
				    _("unexpected argument '%s'; see '%s --help'"), arg, PACKAGE);
			return false;
		}
		double_dash = arg[1] == '-';
		name = arg + (double_dash ? 2 : 1);
		/* "--name=value" is the GNU habit; QEMU's one-dash options never contain '='. */
		equals = double_dash ? strchr(name, '=') : NULL;
		len = equals ? (size_t)(equals - name) : strlen(name);
		o = len ? find_option(table, name, len) : NULL;
		if (!o) {
			g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_UNKNOWN_OPTION,
				    _("unknown option '%s'; see '%s --help'"), arg, PACKAGE);
			return false;
		}
		if (o->arg_name) {
			if (equals)
				value = equals + 1;
			else if (i + 1 < argc)
				value = argv[++i];
			else {
				g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_MISSING_ARGUMENT,
					    _("option '-%s' needs an argument (%s)"), o->name,
					    o->arg_name);
				return false;
			}
		} else if (equals) {
			g_set_error(err, KD_CLI_ERROR, KD_CLI_ERROR_BAD_VALUE,
				    _("option '-%s' takes no argument"), o->name);
			return false;
		}
		if (!o->apply(cfg, value, err))
			return false;
	}
	return true;
}

bool kd_cli_parse(int argc, char *const argv[], struct kd_config *cfg, GError **err)
{
	return kd_cli_parse_with(program_options, argc, argv, cfg, err);
}

static char *option_synopsis(const struct kd_cli_option *o)
{
	GString *s = g_string_new("  ");

	if (o->short_alias)
		g_string_append_printf(s, "-%s, ", o->short_alias);
	g_string_append_printf(s, "-%s", o->name);
	if (o->arg_name)
		g_string_append_printf(s, " %s", o->arg_name);
	return g_string_free(s, FALSE);
}

char *kd_cli_help_text_with(const struct kd_cli_option *table, const char *program)
{
	GString *s = g_string_new(NULL);
	size_t width = 0;

	g_string_append_printf(s, _("Usage: %s [options]\n"), program);
	g_string_append(s,
			_("kvmdesk runs PC virtual machines on KVM and hands host PCI devices to "
			  "them,\nfrom one terminal program.\n\nOptions:\n"));
	for (const struct kd_cli_option *o = table; o->name; o++) {
		g_autofree char *synopsis = option_synopsis(o);

		width = MAX(width, strlen(synopsis));
	}
	for (const struct kd_cli_option *o = table; o->name; o++) {
		g_autofree char *synopsis = option_synopsis(o);

		g_string_append_printf(s, "%-*s  %s\n", (int)width, synopsis, _(o->help));
	}
	g_string_append(
		s, _("\nOptions take one dash or two: -version and --version are the same.\n"));
	return g_string_free(s, FALSE);
}

char *kd_cli_help_text(const char *program)
{
	return kd_cli_help_text_with(program_options, program);
}

char *kd_cli_version_text(void)
{
	return g_strdup_printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
}
