# nfswap -- one non-recursive GNU Makefile.
#
#   make               build the programs into build/
#   make check         install missing packages, then every test: plain,
#                      under ASan+UBSan, and the unit tests under valgrind
#   make demo          the main job (see README.md)
#   make SANITIZE=1    build with ASan+UBSan into build/san/
#   make golden        regenerate the exports golden files on purpose
#   make install       PREFIX, DESTDIR, SBINDIR, MANDIR, SYSCONFDIR honoured

PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
DATADIR    ?= $(PREFIX)/share
SYSCONFDIR ?= /etc
UNITDIR    ?= /lib/systemd/system
INITRAMFSDIR ?= /usr/share/initramfs-tools
DRACUTDIR  ?= /usr/lib/dracut/modules.d
COMPLETIONDIR ?= $(DATADIR)/bash-completion/completions
DESTDIR    ?=

CC         ?= cc
PKG_CONFIG ?= pkg-config

# nfswapd is linked statically: it goes into initramfs images as one file,
# and with mlockall a static binary keeps its locked footprint small.  The
# sanitizers need dynamic linking.
ifeq ($(SANITIZE),1)
BUILD      ?= build/san
SANFLAGS    = -fsanitize=address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer
AGENT_STATIC =
else
BUILD      ?= build
SANFLAGS    =
AGENT_STATIC = -static
endif

# Evaluated lazily (=), so a machine without pkg-config can still run
# "make deps" first.
CONFIG_CFLAGS = $(shell $(PKG_CONFIG) --cflags libconfig)
CONFIG_LIBS   = $(shell $(PKG_CONFIG) --libs libconfig)
CONFIG_STATIC_LIBS = $(shell $(PKG_CONFIG) --static --libs libconfig)
CMOCKA_CFLAGS = $(shell $(PKG_CONFIG) --cflags cmocka)
CMOCKA_LIBS   = $(shell $(PKG_CONFIG) --libs cmocka)
NFS_CFLAGS    = $(shell $(PKG_CONFIG) --cflags libnfs)
NFS_LIBS      = $(shell $(PKG_CONFIG) --libs libnfs)
TIRPC_CFLAGS  = $(shell $(PKG_CONFIG) --cflags libtirpc)
TIRPC_LIBS    = $(shell $(PKG_CONFIG) --libs libtirpc)
TIRPC_STATIC_LIBS = $(shell $(PKG_CONFIG) --static --libs libtirpc)
# The CephFS back end (provisioner/cephfs.c) is built where libcephfs's
# header is (libcephfs-dev, which make deps installs); it loads the library
# at run time, only when backend = "cephfs".  CEPHFS=0 leaves it out, and
# nfswap then refuses that backend with a message saying why.
CEPHFS ?= $(if $(wildcard /usr/include/cephfs/libcephfs.h),1,0)

# The version: debian/changelog's first entry, the one place it is kept
# (nfswap -V, nfswapd -V and the packages say the same).
VERSION := $(shell head -n 1 debian/changelog | cut -d'(' -f2 | cut -d')' -f1)
ifeq ($(VERSION),)
$(error cannot read the version from debian/changelog)
endif
# The two that print it are rebuilt when it changes (below, after BUILD).
VERSIONED = provisioner/main.c agent/main.c
# That rule comes before "all": "make" alone still means "make all".
.DEFAULT_GOAL := all

WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wconversion -Wformat=2 -Wformat-security \
           -Wpointer-arith -Wcast-qual -Wvla -Wundef
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -D_FORTIFY_SOURCE=2 \
           -DSYSCONFDIR='"$(SYSCONFDIR)"' -DNFSWAP_VERSION='"$(VERSION)"' \
           $(WARN) $(CPPFLAGS) $(CFLAGS) $(SANFLAGS) \
           -Icommon -Iexports -Iprovisioner -Iagent -Ibench $(CONFIG_CFLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

COMMON_SRC  = common/log.c common/diag.c common/size.c common/valid.c common/cfg.c \
              common/strbuf.c common/fileio.c common/wholefile.c
EXPORTS_SRC = exports/exports.c
PROV_LIB_SRC = provisioner/config.c provisioner/registry.c \
              provisioner/registry_hosts.c provisioner/registry_heads.c \
              provisioner/registry_purge.c provisioner/registry_ops.c \
              provisioner/clientdir.c provisioner/audit.c \
              provisioner/store.c provisioner/cephfs.c provisioner/asclient.c
# The nfswap command line: main.c picks one of the commands (cmd_*.c).
CMD_SRC     = provisioner/main.c provisioner/cmd.c \
              provisioner/cmd_clients.c provisioner/cmd_exports.c \
              provisioner/cmd_metrics.c
PROV_SRC    = $(PROV_LIB_SRC) $(CMD_SRC)
AGENT_LIB_SRC = agent/policy.c agent/policy_step.c agent/policy_trend.c \
              agent/policy_size.c \
              agent/meminfo.c agent/conf.c agent/swapfile.c \
              agent/kmsg.c agent/mount.c
# nfswapd's own parts (agent/nfswapd.h: the daemon's state and loop).
AGENT_DAEMON_SRC = agent/main.c agent/act.c agent/sample.c agent/status.c agent/metrics.c \
              agent/swapdir.c agent/boot.c agent/provision.c
SIM_SRC     = bench/sim.c bench/swapspace.c

UNIT_TESTS  = test_size test_valid test_strbuf test_exports test_config \
              test_registry test_policy test_meminfo test_agent
UNIT_BINS   = $(addprefix $(BUILD)/tests/,$(UNIT_TESTS))
# On this host (tests/host/NAME.sh).
HOST_TESTS  = cli quota ganesha_config nfs_ganesha serve serve_hostile sim \
              agent_host agent_long install cephfs bench fuzz confdoc \
              conventions deb metrics
CEPH_TESTS  = cephfs swap_vm_ceph
# Real kernels in QEMU (tests/system/NAME.sh, minutes each): project
# quotas, the thin client swapping over NFS (and onto CephFS), and a
# diskless Debian client booting with nfswap in its initramfs.
# swap_vm_612: swap_vm's full-speed boot on Debian 12's 6.12 kernel (about
# a minute; make check-612 runs it alone).
SYSTEM_TESTS = quota_vm swap_vm swap_vm_612 boot_nfsroot swap_vm_ceph
KERNEL_612_TESTS = swap_vm_612
SUITES      = $(UNIT_TESTS) $(HOST_TESTS) $(SYSTEM_TESTS)

obj = $(addprefix $(BUILD)/,$(1:.c=.o))
$(call obj,$(VERSIONED)): debian/changelog
LIB_OBJ = $(call obj,$(COMMON_SRC) $(EXPORTS_SRC) $(PROV_LIB_SRC) \
            $(AGENT_LIB_SRC))

PROGRAMS = $(BUILD)/nfswap $(BUILD)/nfswapd $(BUILD)/nfswap-sim \
           $(BUILD)/nfswap-tracegen

.SECONDARY:

.PHONY: all check-ceph check check-run check-plain check-san check-valgrind check-system check-612 \
        tests fuzz fuzz-build \
        deps ensure-deps demo bench golden install uninstall clean lint-man deb

all: $(PROGRAMS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/libnfswap.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The provisioning protocol: rpcgen writes the header, the XDR routines and
# the client stubs from common/nfswap_prot.x at build time.  Its C is not
# ours to hold to our warnings; the service's dispatcher is hand-written.
GEN = $(BUILD)/gen
RPC_OBJ = $(GEN)/nfswap_prot_xdr.o $(GEN)/nfswap_prot_clnt.o
GEN_CFLAGS = -std=c11 -D_GNU_SOURCE -O2 -g -w $(SANFLAGS) -I$(GEN) $(TIRPC_CFLAGS)

$(GEN)/nfswap_prot.h: common/nfswap_prot.x
	@mkdir -p $(GEN)
	rm -f $@ && cd $(GEN) && cp $(CURDIR)/$< . && rpcgen -h -o nfswap_prot.h nfswap_prot.x
$(GEN)/nfswap_prot_xdr.c: common/nfswap_prot.x $(GEN)/nfswap_prot.h
	rm -f $@ && cd $(GEN) && rpcgen -c -o nfswap_prot_xdr.c nfswap_prot.x
$(GEN)/nfswap_prot_clnt.c: common/nfswap_prot.x $(GEN)/nfswap_prot.h
	rm -f $@ && cd $(GEN) && rpcgen -l -o nfswap_prot_clnt.c nfswap_prot.x
$(GEN)/%.o: $(GEN)/%.c
	$(CC) $(GEN_CFLAGS) -c -o $@ $<

# libcephfs.h wants 64-bit off_t, which every build here has anyway.
$(call obj,provisioner/cephfs.c): ALL_CFLAGS += -D_FILE_OFFSET_BITS=64 \
    $(if $(filter 1,$(CEPHFS)),-DHAVE_CEPHFS)
SERVE_SRC = provisioner/serve_main.c provisioner/serve_monitor.c \
            provisioner/serve_jobs.c provisioner/serve_write.c \
            provisioner/serve_usage.c \
            provisioner/serve_msg.c provisioner/serve_net.c \
            provisioner/serve_peers.c provisioner/serve_dns.c \
            provisioner/serve_stats.c
$(call obj,$(SERVE_SRC)): ALL_CFLAGS += -I$(GEN) $(TIRPC_CFLAGS)
$(call obj,$(SERVE_SRC)): $(GEN)/nfswap_prot.h

$(BUILD)/nfswap: $(call obj,$(CMD_SRC) $(SERVE_SRC)) \
    $(RPC_OBJ) $(BUILD)/libnfswap.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CONFIG_LIBS) $(TIRPC_LIBS) -lpthread

# glibc warns that a static getaddrinfo needs its NSS libraries at run
# time: true, and documented (an initramfs should name the server by
# address); so for libtirpc's RPCSEC_GSS credential code (never run: see
# agent/nogss.c).  Those warnings are filtered, any other linker message
# is not.
$(call obj,agent/provision.c): ALL_CFLAGS += -I$(GEN) $(TIRPC_CFLAGS) \
    -Wno-cast-function-type
$(call obj,agent/provision.c): $(GEN)/nfswap_prot.h

# The static agent links libtirpc.a, whose Kerberos parts it never uses
# (agent/nogss.c); the dynamic (sanitizer) build links the real libraries.
AGENT_NOGSS = $(if $(AGENT_STATIC),$(BUILD)/agent/nogss.o)
$(BUILD)/agent/nogss.o: agent/nogss.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -c -o $@ $<

define agent_link
	@rm -f $@
	$(CC) $(ALL_LDFLAGS) $(AGENT_STATIC) -o $@ $^ \
	    $(if $(AGENT_STATIC),$(CONFIG_STATIC_LIBS),$(CONFIG_LIBS)) \
	    $(if $(AGENT_STATIC),$(TIRPC_STATIC_LIBS),$(TIRPC_LIBS)) 2>&1 | \
	    { grep -v -e "getaddrinfo' in statically linked" \
	    -e "in function .agent_resolve.:" \
	    -e "getgrouplist' in statically linked" \
	    -e "getpwuid_r' in statically linked" \
	    -e "in function .rpc_gss_getcred.:" >&2 || true; }
	@test -x $@
endef

$(BUILD)/nfswapd: $(call obj,$(AGENT_DAEMON_SRC)) $(RPC_OBJ) \
    $(AGENT_NOGSS) $(BUILD)/libnfswap.a
	$(agent_link)

# The agent linked dynamically, for valgrind (which cannot follow malloc in
# a static binary): tests/host/agent_long.sh.
$(BUILD)/tests/nfswapd-dyn: $(call obj,$(AGENT_DAEMON_SRC)) \
    $(RPC_OBJ) $(BUILD)/libnfswap.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CONFIG_LIBS) $(TIRPC_LIBS)

