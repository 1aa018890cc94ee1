# Our own QEMU, with the edu-sg device (issue 20; docs/qemu-build.md):
# Debian's source of the installed qemu-system-x86 plus qemu/edu_sg.c,
# include/edusg*.h and qemu/patches/, built once per machine into
# ~/.cache/edudma/qemu/ by scripts/qemu-build.sh. Stock qemu-system-x86_64
# stays the emulator of the edu configurations; run-guest.sh boots the edusg
# ones on this one.
#
#   make qemu   build it (or find it cached); prints QEMU_SG=... QEMU_SG_FIRMWARE=...

.PHONY: qemu
qemu:
	@scripts/qemu-build.sh

# For a recipe's shell (make check, check-debug, coverage): build or find the
# binary and export QEMU_SG / QEMU_SG_FIRMWARE to scripts/check.sh and so to
# run-guest.sh. A QEMU_SG given (make check QEMU_SG=/path/to/qemu-system-x86_64)
# is used as it is. (`|| exit`: a failed build stops the recipe even where the
# shell has no set -e.)
QEMU_SG_ENV = if [ -z "$${QEMU_SG:-}" ]; then q=$$(scripts/qemu-build.sh) || exit 1; eval "$$q"; fi; \
	export QEMU_SG QEMU_SG_FIRMWARE;
