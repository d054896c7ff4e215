/* placeholder: see placeholder.h. */
#include "placeholder.h"

#include <string.h>

/* Each entry is the start of one instruction of a skeleton, long enough
 * that real writing does not begin the same way. Sorted by nothing in
 * particular: the check compares the first character first. */
static const char *const S_list[] = {
    /* front matter */
    "One or two sentences for lists and search results",
    "One or two sentences — the kind of session",
    "Replace this with ",
    "Describe the first action",
    "The role responsible (for example",
    /* guidance quoted at the top of a skeleton */
    "A 7-minute briefing is read aloud in a team meeting and fits on one side of A4",
    "Anonymise everything: call children",
    "Child death reviews are confidential. Publish only themes",
    "The actions, their owners, due dates and RAG ratings are kept in the front matter",
    /* "Say …" paragraphs */
    "Say where the learning comes from",
    "Say what can go wrong for a child when this is missed",
    "Say which review, audit or inspection this plan answers",
    "Say what prompted the audit",
    "Say how many records were audited",
    "Say why this briefing was written",
    "Say what practitioners should do differently from tomorrow",
    "Say how the partnership will check that the learning",
    "Say which panel reviewed how many deaths",
    "Say what this guidance is for and when to use it",
    "Say which practitioners and agencies it applies to",
    "Say how to escalate a concern, and to whom",
    "Say who inspected which services, when, and how",
    "Say how the partnership is responding, and link to the action plan",
    "Give the main findings, with figures where you have them",
    "Write a short, anonymised account of the child's circumstances",
    "Summarise the factors the panel found in each domain",
    /* list items */
    "Write the first key point",
    "Write the second key point",
    "Write a third key point if there is one",
    "Write a prompt that makes the reader think about their own cases",
    "Write each action a practitioner should take as one list item",
    "Write each thing a practitioner must know as one list item",
    "Write each lesson",
    "Write each recommendation",
    "Write each step as one list item",
    "Write each strength the inspectors found",
    "Write each area the inspectors asked to improve",
    "Write down what the audit found working well",
    "Write down what went well and should be repeated",
    "Add links to the review, guidance or policy",
    "Add links to related briefings and guidance",
    "Add links to the action plan or briefing that follows",
    "Add links to the procedures and reviews this guidance",
    "Add a link to the review, audit or inspection this plan answers",
    "Add a link to the action plan that answers this inspection",
};

const char *cb_placeholder_at(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof S_list / sizeof S_list[0]; i++) {
		const char *p = S_list[i];
		if (p[0] != s[0])
			continue;
		size_t k = strlen(p);
		if (k <= n && memcmp(s, p, k) == 0)
			return p;
	}
	return NULL;
}

/* Where a line's words begin: after indentation, list, quote and table
 * markers, and a YAML key ("summary: ", "- action: "). */
static size_t S_words(const char *s, size_t n)
{
	size_t i = 0;
	for (;;) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i + 1 < n && strchr("-*>|", s[i]) && s[i] != '\0' && s[i + 1] == ' ')
			i += 2;
		else
			break;
	}
	size_t k = i;
	while (k < n && ((s[k] >= 'a' && s[k] <= 'z') || s[k] == '-'))
		k++;
	if (k > i && k + 1 < n && s[k] == ':' && s[k + 1] == ' ') {
		k += 2;
		while (k < n && s[k] == ' ')
			k++;
		if (k < n && s[k] == '"')
			k++;
		return k;
	}
	return i;
}

size_t cb_placeholder_check(const char *file, const char *text, size_t len, cb_diags *d)
{
	size_t found = 0;
	int line = 1;
	for (size_t off = 0; off < len; line++) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (text + off)) : len - off;
		size_t w = S_words(text + off, n);
		const char *p = w < n ? cb_placeholder_at(text + off + w, n - w) : NULL;
		if (p) {
			cb_diags_add(
			    d, CB_ERROR, file, line, (int)w + 1, "placeholder",
			    "'%s…' is an instruction from the template 'casebook new' wrote; replace "
			    "it with your own text, or remove it",
			    p);
			found++;
		}
		off += n + 1;
	}
	return found;
}
