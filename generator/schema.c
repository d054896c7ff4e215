/* schema: see schema.h. */
#include "schema.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agency.h"

/* The one list of document types; every other list is made from it. */
#define S_DOC_TYPES(X)                                                                                       \
	X("case-review", "Case review", "reviews", CB_VIS_PUBLIC)                                            \
	X("briefing", "Briefing", "briefings", CB_VIS_PUBLIC)                                                \
	X("seven-minute-briefing", "7-minute briefing", "briefings", CB_VIS_PUBLIC)                          \
	X("audit", "Audit", "audits", CB_VIS_PUBLIC)                                                         \
	X("inspection", "Inspection", "inspections", CB_VIS_PUBLIC)                                          \
	X("action-plan", "Action plan", "action-plans", CB_VIS_PUBLIC)                                       \
	X("cdop-learning", "Child death review learning", "cdop", CB_VIS_PUBLIC)                             \
	X("guidance", "Guidance", "guidance", CB_VIS_PUBLIC)                                                 \
	X("supervision-note", "Supervision note", "supervision", CB_VIS_RESTRICTED)

#define S_TYPE_ROW(id, label, folder, vis) {id, label, folder, vis},
#define S_TYPE_ID(id, label, folder, vis) id,
#define S_TYPE_LIST(id, label, folder, vis) ", " id
const cb_doc_type cb_doc_type_table[] = {S_DOC_TYPES(S_TYPE_ROW)};
const char *const cb_doc_types[] = {S_DOC_TYPES(S_TYPE_ID)};
const size_t cb_doc_ntypes = sizeof cb_doc_types / sizeof cb_doc_types[0];
/* ", case-review, briefing, …": read from its third character. */
static const char S_types_list[] = S_DOC_TYPES(S_TYPE_LIST);

const cb_doc_type *cb_doc_type_find(const char *id)
{
	for (size_t i = 0; id && i < cb_doc_ntypes; i++)
		if (strcmp(cb_doc_type_table[i].id, id) == 0)
			return &cb_doc_type_table[i];
	return NULL;
}

const char *cb_doc_type_list(void)
{
	return S_types_list + 2;
}

const char *cb_type_label(const char *type)
{
	const cb_doc_type *t = cb_doc_type_find(type);
	return t ? t->label : type;
}

#define S_F(key, name, kind, member, use)                                                                    \
	{                                                                                                    \
		key, name, kind, offsetof(cb_meta, member), use                                              \
	}
#define S_OWN(key, name, use)                                                                                \
	{                                                                                                    \
		key, name, CB_FIELD_OWN, 0, use                                                              \
	}
enum { S_ALL = CB_FIELD_PAGE | CB_FIELD_PACK | CB_FIELD_PLUGIN, S_SITE = CB_FIELD_PAGE | CB_FIELD_PLUGIN };
/* In the order "did you mean" has always weighed them. */
const cb_field cb_fields[] = {
    S_F("title", "title", CB_FIELD_TEXT, title, S_ALL),
    S_F("type", "type", CB_FIELD_TEXT, type, S_ALL),
    S_F("date", "date", CB_FIELD_DATE, date, S_ALL),
    S_F("summary", "summary", CB_FIELD_TEXT, summary, S_ALL),
    S_F("themes", "themes", CB_FIELD_THEMES, themes, CB_FIELD_PLUGIN),
    S_F("audience", "audience", CB_FIELD_LIST, audience, S_SITE),
    S_F("area", "area", CB_FIELD_TEXT, area, S_ALL),
    S_F("review", "review", CB_FIELD_TEXT, review, S_ALL),
    S_F("age-band", "age_band", CB_FIELD_TEXT, age_band, S_SITE),
    S_OWN("visibility", "visibility", S_SITE),
    S_OWN("status", "draft", CB_FIELD_PLUGIN),
    S_F("questions", "questions", CB_FIELD_LIST, questions, S_ALL),
    S_F("source", "source", CB_FIELD_TEXT, source, S_ALL),
    S_F("review-by", "review_by", CB_FIELD_DATE, review_by, S_SITE),
    S_OWN("actions", "actions", S_ALL),
    S_F("pii-allow", "pii_allow", CB_FIELD_LIST, pii_allow, 0),
    S_F("published", "published", CB_FIELD_DATE, published, 0),
    S_F("learning-headings", "learning_headings", CB_FIELD_LIST, learning_headings, 0),
};
const size_t cb_nfields = sizeof cb_fields / sizeof cb_fields[0];

