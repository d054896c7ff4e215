/* lclass: the learning-point classifier; see learning.h. */
#include "learning.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool S_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

/* Words that carry no meaning of their own in a theme's name. "not" is
 * not one of them: "did not attend" is not "did attend". */
static const char *const S_stopwords[] = {
    "a",   "an", "and", "are", "as",   "at",   "be",  "by",    "for",  "from", "in",  "into", "is",  "it",
    "its", "of", "on",	"or",  "than", "that", "the", "their", "this", "to",   "was", "were", "who", "with"};

static bool S_stopword(const char *w)
{
	for (size_t i = 0; i < sizeof S_stopwords / sizeof S_stopwords[0]; i++)
		if (strcmp(w, S_stopwords[i]) == 0)
			return true;
	return false;
}

static bool S_vowel(char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

/* A light English stemmer: enough that "bruising", "bruises" and "bruise",
 * "babies" and "baby", "shared" and "sharing" meet, without the cost of
 * a full Porter stemmer. w is lower case; changed in place. */
static void S_stem(char *w)
{
	size_t n = strlen(w);
	if (n > 4 && strcmp(w + n - 3, "ies") == 0) {
		strcpy(w + n - 3, "y");
		n -= 2;
	} else if (n > 4 && strcmp(w + n - 4, "sses") == 0) {
		w[n -= 2] = '\0';
	} else if (n > 3 && w[n - 1] == 's' && w[n - 2] != 's' && w[n - 2] != 'u' && w[n - 2] != 'i') {
		w[--n] = '\0';
	}
	if (n > 5 && strcmp(w + n - 3, "ing") == 0)
		w[n -= 3] = '\0';
	else if (n > 4 && strcmp(w + n - 2, "ed") == 0)
		w[n -= 2] = '\0';
	else if (n > 6 && strcmp(w + n - 4, "tion") == 0)
		w[n -= 3] = '\0'; /* "communication" meets "communicate" */
	else if (n > 4 && strcmp(w + n - 2, "ly") == 0)
		w[n -= 2] = '\0';
	/* "stopp" -> "stop"; "bruise" -> "bruis" (as "bruising" gave). */
	if (n > 3 && w[n - 1] == w[n - 2] && !S_vowel(w[n - 1]) && w[n - 1] != 'l' && w[n - 1] != 's')
		w[--n] = '\0';
	if (n > 3 && w[n - 1] == 'e')
		w[--n] = '\0';
	if (n > 3 && w[n - 1] == 'y' && !S_vowel(w[n - 2]))
		w[n - 1] = 'i'; /* "baby" meets "babi" of "babies" after the steps above */
	if (strcmp(w, "children") == 0)
		strcpy(w, "child"); /* the one irregular plural themes often hold */
}

/* The stemmed words of s, in order (appended to out). Apostrophes join
 * ("don't", "child's"), anything else that is not a letter or digit
 * separates. */
static void S_words(const char *s, cb_strv *out)
{
	char w[64];
	size_t n = 0;
	for (const char *p = s;; p++) {
		unsigned char c = (unsigned char)*p;
		bool apos = c == '\'' || (c == 0xe2 && p[1] == '\x80' && p[2] == '\x99');
		if (c && (S_alnum(c) || apos) && !(c == 0xe2 && p[1] == '\x80' && !apos)) {
			if (apos) {
				if (c == 0xe2)
					p += 2;
				continue;
			}
			if (n + 1 < sizeof w)
				w[n++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : (char)c;
			continue;
		}
		if (c == 0xe2 && p[1] && p[2])
			p += 2;
		if (n) {
			w[n] = '\0';
			S_stem(w);
			cb_strv_push(out, w);
			n = 0;
		}
		if (!c)
			break;
	}
}

typedef struct S_phrase {
	cb_strv words; /* content words, stemmed; every word when exact */
	bool exact;    /* one content word among joining words: the words in order */
	bool verbal;   /* only verbs of passing on ("share", "passed on"): see S_comm */
	size_t theme;  /* index in cb_lclass.t */
} S_phrase;

typedef struct S_ctheme {
	char *id;
	bool named; /* has phrases */
	bool comm;  /* named "information sharing": the communication rule's theme */
	bool voice; /* named "voice of the child": the hearing rule's theme */
	/* Not in the taxonomy: named by its id when a document first asked
	 * for it, and matched only for documents that ask for it (live: the
	 * look-up that last did), so that what one document's points are on
	 * never depends on the other documents' themes. */
	bool adhoc;
	unsigned live;
} S_ctheme;

/* The phrases a word occurs in, for finding the few that can match a text. */
typedef struct S_plist {
	size_t n;
	size_t *v;
} S_plist;

struct cb_lclass {
	S_ctheme *t;
	size_t n;
	cb_strmap *by_id; /* id -> index + 1 */
	S_phrase *ph;
	size_t nph;
	cb_strmap *by_word; /* stemmed word -> S_plist */
	unsigned *stamp;    /* per phrase: the run that last looked at it */
	unsigned run;
	unsigned lookup;  /* cb_lclass_match calls, for S_ctheme.live */
	bool any_comm;	  /* some theme is the communication rule's */
	bool any_voice;	  /* some theme is the hearing rule's */
	cb_strmap *roles; /* stemmed word -> its S_ROLE_* flags */
	cb_strv *rph;	  /* recipient phrases, stemmed words in order */
	bool *rph_agency; /* per recipient phrase: an agency's name */
	size_t nrph;
	cb_strmap *rph_by_first; /* first word -> S_plist of recipient phrases */
};

static void S_comm_init(cb_lclass *c, const cb_agencies *ag);
static bool S_verbal(const cb_lclass *c, const cb_strv *words);

static void S_add_phrase(cb_lclass *c, size_t theme, const char *text)
{
	cb_strv all = CB_STRV_INIT;
	S_words(text, &all);
	S_phrase ph = {CB_STRV_INIT, false, S_verbal(c, &all), theme};
	for (size_t i = 0; i < all.n; i++)
		if (!S_stopword(all.v[i]) && !cb_strv_contains(&ph.words, all.v[i]))
			cb_strv_push(&ph.words, all.v[i]);
	/* "Information sharing", "sharing information": the theme of telling
	 * other professionals (S_comm). */
	if (ph.words.n == 2 && cb_strv_contains(&ph.words, "informat") && cb_strv_contains(&ph.words, "shar"))
		c->t[theme].comm = c->any_comm = true;
	/* "Voice of the child": the theme of hearing the child (S_heard). */
	if (ph.words.n == 2 && cb_strv_contains(&ph.words, "voic") && cb_strv_contains(&ph.words, "child"))
		c->t[theme].voice = c->any_voice = true;
	if (ph.words.n == 1 && all.n > 1) {
		/* "shared with" is not "shares a bed": keep its words in order. */
		cb_strv_free(&ph.words);
		ph.words = all;
		ph.exact = true;
	} else {
		cb_strv_free(&all);
	}
	if (!ph.words.n || ph.words.n > 32) {
		cb_strv_free(&ph.words);
		return;
	}
	c->ph = cb_xrealloc(c->ph, (c->nph + 1) * sizeof *c->ph);
	c->stamp = cb_xrealloc(c->stamp, (c->nph + 1) * sizeof *c->stamp);
	c->stamp[c->nph] = 0;
	c->ph[c->nph] = ph;
	for (size_t i = 0; i < ph.words.n; i++) {
		S_plist *pl = cb_strmap_get(c->by_word, ph.words.v[i]);
		if (!pl) {
			pl = cb_xcalloc(1, sizeof *pl);
			cb_strmap_put(c->by_word, ph.words.v[i], pl);
		}
		if (pl->n && pl->v[pl->n - 1] == c->nph)
			continue; /* a word twice in an exact phrase */
		pl->v = cb_xrealloc(pl->v, (pl->n + 1) * sizeof *pl->v);
		pl->v[pl->n++] = c->nph;
	}
	c->nph++;
	c->t[theme].named = true;
}

static size_t S_theme(cb_lclass *c, const char *id)
{
	uintptr_t k = (uintptr_t)cb_strmap_get(c->by_id, id);
	if (k)
		return k - 1;
	c->t = cb_xrealloc(c->t, (c->n + 1) * sizeof *c->t);
	S_ctheme *t = &c->t[c->n++];
	memset(t, 0, sizeof *t);
	t->id = cb_xstrdup(id);
	cb_strmap_put(c->by_id, id, (void *)(uintptr_t)c->n);
	return c->n - 1;
}

cb_lclass *cb_lclass_new(const cb_taxonomy *tax, const cb_agencies *ag)
{
	cb_lclass *c = cb_xcalloc(1, sizeof *c);
	c->by_id = cb_strmap_new();
	c->by_word = cb_strmap_new();
	S_comm_init(c, ag ? ag : cb_agencies_shipped());
	for (size_t i = 0; tax && i < tax->n; i++) {
		const cb_theme_def *td = &tax->themes[i];
		size_t t = S_theme(c, td->id);
		S_add_phrase(c, t, td->label ? td->label : td->id);
		for (size_t k = 0; k < td->synonyms.n; k++)
			S_add_phrase(c, t, td->synonyms.v[k]);
	}
	return c;
}

void cb_lclass_free(cb_lclass *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nph; i++)
		cb_strv_free(&c->ph[i].words);
	free(c->ph);
	free(c->stamp);
	for (size_t i = 0; i < c->n; i++)
		free(c->t[i].id);
	free(c->t);
	cb_strmap_free(c->by_id);
	size_t it = 0;
	const char *key;
	void *val;
	while (cb_strmap_next(c->by_word, &it, &key, &val)) {
		S_plist *pl = val;
		free(pl->v);
		free(pl);
	}
	cb_strmap_free(c->by_word);
	cb_strmap_free(c->roles);
	for (size_t i = 0; i < c->nrph; i++)
		cb_strv_free(&c->rph[i]);
	free(c->rph);
	free(c->rph_agency);
	it = 0;
	while (cb_strmap_next(c->rph_by_first, &it, &key, &val)) {
		S_plist *pl = val;
		free(pl->v);
		free(pl);
	}
	cb_strmap_free(c->rph_by_first);
	free(c);
}

/* One place a phrase matches: the positions of its words in the text. */
typedef struct S_match {
	size_t phrase;
	size_t npos;
	size_t pos[32];
} S_match;

/* Appends to *m every place the words of text hold phrase p: its words in
 * order when exact, else all its content words within a span of twice
 * their number and one more, in any order. */
static void S_find(const cb_lclass *c, size_t p, const cb_strv *text, S_match **m, size_t *nm)
{
	const S_phrase *ph = &c->ph[p];
	size_t k = ph->words.n;
	size_t span = ph->exact ? k : k == 1 ? 1 : 2 * k + 1;
	for (size_t i = 0; i < text->n; i++) {
		S_match x = {p, 0, {0}};
		if (ph->exact) {
			size_t j = 0;
			while (j < k && i + j < text->n && strcmp(text->v[i + j], ph->words.v[j]) == 0) {
				x.pos[j] = i + j;
				j++;
			}
			x.npos = j;
		} else {
			if (strcmp(text->v[i], ph->words.v[0]) != 0 &&
			    !cb_strv_contains(&ph->words, text->v[i]))
				continue;
			uint32_t seen = 0;
			for (size_t j = i; j < text->n && j < i + span && x.npos < k; j++)
				for (size_t w = 0; w < k; w++)
					if (!(seen & (1u << w)) && strcmp(text->v[j], ph->words.v[w]) == 0) {
						seen |= 1u << w;
						x.pos[x.npos++] = j;
						break;
					}
		}
		if (x.npos < k)
			continue;
		*m = cb_xrealloc(*m, (*nm + 1) * sizeof **m);
		(*m)[(*nm)++] = x;
	}
}

/* Whether match a lies inside a longer match of another theme: "shares a
 * bed" is about safer sleep ("bed sharing"), not information sharing
 * ("share"). */
static bool S_dominated(const cb_lclass *c, const S_match *a, const S_match *m, size_t nm)
{
	for (size_t i = 0; i < nm; i++) {
		const S_match *b = &m[i];
		if (b->npos <= a->npos || c->ph[b->phrase].theme == c->ph[a->phrase].theme)
			continue;
		size_t in = 0;
		for (size_t x = 0; x < a->npos; x++)
			for (size_t y = 0; y < b->npos; y++)
				if (a->pos[x] == b->pos[y]) {
					in++;
					break;
				}
		if (in == a->npos)
			return true;
	}
	return false;
}

/* ---- telling another professional ---- */

/* A point is about information sharing when it says something is passed
 * on to a professional, a team or an agency: "those services should be
 * told", "should reach the child's own GP", "send the outcome to whoever
 * made the referral". The verbs of passing on are evidence only with such
 * a recipient: "parents should be told", "told inspectors", "a plan for
 * passing on their health histories" and "shares a bed with the baby" are
 * not information sharing. A recipient stands as the verb's object (S_OBJ:
 * "tell the GP", and in the passive "the GP should be told"), after "to"
 * or "with" (S_TO: "shared back with the health visitor"), or between
 * "let" and "know". */
enum {
	S_OBJ = 1,	   /* a verb whose object is the recipient */
	S_TO = 2,	   /* a verb whose recipient follows "to" or "with" */
	S_BE = 4,	   /* makes a passive: "should be told" */
	S_PERSON = 8,	   /* a child or family member: "send the child to A&E" is no message */
	S_STOP_AFTER = 16, /* ends the words an object is looked for in */
	S_STOP_BEFORE = 32,
	S_PARTICLE = 64, /* may follow a verb of passing on in a phrase: "passed on" */
	S_LET = 128,	 /* "let the health visitor know" */
	/* The hearing rule's (S_heard). */
	S_HEAR = 256,	 /* a practitioner hearing the child: "ask", "speak to", "listen" */
	S_SEE = 512,	 /* hearing only when the child is seen alone: "see", "meet" */
	S_CHILD = 1024,	 /* the child: "child", "sibling", "pupil", "young (people)" */
	S_ADULT = 2048,	 /* a grown-up of the family: "mother", "parent" */
	S_FILLER = 4096, /* may stand between the verb and the child: "to", "the", "each" */
	S_ALONE = 8192,	 /* "alone", "separately" */
	S_INNER = 16384, /* what the child says or feels: "say", "feel", "want" */
	S_WHAT = 32768,	 /* "what", "how" */
	S_AUX = 65536,	 /* may stand between the child and what they say: "did not" */
};

typedef struct S_role_word {
	const char *word;
	int roles;
} S_role_word;

static const S_role_word S_role_words[] = {
    {"tell", S_OBJ},
    {"told", S_OBJ},
    {"inform", S_OBJ},
    {"notify", S_OBJ},
    {"alert", S_OBJ},
    {"reach", S_OBJ},
    {"update", S_OBJ | S_TO},
    {"contact", S_OBJ},
    {"copy", S_OBJ | S_TO},
    {"send", S_OBJ | S_TO},
    {"sent", S_OBJ | S_TO},
    {"email", S_OBJ | S_TO},
    {"forward", S_OBJ | S_TO},
    {"share", S_TO},
    {"pass", S_TO},
    {"report", S_TO},
    {"hand", S_TO},
    {"feed", S_TO},
    {"fed", S_TO},
    {"feedback", S_TO},
    {"write", S_TO},
    {"wrote", S_TO},
    {"written", S_TO},
    {"relay", S_TO},
    {"let", S_LET},
    {"be", S_BE},
    {"been", S_BE},
    {"being", S_BE},
    {"is", S_BE},
    {"are", S_BE},
    {"was", S_BE},
    {"were", S_BE},
    {"get", S_BE},
    {"got", S_BE},
    {"child", S_PERSON},
    {"children", S_PERSON},
    {"baby", S_PERSON},
    {"infant", S_PERSON},
    {"family", S_PERSON},
    {"parent", S_PERSON},
    {"mother", S_PERSON},
    {"father", S_PERSON},
    {"carer", S_PERSON},
    {"person", S_PERSON},
    {"people", S_PERSON},
    {"them", S_PERSON},
    {"him", S_PERSON},
    {"her", S_PERSON},
    {"about", S_STOP_AFTER},
    {"how", S_STOP_AFTER},
    {"what", S_STOP_AFTER},
    {"for", S_STOP_AFTER},
    {"from", S_STOP_AFTER},
    {"in", S_STOP_AFTER},
    {"at", S_STOP_AFTER},
    {"by", S_STOP_AFTER},
    {"on", S_STOP_AFTER | S_PARTICLE},
    {"before", S_STOP_AFTER},
    {"after", S_STOP_AFTER},
    {"until", S_STOP_AFTER},
    {"to", S_STOP_AFTER | S_PARTICLE},
    {"with", S_STOP_AFTER | S_PARTICLE},
    {"back", S_PARTICLE},
    {"over", S_PARTICLE},
    {"up", S_PARTICLE},
    {"that", S_STOP_AFTER | S_STOP_BEFORE},
    {"which", S_STOP_AFTER | S_STOP_BEFORE},
    {"when", S_STOP_AFTER | S_STOP_BEFORE},
    {"where", S_STOP_AFTER | S_STOP_BEFORE},
    {"whether", S_STOP_AFTER | S_STOP_BEFORE},
    {"if", S_STOP_AFTER | S_STOP_BEFORE},
    {"because", S_STOP_AFTER | S_STOP_BEFORE},
    {"while", S_STOP_AFTER | S_STOP_BEFORE},
    {"but", S_STOP_AFTER | S_STOP_BEFORE},
    {"so", S_STOP_AFTER | S_STOP_BEFORE},
    {"than", S_STOP_AFTER | S_STOP_BEFORE},
};

/* The hearing rule's words: verbs of hearing the child, who the child is,
 * and what may stand between. */
static const S_role_word S_voice_words[] = {
    {"ask", S_HEAR},
    {"talk", S_HEAR},
    {"speak", S_HEAR},
    {"spoke", S_HEAR},
    {"spoken", S_HEAR},
    {"listen", S_HEAR},
    {"hear", S_HEAR},
    {"heard", S_HEAR},
    {"interview", S_HEAR},
    {"consult", S_HEAR},
    {"engage", S_HEAR},
    {"see", S_SEE},
    {"seen", S_SEE},
    {"saw", S_SEE},
    {"meet", S_SEE},
    {"met", S_SEE},
    {"visit", S_SEE},
    {"child", S_CHILD},
    {"twin", S_CHILD},
    {"sibling", S_CHILD},
    {"boy", S_CHILD},
    {"girl", S_CHILD},
    {"teenager", S_CHILD},
    {"adolescent", S_CHILD},
    {"pupil", S_CHILD},
    {"son", S_CHILD},
    {"daughter", S_CHILD},
    {"youngster", S_CHILD},
    {"young", S_CHILD},
    {"family", S_ADULT},
    {"parent", S_ADULT},
    {"mother", S_ADULT},
    {"father", S_ADULT},
    {"stepfather", S_ADULT},
    {"stepmother", S_ADULT},
    {"grandparent", S_ADULT},
    {"grandmother", S_ADULT},
    {"grandfather", S_ADULT},
    {"carer", S_ADULT},
    {"adult", S_ADULT},
    {"to", S_FILLER},
    {"with", S_FILLER},
    {"the", S_FILLER},
    {"a", S_FILLER},
    {"an", S_FILLER},
    {"each", S_FILLER},
    {"every", S_FILLER},
    {"any", S_FILLER},
    {"all", S_FILLER},
    {"both", S_FILLER},
    {"other", S_FILLER},
    {"their", S_FILLER},
    {"his", S_FILLER},
    {"her", S_FILLER},
    {"its", S_FILLER},
    {"older", S_FILLER},
    {"younger", S_FILLER},
    {"also", S_FILLER},
    {"always", S_FILLER},
    {"first", S_FILLER},
    {"directly", S_FILLER},
    {"privately", S_FILLER},
    {"routinely", S_FILLER},
    {"regularly", S_FILLER},
    {"carefully", S_FILLER},
    {"alone", S_FILLER | S_ALONE},
    {"separately", S_FILLER | S_ALONE},
    {"say", S_INNER},
    {"said", S_INNER},
    {"tell", S_INNER},
    {"told", S_INNER},
    {"feel", S_INNER},
    {"felt", S_INNER},
    {"want", S_INNER},
    {"wish", S_INNER},
    {"think", S_INNER},
    {"thought", S_INNER},
    {"describe", S_INNER},
    {"disclose", S_INNER},
    {"experience", S_INNER},
    {"talk", S_INNER},
    {"speak", S_INNER},
    {"spoke", S_INNER},
    {"did", S_AUX},
    {"do", S_AUX},
    {"does", S_AUX},
    {"had", S_AUX},
    {"has", S_AUX},
    {"have", S_AUX},
    {"could", S_AUX},
    {"would", S_AUX},
    {"should", S_AUX},
    {"might", S_AUX},
    {"may", S_AUX},
    {"will", S_AUX},
    {"can", S_AUX},
    {"not", S_AUX},
    {"never", S_AUX},
    {"often", S_AUX},
    {"also", S_AUX},
    {"always", S_AUX},
    {"later", S_AUX},
    {"repeatedly", S_AUX},
    {"clearly", S_AUX},
    {"what", S_WHAT},
    {"how", S_WHAT},
};

/* Who a message goes to, besides the agencies' names and synonyms. */
static const char *const S_recipients[] = {
    "professional",
    "practitioner",
    "agency",
    "service",
    "team",
    "clinician",
    "colleague",
    "worker",
    "nurse",
    "doctor",
    "consultant",
    "lead",
    "manager",
    "referrer",
    "provider",
    "made the referral",
    "making the referral",
    "made a referral",
};

static void S_add_recipient(cb_lclass *c, const char *text, bool agency)
{
	cb_strv w = CB_STRV_INIT;
	S_words(text, &w);
	if (!w.n) {
		cb_strv_free(&w);
		return;
	}
	c->rph = cb_xrealloc(c->rph, (c->nrph + 1) * sizeof *c->rph);
	c->rph_agency = cb_xrealloc(c->rph_agency, (c->nrph + 1) * sizeof *c->rph_agency);
	c->rph[c->nrph] = w;
	c->rph_agency[c->nrph] = agency;
	S_plist *pl = cb_strmap_get(c->rph_by_first, w.v[0]);
	if (!pl) {
		pl = cb_xcalloc(1, sizeof *pl);
		cb_strmap_put(c->rph_by_first, w.v[0], pl);
	}
	pl->v = cb_xrealloc(pl->v, (pl->n + 1) * sizeof *pl->v);
	pl->v[pl->n++] = c->nrph++;
}

/* Adds the roles of n words (stemmed as the text will be) to c's map. */
static void S_add_roles(cb_lclass *c, const S_role_word *v, size_t n)
{
	char w[64];
	for (size_t i = 0; i < n; i++) {
		snprintf(w, sizeof w, "%s", v[i].word);
		S_stem(w);
		uintptr_t r = (uintptr_t)cb_strmap_get(c->roles, w) | (uintptr_t)v[i].roles;
		cb_strmap_put(c->roles, w, (void *)r);
	}
}

static void S_comm_init(cb_lclass *c, const cb_agencies *ag)
{
	c->roles = cb_strmap_new();
	c->rph_by_first = cb_strmap_new();
	S_add_roles(c, S_role_words, sizeof S_role_words / sizeof S_role_words[0]);
	S_add_roles(c, S_voice_words, sizeof S_voice_words / sizeof S_voice_words[0]);
	for (size_t i = 0; i < sizeof S_recipients / sizeof S_recipients[0]; i++)
		S_add_recipient(c, S_recipients[i], false);
	for (size_t i = 0; i < ag->n; i++) {
		S_add_recipient(c, ag->v[i].label, true);
		for (size_t k = 0; k < ag->v[i].synonyms.n; k++)
			S_add_recipient(c, ag->v[i].synonyms.v[k], true);
	}
}

static int S_role(const cb_lclass *c, const char *w)
{
	return (int)(uintptr_t)cb_strmap_get(c->roles, w);
}

/* Whether a phrase is only a verb of passing on and its particles:
 * "share", "shared back", "passed on". */
static bool S_verbal(const cb_lclass *c, const cb_strv *words)
{
	bool verb = false;
	for (size_t i = 0; i < words->n; i++) {
		int r = S_role(c, words->v[i]);
		if (r & (S_OBJ | S_TO))
			verb = true;
		else if (!(r & S_PARTICLE))
			return false;
	}
	return verb;
}

/* The recipients named in text: for each word, the end (exclusive) of the
 * longest recipient phrase starting there (0: none), and whether one ends
 * there; the agencies' names among them as spans (start, end) in *agy. */
typedef struct S_recips {
	size_t *end;
	bool *last;
	size_t *agy; /* pairs */
	size_t nagy;
} S_recips;

static void S_find_recipients(const cb_lclass *c, const cb_strv *text, S_recips *r)
{
	r->end = cb_xcalloc(text->n + 1, sizeof *r->end);
	r->last = cb_xcalloc(text->n + 1, sizeof *r->last);
	r->agy = NULL;
	r->nagy = 0;
	for (size_t i = 0; i < text->n; i++) {
		const S_plist *pl = cb_strmap_get(c->rph_by_first, text->v[i]);
		size_t best = 0, best_agy = 0;
		for (size_t k = 0; pl && k < pl->n; k++) {
			const cb_strv *ph = &c->rph[pl->v[k]];
			size_t j = 0;
			while (j < ph->n && i + j < text->n && strcmp(text->v[i + j], ph->v[j]) == 0)
				j++;
			if (j < ph->n)
				continue;
			if (j > best)
				best = j;
			if (c->rph_agency[pl->v[k]] && j > best_agy)
				best_agy = j;
		}
		if (best) {
			r->end[i] = i + best;
			r->last[i + best - 1] = true;
		}
		if (best_agy) {
			r->agy = cb_xrealloc(r->agy, (r->nagy + 1) * 2 * sizeof *r->agy);
			r->agy[2 * r->nagy] = i;
			r->agy[2 * r->nagy++ + 1] = i + best_agy;
		}
	}
}

static void S_recips_free(S_recips *r)
{
	free(r->end);
	free(r->last);
	free(r->agy);
}

/* Whether a recipient follows position i within n words, before a word
 * that ends the phrase ("tell the parents about the GP" names none). */
static bool S_recipient_after(const cb_lclass *c, const cb_strv *text, const S_recips *r, size_t i, size_t n)
{
	for (size_t j = i + 1; j < text->n && j <= i + n; j++) {
		if (r->end[j])
			return true;
		if (S_role(c, text->v[j]) & S_STOP_AFTER)
			return false;
	}
	return false;
}

/* Whether the verb at i passes something on to a recipient. */
static bool S_comm_at(const cb_lclass *c, const cb_strv *text, const S_recips *r, size_t i, int roles)
{
	if ((roles & S_OBJ) && S_recipient_after(c, text, r, i, 5))
		return true;
	/* The passive: "the child's own GP should be told", "services were
	 * not informed". */
	for (size_t b = i; (roles & S_OBJ) && b > 0 && b + 3 > i; b--) {
		if (!(S_role(c, text->v[b - 1]) & S_BE))
			continue;
		for (size_t k = b - 1; k > 0 && k + 5 > b; k--) {
			if (r->last[k - 1])
				return true;
			if (S_role(c, text->v[k - 1]) & S_STOP_BEFORE)
				break;
		}
		break;
	}
	/* "send the outcome to whoever made the referral", but not "send the
	 * child to A&E". */
	for (size_t j = i + 1; (roles & S_TO) && j < text->n && j <= i + 10; j++) {
		if (strcmp(text->v[j], "to") != 0 && strcmp(text->v[j], "with") != 0)
			continue;
		if (S_role(c, text->v[j - 1]) & S_PERSON)
			continue;
		if (S_recipient_after(c, text, r, j, 5))
			return true;
	}
	return false;
}

/* Whether text passes something on to a professional or an agency. */
static bool S_comm(const cb_lclass *c, const cb_strv *text, const S_recips *r)
{
	for (size_t i = 0; i < text->n; i++) {
		int roles = S_role(c, text->v[i]) & (S_OBJ | S_TO | S_LET);
		if ((roles & (S_OBJ | S_TO)) && S_comm_at(c, text, r, i, roles))
			return true;
		if ((roles & S_LET) && S_recipient_after(c, text, r, i, 4))
			for (size_t j = i + 2; j < text->n && j <= i + 7; j++)
				if (strcmp(text->v[j], "know") == 0)
					return true;
	}
	return false;
}

/* Whether match m gathers its words from inside one agency's name: the
 * words of "children in care" in "children's social care" say nothing
 * about children in care. A theme's words standing together in the name
 * still count ("alcohol" in "drug and alcohol services"). */
static bool S_in_agency_name(const S_match *m, const S_recips *r)
{
	size_t lo = (size_t)-1, hi = 0;
	for (size_t i = 0; i < m->npos; i++) {
		lo = m->pos[i] < lo ? m->pos[i] : lo;
		hi = m->pos[i] > hi ? m->pos[i] : hi;
	}
	if (!m->npos || hi - lo + 1 == m->npos)
		return false;
	for (size_t i = 0; i < r->nagy; i++)
		if (r->agy[2 * i] <= lo && hi < r->agy[2 * i + 1])
			return true;
	return false;
}

/* Whether the word at j is the child themself: not inside an agency's
 * name ("children's social care") and not the owner of the next word
 * ("the child's GP", "the young mother"). */
static bool S_child_at(const cb_lclass *c, const cb_strv *text, const S_recips *r, size_t j)
{
	if (j >= text->n || !(S_role(c, text->v[j]) & S_CHILD))
		return false;
	for (size_t k = 0; k < r->nagy; k++)
		if (r->agy[2 * k] <= j && j < r->agy[2 * k + 1])
			return false;
	return j + 1 >= text->n || (!r->end[j + 1] && !(S_role(c, text->v[j + 1]) & S_ADULT));
}

/* Whether "alone" or "separately" follows i within n words. */
static bool S_alone_after(const cb_lclass *c, const cb_strv *text, size_t i, size_t n)
{
	for (size_t j = i + 1; j < text->n && j <= i + n; j++)
		if (S_role(c, text->v[j]) & S_ALONE)
			return true;
	return false;
}

/* Whether the verb at i hears the child: "ask the child", "speak directly
 * to the children", "see each sibling alone". */
static bool S_heard_at(const cb_lclass *c, const cb_strv *text, const S_recips *r, size_t i, int roles)
{
	for (size_t j = i + 1; j < text->n && j <= i + 5; j++) {
		if (S_child_at(c, text, r, j))
			return (roles & S_HEAR) || S_alone_after(c, text, j, 6);
		if (!(S_role(c, text->v[j]) & S_FILLER))
			return false;
	}
	return false;
}

/* Whether the child at j is heard in the passive: "the boy was never
 * spoken to", "children should be asked", "the girl was seen alone". */
static bool S_heard_passive(const cb_lclass *c, const cb_strv *text, size_t j)
{
	for (size_t b = j + 1; b < text->n && b <= j + 4; b++) {
		if (!(S_role(c, text->v[b]) & S_BE))
			continue;
		for (size_t v = b + 1; v < text->n && v <= b + 3; v++) {
			int roles = S_role(c, text->v[v]);
			if ((roles & S_HEAR) || ((roles & S_SEE) && S_alone_after(c, text, v, 4)))
				return true;
		}
		return false;
	}
	return false;
}

/* Whether the child at j says, feels or wants something themself: "the
 * child said", "the children did not want", "a chance to talk". */
static bool S_child_says(const cb_lclass *c, const cb_strv *text, size_t j)
{
	size_t k = j + 1;
	if (k < text->n && (strcmp(text->v[k], "person") == 0 || strcmp(text->v[k], "peopl") == 0))
		k++, j++; /* "young people" */
	while (k < text->n && k <= j + 3 && (S_role(c, text->v[k]) & S_AUX))
		k++;
	if (k < text->n && (S_role(c, text->v[k]) & S_INNER))
		return true;
	/* "give the teenager a chance to talk" */
	for (k = j + 1; k + 1 < text->n && k <= j + 4; k++)
		if (strcmp(text->v[k], "to") == 0 && (S_role(c, text->v[k + 1]) & S_INNER))
			return true;
	return false;
}

/* Whether "own words" are the child's, or no one else's: "in their own
 * words", but not "the mother described in her own words". */
static bool S_own_words(const cb_lclass *c, const cb_strv *text, size_t i)
{
	if (strcmp(text->v[i], "own") != 0 || i + 1 >= text->n || strcmp(text->v[i + 1], "word") != 0)
		return false;
	for (size_t k = i; k > 0 && k + 8 > i; k--) {
		int roles = S_role(c, text->v[k - 1]);
		if (roles & (S_CHILD | S_ADULT))
			return !(roles & S_ADULT);
	}
	return true;
}

/* Whether text hears the child themself: a practitioner asking, hearing,
 * speaking with or seeing alone the child, what or how the child says or
 * feels, or their own words. */
static bool S_heard(const cb_lclass *c, const cb_strv *text, const S_recips *r)
{
	for (size_t i = 0; i < text->n; i++) {
		int roles = S_role(c, text->v[i]);
		if ((roles & (S_HEAR | S_SEE)) && S_heard_at(c, text, r, i, roles))
			return true;
		if (S_child_at(c, text, r, i) && S_heard_passive(c, text, i))
			return true;
		if (S_own_words(c, text, i))
			return true;
		if (S_child_at(c, text, r, i) && S_child_says(c, text, i))
			return true;
	}
	return false;
}

/* Whether match m's child owns a grown-up: "the views of the child's
 * grandparents" are theirs, not the child's. */
static bool S_owned(const cb_lclass *c, const cb_strv *text, const S_match *m)
{
	for (size_t i = 0; i < m->npos; i++)
		if ((S_role(c, text->v[m->pos[i]]) & S_CHILD) && m->pos[i] + 1 < text->n &&
		    (S_role(c, text->v[m->pos[i] + 1]) & S_ADULT))
			return true;
	return false;
}

/* Adds to hit (one flag per theme) the themes text names. */
static void S_match_text(cb_lclass *c, const cb_strv *text, bool *hit)
{
	if (++c->run == 0)
		c->run = 1;
	S_match *m = NULL;
	size_t nm = 0;
	for (size_t i = 0; i < text->n; i++) {
		const S_plist *pl = cb_strmap_get(c->by_word, text->v[i]);
		for (size_t k = 0; pl && k < pl->n; k++) {
			if (c->stamp[pl->v[k]] == c->run)
				continue;
			c->stamp[pl->v[k]] = c->run;
			const S_ctheme *t = &c->t[c->ph[pl->v[k]].theme];
			if (t->adhoc && t->live != c->lookup)
				continue; /* another document's theme */
			S_find(c, pl->v[k], text, &m, &nm);
		}
	}
	S_recips r;
	S_find_recipients(c, text, &r);
	for (size_t i = 0; i < nm; i++) {
		const S_phrase *ph = &c->ph[m[i].phrase];
		if (hit[ph->theme] || (ph->verbal && c->t[ph->theme].comm))
			continue; /* a verb of passing on counts only with its recipient */
		if (!S_dominated(c, &m[i], m, nm) && !S_in_agency_name(&m[i], &r) &&
		    !(c->t[ph->theme].voice && S_owned(c, text, &m[i])))
			hit[ph->theme] = true;
	}
	if (c->any_comm && S_comm(c, text, &r))
		for (size_t t = 0; t < c->n; t++)
			hit[t] = hit[t] || c->t[t].comm;
	if (c->any_voice && S_heard(c, text, &r))
		for (size_t t = 0; t < c->n; t++)
			hit[t] = hit[t] || c->t[t].voice;
	S_recips_free(&r);
	free(m);
}

void cb_lclass_match(cb_lclass *c, const char *text, const char *heading, const char *const *cands, size_t n,
		     cb_strv *out)
{
	/* A theme outside the taxonomy is named by its id. */
	if (++c->lookup == 0)
		c->lookup = 1;
	for (size_t i = 0; i < n; i++) {
		size_t t = S_theme(c, cands[i]);
		if (!c->t[t].named) {
			char *label = cb_label_from_id(cands[i]);
			S_add_phrase(c, t, label);
			free(label);
			c->t[t].named = true;
			c->t[t].adhoc = true;
		}
		c->t[t].live = c->lookup;
	}
	bool *hit = cb_xcalloc(c->n ? c->n : 1, sizeof *hit);
	cb_strv w = CB_STRV_INIT;
	if (text) {
		S_words(text, &w);
		S_match_text(c, &w, hit);
		cb_strv_free(&w);
	}
	if (heading) {
		S_words(heading, &w);
		S_match_text(c, &w, hit);
		cb_strv_free(&w);
	}
	for (size_t i = 0; i < n; i++)
		if (hit[S_theme(c, cands[i])] && !cb_strv_contains(out, cands[i]))
			cb_strv_push(out, cands[i]);
	free(hit);
}
