// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmem: parsing of what is written to the dmem.* files.
 *
 * Every file takes lines of "<region> <arguments>". The parsers here only
 * look at text, so that a write can be validated completely before any of
 * it is applied.
 */

#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "dmem_internal.h"

/**
 * dmem_parse_value() - parse a byte count or "max"
 * @str: decimal digits with an optional K, M, G or T suffix (either case,
 *	powers of 1024), or "max"; nothing else, not even white space
 * @value: the result; DMEM_VALUE_MAX for "max"
 *
 * Return: 0, or -EINVAL for anything malformed, negative or larger than
 * DMEM_VALUE_MAX.
 */
int dmem_parse_value(const char *str, u64 *value)
{
	unsigned int shift = 0;
	u64 v = 0;

	if (!strcmp(str, "max")) {
		*value = DMEM_VALUE_MAX;
		return 0;
	}

	if (!isdigit(*str))
		return -EINVAL;
	for (; isdigit(*str); str++) {
		unsigned int digit = *str - '0';

		if (v > (DMEM_VALUE_MAX - digit) / 10)
			return -EINVAL;
		v = v * 10 + digit;
	}

	switch (*str) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	case 't':
	case 'T':
		shift = 40;
		break;
	case '\0':
		break;
	default:
		return -EINVAL;
	}
	if (shift) {
		str++;
		if (*str || v > DMEM_VALUE_MAX >> shift)
			return -EINVAL;
		v <<= shift;
	}

	*value = v;
	return 0;
}

/**
 * dmem_parse_line() - split a line into region name and arguments
 * @line: the line, without its newline; modified
 * @region: set to the region name
 * @args: set to the rest of the line, stripped, never empty
 *
 * Return: 0; -ENOENT for a blank line; -EINVAL for a line with a region
 * name but no arguments.
 */
int dmem_parse_line(char *line, char **region, char **args)
{
	line = strim(line);
	if (!*line)
		return -ENOENT;

	*region = strsep(&line, " \t");
	if (!line)
		return -EINVAL;
	line = skip_spaces(line);
	if (!*line)
		return -EINVAL;
	*args = line;
	return 0;
}

static const char *const dmem_pin_policy_names[] = {
	[DMEM_CGROUP_PIN_SOFT] = "soft",
	[DMEM_CGROUP_PIN_STRICT] = "strict",
};

/**
 * dmem_pin_policy_name() - name of a pin policy in dmem.policy
 * @mode: enum dmem_cgroup_pin_policy
 *
 * Return: "soft" or "strict".
 */
const char *dmem_pin_policy_name(int mode)
{
	return dmem_pin_policy_names[mode];
}

/**
 * dmem_parse_policy() - parse the arguments of a dmem.policy line
 * @args: white-space separated words, each at most once: "soft" or
 *	"strict", and "timeout_ms=N" with N in 1..600000; modified
 * @req: what the line sets
 *
 * Return: 0, or -EINVAL.
 */
int dmem_parse_policy(char *args, struct dmem_policy_req *req)
{
	char *word;

	memset(req, 0, sizeof(*req));
	while ((word = strsep(&args, " \t"))) {
		int mode;

		if (!*word)
			continue;

		if (str_has_prefix(word, "timeout_ms=")) {
			unsigned int ms;

			if (req->set_timeout)
				return -EINVAL;
			word += strlen("timeout_ms=");
			/* kstrtouint() accepts "+5" and a newline; we do not. */
			if (!isdigit(*word) || kstrtouint(word, 10, &ms) ||
			    !isdigit(word[strlen(word) - 1]) ||
			    ms < 1 || ms > DMEM_MAX_REVOKE_TIMEOUT_MS)
				return -EINVAL;
			req->set_timeout = true;
			req->timeout_ms = ms;
			continue;
		}

		mode = match_string(dmem_pin_policy_names,
				    ARRAY_SIZE(dmem_pin_policy_names), word);
		if (mode < 0 || req->set_mode)
			return -EINVAL;
		req->set_mode = true;
		req->mode = mode;
	}

	if (!req->set_mode && !req->set_timeout)
		return -EINVAL;
	return 0;
}
