# slurm-common.sh - functions shared by the scripts that start and stop this project's local Slurm
# instances (start-local-slurm.sh: emulated nodes on loopback; start-netns-cluster.sh: one network
# namespace per node). Sourced, never run. The caller sets LOG_NAME (its name in log lines) and T0.
# shellcheck shell=bash

log() { local ms=$(( ($(date +%s%N) - T0) / 1000000 )); printf '[%s %d.%03ds] %s\n' "$LOG_NAME" $((ms/1000)) $((ms%1000)) "$*"; }
die() { echo "[$LOG_NAME] ERROR: $*" >&2; exit 1; }

# PID 1 here may reap late, so a dead daemon can linger as a zombie with a readable /proc/PID/comm.
process_state() { awk '{print $3}' "/proc/$1/stat" 2>/dev/null; }
gone() { local state; state=$(process_state "$1"); [ -z "$state" ] || [ "$state" = Z ] || [ "$state" = X ]; }
running_pid() { # <pid file> <comm>: prints the recorded pid if it runs and is the expected daemon
  local pid; [ -s "$1" ] || return 1; pid=$(cat "$1")
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] && ! gone "$pid" && echo "$pid"; }
alive() { running_pid "$@" >/dev/null; }
wait_until() { # <seconds> <command...>
  local end=$(( $(date +%s) + $1 )); shift
  until "$@" >/dev/null 2>&1; do [ "$(date +%s)" -ge "$end" ] && return 1; sleep 0.2; done; }

rewrite_hosts() { # <mark> [lines]: keep every /etc/hosts line but those with <mark>, then append [lines]
  local mark=$1 kept; shift
  kept=$(grep -vF "$mark" /etc/hosts || true)
  # in place: /etc/hosts may be a bind mount
  printf '%s\n' "$kept" "$@" > /etc/hosts
}

