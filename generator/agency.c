/* agency: see agency.h. */
#include "agency.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* The shipped agencies. The ids are those casebook has always had, so
 * audiences/<id>.html pages stay where they are; the synonyms are the
 * names partnerships write, and those of the benchmark corpus. */
static const struct {
	const char *id, *label;
	const char *synonyms[10];
} S_shipped[] = {
    {"gp",
     "GP and primary care",
     {"GP", "general practice", "general practitioner", "GP practice", "primary care", "family doctor"}},
    {"health-visiting", "Health visiting", {"health visitor", "health visiting team", "HV"}},
    {"midwifery", "Midwifery", {"midwife", "midwives", "maternity", "community midwife"}},
    {"emergency-department",
     "Emergency department",
     {"A&E", "ED", "accident and emergency", "emergency department", "casualty"}},
    {"ambulance", "Ambulance service", {"ambulance", "paramedic"}},
    {"paediatrics",
     "Paediatrics",
     {"paediatrician", "paediatric", "community paediatrics", "pediatrics", "pediatrician"}},
    {"camhs",
     "CAMHS (child and adolescent mental health)",
     {"CAMHS", "child and adolescent mental health", "child and adolescent mental health services",
      "children's mental health"}},
    {"police", "Police", {"police service", "police officer", "constabulary"}},
    {"childrens-social-care",
     "Children's social care",
     {"social care", "children's services", "social worker", "social work", "CSC", "children's social work"}},
    {"education", "Education", {"school", "teacher", "college", "designated safeguarding lead", "DSL"}},
    {"early-years", "Early years", {"nursery", "childminder", "early years setting", "children's centre"}},
    {"housing", "Housing", {"housing officer", "housing provider", "housing association"}},
    {"probation", "Probation", {"probation service", "probation officer"}},
    {"adult-services", "Adult services", {"adult social care", "adult services"}},
    {"school-nursing", "School nursing", {"school nurse", "school health"}},
    {"mental-health", "Adult mental health", {"mental health", "adult mental health services"}},
    {"substance-misuse",
     "Drug and alcohol services",
     {"substance misuse", "drug and alcohol", "drug and alcohol service", "alcohol service", "drug service"}},
};
#define S_NSHIPPED (sizeof S_shipped / sizeof S_shipped[0])

struct cb_agency_key {
	char *key;
	size_t entry; /* index into cb_agencies.v */
	int rank;     /* which wins when two entries share a key: lower */
};

/* Appends the word w[0..n) made singular to out. */
static void S_word(cb_buf *out, const char *w, size_t n)
{
	if (n > 3 && strncmp(w + n - 3, "ies", 3) == 0) {
		cb_buf_put(out, w, n - 3);
		cb_buf_putc(out, 'y');
		return;
	}
	if (n >= 3 && w[n - 1] == 's' && w[n - 2] != 's')
		n--;
	cb_buf_put(out, w, n);
}

char *cb_agency_key_of(const char *s)
{
	cb_buf out = CB_BUF_INIT, word = CB_BUF_INIT;
	for (const unsigned char *p = (const unsigned char *)s;; p++) {
		unsigned char c = *p;
		bool apostrophe = c == '\'' || (c == 0xE2 && p[1] == 0x80 && p[2] == 0x99);
		if (apostrophe) {
			p += c == '\'' ? 0 : 2;
			continue;
		}
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80) {
			cb_buf_putc(&word, (char)c);
			continue;
		}
		if (c >= 'A' && c <= 'Z') {
			cb_buf_putc(&word, (char)(c - 'A' + 'a'));
			continue;
		}
		/* Anything else ends a word; '&' is one of its own. */
		if (word.len || c == '&') {
			if (out.len)
				cb_buf_putc(&out, ' ');
			if (word.len)
				S_word(&out, word.data, word.len);
			else
				cb_buf_put(&out, "and", 3);
			if (word.len && c == '&')
				cb_buf_put(&out, " and", 4);
			word.len = 0;
		}
		if (!c)
			break;
	}
	cb_buf_free(&word);
	return cb_buf_detach(&out);
}

static void S_def_free(cb_theme_def *t)
{
	free(t->id);
	free(t->label);
	free(t->description);
	cb_strv_free(&t->synonyms);
}

static void S_def_copy(cb_theme_def *to, const cb_theme_def *from)
{
	to->id = cb_xstrdup(from->id);
	to->label = cb_xstrdup(from->label);
	to->description = from->description ? cb_xstrdup(from->description) : NULL;
	to->synonyms = (cb_strv)CB_STRV_INIT;
	for (size_t i = 0; i < from->synonyms.n; i++)
		cb_strv_push(&to->synonyms, from->synonyms.v[i]);
	to->line = from->line;
}

static void S_key_add(cb_agencies *a, const char *name, size_t entry, int rank)
{
	a->keys = cb_xrealloc(a->keys, (a->nkeys + 1) * sizeof *a->keys);
	a->keys[a->nkeys++] = (cb_agency_key){cb_agency_key_of(name), entry, rank};
}

