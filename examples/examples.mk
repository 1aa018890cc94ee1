# Examples of libdma use, built by `make` into $(BUILD)/examples/. They link
# the static library so they run from the build tree (and in the test guest)
# without an installed libdma. Needs libdma/libdma.mk included first.

EXAMPLES := $(addprefix $(BUILD)/examples/,list roundtrip pin)

.PHONY: examples
all: examples
examples: $(EXAMPLES)

$(EXAMPLES): $(BUILD)/examples/%: $(BUILD)/examples/%.o $(LIBDMA_A)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBDMA_LIBS)
