# DKMS packaging of the module - make fragment, included by the top-level
# Makefile (which defines DESTDIR).
#
#   make dkms-source      copy what dkms.conf builds (driver/, the shared
#                         headers in include/uapi and include/edu, dkms.conf)
#                         to $(DESTDIR)/usr/src/edudma-<version>/
#   make dkms-install     dkms-source, then `dkms install` for kernel
#                         $(DKMS_KVER) (default: the running one): builds,
#                         installs and registers it for AUTOINSTALL on every
#                         kernel installed later
#   make dkms-uninstall   `dkms remove --all` and remove the source copy
#   make dkms-check       `dkms build` of a dkms-source copy in a scratch
#                         directory (--sourcetree/--dkmstree): proves
#                         dkms.conf and the copied file list build, without
#                         registering anything. Needs dkms and the headers
#                         of DKMS_KVER; about 30 s, so not part of make check
#
# The version comes from dkms.conf alone.
DKMS_NAME    := edudma
DKMS_VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
DKMS_SRCDIR  ?= /usr/src/$(DKMS_NAME)-$(DKMS_VERSION)
DKMS_KVER    ?= $(shell uname -r)
# kbuild writes edudma.mod.c itself: it is not a source.
DKMS_FILES   := dkms.conf driver/Kbuild driver/Makefile \
		$(filter-out %.mod.c,$(wildcard driver/*.c)) $(wildcard driver/*.h) \
		include/uapi/edudma.h $(wildcard include/edu/*.h)

.PHONY: dkms-source dkms-install dkms-uninstall dkms-check

dkms-source:
	@test -n "$(DKMS_VERSION)" || { echo "dkms.conf has no PACKAGE_VERSION" >&2; exit 1; }
	rm -rf $(DESTDIR)$(DKMS_SRCDIR)
	install -d $(DESTDIR)$(DKMS_SRCDIR)
	for f in $(DKMS_FILES); do \
		install -D -m 0644 $$f $(DESTDIR)$(DKMS_SRCDIR)/$$f || exit 1; done

dkms-install: dkms-source
	@command -v dkms >/dev/null || { echo "dkms not found: apt-get install dkms" >&2; exit 1; }
	dkms status -m $(DKMS_NAME) -v $(DKMS_VERSION) | grep -q . || \
		dkms add -m $(DKMS_NAME) -v $(DKMS_VERSION)
	dkms install -m $(DKMS_NAME) -v $(DKMS_VERSION) -k $(DKMS_KVER) --force

dkms-uninstall:
	-dkms remove -m $(DKMS_NAME) -v $(DKMS_VERSION) --all
	rm -rf $(DESTDIR)$(DKMS_SRCDIR)

dkms-check:
	@command -v dkms >/dev/null || { echo "dkms not found: apt-get install dkms" >&2; exit 1; }
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(MAKE) --no-print-directory dkms-source DESTDIR=$$tmp/root >/dev/null; \
	mkdir $$tmp/tree; \
	dkms build -m $(DKMS_NAME) -v $(DKMS_VERSION) -k $(DKMS_KVER) \
		--sourcetree $$tmp/root/usr/src --dkmstree $$tmp/tree; \
	ko=$$(find $$tmp/tree -name '$(DKMS_NAME).ko' | head -n1); \
	test -n "$$ko" && modinfo -F vermagic "$$ko" && echo "dkms-check: ok"
