/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tools' one way of showing a size in bytes. See "Sizes" in
 * docs/tools.md.
 */
#ifndef TOOLS_LIB_SIZE_H
#define TOOLS_LIB_SIZE_H

#include <stddef.h>

/* Room for any size_str() result: "1023.9K", "16.0E", "1023". */
#define SIZE_STR_LEN	16

/*
 * size_str - @bytes for people: exact below 1 KiB ("1000"), else in powers
 * of 1024 with one decimal (to the nearest tenth, a tie to the even one,
 * like printf's "%.1f") and a unit (K, M, G, T, P, E): the smallest unit
 * in which it is below 1024.0 once rounded. "9.8K", "3.5M", "512.0K",
 * "1.0M" (not "1024.0K"). Returns @buf.
 */
char *size_str(char *buf, size_t len, unsigned long long bytes);

#endif /* TOOLS_LIB_SIZE_H */