install_missing_packages() { # <apt log file> <package...>: apt-get install those not installed
  local apt_log=$1; shift
  local p missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  [ "${SLURM_LOCAL_NO_INSTALL:-0}" = 1 ] && die "missing packages: ${missing[*]} (SLURM_LOCAL_NO_INSTALL=1)"
  log "installing: ${missing[*]}"
  # Without systemd the postinst's `invoke-rc.d munge start` fails the install; policy-rc.d stops it.
  local made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; made_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  local APT=(apt-get -o DPkg::Lock::Timeout=300)   # another apt may hold the lock: wait instead of failing
  ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1 || "${APT[@]}" update -qq
  if ! "${APT[@]}" install -y -qq --no-install-recommends "${missing[@]}" >"$apt_log" 2>&1; then
    "${APT[@]}" update -qq   # stale lists: refresh once and retry
    "${APT[@]}" install -y -qq --no-install-recommends "${missing[@]}" >>"$apt_log" 2>&1 \
      || { tail -30 "$apt_log"; [ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d; die "apt-get install failed (log: $apt_log)"; }
  fi
  [ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  return 0
}

start_munged() { # <base>: munged up (its pid recorded in <base>/pid/munged.pid only if started here)
  local base=$1
  getent passwd munge >/dev/null || adduser --quiet --system --group --no-create-home --home /nonexistent munge
  mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
  chown munge:munge /etc/munge /var/lib/munge /var/log/munge /run/munge
  # munged refuses to start on looser permissions
  chmod 0700 /etc/munge /var/log/munge; chmod 0711 /var/lib/munge; chmod 0755 /run/munge
  if [ ! -s /etc/munge/munge.key ]; then
    runuser -u munge -- mungekey -c -k /etc/munge/munge.key 2>/dev/null \
      || dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  chown munge:munge /etc/munge/munge.key; chmod 0400 /etc/munge/munge.key

  if alive "$base/pid/munged.pid" munged; then
    log "munged already running (pid $(cat "$base/pid/munged.pid"))"
  elif munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    log "a munged this script did not start serves /run/munge: using it (the stop script leaves it alone)"
  else
    rm -f /run/munge/munged.pid
    # --force: start over a stale socket left by a killed munged
    runuser -u munge -- /usr/sbin/munged --force --pid-file=/run/munge/munged.pid 9>&-
    wait_until 10 test -s /run/munge/munged.pid || die "munged wrote no pid file; see /var/log/munge/munged.log"
    cp /run/munge/munged.pid "$base/pid/munged.pid"
    wait_until 10 bash -c 'munge -n | unmunge' || die "munge round trip failed; see /var/log/munge/munged.log"
    log "munged started (pid $(cat "$base/pid/munged.pid"))"
  fi
}

stop_slurm_daemons() { # <base>: SIGTERM the recorded slurmd's and slurmctld (before a restart), wait, else SIGKILL
  local base=$1 pid_file comm stopping=() pid
  for pid_file in "$base"/pid/slurmd-*.pid "$base/pid/slurmctld.pid"; do
    [ -e "$pid_file" ] || continue
    comm=slurmd; [[ "$pid_file" == */slurmctld.pid ]] && comm=slurmctld
    if alive "$pid_file" "$comm"; then stopping+=("$(cat "$pid_file")"); kill -TERM "$(cat "$pid_file")"; fi
    rm -f "$pid_file"
  done
  for pid in "${stopping[@]}"; do
    wait_until 15 gone "$pid" || kill -KILL "$pid"
  done
}

start_slurmctld() { # <base>: slurmctld of $SLURM_CONF (or /etc/slurm/slurm.conf) up; sets CTLD_LOG_LINES when started here
  local base=$1
  CTLD_LOG_LINES=""
  if alive "$base/pid/slurmctld.pid" slurmctld; then
    log "slurmctld already running (pid $(cat "$base/pid/slurmctld.pid"))"
    return 0
  fi
  rm -f "$base/pid/slurmctld.pid"
  CTLD_LOG_LINES=0
  [ -f "$base/log/slurmctld.log" ] && CTLD_LOG_LINES=$(wc -l < "$base/log/slurmctld.log")
  # daemonizes and writes SlurmctldPidFile; -i: ignore state files it cannot read
  slurmctld -i 9>&- || die "slurmctld failed to start; see $base/log/slurmctld.log"
  wait_until 20 scontrol ping || { tail -20 "$base/log/slurmctld.log"; die "slurmctld does not answer"; }
  log "slurmctld started (pid $(cat "$base/pid/slurmctld.pid"))"
}

slurm_conf_body() { # <MpiDefault> <SlurmctldPort> <SlurmdPort> <base> <TmpFS line> <SlurmdTimeout>: the lines both layouts share
  cat <<EOF
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=$1
# no systemd, no cgroups
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
# start batch jobs at once (the default delay of 3 s costs sbatch --wait 10 s)
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# trust CPUs= below instead of draining a node that has fewer real cores
SlurmdParameters=config_overrides
ReturnToService=2
# reject impossible requests at once instead of queueing them forever
EnforcePartLimits=ALL
SlurmctldPort=$2
SlurmdPort=$3
SlurmctldPidFile=$4/pid/slurmctld.pid
SlurmdPidFile=$4/pid/slurmd-%n.pid
SlurmdSpoolDir=$4/spool/%n
SlurmdLogFile=$4/log/slurmd-%n.log
StateSaveLocation=$4/ctld
SlurmctldLogFile=$4/log/slurmctld.log
$5
SlurmctldDebug=info
SlurmdDebug=info
MailProg=/bin/true
InactiveLimit=0
KillWait=5
MinJobAge=300
SlurmctldTimeout=30
SlurmdTimeout=$6
EOF
}

start_cluster_daemons() { # <base> <config changed: 0|1> <node>...: munged, slurmctld, one slurmd per node via the caller's launch_slurmd <node>
  local base=$1 conf_changed=$2 node pid_file; shift 2
  if [ "$conf_changed" = 1 ] && { alive "$base/pid/slurmctld.pid" slurmctld || compgen -G "$base/pid/slurmd-*.pid" >/dev/null; }; then
    log "config changed: restarting slurmctld and slurmd (running jobs are lost)"
    stop_slurm_daemons "$base"
  fi
  start_munged "$base"
  start_slurmctld "$base"
  for node in "$@"; do
    pid_file="$base/pid/slurmd-$node.pid"
    if alive "$pid_file" slurmd; then log "slurmd $node already running (pid $(cat "$pid_file"))"; continue; fi
    rm -f "$pid_file"
    launch_slurmd "$node" 9>&- || die "slurmd $node failed to start; see $base/log/slurmd-$node.log"
    wait_until 10 test -s "$pid_file" || die "slurmd $node wrote no pid file; see $base/log/slurmd-$node.log"
    log "slurmd $node started (pid $(cat "$pid_file"))"
  done
}

wait_nodes_idle() { # <base> <node count> <node spec> <timeout s>: every node idle, mixed or allocated
  local base=$1 nnodes=$2 nodespec=$3 timeout=$4 states not_ready end resumed=0
  end=$(( $(date +%s) + timeout ))
  while :; do
    states=$(sinfo -h -N -o '%N %T' 2>/dev/null | sort -u || true)
    not_ready=$(awk '$2 != "idle" && $2 != "mixed" && $2 != "allocated"' <<<"$states")
    [ -n "$states" ] && [ -z "$not_ready" ] && [ "$(wc -l <<<"$states")" -ge "$nnodes" ] && break
    if grep -qE 'drain|down|fail' <<<"$not_ready" && [ $resumed = 0 ]; then
      scontrol update NodeName="$nodespec" State=RESUME >/dev/null 2>&1 || true; resumed=1
    fi
    if [ "$(date +%s)" -ge $end ]; then
      scontrol show node | grep -E 'NodeName|State|Reason' || true
      tail -20 "$base"/log/slurmd-*.log; die "nodes not idle after ${timeout}s: $not_ready"
    fi
    sleep 0.2
  done
  # A fresh slurmctld applies SchedulerParameters only at its first scheduling pass, ~3 s after start;
  # a batch job submitted before that starts late. The pass is logged as "SchedulerParameters=".
  if [ -n "$CTLD_LOG_LINES" ]; then
    wait_until 8 bash -c "tail -n +$((CTLD_LOG_LINES + 1)) '$base/log/slurmctld.log' | grep -q 'SchedulerParameters='" \
      || log "first scheduling pass not seen in the log yet"
  fi
}

stop_daemons() { # <comm> <pid file>...: SIGTERM all at once, wait up to 15 s each, then SIGKILL
  local comm=$1; shift
  local pid_file pid pids=() pid_files=() rc=0 i
  for pid_file in "$@"; do
    [ -e "$pid_file" ] || continue
    if pid=$(running_pid "$pid_file" "$comm"); then kill -TERM "$pid" 2>/dev/null; pids+=("$pid"); pid_files+=("$pid_file")
    else echo "$(basename "$pid_file" .pid): not running"; rm -f "$pid_file"; fi
  done
  for i in "${!pids[@]}"; do
    pid=${pids[$i]}
    for _ in $(seq 1 75); do gone "$pid" && break; sleep 0.2; done
    if ! gone "$pid"; then echo "$comm: pid $pid ignored SIGTERM for 15 s, sending SIGKILL"; kill -KILL "$pid" 2>/dev/null; sleep 0.5; fi
    if ! gone "$pid"; then echo "$comm: pid $pid is still running" >&2; rc=1; continue; fi
    echo "$(basename "${pid_files[$i]}" .pid): stopped pid $pid"; rm -f "${pid_files[$i]}"
  done
  return $rc
}

stop_recorded_daemons() { # <base>: the slurmd's and slurmctld together, then munged (they authenticate while shutting down)
  local base=$1 rc=0 slurmd_group ctld_group
  stop_daemons slurmd "$base"/pid/slurmd-*.pid & slurmd_group=$!
  stop_daemons slurmctld "$base/pid/slurmctld.pid" & ctld_group=$!   # its child slurmscriptd exits with it
  wait $slurmd_group || rc=1
  wait $ctld_group || rc=1
  stop_daemons munged "$base/pid/munged.pid" || rc=1   # recorded only if a start script started it
  return $rc
}

purge_argument() { # "$@" of a stop script: prints 1 for --purge, 0 for nothing; exits 2 on anything else
  case "${1:-}" in
    --purge) echo 1 ;;
    "") echo 0 ;;
    *) echo "usage: $0 [--purge]" >&2; exit 2 ;;
  esac
}

cancel_jobs() { # the jobs of the cluster $SLURM_CONF names, so that each slurmd reaps its slurmstepd's before it exits
  local jobs
  jobs=$(squeue -h -o %i 2>/dev/null || true)
  [ -n "$jobs" ] || return 0
  echo "cancelling jobs: $(echo $jobs)"
  # shellcheck disable=SC2086 # one argument per job id
  scancel $jobs 2>/dev/null || true
  for _ in $(seq 1 50); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 0.2; done
}
