#!/usr/bin/env bash
# A one-node Slurm cluster (munge + slurmctld + slurmd on this machine) for the batch-system tests
# (`nx run deploy:test-slurm`). It installs nothing: `.ci/run` installs the Debian packages `slurm-wlm` and
# `munge`; this script only configures and starts them (a 1 KiB munge key, a slurm.conf for this machine with
# process tracking by parentage and no cgroup.conf), then waits until the node is idle.
#
#   tools/scripts/slurm-cluster.sh start    configure and start, wait until the node is idle (idempotent)
#   tools/scripts/slurm-cluster.sh status   show daemons and the node; exit 0 when the node takes jobs
#   tools/scripts/slurm-cluster.sh stop     cancel this cluster's jobs, stop the daemons it started
#
# Needs root (munged runs as user munge, the Slurm daemons as root: SlurmUser=root). Without systemd on
# the machine (containers, CI), the daemons are started directly and found again through their PID files.
set -euo pipefail

readonly SLURM_CONF=/etc/slurm/slurm.conf
readonly MUNGE_KEY=/etc/munge/munge.key
readonly MUNGE_PID=/run/munge/munged.pid
readonly CTLD_PID=/run/slurmctld.pid
readonly SLURMD_PID=/run/slurmd.pid
readonly LOG_DIR=/var/log/slurm
# The first line of the configuration this script writes: a slurm.conf without it belongs to someone else
# (an operator, a real cluster) and is never overwritten.
readonly MARKER='# Written by tools/scripts/slurm-cluster.sh (one-node test cluster); rewritten on every start.'

say() { printf 'slurm-cluster: %s\n' "$*"; }
die() { printf 'slurm-cluster: %s\n' "$*" >&2; exit 1; }

# A PID from a PID file, if that process is alive.
running_pid() {
  local file=$1 pid
  [ -r "$file" ] || return 1
  pid=$(tr -dc '0-9' <"$file")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && printf '%s\n' "$pid"
}

node_name() { hostname -s; }

# The node's state as sinfo reports it (idle, mix, alloc, down*, drain, unknown, ...), or nothing.
node_state() { sinfo -h -N -n "$(node_name)" -o '%T' 2>/dev/null | head -n 1 || true; }

require_tools() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (it writes /etc/slurm and /etc/munge and starts daemons)"
  local tool missing=()
  for tool in munged munge unmunge slurmctld slurmd sinfo scontrol scancel squeue runuser; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  [ "${#missing[@]}" -eq 0 ] || die "not installed: ${missing[*]} (apt-get install slurm-wlm munge; .ci/run does it)"
}

start_munge() {
  if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    # A working munged (ours from an earlier start, or the system's own service): its key is in use, so
    # it must not be replaced underneath it.
    say "munged already running"
    return
  fi
  install -d -o munge -g munge -m 0755 /run/munge
  install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
  install -d -o munge -g munge -m 0700 /etc/munge
  # TOOLCHAIN: a 1 KiB random key, owner munge, mode 400 (munged refuses a key others can read). The
  # Debian package may have made a shorter one; it is replaced while no munged uses it.
  if [ ! -f "$MUNGE_KEY" ] || [ "$(stat -c %s "$MUNGE_KEY")" -ne 1024 ]; then
    local tmp
    tmp=$(mktemp /etc/munge/.munge.key.XXXXXX)
    dd if=/dev/urandom of="$tmp" bs=1024 count=1 status=none
    chown munge:munge "$tmp"
    chmod 0400 "$tmp"
    mv -f "$tmp" "$MUNGE_KEY"
    say "new munge key (1 KiB) in $MUNGE_KEY"
  fi
  chown munge:munge "$MUNGE_KEY"
  chmod 0400 "$MUNGE_KEY"
  runuser -u munge -- /usr/sbin/munged
  local _
  for _ in $(seq 1 50); do
    if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
      say "munged started (pid $(running_pid "$MUNGE_PID" || echo '?'))"
      return
    fi
    sleep 0.2
  done
  die "munged did not answer (see /var/log/munge/munged.log)"
}

write_slurm_conf() {
  if [ -f "$SLURM_CONF" ] && [ "$(head -n 1 "$SLURM_CONF")" != "$MARKER" ]; then
    die "$SLURM_CONF was not written by this script; refusing to replace it"
  fi
  local node cpus mem tmp
  node=$(node_name)
  cpus=$(nproc)
  # RealMemory in MiB (90% of the machine), so that jobs asking for memory with --mem can be placed.
  mem=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.9 }' /proc/meminfo)
  install -d -m 0755 /etc/slurm "$LOG_DIR" /var/spool/slurmctld /var/spool/slurmd
  tmp=$(mktemp /etc/slurm/.slurm.conf.XXXXXX)
  cat >"$tmp" <<EOF
