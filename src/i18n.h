/*
 * Translation helpers: every user-visible string goes through _() (or N_() where it must stay a
 * constant) so po/ can carry it.
 */
#ifndef KD_I18N_H
#define KD_I18N_H

#include "config.h"

#if ENABLE_NLS
#include <libintl.h>
#define _(s) gettext(s)
#else
#define _(s) (s)
#endif
#define N_(s) (s)

#endif