const cb_field *cb_field_named(const char *name)
{
	for (size_t i = 0; i < cb_nfields; i++)
		if (strcmp(cb_fields[i].name, name) == 0)
			return &cb_fields[i];
	return NULL;
}

static const cb_field *S_field_keyed(const char *key)
{
	for (size_t i = 0; i < cb_nfields; i++)
		if (strcmp(cb_fields[i].key, key) == 0)
			return &cb_fields[i];
	return NULL;
}

static const char *const S_action_fields[] = {"action", "owner", "due", "rag", "evidence"};
#define S_NACTION_FIELDS (sizeof S_action_fields / sizeof S_action_fields[0])

const char *const cb_visibility_names[] = {"public", "internal", "restricted"};
const size_t cb_nvisibilities = sizeof cb_visibility_names / sizeof cb_visibility_names[0];

/* BRAG: blue marks an action as done, and "complete" is how many plans
 * write it. */
static const struct {
	const char *word, *rag, *label;
} S_rags[] = {
    {"red", "red", "Red"},
    {"amber", "amber", "Amber"},
    {"green", "green", "Green"},
    {"blue", "blue", "Blue (complete)"},
    {"complete", "blue", "Blue (complete)"},
    {"completed", "blue", "Blue (complete)"},
};

const char *cb_rag_parse(const char *s)
{
	for (size_t i = 0; s && i < sizeof S_rags / sizeof S_rags[0]; i++)
		if (cb_str_ieq(s, S_rags[i].word))
			return S_rags[i].rag;
	return NULL;
}

const char *cb_rag_label(const char *rag)
{
	for (size_t i = 0; rag && i < sizeof S_rags / sizeof S_rags[0]; i++)
		if (strcmp(rag, S_rags[i].word) == 0)
			return S_rags[i].label;
	return "Not rated";
}

bool cb_rag_done(const char *rag)
{
	return rag && (strcmp(rag, "blue") == 0 || strcmp(rag, "green") == 0);
}

const char *cb_visibility_name(cb_visibility v)
{
	return (unsigned)v < cb_nvisibilities ? cb_visibility_names[v] : "restricted";
}

int cb_visibility_parse(const char *s, cb_visibility *out)
{
	for (size_t i = 0; i < cb_nvisibilities; i++)
		if (strcmp(s, cb_visibility_names[i]) == 0) {
			*out = (cb_visibility)i;
			return 0;
		}
	return -1;
}

typedef struct S_ctx {
	const char *file;
	const cb_strv *theme_ids;
	const cb_agencies *agencies;
	cb_diags *d;
	cb_meta *m;
} S_ctx;

/* YAML writes "nothing" as an empty plain value, "~" or "null"; all of
 * them mean the field was left blank. */
static bool S_is_blank(const cb_ynode *n)
{
	if (!n || n->type != CB_Y_SCALAR)
		return false;
	size_t sp = strspn(n->str, " \t\r\n");
	if (sp == n->len)
		return true;
	if (n->quoted)
		return false;
	return strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 || strcmp(n->str, "Null") == 0 ||
	       strcmp(n->str, "NULL") == 0;
}

static void S_not_text(S_ctx *c, const char *key, const cb_ynode *v)
{
	cb_diags_add(c->d, CB_ERROR, c->file, v->line, v->col, "not-text",
		     "'%s' should be text, but here it is %s; write the value on the same line as '%s:' "
		     "(in quotes if it contains ': ')",
		     key, cb_ynode_kind(v), key);
}

/* Reads a text field. Returns the text (borrowed from the tree) or NULL
 * when it is missing, blank or not text; only the last is reported. */
static const char *S_text(S_ctx *c, const cb_ynode *k, const cb_ynode *v)
{
	if (v->type != CB_Y_SCALAR) {
		S_not_text(c, k->str, v);
		return NULL;
	}
	if (S_is_blank(v))
		return NULL;
	return v->str;
}

