#!/usr/bin/env bash
# stop-netns-cluster.sh [--purge] - stop the namespace cluster start-netns-cluster.sh started: cancel its
# jobs, stop the slurmd's and slurmctld it recorded in $SLURM_NETNS_BASE/pid/ (and munged if it started
# it), remove the namespaces, veth pairs, bridge and /etc/hosts lines it made. Touches nothing else.
#   --purge  also remove $SLURM_NETNS_BASE (config, state, spool, logs)
set -uo pipefail
BASE=${SLURM_NETNS_BASE:-/var/lib/slurm-netns}
export SLURM_CONF=$BASE/etc/slurm.conf
LOG_NAME=stop-netns-cluster; T0=$(date +%s%N)
# shellcheck source=slurm-common.sh
. "$(dirname "$0")/slurm-common.sh"
purge=$(purge_argument "$@") || exit 2
# shellcheck source=netns-layout.sh
. "$(dirname "$0")/netns-layout.sh"
[ "$(id -u)" = 0 ] || die "must run as root"

# A link a test left down would keep slurmctld from reaching that node's slurmd: bring them all up first.
for ((i = 1; i <= 9; i++)); do ip link show "$(netns_outer_link "$i")" >/dev/null 2>&1 && ip link set "$(netns_outer_link "$i")" up; done
[ -f "$SLURM_CONF" ] && alive "$BASE/pid/slurmctld.pid" slurmctld && cancel_jobs

rc=0
stop_recorded_daemons "$BASE" || rc=1

for ((i = 1; i <= 9; i++)); do
  node=$(netns_node "$i")
  ip link show "$(netns_outer_link "$i")" >/dev/null 2>&1 && ip link del "$(netns_outer_link "$i")"   # its peer goes with it
  [ -e "/run/netns/$node" ] || continue
  left=$(ip netns pids "$node" 2>/dev/null | tr '\n' ' ')
  [ -n "$left" ] && echo "$node: processes still inside, not touched: $left"
  ip netns del "$node"
done
ip link show "$NETNS_BRIDGE" >/dev/null 2>&1 && ip link del "$NETNS_BRIDGE"
grep -qF "$NETNS_HOSTS_MARK" /etc/hosts && rewrite_hosts "$NETNS_HOSTS_MARK"
log "network removed"
if [ $purge = 1 ]; then rm -rf "$BASE"; echo "removed $BASE"; fi
exit $rc
