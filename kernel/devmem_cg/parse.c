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
