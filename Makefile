# dmemcg: one entry point for dependencies, the kernel, the VM, tests and the
# demo. `make help` lists the targets.

TOP := $(CURDIR)
BUILD := $(TOP)/build
SRC := $(BUILD)/src
OBJ := $(BUILD)/obj
FRAGMENTS := $(TOP)/kernel/configs/base.config $(TOP)/kernel/configs/test.config
OBJ_DEBUG := $(BUILD)/obj-debug
FRAGMENTS_DEBUG := $(FRAGMENTS) $(TOP)/kernel/configs/debug.config
OBJ_DRIVERS := $(BUILD)/obj-drivers
FRAGMENTS_DRIVERS := $(FRAGMENTS) $(TOP)/kernel/configs/drivers.config
OBJ_STANDALONE := $(BUILD)/obj-standalone
BZIMAGE := $(OBJ)/arch/x86/boot/bzImage
INITRAMFS := $(BUILD)/initramfs.cpio.gz
VM := $(TOP)/tools/vm/run

# make check REPEAT=N (or DMEM_TEST_REPEAT=N): every selftest program runs
# N times in one boot, and every run is counted.
ifdef REPEAT
export DMEM_TEST_REPEAT := $(REPEAT)
endif

.PHONY: help deps src kernel kernel-debug check-debug compile-drivers compile-standalone selftests tools initramfs vm vm-run check check-runner \
	lint demo bench reliability-doc clean distclean

help:
	@echo "make deps          install missing Debian packages"
	@echo "make src           extract and patch the kernel tree (no build)"
	@echo "make kernel        extract, patch, configure and build the kernel"
	@echo "make check         everything: lint, runner self-test, KUnit, selftests"
	@echo "                   (REPEAT=N runs each selftest program N times)"
	@echo "make check-debug   the tests on a KASAN/lockdep/kmemleak/UBSAN kernel"
	@echo "make compile-drivers  compile the GPU driver objects kernel/patches hook"
	@echo "make compile-standalone  compile the dmem controller without kernel/evict"
	@echo "make demo          boot the VM and show what the kernel offers"
	@echo "make bench         the benchmarks and their baselines, in one VM run"
	@echo "make reliability-doc  docs/reliability.md's figures from the last check runs"
	@echo "make vm            interactive shell in the VM"
	@echo "make vm-run CMD=.. run one command in the VM, exit with its status"
	@echo "make lint          checkpatch --strict and sparse over the project"
	@echo "make check-runner  prove the runner turns failures red"

deps:
	@$(TOP)/tools/build/deps.sh

kernel: deps
	@$(TOP)/tools/build/kernel.sh $(OBJ) $(FRAGMENTS)

# The hooked GPU drivers (amdgpu, xe, nouveau, radeon, vmwgfx, GEM VRAM)
# are not in the test kernel: build their touched objects alone.
compile-drivers: deps
	@$(TOP)/tools/build/compile-drivers.sh $(OBJ_DRIVERS) $(FRAGMENTS_DRIVERS)

# The controller without the eviction layer (kernel/configs/standalone.config).
compile-standalone: deps
	@$(TOP)/tools/build/compile-standalone.sh $(OBJ_STANDALONE)

kernel-debug: deps
	@$(TOP)/tools/build/kernel.sh $(OBJ_DEBUG) $(FRAGMENTS_DEBUG)

# The extracted, patched kernel tree, which the selftests build against.
src: deps
	@$(TOP)/tools/build/kernel.sh --source

selftests: deps src
	@$(MAKE) -s -C $(TOP)/selftests/dmem SRC=$(SRC) OUT=$(BUILD)/selftests

# Userspace tools (static), copied into the initramfs at /opt/dmem/bin.
tools: deps src
	@$(MAKE) -s -C $(TOP)/tools/dmemstat OUT=$(BUILD)/tools
	@$(MAKE) -s -C $(TOP)/tools/dmemgpu SRC=$(SRC) OUT=$(BUILD)/tools UAPI_OUT=$(BUILD)/selftests-uapi
	@$(MAKE) -s -C $(TOP)/tools/dmemsim OUT=$(BUILD)/tools
	@$(MAKE) -s -C $(TOP)/tools/bench/bw OUT=$(BUILD)/tools
	@$(MAKE) -s -C $(TOP)/tools/bpf OUT=$(BUILD)/tools

initramfs: selftests tools
	@$(TOP)/tools/vm/mkinitramfs.sh $(INITRAMFS) $(BUILD)/selftests $(BUILD)/tools

vm: kernel initramfs
	@$(VM) --interactive --name vm

# CMD is passed to the runner as written: $(value ...) keeps make from
# expanding $? or $$ in it, and single quotes are escaped for the shell.
vm-run: kernel initramfs
	@test -n '$(subst ','\'',$(value CMD))' || { echo "usage: make vm-run CMD='command line'" >&2; exit 2; }
	@$(VM) --name vm-run -- '$(subst ','\'',$(value CMD))'

check-runner: kernel initramfs
	@$(TOP)/tools/vm/runner-selftest.sh

lint: kernel
	@$(TOP)/tools/build/lint.sh $(OBJ)

check: kernel initramfs
	@$(TOP)/tools/vm/check.sh

check-debug: kernel-debug initramfs
	@$(TOP)/tools/vm/check.sh --debug

# The demo's VM has QEMU's qxl GPU too (its last chapter); no KUnit.
demo: kernel initramfs
	@$(VM) --name demo --no-kunit --device qxl,vram_size_mb=16,vgamem_mb=8 -- /opt/dmem/demo.sh

# Results in build/bench/results.{md,json}; docs/benchmarks.md explains them.
bench: kernel initramfs
	@$(TOP)/tools/bench/bench.sh

# The figures of the last `make check` and `make check-debug` runs
# (build/reliability/*.json) into docs/reliability.md.
reliability-doc:
	@python3 $(TOP)/tools/vm/reliability.py report

clean:
	rm -rf $(OBJ) $(BUILD)/selftests $(BUILD)/tools $(BUILD)/initramfs* $(BUILD)/run $(BUILD)/logs

distclean:
	rm -rf $(BUILD)