static void S_set(char **dst, const char *s)
{
	free(*dst);
	*dst = s ? cb_xstrdup(s) : NULL;
}

static void S_empty(S_ctx *c, const cb_ynode *k, const char *hint)
{
	cb_diags_add(c->d, CB_ERROR, c->file, k->line, k->col, "empty-field", "'%s' is empty; %s", k->str,
		     hint);
}

static bool S_date_shaped(const char *s)
{
	for (int i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return false;
		} else if (s[i] < '0' || s[i] > '9') {
			return false;
		}
	}
	return s[10] == '\0';
}

/* A date field (date, review-by, due); NULL unless valid. */
static const char *S_date(S_ctx *c, const cb_ynode *k, const cb_ynode *v)
{
	const char *s = S_text(c, k, v);
	if (!s)
		return NULL;
	if (cb_date_valid(s))
		return s;
	if (S_date_shaped(s))
		cb_diags_add(c->d, CB_ERROR, c->file, v->line, v->col, "invalid-date",
			     "'%s' is not a real calendar date; check the day and the month (YYYY-MM-DD)", s);
	else
		cb_diags_add(c->d, CB_ERROR, c->file, v->line, v->col, "invalid-date",
			     "'%s' is not a date casebook can read; write it as YYYY-MM-DD, for example "
			     "2024-05-01",
			     s);
	return NULL;
}

/* A value short and plain enough to show inside "[...]" in a hint. */
static bool S_fits_brackets(const char *s)
{
	return strlen(s) <= 40 && !strpbrk(s, ",:[]{}#\"'&*!|>%@`\n");
}

/* Checks that v is a list; a blank value counts as an empty list. */
static const cb_ynode *S_list(S_ctx *c, const cb_ynode *k, const cb_ynode *v)
{
	if (v->type == CB_Y_SEQ)
		return v;
	if (S_is_blank(v))
		return NULL;
	if (v->type == CB_Y_SCALAR && S_fits_brackets(v->str))
		cb_diags_add(c->d, CB_ERROR, c->file, v->line, v->col, "not-a-list",
			     "'%s' should be a list; write it as a list: %s: [%s]", k->str, k->str, v->str);
	else
		cb_diags_add(c->d, CB_ERROR, c->file, v->line, v->col, "not-a-list",
			     "'%s' should be a list, but here it is %s; write it as a list, each item on its "
			     "own line starting with '- '",
			     k->str, cb_ynode_kind(v));
	return NULL;
}

/* An item of 'audience': the id of the agency it names, once. */
static void S_agency(S_ctx *c, const cb_ynode *it, cb_strv *out)
{
	const cb_theme_def *a = cb_agency_find(c->agencies, it->str);
	if (a && cb_strv_contains(out, a->id)) {
		cb_diags_add(c->d, CB_WARNING, c->file, it->line, it->col, "duplicate-agency",
			     "'%s' is %s ('%s'), already in 'audience'; remove the repeat", it->str, a->label,
			     a->id);
	} else if (a) {
		cb_strv_push(out, a->id);
	} else {
		const char *sug = cb_agency_suggest(c->agencies, it->str);
		char *label = sug ? cb_agency_label(c->agencies, sug) : NULL;
		if (sug)
			cb_diags_add(c->d, CB_ERROR, c->file, it->line, it->col, "unknown-agency",
				     "'%s' is not an agency casebook knows; did you mean '%s' (%s)?", it->str,
				     sug, label);
		else
			cb_diags_add(c->d, CB_ERROR, c->file, it->line, it->col, "unknown-agency",
				     "'%s' is not an agency casebook knows; use an agency's id or name (such "
				     "as gp, police or health visitor), or add it to an agencies file "
				     "(casebook.yml: 'agencies: agencies.yml')",
				     it->str);
		free(label);
	}
}

/* audience, questions, pii-allow: a list of text items, each added to out
 * by add (NULL: as written). */
