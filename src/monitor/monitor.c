/*
 * Monitor transports: stdio (line mode) and unix sockets (several clients), all feeding one
 * command table.
 */
#include "config.h"

#include "monitor/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "hw/chardev.h"
#include "hw/machine.h"
#include "i18n.h"
#include "monitor/commands.h"
#include "monitor/readline.h"

#define MAX_LINE 4096

struct client {
	struct kd_monitor *mon;
	int fd_in;
	int fd_out;
	guint watch;
	GString *line;
	bool overlong; /* the current line passed MAX_LINE: discard it whole */
};

struct kd_monitor {
	struct kd_monitor_context ctx;
	bool readline; /* stdio is a terminal: readline.c serves it */
	kd_monitor_quit_fn quit_fn;
	void *quit_opaque;
	int listen_fd;
	guint listen_watch;
	char *socket_path;
	GPtrArray *clients;
};

char *kd_monitor_banner(void)
{
	return g_strdup_printf(_("%s %s monitor - type 'help' for more information\n"),
			       PACKAGE_NAME, PACKAGE_VERSION);
}

bool kd_monitor_execute(struct kd_monitor *mon, const char *line, GString *out)
{
	bool ok = kd_monitor_run_line(&mon->ctx, line, out);

	if (mon->ctx.quit_requested && mon->quit_fn) {
		mon->ctx.quit_requested = false;
		mon->quit_fn(mon->quit_opaque);
	}
	return ok;
}

static void client_write(struct client *c, const char *text, size_t len)
{
	while (len) {
		ssize_t n = write(c->fd_out, text, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		text += n;
		len -= (size_t)n;
	}
}

static void client_free(struct client *c)
{
	if (c->watch)
		g_source_remove(c->watch);
	if (c->fd_in > STDERR_FILENO)
		close(c->fd_in);
	g_string_free(c->line, TRUE);
	g_free(c);
}

static void run_client_line(struct client *c, const char *line)
{
	g_autoptr(GString) out = g_string_new(NULL);

	kd_monitor_execute(c->mon, line, out);
	g_string_append(out, KD_MONITOR_PROMPT);
	client_write(c, out->str, out->len);
}

static gboolean on_client_input(gint fd, GIOCondition cond, gpointer data)
{
	struct client *c = data;
	char buf[1024];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return G_SOURCE_CONTINUE;
	if (n <= 0) {
		c->watch = 0;
		g_ptr_array_remove(c->mon->clients, c);
		return G_SOURCE_REMOVE;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			if (c->overlong)
				client_write(c, "line too long\n" KD_MONITOR_PROMPT,
					     strlen("line too long\n" KD_MONITOR_PROMPT));
			else
				run_client_line(c, c->line->str);
			g_string_truncate(c->line, 0);
			c->overlong = false;
			/* The command may have been `quit`, which frees everything. */
			if (!g_ptr_array_find(c->mon->clients, c, NULL))
				return G_SOURCE_REMOVE;
		} else if (c->line->len < MAX_LINE) {
			g_string_append_c(c->line, buf[i]);
		} else {
			c->overlong = true;
		}
	}
	return G_SOURCE_CONTINUE;
}

static void run_readline_line(void *opaque, const char *line)
{
	struct kd_monitor *mon = opaque;
	g_autoptr(GString) out = g_string_new(NULL);

	kd_monitor_execute(mon, line, out);
	/* After quit the monitor may be gone: nothing of it is touched here any more. */
	kd_monitor_readline_print(out->str);
}

static void add_client(struct kd_monitor *mon, int fd_in, int fd_out)
{
	struct client *c = g_new0(struct client, 1);
	g_autofree char *banner = kd_monitor_banner();

	c->mon = mon;
	c->fd_in = fd_in;
	c->fd_out = fd_out;
	c->line = g_string_new(NULL);
	g_unix_set_fd_nonblocking(fd_in, TRUE, NULL);
	g_ptr_array_add(mon->clients, c);
	client_write(c, banner, strlen(banner));
	client_write(c, KD_MONITOR_PROMPT, strlen(KD_MONITOR_PROMPT));
	c->watch = g_unix_fd_add(fd_in, G_IO_IN | G_IO_HUP | G_IO_ERR, on_client_input, c);
}

