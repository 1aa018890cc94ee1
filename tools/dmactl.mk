# dmactl - make fragment, included by the top-level Makefile (which defines
# BUILD, CC, ALL_CFLAGS, LDFLAGS, BINDIR and DESTDIR).
# Needs libdma/libdma.mk included first (LIBDMA_A, LIBDMA_LIBS).
#
#   make dmactl               build $(BUILD)/tools/dmactl (static libdma, so it
#                             runs from the build tree and in the test guest)
#   make install-dmactl       into $(DESTDIR)$(BINDIR)
#   make uninstall-dmactl

DMACTL      := $(BUILD)/tools/dmactl
DMACTL_SRCS := $(wildcard tools/dmactl/*.c)
# Not under $(BUILD)/tools/dmactl/: that name is the program.
DMACTL_OBJS := $(patsubst tools/dmactl/%.c,$(BUILD)/tools/dmactl-objs/%.o,$(DMACTL_SRCS))

.PHONY: dmactl install-dmactl uninstall-dmactl
all: dmactl
dmactl: $(DMACTL)

$(BUILD)/tools/dmactl-objs/%.o: tools/dmactl/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# Objects other fragments add to $(DMACTL) (tools/native-lab/native-lab.mk)
# link before libdma.a, which they use too.
$(DMACTL): $(DMACTL_OBJS) $(LIBDMA_A)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIBDMA_A) $(LIBDMA_LIBS)

install-dmactl: $(DMACTL)
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(DMACTL) $(DESTDIR)$(BINDIR)/dmactl

uninstall-dmactl:
	rm -f $(DESTDIR)$(BINDIR)/dmactl