static int S_key_cmp(const void *x, const void *y)
{
	const cb_agency_key *a = x, *b = y;
	int c = strcmp(a->key, b->key);
	if (c)
		return c;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return a->entry < b->entry ? -1 : a->entry > b->entry;
}

/* Makes the sorted keys again. An entry's id ranks before its names, and
 * a file's entry (line > 0) before a shipped one, so a name two entries
 * share stands for the id, else the repository's entry. */
static void S_reindex(cb_agencies *a)
{
	for (size_t i = 0; i < a->nkeys; i++)
		free(a->keys[i].key);
	a->nkeys = 0;
	for (size_t e = 0; e < a->n; e++) {
		const cb_theme_def *t = &a->v[e];
		int shipped = t->line > 0 ? 0 : 1;
		S_key_add(a, t->id, e, 0);
		S_key_add(a, t->label, e, 1 + shipped);
		for (size_t i = 0; i < t->synonyms.n; i++)
			S_key_add(a, t->synonyms.v[i], e, 1 + shipped);
	}
	qsort(a->keys, a->nkeys, sizeof *a->keys, S_key_cmp);
}

void cb_agencies_init(cb_agencies *a)
{
	memset(a, 0, sizeof *a);
	a->v = cb_xcalloc(S_NSHIPPED, sizeof *a->v);
	for (size_t i = 0; i < S_NSHIPPED; i++) {
		cb_theme_def *t = &a->v[a->n++];
		t->id = cb_xstrdup(S_shipped[i].id);
		t->label = cb_xstrdup(S_shipped[i].label);
		for (size_t j = 0; j < 10 && S_shipped[i].synonyms[j]; j++)
			cb_strv_push(&t->synonyms, S_shipped[i].synonyms[j]);
	}
	S_reindex(a);
}

void cb_agencies_add(cb_agencies *a, const cb_taxonomy *defs)
{
	for (size_t i = 0; i < defs->n; i++) {
		const cb_theme_def *d = &defs->themes[i];
		cb_theme_def *t = NULL;
		for (size_t e = 0; e < a->n && !t; e++)
			if (strcmp(a->v[e].id, d->id) == 0)
				t = &a->v[e];
		if (!t) {
			a->v = cb_xrealloc(a->v, (a->n + 1) * sizeof *a->v);
			t = &a->v[a->n++];
			S_def_copy(t, d);
			continue;
		}
		/* A shipped agency keeps its names, so documents that use them
		 * stay valid; the file's come first. */
		cb_theme_def old = *t;
		S_def_copy(t, d);
		for (size_t k = 0; k < old.synonyms.n; k++)
			if (!cb_strv_contains(&t->synonyms, old.synonyms.v[k]))
				cb_strv_push(&t->synonyms, old.synonyms.v[k]);
		S_def_free(&old);
	}
	S_reindex(a);
}

void cb_agencies_free(cb_agencies *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++)
		S_def_free(&a->v[i]);
	free(a->v);
	for (size_t i = 0; i < a->nkeys; i++)
		free(a->keys[i].key);
	free(a->keys);
	memset(a, 0, sizeof *a);
}

static cb_agencies S_the_shipped;
static pthread_once_t S_shipped_once = PTHREAD_ONCE_INIT;

static void S_make_shipped(void)
{
	cb_agencies_init(&S_the_shipped);
}

const cb_agencies *cb_agencies_shipped(void)
{
	pthread_once(&S_shipped_once, S_make_shipped);
	return &S_the_shipped;
}

const cb_theme_def *cb_agency_find(const cb_agencies *a, const char *value)
{
	char *key = cb_agency_key_of(value);
	size_t lo = 0, hi = a->nkeys;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(a->keys[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	const cb_theme_def *t =
	    key[0] && lo < a->nkeys && strcmp(a->keys[lo].key, key) == 0 ? &a->v[a->keys[lo].entry] : NULL;
	free(key);
	return t;
}

const char *cb_agency_suggest(const cb_agencies *a, const char *value)
{
	char *key = cb_agency_key_of(value);
	const char **names = cb_xcalloc(a->nkeys + 1, sizeof *names);
	for (size_t i = 0; i < a->nkeys; i++)
		names[i] = a->keys[i].key;
	const char *near = key[0] ? cb_did_you_mean(key, names, a->nkeys) : NULL;
	const char *id = NULL;
	for (size_t i = 0; near && i < a->nkeys && !id; i++)
		if (names[i] == near)
			id = a->v[a->keys[i].entry].id;
	free(names);
	free(key);
	return id;
}

char *cb_agency_label(const cb_agencies *a, const char *id)
{
	for (size_t i = 0; a && i < a->n; i++)
		if (strcmp(a->v[i].id, id) == 0)
			return cb_xstrdup(a->v[i].label);
	return cb_label_from_id(id);
}