# Time to grow inside the thin client (bench/grow-vm.sh): static, as the
# agent is, so it runs in the bench's busybox guest.
$(BUILD)/nfswap-growvm: $(call obj,bench/growvm.c agent/provision.c) $(RPC_OBJ) \
    $(AGENT_NOGSS) $(BUILD)/libnfswap.a
	$(agent_link)

$(BUILD)/nfswap-sim: $(call obj,$(SIM_SRC)) $(BUILD)/libnfswap.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lm

$(BUILD)/nfswap-tracegen: $(call obj,bench/tracegen.c) $(BUILD)/libnfswap.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^

$(BUILD)/tests/test_policy: $(call obj,bench/swapspace.c)

$(BUILD)/tests/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -Wno-missing-prototypes -MMD -MP \
	    -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/libnfswap.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CONFIG_LIBS) $(CMOCKA_LIBS)

# The settings tables, printed for tests/host/confdoc.sh.
$(BUILD)/tests/cfgdump: tests/integration/cfgdump.c $(BUILD)/libnfswap.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CONFIG_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(CONFIG_LIBS)

# A thin client's NFS traffic for the integration tests (libnfs).
$(BUILD)/tests/nfsc: tests/integration/nfsc.c $(BUILD)/libnfswap.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(NFS_CFLAGS) $(ALL_LDFLAGS) -o $@ $^ $(NFS_LIBS)

