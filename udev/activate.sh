#!/bin/sh
# SPDX-License-Identifier: MIT
# After `make install-udev` on a live system (DESTDIR empty): make sure the
# group exists, then have a running udev re-read its rules and re-apply them
# to the edudma nodes that already exist.
#   activate.sh SYSUSERS_CONF    (the installed edudma.conf)
# Every step is skipped, with a note, when its tool or daemon is absent (a
# container, a chroot, a build host), so installing never fails because of it.
group=edudma
conf=$1

have_group() {
    if command -v getent >/dev/null 2>&1; then
        getent group "$group" >/dev/null 2>&1
    else
        grep -q "^$group:" /etc/group 2>/dev/null
    fi
}

if have_group; then
    :
elif command -v systemd-sysusers >/dev/null 2>&1 && [ -f "$conf" ] &&
    systemd-sysusers "$conf" && have_group; then
    echo "created group $group (systemd-sysusers $conf)"
elif command -v groupadd >/dev/null 2>&1 && groupadd --system "$group"; then
    echo "created group $group (groupadd --system)"
else
    echo "note: could not create group $group; create it: groupadd --system $group" >&2
fi

if ! command -v udevadm >/dev/null 2>&1; then
    echo "note: udevadm not found; the rules apply once udev runs" >&2
elif ! udevadm control --ping >/dev/null 2>&1; then
    echo "note: udev is not running here; the rules apply when it starts" >&2
else
    udevadm control --reload &&
        udevadm trigger --action=change --subsystem-match=edudma &&
        udevadm settle --timeout=10 &&
        echo "udev reloaded; edudma nodes re-triggered"
fi
exit 0