static void S_text_list(S_ctx *c, const cb_ynode *k, const cb_ynode *v, cb_strv *out,
			void (*add)(S_ctx *, const cb_ynode *, cb_strv *))
{
	const cb_ynode *seq = S_list(c, k, v);
	for (size_t i = 0; seq && i < seq->n; i++) {
		const cb_ynode *it = seq->items[i];
		if (it->type != CB_Y_SCALAR) {
			cb_diags_add(c->d, CB_ERROR, c->file, it->line, it->col, "not-text",
				     "each item of '%s' should be text, but this one is %s; write it on one "
				     "line after '- '",
				     k->str, cb_ynode_kind(it));
		} else if (S_is_blank(it)) {
			cb_diags_add(c->d, CB_ERROR, c->file, it->line, it->col, "empty-field",
				     "an item of '%s' is empty; remove the empty '- ' line or write the item",
				     k->str);
		} else if (add) {
			add(c, it, out);
		} else {
			cb_strv_push(out, it->str);
		}
	}
}

static void S_themes(S_ctx *c, const cb_ynode *k, const cb_ynode *v)
{
	cb_meta *m = c->m;
	const cb_ynode *seq = S_list(c, k, v);
	for (size_t i = 0; seq && i < seq->n; i++) {
		const cb_ynode *it = seq->items[i];
		if (it->type != CB_Y_SCALAR) {
			cb_diags_add(c->d, CB_ERROR, c->file, it->line, it->col, "not-text",
				     "each theme should be a theme id such as 'neglect', but this one is %s",
				     cb_ynode_kind(it));
			continue;
		}
		if (S_is_blank(it)) {
			cb_diags_add(c->d, CB_ERROR, c->file, it->line, it->col, "empty-field",
				     "a theme in 'themes' is empty; remove it or write a theme id");
			continue;
		}
		const char *id = it->str;
		if (!cb_id_ok(id)) {
			char *slug = cb_slugify(id);
			if (slug[0])
				cb_diags_add(c->d, CB_ERROR, c->file, it->line, it->col, "invalid-theme-id",
					     "'%s' is not a theme id: ids are written in lower-case letters, "
					     "digits and dashes, like '%s'",
					     id, slug);
			else
				cb_diags_add(c->d, CB_ERROR, c->file, it->line, it->col, "invalid-theme-id",
					     "'%s' is not a theme id: ids are written in lower-case letters, "
					     "digits and dashes, like 'was-not-brought'",
					     id);
			free(slug);
			continue;
		}
		/* A theme id becomes a file name (themes/<id>.html), and file
		 * names may be at most 255 bytes. */
		if (strlen(id) > 100) {
			cb_diags_add(
			    c->d, CB_ERROR, c->file, it->line, it->col, "invalid-theme-id",
			    "this theme id is %zu characters long; theme ids become file names, so keep "
			    "them to 100 characters or fewer",
			    strlen(id));
			continue;
		}
		if (cb_strv_contains(&m->themes, id)) {
			cb_diags_add(c->d, CB_WARNING, c->file, it->line, it->col, "duplicate-theme",
				     "'%s' is listed more than once in 'themes'; remove the repeat", id);
			continue;
		}
		if (c->theme_ids && !cb_strv_contains(c->theme_ids, id)) {
			const char *sug =
			    cb_did_you_mean(id, (const char *const *)c->theme_ids->v, c->theme_ids->n);
			if (sug)
				cb_diags_add(c->d, CB_ERROR, c->file, it->line, it->col, "unknown-theme",
					     "'%s' is not a theme in the taxonomy; did you mean '%s'?", id,
					     sug);
			else
				cb_diags_add(
				    c->d, CB_ERROR, c->file, it->line, it->col, "unknown-theme",
				    "'%s' is not a theme in the taxonomy; use one of its themes or add "
				    "this one to the taxonomy file",
				    id);
		}
		cb_strv_push(&m->themes, id);
		m->theme_lines = cb_xrealloc(m->theme_lines, m->themes.n * sizeof(int));
		m->theme_cols = cb_xrealloc(m->theme_cols, m->themes.n * sizeof(int));
		m->theme_lines[m->themes.n - 1] = it->line;
		m->theme_cols[m->themes.n - 1] = it->col;
	}
}