# Hostile peers of "nfswap serve", and a timed client (serve_hostile.sh,
# bench/hostile.sh).
$(BUILD)/tests/nfswap-hostile: tests/integration/hostile.c $(RPC_OBJ) $(GEN)/nfswap_prot.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -I$(GEN) $(TIRPC_CFLAGS) -Wno-cast-function-type \
	    $(ALL_LDFLAGS) -o $@ $< $(RPC_OBJ) $(TIRPC_LIBS)

# LOOKUP load from many client addresses (bench/scale.sh).
$(BUILD)/nfswap-lookupload: bench/lookupload.c $(RPC_OBJ) $(GEN)/nfswap_prot.h
	$(CC) $(ALL_CFLAGS) -I$(GEN) $(TIRPC_CFLAGS) -Wno-cast-function-type \
	    $(ALL_LDFLAGS) -o $@ $< $(RPC_OBJ) $(TIRPC_LIBS) -lpthread

# The provisioning service's test client (the rpcgen client stubs).
$(BUILD)/tests/nfswapc: tests/integration/nfswapc.c $(RPC_OBJ) $(GEN)/nfswap_prot.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -I$(GEN) $(TIRPC_CFLAGS) -Wno-cast-function-type \
	    $(ALL_LDFLAGS) -o $@ $< $(RPC_OBJ) $(TIRPC_LIBS)

# A hostile or broken provisioner, for the agent's tests (agent_host.sh).
$(BUILD)/tests/fakeprov: tests/integration/fakeprov.c $(RPC_OBJ) $(GEN)/nfswap_prot.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -I$(GEN) $(TIRPC_CFLAGS) -Wno-cast-function-type \
	    $(ALL_LDFLAGS) -o $@ $< $(RPC_OBJ) $(TIRPC_LIBS)

# Real swap errors and a user's program in the kernel log (agent_host.sh);
# never sanitized: ASan would catch the fault the kernel is to report.
$(BUILD)/tests/swapfault: tests/integration/swapfault.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O1 -o $@ $<

BENCH_BINS = $(BUILD)/nfswap-growvm $(BUILD)/nfswap-lookupload

tests: $(PROGRAMS) $(UNIT_BINS) $(BUILD)/tests/nfsc $(BUILD)/tests/nfswapc \
    $(BUILD)/tests/nfswap-hostile \
    $(BUILD)/tests/nfswapd-dyn $(BUILD)/tests/fakeprov \
    $(BUILD)/tests/swapfault $(BUILD)/tests/cfgdump $(BENCH_BINS) \
    $(if $(filter 1,$(CEPHFS)),$(BUILD)/tests/cephdir)

# ---- tests ------------------------------------------------------------

check: ensure-deps
	@$(MAKE) --no-print-directory check-run

