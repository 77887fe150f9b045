/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading JSON that the tools print, with json-c: a document at a time
 * from a text, and members by name. Integers only count as integers (the
 * tools promise exact numbers: 1.0 or 1e3 is not an integer), and a member
 * that is absent is told apart from one that is null.
 */
#ifndef DMEM_LIB_JSON_H
#define DMEM_LIB_JSON_H

#include <stddef.h>
#include <json-c/json.h>

enum js_kind {
	JS_ABSENT = -1,	/* no such member, or not an object */
	JS_NULL,
	JS_INT,
	JS_STRING,
	JS_ARRAY,
	JS_OBJECT,
	JS_OTHER,	/* a boolean or a number that is not an integer */
};

/*
 * Parses the JSON value at *@p (blanks before it skipped), strictly, and
 * moves *@p past it and the blanks after it. NULL if there is none or it
 * is not valid JSON. The caller frees it with js_put().
 */
struct json_object *js_parse(const char **p);
void js_put(struct json_object *v);

/* What member @key of object @o is. */
enum js_kind js_kind(struct json_object *o, const char *key);
/* Member @key of @o; NULL if absent or null. */
struct json_object *js_get(struct json_object *o, const char *key);
/* Member @key as an integer; @def if absent or not an integer. */
long long js_int(struct json_object *o, const char *key, long long def);
/* Member @key as a string; NULL if absent or not a string. */
const char *js_str(struct json_object *o, const char *key);

/* The length of array @a (0 if it is not an array) and its element @i. */
size_t js_len(struct json_object *a);
struct json_object *js_at(struct json_object *a, size_t i);
/* The first element of array @a whose member @key is the string @val. */
struct json_object *js_find(struct json_object *a, const char *key,
			    const char *val);

#endif
