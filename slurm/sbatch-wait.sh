#!/usr/bin/env bash
# sbatch-wait.sh [sbatch arguments...] - submit a batch job and wait for it, like `sbatch --wait`, but
# polling every 0.2 s (`sbatch --wait` polls after 2 s and then every 10 s). Prints the job id on stdout;
# exits with the job's exit code (128 + signal if it was killed, 1 if it failed otherwise).
set -u
job_id=$(sbatch --parsable "$@") || exit 1
job_id=${job_id%%;*}   # --parsable prints "id;cluster" on federated clusters
echo "$job_id"
while :; do
  # Job records stay MinJobAge seconds after the end (300 s in start-local-slurm.sh's config).
  record=$(scontrol -o show job "$job_id" 2>/dev/null) || { echo "sbatch-wait: job $job_id vanished from slurmctld" >&2; exit 1; }
  state=$(grep -o 'JobState=[A-Z_]*' <<<"$record"); state=${state#JobState=}
  case "$state" in
    PENDING | CONFIGURING | RUNNING | COMPLETING | SUSPENDED | REQUEUED | RESIZING) sleep 0.2 ;;
    *) break ;;
  esac
done
exit_code=$(grep -o ' ExitCode=[0-9]*:[0-9]*' <<<"$record"); exit_code=${exit_code#*=}
echo "sbatch-wait: job $job_id $state ExitCode=$exit_code" >&2
[ "$state" = COMPLETED ] && exit 0
status=${exit_code%%:*}; signal=${exit_code##*:}
[ "$status" != 0 ] && exit "$status"
[ "$signal" != 0 ] && exit $((128 + signal))
exit 1
