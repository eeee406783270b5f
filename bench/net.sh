#!/bin/sh
# bench/net.sh - the network benchmarks (DESIGN.md §5): replication,
# reconnection and memory between two nodes (bench/net_repl.sh),
# replication of entries from 1,000 authors (bench/net_load.sh), then
# convergence and memory of a mesh of 30 (bench/net_mesh.sh), one add
# through the daemon (bench/net_add.sh) and, as root, LAN discovery in
# network namespaces (bench/net_lan.sh).  Each
# prints its table; doc/performance.md ("Network") says how to read them.
#
#   sh bench/net.sh build/dugnad
#   N=1000000 sh bench/net.sh build/dugnad      replication at the target's size
#
# Variables: N (entries, 100000), RUNS (3 for net_repl, 5 for net_mesh),
# PEERS (2), M (30 nodes), SEED, EXTRA, VERBOSE, KEEP, TMPDIR.
set -eu
here=$(dirname "$0")
sh "$here/net_repl.sh" "$@"
sh "$here/net_load.sh" "$@"
sh "$here/net_mesh.sh" "$@"
sh "$here/net_add.sh" "$@"
sh "$here/net_lan.sh" "$@"
