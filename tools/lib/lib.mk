# SPDX-License-Identifier: GPL-2.0-only
#
# tools/lib: what the tools share (size formatting, JSON output through
# json-c, whole-file reading, the cgroup-tree walk, command-line values),
# built into $(OUT)/lib/libdmemtools.a. A tool's Makefile sets OUT and CC,
# includes this file, adds $(LIB_CFLAGS) to its CFLAGS, depends on
# $(LIB_A) and links with $(LIB_LDLIBS): only the objects it uses are
# linked in (libjson-c.a too, from libjson-c-dev).

LIB_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
LIB_OUT := $(OUT)/lib
LIB_SRCS := $(wildcard $(LIB_DIR)/*.c)
LIB_HEADERS := $(wildcard $(LIB_DIR)/*.h)
LIB_OBJS := $(patsubst $(LIB_DIR)/%.c,$(LIB_OUT)/%.o,$(LIB_SRCS))
LIB_A := $(LIB_OUT)/libdmemtools.a
LIB_CFLAGS := -I$(LIB_DIR)
LIB_LDLIBS := $(LIB_A) -ljson-c

$(LIB_OUT)/%.o: $(LIB_DIR)/%.c $(LIB_HEADERS) | $(LIB_OUT)
	$(CC) -O2 -g -Wall -Wextra -D_GNU_SOURCE $(LIB_CFLAGS) -c -o $@ $<

$(LIB_A): $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(LIB_OUT):
	mkdir -p $@