# Every suite, plain and under ASan+UBSan, and the unit tests under
# valgrind: CHECK_JOBS suites at once (tests/run.sh --jobs), CHECK_VM_LANES
# of them QEMU suites, the rest taken in turn by the others (niced), the
# longest first so that no lane is left with one at the end.  One QEMU
# lane: with two (CHECK_JOBS=4 CHECK_VM_LANES=2, 15-16 minutes instead of
# 23 here) swap_vm's first boot logged a swap I/O error beside
# boot_nfsroot in one run of four.  CHECK_JOBS=1 runs them one after
# another, pass after pass.
CHECK_JOBS  ?= 3
CHECK_VM_LANES ?= 1
CHECK_FIRST = swap_vm boot_nfsroot quota_vm bench swap_vm_ceph agent_host \
              cephfs serve_hostile agent_long fuzz cli serve nfs_ganesha
CHECK_SUITES = $(filter $(SUITES),$(CHECK_FIRST)) \
               $(filter-out $(CHECK_FIRST),$(SUITES))

check-run:
	@$(MAKE) --no-print-directory lint-man
	@$(MAKE) --no-print-directory -j2 tests
	@$(MAKE) --no-print-directory -j2 SANITIZE=1 tests
	@tests/run.sh --jobs $(CHECK_JOBS) --vm-lanes $(CHECK_VM_LANES) --times \
	    --build build --build-san build/san $(CHECK_SUITES)

check-plain: tests
	@tests/run.sh --jobs $(CHECK_JOBS) --vm-lanes $(CHECK_VM_LANES) \
	    --build $(BUILD) $(CHECK_SUITES)

check-san:
	@$(MAKE) --no-print-directory SANITIZE=1 tests
	@tests/run.sh --jobs $(CHECK_JOBS) --vm-lanes $(CHECK_VM_LANES) \
	    --build build/san $(CHECK_SUITES)

check-system: tests
	@tests/run.sh --build $(BUILD) $(SYSTEM_TESTS)

check-612: tests
	@tests/run.sh --build $(BUILD) $(KERNEL_612_TESTS)

check-valgrind: tests
	@tests/run.sh --build $(BUILD) --valgrind $(UNIT_TESTS)

# ---- fuzzing (tests/fuzz, libFuzzer with clang, ASan+UBSan) -----------
# The library is compiled again by clang with coverage; "make fuzz" gives
# each target FUZZ_SECONDS (default 600), make check a short run of each.
FUZZ_TARGETS = proc agent_conf conf valid record exports cmdline xdr
FUZZ_DIR   = build/fuzz
FUZZ_CC    = clang
FUZZ_SAN   = address,undefined
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -DSYSCONFDIR='"$(SYSCONFDIR)"' \
           -DNFSWAP_VERSION='"$(VERSION)"' -g -O1 \
           -fno-omit-frame-pointer -fno-sanitize-recover=all \
           -Icommon -Iexports -Iprovisioner -Iagent -I$(GEN) $(CONFIG_CFLAGS) \
           $(TIRPC_CFLAGS)
FUZZ_OBJ   = $(addprefix $(FUZZ_DIR)/obj/,$(COMMON_SRC:.c=.o) \
           $(EXPORTS_SRC:.c=.o) $(PROV_LIB_SRC:.c=.o) $(AGENT_LIB_SRC:.c=.o)) \
           $(FUZZ_DIR)/obj/nfswap_prot_xdr.o
FUZZ_BINS  = $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZ_TARGETS))
FUZZ_SECONDS ?= 600

$(FUZZ_DIR)/obj/%.o: %.c $(GEN)/nfswap_prot.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wall -Werror \
	    -fsanitize=fuzzer-no-link,$(FUZZ_SAN) -c -o $@ $<
$(FUZZ_DIR)/obj/nfswap_prot_xdr.o: $(GEN)/nfswap_prot_xdr.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -w -fsanitize=fuzzer-no-link,$(FUZZ_SAN) \
	    -c -o $@ $<
