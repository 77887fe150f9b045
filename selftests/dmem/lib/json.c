// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading JSON with json-c; see json.h.
 */
#include <string.h>

#include "json.h"

static const char *skip_blanks(const char *p)
{
	return p + strspn(p, " \t\r\n");
}

struct json_object *js_parse(const char **p)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *v = NULL;
	const char *s = skip_blanks(*p);

	if (!tok)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
			       JSON_TOKENER_ALLOW_TRAILING_CHARS |
			       JSON_TOKENER_VALIDATE_UTF8);
	if (*s)
		v = json_tokener_parse_ex(tok, s, strlen(s));
	if (v && json_tokener_get_error(tok) == json_tokener_success)
		*p = skip_blanks(s + json_tokener_get_parse_end(tok));
	else if (v)
		v = (json_object_put(v), NULL);
	json_tokener_free(tok);
	return v;
}

void js_put(struct json_object *v)
{
	json_object_put(v);
}

enum js_kind js_kind(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return JS_ABSENT;
	switch (json_object_get_type(v)) {
	case json_type_null:
		return JS_NULL;
	case json_type_int:
		return JS_INT;
	case json_type_string:
		return JS_STRING;
	case json_type_array:
		return JS_ARRAY;
	case json_type_object:
		return JS_OBJECT;
	default:
		return JS_OTHER;
	}
}

struct json_object *js_get(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

long long js_int(struct json_object *o, const char *key, long long def)
{
	if (js_kind(o, key) != JS_INT)
		return def;
	return json_object_get_int64(js_get(o, key));
}

const char *js_str(struct json_object *o, const char *key)
{
	if (js_kind(o, key) != JS_STRING)
		return NULL;
	return json_object_get_string(js_get(o, key));
}

size_t js_len(struct json_object *a)
{
	if (!json_object_is_type(a, json_type_array))
		return 0;
	return json_object_array_length(a);
}

struct json_object *js_at(struct json_object *a, size_t i)
{
	if (i >= js_len(a))
		return NULL;
	return json_object_array_get_idx(a, i);
}

struct json_object *js_find(struct json_object *a, const char *key,
			    const char *val)
{
	const char *s;
	size_t i;

	for (i = 0; i < js_len(a); i++) {
		s = js_str(js_at(a, i), key);
		if (s && !strcmp(s, val))
			return js_at(a, i);
	}
	return NULL;
}