static gboolean on_connect(gint fd, GIOCondition cond, gpointer data)
{
	struct kd_monitor *mon = data;
	int client = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

	if (client >= 0)
		add_client(mon, client, client);
	return G_SOURCE_CONTINUE;
}

/* "unix:PATH,server[,nowait]": kvmdesk listens and never waits for a client. */
static bool listen_unix(struct kd_monitor *mon, const char *spec, GError **err)
{
	g_auto(GStrv) parts = g_strsplit(spec + 5, ",", -1);
	struct sockaddr_un addr;
	bool server = false;
	mode_t old_mask;
	int r;

	for (char **p = parts + 1; *p; p++) {
		if (!strcmp(*p, "server") || !strcmp(*p, "server=on"))
			server = true;
		else if (strcmp(*p, "nowait") && strcmp(*p, "wait=off")) {
			g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				    _("unknown option '%s' (use unix:PATH,server,nowait)"), *p);
			return false;
		}
	}
	if (!server) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    _("kvmdesk's monitor socket is a server: add ',server,nowait'"));
		return false;
	}
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	if (!*parts[0] || strlen(parts[0]) >= sizeof(addr.sun_path)) {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    _("socket path '%s' is empty or longer than %zu bytes"), parts[0],
			    sizeof(addr.sun_path) - 1);
		return false;
	}
	strcpy(addr.sun_path, parts[0]);
	mon->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (mon->listen_fd < 0) {
		g_set_error(err, G_IO_ERROR, g_io_error_from_errno(errno), "socket: %s",
			    g_strerror(errno));
		return false;
	}
	/* A stale socket from an earlier run would make bind fail; a regular file is kept. */
	struct stat st;
	if (lstat(parts[0], &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(parts[0]);
	/* The socket controls the VM: only its owner may use it (0600). */
	old_mask = umask(0177);
	r = bind(mon->listen_fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old_mask);
	if (r < 0 || listen(mon->listen_fd, 8) < 0) {
		g_set_error(err, G_IO_ERROR, g_io_error_from_errno(errno),
			    _("cannot listen on %s: %s"), parts[0], g_strerror(errno));
		return false;
	}
	mon->socket_path = g_strdup(parts[0]);
	mon->listen_watch = g_unix_fd_add(mon->listen_fd, G_IO_IN, on_connect, mon);
	return true;
}

struct kd_monitor *kd_monitor_new(struct kd_machine *m, const char *spec,
				  kd_monitor_quit_fn quit_fn, void *opaque, GError **err)
{
	struct kd_monitor *mon = g_new0(struct kd_monitor, 1);

	mon->ctx.machine = m;
	mon->ctx.monitor_spec = g_strdup(spec);
	mon->quit_fn = quit_fn;
	mon->quit_opaque = opaque;
	mon->listen_fd = -1;
	mon->clients = g_ptr_array_new_with_free_func((GDestroyNotify)client_free);
	if (!strcmp(spec, "stdio")) {
		for (unsigned i = 0; i < KD_MAX_SERIAL; i++) {
			if (kd_chardev_is_stdio(m->serial[i])) {
				g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
					    _("stdio is already taken by a serial port"));
				kd_monitor_free(mon);
				return NULL;
			}
		}
		g_autofree char *banner = kd_monitor_banner();

		mon->readline =
			kd_monitor_readline_start(&mon->ctx, banner, run_readline_line, mon);
		if (!mon->readline)
			add_client(mon, STDIN_FILENO, STDOUT_FILENO);
	} else if (g_str_has_prefix(spec, "unix:")) {
		if (!listen_unix(mon, spec, err)) {
			kd_monitor_free(mon);
			return NULL;
		}
	} else {
		g_set_error(err, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("unknown monitor '%s'"),
			    spec);
		kd_monitor_free(mon);
		return NULL;
	}
	return mon;
}

void kd_monitor_free(struct kd_monitor *mon)
{
	if (!mon)
		return;
	if (mon->readline)
		kd_monitor_readline_stop();
	g_ptr_array_free(mon->clients, TRUE);
	if (mon->listen_watch)
		g_source_remove(mon->listen_watch);
	if (mon->listen_fd >= 0)
		close(mon->listen_fd);
	if (mon->socket_path)
		unlink(mon->socket_path);
	g_free(mon->socket_path);
	g_free((char *)mon->ctx.monitor_spec);
	g_free(mon);
}