static void S_unknown_field(S_ctx *c, const cb_ynode *k, const char *what, const char *const *known, size_t n)
{
	const char *sug = NULL;
	for (size_t i = 0; i < n && !sug; i++)
		if (cb_str_ieq(k->str, known[i]))
			sug = known[i];
	if (!sug)
		sug = cb_did_you_mean(k->str, known, n);
	if (sug)
		cb_diags_add(c->d, CB_WARNING, c->file, k->line, k->col, "unknown-field",
			     "'%s' is not %s casebook knows, so it is ignored; did you mean '%s'?", k->str,
			     what, sug);
	else
		cb_diags_add(c->d, CB_WARNING, c->file, k->line, k->col, "unknown-field",
			     "'%s' is not %s casebook knows, so it is ignored; check the spelling", k->str,
			     what);
}

static void S_action(S_ctx *c, const cb_ynode *item)
{
	if (item->type != CB_Y_MAP) {
		if (item->type == CB_Y_SCALAR && !S_is_blank(item) && S_fits_brackets(item->str))
			cb_diags_add(c->d, CB_ERROR, c->file, item->line, item->col, "invalid-action",
				     "each action should be written with its fields; write this one as "
				     "'- action: %s', with owner, due, rag and evidence below it",
				     item->str);
		else
			cb_diags_add(c->d, CB_ERROR, c->file, item->line, item->col, "invalid-action",
				     "each action should be written with its fields ('- action: ...', then "
				     "owner, due, rag and evidence), but this one is %s",
				     cb_ynode_kind(item));
		return;
	}
	cb_action a = {0};
	a.line = item->line;
	bool have_action = false;
	for (size_t i = 0; i < item->n; i++) {
		const cb_ynode *k = item->keys[i], *v = item->items[i];
		const char *s;
		if (strcmp(k->str, "action") == 0) {
			have_action = true;
			s = S_text(c, k, v);
			if (!s && S_is_blank(v))
				S_empty(c, k, "say what will be done");
			S_set(&a.action, s);
		} else if (strcmp(k->str, "owner") == 0) {
			S_set(&a.owner, S_text(c, k, v));
		} else if (strcmp(k->str, "evidence") == 0) {
			S_set(&a.evidence, S_text(c, k, v));
		} else if (strcmp(k->str, "due") == 0) {
			S_set(&a.due, S_date(c, k, v));
		} else if (strcmp(k->str, "rag") == 0) {
			s = S_text(c, k, v);
			if (!s)
				continue;
			const char *found = cb_rag_parse(s);
			if (found)
				S_set(&a.rag, found);
			else
				cb_diags_add(c->d, CB_ERROR, c->file, v->line, v->col, "invalid-rag",
					     "'%s' is not a RAG rating; use red, amber, green, or blue (or "
					     "complete) for an action that is done",
					     s);
		} else {
			S_unknown_field(c, k, "an action field", S_action_fields, S_NACTION_FIELDS);
		}
	}
	if (!have_action)
		cb_diags_add(c->d, CB_ERROR, c->file, item->line, item->col, "required-field",
			     "this action has no 'action' saying what will be done; add a line such as "
			     "'action: Audit the referrals'");
	if (!a.action) {
		free(a.owner);
		free(a.due);
		free(a.rag);
		free(a.evidence);
		return;
	}
	cb_meta *m = c->m;
	m->actions = cb_xrealloc(m->actions, (m->nactions + 1) * sizeof *m->actions);
	m->actions[m->nactions++] = a;
}

static void S_actions(S_ctx *c, const cb_ynode *k, const cb_ynode *v)
{
	if (v->type == CB_Y_SEQ) {
		for (size_t i = 0; i < v->n; i++)
			S_action(c, v->items[i]);
	} else if (!S_is_blank(v)) {
		cb_diags_add(
		    c->d, CB_ERROR, c->file, v->line, v->col, "not-a-list",
		    "'actions' should be a list, but here it is %s; write each action on its own line "
		    "starting with '- action: '",
		    cb_ynode_kind(v));
	}
}

/* Matches s against a fixed set of words; reports rule with the choices
 * (and a suggestion) when it is none of them. Returns the index or -1. */
