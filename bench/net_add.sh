#!/bin/sh
# bench/net_add.sh - one `dugnad add` end to end while `dugnad serve` runs
# on the store: the command reaches the daemon through its control socket
# (no passphrase derivation), the daemon appends durably and pushes.
#
#   sh bench/net_add.sh build/dugnad          ADDS=21 timed commands
#
# Each figure is the wall time of the whole command, process start to
# exit, as a user sees it; the median and the slowest are shown.
. "$(dirname "$0")/net_lib.sh"

ADDS=${ADDS:-21}
A=$NT/A
new_coordinator "$A"
start_daemon "$A"
times=
i=0
while [ "$i" -lt "$ADDS" ]; do
	t=$(timed /dev/null "$BIN" --dir "$A" add contact \
		name="Timing $i" phone="+47 912 34 $((100 + i))") ||
		die "add failed"
	times="$times $(echo "$t" | cut -d' ' -f1)"
	i=$((i + 1))
done
# shellcheck disable=SC2086
med=$(median $times)
# shellcheck disable=SC2086
max=$(python3 -c 'import sys; print(max(float(x) for x in sys.argv[1:]))' $times)
echo
echo "One add while serve runs ($ADDS runs)"
row benchmark measured "target (DESIGN §5)"
row "dugnad add through the daemon, median" \
	"$(python3 -c "print('%.1f ms' % ($med * 1000))")" "< 20 ms"
row "  slowest of the runs" \
	"$(python3 -c "print('%.1f ms' % ($max * 1000))")" "-"
result "dugnad add through the daemon (median of $ADDS)" \
	"$(python3 -c "print('%.1f' % ($med * 1000))")" ms "<" 20
stop_daemon "$PID"
