/*
 * The workstation's colours and line characters (see theme.h).
 */
#include "config.h"

#include "tui/theme.h"

#include <langinfo.h>
#include <stdlib.h>
#include <string.h>

enum {
	PAIR_TITLE = 1,
	PAIR_OK,
	PAIR_WARNING,
	PAIR_ERROR,
	PAIR_KEY,
	PAIR_BAR,
	PAIR_SELECTED,
	PAIR_DIM,
};

static void set_lines(struct kd_theme *theme, bool utf8)
{
	theme->utf8 = utf8;
	theme->hline = utf8 ? "\u2500" : "-";
	theme->vline = utf8 ? "\u2502" : "|";
	theme->corner = utf8 ? "\u253c" : "+";
	theme->bullet = utf8 ? "\u2022" : "*";
	theme->arrow = utf8 ? "\u2192" : "->";
}

void kd_theme_monochrome(struct kd_theme *theme, bool utf8)
{
	memset(theme, 0, sizeof(*theme));
	theme->normal = A_NORMAL;
	theme->dim = A_DIM;
	theme->selected = A_REVERSE;
	theme->title = A_BOLD;
	theme->ok = A_NORMAL;
	theme->warning = A_BOLD;
	theme->error = A_BOLD | A_UNDERLINE;
	theme->key = A_BOLD;
	theme->bar = A_REVERSE;
	set_lines(theme, utf8);
}

void kd_theme_init(struct kd_theme *theme, bool ascii)
{
	const char *no_color = getenv("NO_COLOR");
	const char *codeset = nl_langinfo(CODESET);
	bool utf8 = !ascii && codeset && strcmp(codeset, "UTF-8") == 0;

	kd_theme_monochrome(theme, utf8);
	/* https://no-color.org: any non-empty value turns colours off. */
	if (!has_colors() || COLORS < 8 || (no_color && *no_color))
		return;
	theme->colors = true;
	use_default_colors();
	init_pair(PAIR_TITLE, COLOR_CYAN, -1);
	init_pair(PAIR_OK, COLOR_GREEN, -1);
	init_pair(PAIR_WARNING, COLOR_YELLOW, -1);
	init_pair(PAIR_ERROR, COLOR_RED, -1);
	init_pair(PAIR_KEY, COLOR_YELLOW, COLOR_BLUE);
	init_pair(PAIR_BAR, COLOR_WHITE, COLOR_BLUE);
	init_pair(PAIR_SELECTED, COLOR_BLACK, COLOR_CYAN);
	init_pair(PAIR_DIM, COLOR_BLUE, -1);
	theme->title = COLOR_PAIR(PAIR_TITLE) | A_BOLD;
	theme->ok = COLOR_PAIR(PAIR_OK);
	theme->warning = COLOR_PAIR(PAIR_WARNING) | A_BOLD;
	theme->error = COLOR_PAIR(PAIR_ERROR) | A_BOLD;
	theme->key = COLOR_PAIR(PAIR_KEY) | A_BOLD;
	theme->bar = COLOR_PAIR(PAIR_BAR);
	theme->selected = COLOR_PAIR(PAIR_SELECTED);
	/* A_DIM is invisible on many terminals; blue on the default background is not. */
	theme->dim = COLORS >= 16 ? A_DIM : COLOR_PAIR(PAIR_DIM);
}
