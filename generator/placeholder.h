/*
 * placeholder: the instructions `casebook new` leaves in a new document
 * ("Say where the learning comes from…", "Replace this with…") — one list,
 * shared by every skeleton in skeleton/new/ (tests/unit/test_placeholder.c
 * checks that each instruction line of each skeleton is in it). A published
 * document still holding one is an error [placeholder]: it would put the
 * template's words on the site.
 */
#ifndef CB_PLACEHOLDER_H
#define CB_PLACEHOLDER_H

#include <stddef.h>

#include "diag.h"

/* Reports, at its line and column in file, every placeholder left in text
 * (a whole document: front matter and body). Returns how many. */
size_t cb_placeholder_check(const char *file, const char *text, size_t len, cb_diags *d);

/* The placeholder at the start of s (length n), or NULL. */
const char *cb_placeholder_at(const char *s, size_t n);

#endif
