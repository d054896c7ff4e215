/* docdata: see docdata.h. */
#include "docdata.h"

#include <string.h>

#include "util.h"

static void S_set_date(cb_value *map, const char *key, const char *date)
{
	char label_key[64], buf[32];
	snprintf(label_key, sizeof label_key, "%s_label", key);
	cb_map_set_str(map, key, date);
	cb_map_set_str(map, label_key, cb_date_label(date, buf));
}

void cb_docdata_fields(cb_value *map, const cb_meta *m, unsigned use)
{
	for (size_t i = 0; i < cb_nfields; i++) {
		const cb_field *f = &cb_fields[i];
		if (!(f->use & use))
			continue;
		if (f->kind == CB_FIELD_TEXT) {
			const char *s = *cb_field_text(m, f);
			cb_map_set_str(map, f->name, s ? s : "");
		} else if (f->kind == CB_FIELD_DATE) {
			if (*cb_field_text(m, f))
				S_set_date(map, f->name, *cb_field_text(m, f));
		} else if (f->kind == CB_FIELD_LIST) {
			const cb_strv *sv = cb_field_list(m, f);
			cb_value *l = cb_map_set(map, f->name, cb_value_list());
			for (size_t k = 0; k < sv->n; k++)
				cb_list_push(l, cb_value_str(sv->v[k]));
		}
	}
}

cb_value *cb_docdata_actions(const cb_meta *m, const char *today)
{
	cb_value *actions = cb_value_list();
	for (size_t i = 0; i < m->nactions; i++) {
		const cb_action *a = &m->actions[i];
		cb_value *av = cb_list_push(actions, cb_value_map());
		cb_map_set_str(av, "action", a->action);
		cb_map_set_str(av, "owner", a->owner ? a->owner : "");
		S_set_date(av, "due", a->due ? a->due : "");
		cb_map_set_str(av, "rag", a->rag ? a->rag : "");
		cb_map_set_str(av, "rag_label", cb_rag_label(a->rag));
		cb_map_set_str(av, "evidence", a->evidence ? a->evidence : "");
		cb_map_set_bool(av, "overdue", a->due && !cb_rag_done(a->rag) && strcmp(a->due, today) < 0);
	}
	return actions;
}