$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wall -Werror -Itests/fuzz \
	    -fsanitize=fuzzer,$(FUZZ_SAN) -o $@ $< $(FUZZ_OBJ) \
	    $(CONFIG_LIBS) $(TIRPC_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: ensure-deps fuzz-build
	@tests/fuzz/run.sh --seconds $(FUZZ_SECONDS) $(FUZZ_TARGETS)

golden: tests
	NFSWAP_UPDATE_GOLDEN=1 $(BUILD)/tests/test_exports

# mandoc -Tlint exits non-zero on warnings; any output is a failure too.
lint-man:
	@out=$$(mandoc -Tlint -W warning docs/*.[158] 2>&1); \
	if [ -n "$$out" ]; then echo "$$out"; echo "man pages: lint FAILED"; exit 1; fi; \
	echo "man pages: mandoc -Tlint clean"

# ---- packages and the main job -----------------------------------------

deps:
	scripts/deps.sh install

# What CephFS holds, read as its administrator, for the CephFS tests.
$(BUILD)/tests/cephdir: tests/integration/cephdir.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -D_FILE_OFFSET_BITS=64 $(ALL_LDFLAGS) -o $@ $< -lcephfs

# Only the CephFS suites: a real single-node Ceph cluster behind two
# Ganesha heads, and the thin client swapping onto CephFS (also in make
# check, which runs everything).
check-ceph: ensure-deps tests
	@tests/run.sh --build $(BUILD) $(CEPH_TESTS)

ensure-deps:
	@scripts/deps.sh check || scripts/deps.sh install

demo: ensure-deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh $(BUILD)/nfswap

# Benchmarks print ratios measured in one run (bench/README.md).
bench: ensure-deps tests
	@bench/run.sh

# ---- installation -------------------------------------------------------

# The Debian packages (debian/, README.Debian there): dpkg-buildpackage
# on a copy of the work tree in build/deb/nfswap-VERSION, so that the
# .debs, .changes and .buildinfo land in build/deb/ (dpkg-buildpackage
# writes them next to the tree it builds).  Its build dependencies are
# make deps's.
DEB_DIR = build/deb
deb: ensure-deps
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)/nfswap-$(VERSION)
	tar --exclude=./build --exclude=./.git -cf - . | \
	    tar -C $(DEB_DIR)/nfswap-$(VERSION) -xf -
	cd $(DEB_DIR)/nfswap-$(VERSION) && dpkg-buildpackage -us -uc -b -Jauto
	rm -rf $(DEB_DIR)/nfswap-$(VERSION)
	@ls $(DEB_DIR)/*.deb

SUBST = -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g'

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(SYSCONFDIR)/nfswap \
	    $(DESTDIR)$(DATADIR)/nfswap $(DESTDIR)$(UNITDIR)
	install -m 0755 $(BUILD)/nfswap $(DESTDIR)$(SBINDIR)/nfswap
	install -m 0755 $(BUILD)/nfswapd $(DESTDIR)$(SBINDIR)/nfswapd
	install -m 0644 docs/nfswap.8 docs/nfswapd.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 docs/nfswap.conf.5 docs/nfswapd.conf.5 \
	    $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 docs/nfswap.conf.example docs/nfswapd.conf.example \
	    $(DESTDIR)$(DATADIR)/nfswap/
	sed $(SUBST) agent/nfswapd.service.in \
	    >$(DESTDIR)$(UNITDIR)/nfswapd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/nfswapd.service
	sed $(SUBST) provisioner/nfswap-serve.service.in \
	    >$(DESTDIR)$(UNITDIR)/nfswap-serve.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/nfswap-serve.service
	sed $(SUBST) provisioner/nfswap-metrics.service.in \
	    >$(DESTDIR)$(UNITDIR)/nfswap-metrics.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/nfswap-metrics.service
	install -m 0644 provisioner/nfswap-metrics.timer $(DESTDIR)$(UNITDIR)/
	install -d $(DESTDIR)$(COMPLETIONDIR)
	install -m 0644 completion/nfswap completion/nfswapd \
	    $(DESTDIR)$(COMPLETIONDIR)/
	@# The initramfs: initramfs-tools' hook and boot script, dracut's module.
	install -d $(DESTDIR)$(INITRAMFSDIR)/hooks \
	    $(DESTDIR)$(INITRAMFSDIR)/scripts/init-premount \
	    $(DESTDIR)$(DRACUTDIR)/90nfswap
	sed $(SUBST) initramfs/initramfs-tools/hooks/nfswap.in \
	    >$(DESTDIR)$(INITRAMFSDIR)/hooks/nfswap
	chmod 0755 $(DESTDIR)$(INITRAMFSDIR)/hooks/nfswap
	install -m 0755 initramfs/initramfs-tools/scripts/init-premount/nfswap \
	    $(DESTDIR)$(INITRAMFSDIR)/scripts/init-premount/nfswap
	sed $(SUBST) initramfs/dracut/90nfswap/module-setup.sh.in \
	    >$(DESTDIR)$(DRACUTDIR)/90nfswap/module-setup.sh
	chmod 0755 $(DESTDIR)$(DRACUTDIR)/90nfswap/module-setup.sh
	install -m 0755 initramfs/dracut/90nfswap/nfswap-cmdline.sh \
	    initramfs/dracut/90nfswap/nfswap-start.sh \
	    $(DESTDIR)$(DRACUTDIR)/90nfswap/
	@# nfswap serve's unprivileged side runs as _nfswap (serve.user):
	@# made here when installing into this system as root.
	if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && \
	    ! getent passwd _nfswap >/dev/null; then \
	    useradd --system --user-group --no-create-home \
	    --home-dir /nonexistent --shell /usr/sbin/nologin _nfswap; fi
	@# Never overwrite an administrator's configuration.
	test -e $(DESTDIR)$(SYSCONFDIR)/nfswap/nfswap.conf || \
	    install -m 0644 docs/nfswap.conf.example \
	    $(DESTDIR)$(SYSCONFDIR)/nfswap/nfswap.conf
	test -e $(DESTDIR)$(SYSCONFDIR)/nfswap/nfswapd.conf || \
	    install -m 0644 docs/nfswapd.conf.example \
	    $(DESTDIR)$(SYSCONFDIR)/nfswap/nfswapd.conf

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/nfswap $(DESTDIR)$(SBINDIR)/nfswapd \
	    $(DESTDIR)$(MANDIR)/man8/nfswap.8 $(DESTDIR)$(MANDIR)/man8/nfswapd.8 \
	    $(DESTDIR)$(MANDIR)/man5/nfswap.conf.5 \
	    $(DESTDIR)$(MANDIR)/man5/nfswapd.conf.5 \
	    $(DESTDIR)$(DATADIR)/nfswap/nfswap.conf.example \
	    $(DESTDIR)$(DATADIR)/nfswap/nfswapd.conf.example \
	    $(DESTDIR)$(UNITDIR)/nfswapd.service \
	    $(DESTDIR)$(UNITDIR)/nfswap-serve.service \
	    $(DESTDIR)$(UNITDIR)/nfswap-metrics.service \
	    $(DESTDIR)$(UNITDIR)/nfswap-metrics.timer \
	    $(DESTDIR)$(INITRAMFSDIR)/hooks/nfswap \
	    $(DESTDIR)$(INITRAMFSDIR)/scripts/init-premount/nfswap \
	    $(DESTDIR)$(DRACUTDIR)/90nfswap/module-setup.sh \
	    $(DESTDIR)$(DRACUTDIR)/90nfswap/nfswap-cmdline.sh \
	    $(DESTDIR)$(DRACUTDIR)/90nfswap/nfswap-start.sh \
	    $(DESTDIR)$(COMPLETIONDIR)/nfswap $(DESTDIR)$(COMPLETIONDIR)/nfswapd
	-rmdir $(DESTDIR)$(DATADIR)/nfswap $(DESTDIR)$(DRACUTDIR)/90nfswap 2>/dev/null
	@echo "kept $(DESTDIR)$(SYSCONFDIR)/nfswap/nfswap.conf and nfswapd.conf (yours to remove)"

clean:
	rm -rf build

-include $(shell find build -name '*.d' -type f 2>/dev/null)
