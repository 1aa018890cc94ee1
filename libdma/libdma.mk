# libdma - make fragment, included by the top-level Makefile (which defines
# BUILD, CC, AR, ALL_CFLAGS, PREFIX, LIBDIR, INCDIR, DESTDIR and the
# $(BUILD)/%.o: %.c rule).
#
# Builds into $(BUILD)/libdma/:
#   libdma.a                          static library (objects from the %.o rule)
#   libdma.so.1.0.0, .so.1, .so       shared library (PIC objects under pic/)
#   libdma.pc                         pkg-config file for PREFIX/LIBDIR/INCDIR
#
# For other fragments: LIBDMA_A (static library to link), LIBDMA_LIBS (what
# it needs after it), LIBDMA_SO_LINK (the libdma.so symlink).
#
#   make libdma                  build it
#   make install-libdma          header, libraries and .pc into $(DESTDIR)
#   make uninstall-libdma        remove them
#   make check-libdma-install    install into a scratch DESTDIR and build
#                                consumers against it (tests/install/)

# API version (header, pkg-config) comes from include/libdma.h alone.
LIBDMA_VERSION_MAJOR := $(shell sed -n 's/^\#define LIBDMA_VERSION_MAJOR[[:space:]]*//p' include/libdma.h)
LIBDMA_VERSION_MINOR := $(shell sed -n 's/^\#define LIBDMA_VERSION_MINOR[[:space:]]*//p' include/libdma.h)
LIBDMA_VERSION := $(LIBDMA_VERSION_MAJOR).$(LIBDMA_VERSION_MINOR)

# ABI version of the shared object, tracked apart from the API version:
# bump the first number only on an incompatible change (with a new soname),
# the second when symbols are added (new node in libdma.map).
LIBDMA_SO_VERSION := 1.4.0
LIBDMA_SONAME     := libdma.so.$(firstword $(subst ., ,$(LIBDMA_SO_VERSION)))

LIBDMA_DIR      := $(BUILD)/libdma
# The core in libdma/, each backend or client part in a folder of its own
# (libdma/vfio/, ...); all of them one library.
LIBDMA_SRCS     := $(wildcard libdma/*.c libdma/*/*.c)
LIBDMA_OBJS     := $(patsubst %.c,$(BUILD)/%.o,$(LIBDMA_SRCS))
LIBDMA_PIC_OBJS := $(patsubst libdma/%.c,$(LIBDMA_DIR)/pic/%.o,$(LIBDMA_SRCS))
LIBDMA_A        := $(LIBDMA_DIR)/libdma.a
LIBDMA_SO       := $(LIBDMA_DIR)/libdma.so.$(LIBDMA_SO_VERSION)
LIBDMA_SO_MAJOR := $(LIBDMA_DIR)/$(LIBDMA_SONAME)
LIBDMA_SO_LINK  := $(LIBDMA_DIR)/libdma.so
LIBDMA_PC       := $(LIBDMA_DIR)/libdma.pc
LIBDMA_LIBS     := -ludev

# Only functions marked LIBDMA_EXPORT leave the library. -Ilibdma: the
# folders include the core's private headers ("backend.h") by name.
LIBDMA_CFLAGS := -fvisibility=hidden -Ilibdma

.PHONY: libdma install-libdma uninstall-libdma check-libdma-install
all: libdma
libdma: $(LIBDMA_A) $(LIBDMA_SO_LINK) $(LIBDMA_PC)

$(LIBDMA_OBJS): ALL_CFLAGS += $(LIBDMA_CFLAGS)

$(LIBDMA_A): $(LIBDMA_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(LIBDMA_DIR)/pic/%.o: libdma/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LIBDMA_CFLAGS) -fPIC -MMD -MP -c -o $@ $<

# -z defs: an unresolved symbol fails here, not in a user's program.
$(LIBDMA_SO): $(LIBDMA_PIC_OBJS) libdma/libdma.map
	$(CC) -shared -Wl,-soname,$(LIBDMA_SONAME) \
		-Wl,--version-script=libdma/libdma.map -Wl,-z,defs \
		$(LDFLAGS) -o $@ $(LIBDMA_PIC_OBJS) $(LIBDMA_LIBS)

$(LIBDMA_SO_MAJOR): $(LIBDMA_SO)
	ln -sf $(notdir $<) $@

$(LIBDMA_SO_LINK): $(LIBDMA_SO_MAJOR)
	ln -sf $(notdir $<) $@

# Regenerated on every run but replaced only when the text changes, so a
# new PREFIX reaches the file without rebuilding what depends on it.
$(LIBDMA_PC): libdma/libdma.pc.in include/libdma.h FORCE
	@mkdir -p $(dir $@)
	@sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	     -e 's|@INCDIR@|$(INCDIR)|' -e 's|@VERSION@|$(LIBDMA_VERSION)|' \
	     $< > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; echo "  GEN $@"; fi

# libdma.h and its parts (include/libdma/*.h, into $(INCDIR)/libdma/) are
# self-contained: the kernel ABI header stays private to the library, so it
# is not installed here.
install-libdma: libdma
	install -d $(DESTDIR)$(INCDIR)/libdma $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 0644 include/libdma.h $(DESTDIR)$(INCDIR)/libdma.h
	install -m 0644 $(wildcard include/libdma/*.h) $(DESTDIR)$(INCDIR)/libdma/
	install -m 0755 $(LIBDMA_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(LIBDMA_SO)) $(DESTDIR)$(LIBDIR)/$(LIBDMA_SONAME)
	ln -sf $(LIBDMA_SONAME) $(DESTDIR)$(LIBDIR)/libdma.so
	install -m 0644 $(LIBDMA_A) $(DESTDIR)$(LIBDIR)/libdma.a
	install -m 0644 $(LIBDMA_PC) $(DESTDIR)$(LIBDIR)/pkgconfig/libdma.pc

uninstall-libdma:
	rm -f $(DESTDIR)$(INCDIR)/libdma.h \
	      $(addprefix $(DESTDIR)$(INCDIR)/libdma/,$(notdir $(wildcard include/libdma/*.h))) \
	      $(DESTDIR)$(LIBDIR)/$(notdir $(LIBDMA_SO)) \
	      $(DESTDIR)$(LIBDIR)/$(LIBDMA_SONAME) \
	      $(DESTDIR)$(LIBDIR)/libdma.so \
	      $(DESTDIR)$(LIBDIR)/libdma.a \
	      $(DESTDIR)$(LIBDIR)/pkgconfig/libdma.pc
	rmdir $(DESTDIR)$(INCDIR)/libdma 2>/dev/null || true

check-libdma-install: libdma
	tests/install/consumer-test.sh $(BUILD)