static int S_choice(S_ctx *c, const cb_ynode *v, const char *s, const char *const *words, size_t n,
		    const char *rule, const char *what, const char *choices)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, words[i]) == 0)
			return (int)i;
	const char *sug = NULL;
	for (size_t i = 0; i < n && !sug; i++)
		if (cb_str_ieq(s, words[i]))
			sug = words[i];
	if (!sug)
		sug = cb_did_you_mean(s, words, n);
	if (sug)
		cb_diags_add(c->d, CB_ERROR, c->file, v->line, v->col, rule,
			     "'%s' is not %s; did you mean '%s'? Use one of: %s", s, what, sug, choices);
	else
		cb_diags_add(c->d, CB_ERROR, c->file, v->line, v->col, rule, "'%s' is not %s; use one of: %s",
			     s, what, choices);
	return -1;
}

/* A field with no checks of its own: text, a date or a list of text, as
 * its row in cb_fields says; any other key is unknown. */
static void S_plain_field(S_ctx *c, const cb_ynode *k, const cb_ynode *v)
{
	const cb_field *f = S_field_keyed(k->str);
	void *at = f ? (char *)c->m + f->offset : NULL;
	if (f && f->kind == CB_FIELD_TEXT) {
		S_set(at, S_text(c, k, v));
	} else if (f && f->kind == CB_FIELD_DATE) {
		S_set(at, S_date(c, k, v));
	} else if (f && f->kind == CB_FIELD_LIST) {
		S_text_list(c, k, v, at, strcmp(f->key, "audience") == 0 ? S_agency : NULL);
	} else {
		const char *keys[sizeof cb_fields / sizeof cb_fields[0]];
		for (size_t i = 0; i < cb_nfields; i++)
			keys[i] = cb_fields[i].key;
		S_unknown_field(c, k, "a front matter field", keys, cb_nfields);
	}
}

