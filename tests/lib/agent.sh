# tests/lib/agent.sh -- helpers for the tests that run nfswapd on this host
# with a fake proc directory ($T/proc, read through --proc).

# fake_meminfo TOTAL_MIB AVAILABLE_MIB: what the agent reads as memory,
# replaced atomically (the agent may read it at any moment).
fake_meminfo() {
	mkdir -p "$T/proc"
	printf 'MemTotal: %d kB\nMemFree: %d kB\nMemAvailable: %d kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n' \
	    $(($1 * 1024)) $(($2 * 1024)) $(($2 * 1024)) >"$T/proc/meminfo.new" &&
	    mv "$T/proc/meminfo.new" "$T/proc/meminfo"
}

# agent_conf FILE SECONDS MIN MAX FILES: short timers (cooldown SECONDS,
# the rest from it), files of MIN to MAX, at most FILES of them; the
# status file is $T/status.json.
agent_conf() {
	cat >"$1" <<CONF
swap = { block_size = 65536; status_file = "$T/status.json"; };
policy = { cooldown = $2; drain_interval = 1; peak_hold = $(($2 > 1 ? $2 - 1 : 1));
  min_swapsize = "$3"; max_swapsize = "$4"; min_grow_pct = 1;
  alloc_rate = "64M"; max_files = $5; };
CONF
}
