/*
 * Message templates: templates/<name>.<lang>.<kind> (kind "sms" or
 * "voice") with {{var}} placeholders. Loaded once; SIGHUP reloads, and a
 * failed reload keeps the old set.
 */
#ifndef VARSEL_TEMPLATE_H
#define VARSEL_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

struct templates;

/* A variable for rendering. */
struct tvar {
	const char	*name;
	const char	*value;
};

/* Load every *.sms and *.voice file of dir; NULL with err on failure. */
struct templates *templates_load(const char *dir, char *err, size_t errlen);
void		 templates_free(struct templates *);
/* Is there a template name of kind in any language? */
bool		 templates_has(const struct templates *, const char *name,
		    const char *kind);
/*
 * The language actually used for lang: lang itself if the template has
 * it, else "sv", else the template's first language (sorted); NULL if no
 * such template.
 */
const char	*templates_lang(const struct templates *, const char *name,
		    const char *kind, const char *lang);
/*
 * Render name/kind in lang (with the fallback above) into a new string.
 * Every {{var}} must be in vars (nvars entries); else NULL with err
 * ("missing variable: place") and the variable's name in missing (if
 * missing is not NULL; "" when the failure is something else).
 */
char		*template_render(const struct templates *, const char *name,
		    const char *kind, const char *lang, const struct tvar *vars,
		    size_t nvars, char *missing, size_t missinglen, char *err,
		    size_t errlen);
/*
 * Every template of kind, once per name in name order, with the
 * languages it has ("sv en ar", space-separated, sorted).
 */
void		 templates_each(const struct templates *, const char *kind,
		    void (*cb)(const char *name, const char *langs, void *),
		    void *arg);
/* Names of the variables the template uses in any language: cb per name. */
void		 template_vars(const struct templates *, const char *name,
		    const char *kind, void (*cb)(const char *var, void *),
		    void *arg);

/*
 * Check a set before it goes live: every template of every kind and
 * language is rendered with realistic sample values. Each problem is
 * passed to report (may be NULL) as one line naming the file:
 * - a variable with no sample value, i.e. one no caller supplies
 *   ("incident.sv.sms: unknown variable {{plats}}");
 * - a required name (NULL-terminated list; SMS templates) missing in a
 *   required language (NULL-terminated list);
 * - an SMS over max_segments with the sample values (count, encoding);
 * - text that is not valid UTF-8, or holds a bidi control character;
 * - a language using other variables than the set's reference language
 *   (sv, else the first), which would fail only for its readers;
 * - a call (.voice) missing in a language that has the SMS of a name
 *   that is called in some language;
 * - an alert SMS (a name that is no "reply-*" and no part such as
 *   "answer-prompt") or the help text without {{emergency_number}}; the
 *   help text without {{duty_number}}; any other naming {{duty_number}}.
 * Returns the number of problems (0: all good).
 */
int		 templates_check(const struct templates *,
		    const char *const *required_names,
		    const char *const *required_langs, int max_segments,
		    void (*report)(const char *line, void *), void *arg);
/*
 * templates_load(dir) then templates_check; each line of a load error
 * (bad UTF-8, a malformed {{var}}, an unreadable folder) is one problem.
 */
int		 templates_check_dir(const char *dir,
		    const char *const *required_names,
		    const char *const *required_langs, int max_segments,
		    void (*report)(const char *line, void *), void *arg);

/*
 * The closing words of a call in lang (Swedish for a language it lacks):
 * how to confirm with one key, "Tryck 1 för att bekräfta.".
 */
const char	*template_press_one(const char *lang);

#endif