int cb_schema_check(const cb_ynode *root, const char *file, const cb_strv *theme_ids,
		    const cb_agencies *agencies, cb_meta *out, cb_diags *d)
{
	memset(out, 0, sizeof *out);
	size_t errors0 = d->errors;
	S_ctx c = {file, theme_ids, agencies ? agencies : cb_agencies_shipped(), d, out};
	if (!root || root->type != CB_Y_MAP) {
		int line = root ? root->line : 1, col = root ? root->col : 1;
		cb_diags_add(d, CB_ERROR, file, line, col, "front-matter-not-mapping",
			     "the front matter must be fields written as 'name: value', one per line");
		out->visibility = CB_VIS_RESTRICTED;
		return -1;
	}

	const char *types_list = cb_doc_type_list();
	const cb_ynode *title_k = NULL, *type_k = NULL, *date_k = NULL, *vis_v = NULL;
	int vis = -1;
	bool vis_bad = false, status_bad = false;
	for (size_t i = 0; i < root->n; i++) {
		const cb_ynode *k = root->keys[i], *v = root->items[i];
		const char *key = k->str, *s;
		if (strcmp(key, "title") == 0) {
			title_k = k;
			s = S_text(&c, k, v);
			if (!s && S_is_blank(v))
				S_empty(&c, k, "write the document's title after 'title:'");
			S_set(&out->title, s);
		} else if (strcmp(key, "type") == 0) {
			type_k = k;
			s = S_text(&c, k, v);
			if (!s && S_is_blank(v))
				S_empty(&c, k, "write the kind of document, such as 'type: briefing'");
			if (s && S_choice(&c, v, s, cb_doc_types, cb_doc_ntypes, "invalid-type",
					  "a document type", types_list) >= 0)
				S_set(&out->type, s);
		} else if (strcmp(key, "date") == 0) {
			date_k = k;
			if (S_is_blank(v))
				S_empty(&c, k,
					"write the date of publication as YYYY-MM-DD, such as 'date: "
					"2024-05-01'");
			else
				S_set(&out->date, S_date(&c, k, v));
		} else if (strcmp(key, "visibility") == 0) {
			s = S_text(&c, k, v);
			if (s) {
				vis_v = v;
				vis = S_choice(&c, v, s, cb_visibility_names, cb_nvisibilities,
					       "invalid-visibility", "a visibility",
					       "public, internal, restricted");
				vis_bad = vis < 0;
			} else if (v->type != CB_Y_SCALAR) {
				vis_bad = true;
			} else {
				/* Present but empty or null: not the type's default,
				 * which would make it public unnoticed. */
				cb_diags_add(
				    c.d, CB_ERROR, c.file, k->line, k->col, "invalid-visibility",
				    "'visibility' is empty; give one of: public, internal, restricted "
				    "(or remove the line for the type's default)");
				vis_bad = true;
			}
		} else if (strcmp(key, "status") == 0) {
			s = S_text(&c, k, v);
			if (s) {
				static const char *const st[] = {"draft", "published"};
				int r = S_choice(&c, v, s, st, 2, "invalid-status", "a status",
						 "draft, published");
				out->draft = r == 0;
				status_bad = r < 0;
			} else if (v->type != CB_Y_SCALAR) {
				status_bad = true;
			}
		} else if (strcmp(key, "source") == 0) {
			s = S_text(&c, k, v);
			if (s && !cb_web_url_ok(s))
				cb_diags_add(
				    d, CB_ERROR, file, v->line, v->col, "invalid-url",
				    "'%s' is not a web address casebook can link to; give the full address "
				    "of the report, starting with https://",
				    s);
			else
				S_set(&out->source, s);
		} else if (strcmp(key, "themes") == 0) {
			S_themes(&c, k, v);
		} else if (strcmp(key, "actions") == 0) {
			S_actions(&c, k, v);
		} else {
			S_plain_field(&c, k, v);
		}
	}

	if (!title_k)
		cb_diags_add(d, CB_ERROR, file, root->line, root->col, "required-field",
			     "the front matter has no 'title'; add a line such as 'title: Learning from "
			     "Child A'");
	if (!type_k)
		cb_diags_add(
		    d, CB_ERROR, file, root->line, root->col, "required-field",
		    "the front matter has no 'type'; add a line such as 'type: briefing' (one of: %s)",
		    types_list);
	if (!date_k)
		cb_diags_add(d, CB_ERROR, file, root->line, root->col, "required-field",
			     "the front matter has no 'date'; add a line such as 'date: 2024-05-01'");

	/* Visibility decides who may read a document, so anything unclear
	 * about it fails closed: the most restricted audience. */
	const cb_doc_type *type = cb_doc_type_find(out->type);
	bool note = type && type->visibility == CB_VIS_RESTRICTED; /* supervision notes */
	if (vis_bad)
		out->visibility = CB_VIS_RESTRICTED;
	else if (vis >= 0)
		out->visibility = (cb_visibility)vis;
	else
		out->visibility = type ? type->visibility : CB_VIS_PUBLIC;
	if (note && vis_v && vis >= 0 && vis != CB_VIS_RESTRICTED) {
		cb_diags_add(d, CB_ERROR, file, vis_v->line, vis_v->col, "supervision-note-visibility",
			     "a supervision note cannot be %s: supervision notes hold live-case detail; "
			     "remove the 'visibility' line or set it to restricted",
			     cb_visibility_names[vis]);
		out->visibility = CB_VIS_RESTRICTED;
	}
	/* Likewise a document whose status cannot be read is kept as a draft,
	 * out of public builds. */
	if (status_bad)
		out->draft = true;
	return d->errors > errors0 ? -1 : 0;
}

void cb_meta_free(cb_meta *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < cb_nfields; i++) {
		const cb_field *f = &cb_fields[i];
		if (f->kind == CB_FIELD_TEXT || f->kind == CB_FIELD_DATE)
			free(*cb_field_text(m, f));
		else if (f->kind == CB_FIELD_LIST || f->kind == CB_FIELD_THEMES)
			cb_strv_free((cb_strv *)cb_field_list(m, f));
	}
	free(m->theme_lines);
	free(m->theme_cols);
	for (size_t i = 0; i < m->nactions; i++) {
		free(m->actions[i].action);
		free(m->actions[i].owner);
		free(m->actions[i].due);
		free(m->actions[i].rag);
		free(m->actions[i].evidence);
	}
	free(m->actions);
	memset(m, 0, sizeof *m);
}
