# udev rules and the edudma group - make fragment, included by the top-level
# Makefile (which defines DESTDIR).
#
#   make install-udev      60-edudma.rules and the sysusers.d snippet into
#                          $(DESTDIR); with DESTDIR empty, also create the
#                          group and reload/re-trigger a running udev
#                          (udev/activate.sh)
#   make uninstall-udev    remove both files (the group stays: files may
#                          still be owned by it; groupdel edudma removes it)
#
# UDEVRULESDIR is the vendor directory every systemd-udevd reads
# (/usr/lib/udev/rules.d; on merged-/usr Debian also reachable as
# /lib/udev/rules.d), not /etc/udev/rules.d: that one belongs to the
# administrator, whose same-named file there overrides ours. It does not
# follow PREFIX: udev does not read $(PREFIX)/lib/udev for every prefix.
UDEVRULESDIR ?= /usr/lib/udev/rules.d
SYSUSERSDIR  ?= /usr/lib/sysusers.d

.PHONY: install-udev uninstall-udev

install-udev:
	install -d $(DESTDIR)$(UDEVRULESDIR) $(DESTDIR)$(SYSUSERSDIR)
	install -m 0644 udev/60-edudma.rules $(DESTDIR)$(UDEVRULESDIR)/60-edudma.rules
	install -m 0644 udev/edudma.sysusers $(DESTDIR)$(SYSUSERSDIR)/edudma.conf
	@if [ -z "$(DESTDIR)" ]; then udev/activate.sh $(SYSUSERSDIR)/edudma.conf; fi

uninstall-udev:
	rm -f $(DESTDIR)$(UDEVRULESDIR)/60-edudma.rules $(DESTDIR)$(SYSUSERSDIR)/edudma.conf
	@if [ -z "$(DESTDIR)" ] && udevadm control --ping >/dev/null 2>&1; then \
		udevadm control --reload; fi