$MARKER
ClusterName=envoys
SlurmctldHost=$node(127.0.0.1)
# Root runs the daemons and submits the test jobs; no slurm user, no accounting database.
SlurmUser=root
AuthType=auth/munge
# Processes are tracked by parentage, so no cgroup setup is needed (and no cgroup.conf may exist: slurm
# 22.05 has no "disabled" cgroup plugin, and without the file it starts).
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
# A node that was down (e.g. after a restart of slurmd) takes jobs again as soon as it registers.
ReturnToService=2
# The gap between the SIGTERM of scancel (or of the time limit) and SIGKILL. Slurm's default, written out
# because the deploy scripts and tests size the envoy's grace period (ENVOY_GRACE_SECONDS) below it.
KillWait=30
# Keep finished jobs visible to scontrol for a while: the tests read their state and exit code there.
MinJobAge=600
MpiDefault=none
SchedulerType=sched/backfill
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd.log
SlurmctldTimeout=30
SlurmdTimeout=60
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=batch Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
  chmod 0644 "$tmp"
  mv -f "$tmp" "$SLURM_CONF"
}

start_daemons() {
  local pid
  if pid=$(running_pid "$CTLD_PID"); then
    say "slurmctld already running (pid $pid)"
  else
    # The controller first: slurmd registers with it.
    slurmctld
    say "slurmctld started"
  fi
  if pid=$(running_pid "$SLURMD_PID"); then
    say "slurmd already running (pid $pid)"
  else
    slurmd
    say "slurmd started"
  fi
}

wait_idle() {
  local node state _
  node=$(node_name)
  for _ in $(seq 1 120); do
    state=$(node_state)
    case "$state" in
      idle | mixed | allocated | mix | alloc)
        say "node $node is $state"
        return
        ;;
      down* | drain*)
        # A node left down or drained by an earlier run (e.g. stopped with jobs on it).
        scontrol update nodename="$node" state=resume >/dev/null 2>&1 || true
        ;;
    esac
    sleep 0.5
  done
  sinfo -N -l >&2 || true
  die "node $node did not become idle within 60 s (last state: ${state:-none}; see $LOG_DIR/slurmctld.log and slurmd.log)"
}

cmd_start() {
  require_tools
  [ ! -e /etc/slurm/cgroup.conf ] || die "/etc/slurm/cgroup.conf exists: this one-node setup works only without it"
  start_munge
  write_slurm_conf
  if running_pid "$CTLD_PID" >/dev/null; then
    # Already up from an earlier start: let it re-read the (identical or updated) configuration.
    scontrol reconfigure >/dev/null 2>&1 || true
  fi
  start_daemons
  wait_idle
}

# Stops the process named by a PID file: SIGTERM, then SIGKILL if it is still there after `wait` seconds.
stop_pidfile() {
  local name=$1 file=$2 wait=${3:-15} pid _
  if ! pid=$(running_pid "$file"); then
    say "$name not running"
    return
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((wait * 5))); do
    kill -0 "$pid" 2>/dev/null || { say "$name stopped (pid $pid)"; return; }
    sleep 0.2
  done
  kill -KILL "$pid" 2>/dev/null || true
  say "$name killed (pid $pid did not stop within ${wait} s)"
}

cmd_stop() {
  if running_pid "$CTLD_PID" >/dev/null && [ -n "$(squeue -h -o %i 2>/dev/null)" ]; then
    # Jobs still on the node would keep their slurmstepd and processes after slurmd is gone. The whole
    # cluster is this script's, so all its jobs are cancelled; KillWait (30 s) bounds the wait.
    local jobs
    mapfile -t jobs < <(squeue -h -o %i)
    say "cancelling remaining jobs: ${jobs[*]}"
    scancel "${jobs[@]}" 2>/dev/null || true
    local _
    for _ in $(seq 1 80); do
      [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.5
    done
  fi
  stop_pidfile slurmd "$SLURMD_PID"
  stop_pidfile slurmctld "$CTLD_PID"
  # munged is stopped only when this script started it: with a PID file under /run/munge and no systemd
  # unit managing it (a system's own munge service is left alone).
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet munge 2>/dev/null; then
    say "munged belongs to the system's munge service; left running"
  else
    stop_pidfile munged "$MUNGE_PID"
  fi
}

cmd_status() {
  local pid state ok=0
  for entry in "munged:$MUNGE_PID" "slurmctld:$CTLD_PID" "slurmd:$SLURMD_PID"; do
    if pid=$(running_pid "${entry#*:}"); then say "${entry%%:*} running (pid $pid)"; else say "${entry%%:*} not running"; ok=1; fi
  done
  state=$(node_state)
  say "node $(node_name): ${state:-unknown (controller not answering)}"
  case "$state" in idle | mix* | alloc*) ;; *) ok=1 ;; esac
  return "$ok"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
