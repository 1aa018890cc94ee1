# Manual pages - make fragment, included by the top-level Makefile (which
# defines PREFIX, DESTDIR and DMACTL).
#
#   man/man1/dmactl.1   generated from dmactl's help (scripts/dmactl-man.sh)
#   man/man3/*.3        libdma: libdma(3) the conventions, one page per
#                       family of functions, and a symbolic link to its
#                       family's page for every other function name, so
#                       that `man NAME` works for each exported function
#   man/man4/edudma.4   the driver's device node
#
#   make man            regenerate dmactl.1 (after changing a help text)
#   make install-man    into $(DESTDIR)$(MANDIR)/man{1,3,4}
#   make uninstall-man
# make check lints them all and checks that dmactl.1 is what the help says
# (tests/install/man-test.sh).

MANDIR    ?= $(PREFIX)/share/man
MAN_PAGES := $(wildcard man/man1/*.1 man/man3/*.3 man/man4/*.4)

.PHONY: man install-man uninstall-man

# Keep the page's date unless its text changes.
man: $(DMACTL)
	@old=$$(sed -n 's/^\.TH DMACTL 1 \([0-9-]*\) .*/\1/p' man/man1/dmactl.1 2>/dev/null); \
	scripts/dmactl-man.sh $(DMACTL) "$${old:-$$(date -u +%F)}" > man/man1/dmactl.1.tmp; \
	if cmp -s man/man1/dmactl.1.tmp man/man1/dmactl.1; then rm man/man1/dmactl.1.tmp; \
	else scripts/dmactl-man.sh $(DMACTL) > man/man1/dmactl.1; rm man/man1/dmactl.1.tmp; \
	     echo "  GEN man/man1/dmactl.1"; fi

# Pages as files, the function names' links as links (cp -P keeps them).
install-man:
	install -d $(addprefix $(DESTDIR)$(MANDIR)/,man1 man3 man4)
	@set -e; for p in $(MAN_PAGES); do \
		d=$(DESTDIR)$(MANDIR)/$${p#man/}; \
		if [ -L $$p ]; then ln -sfn $$(readlink $$p) $$d; \
		else install -m 0644 $$p $$d; fi; \
	done

uninstall-man:
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/,$(patsubst man/%,%,$(MAN_PAGES)))

# The host test (run by make check with the other host programs).
HOST_TESTS += $(BUILD)/tests/host/test_man
$(BUILD)/tests/host/test_man: tests/install/man-test.sh
	@mkdir -p $(dir $@)
	printf '#!/bin/sh\nexec tests/install/man-test.sh $(BUILD)\n' > $@
	chmod +x $@
