#!/usr/bin/env bash
# A one-node Slurm cluster (munge + slurmctld + slurmd on this machine) for the batch-system tests
# (`nx run deploy:test-slurm`). It installs nothing: `.ci/run` installs the Debian packages `slurm-wlm` and
# `munge`; this script only configures and starts them (a 1 KiB munge key, a slurm.conf for this machine with
# process tracking by parentage and no cgroup.conf), then waits until the node is idle.
#
#   tools/scripts/slurm-cluster.sh start    configure and start, wait until the node is idle (idempotent)
#   tools/scripts/slurm-cluster.sh status   show daemons and the node(s); exit 0 when every node takes jobs
#   tools/scripts/slurm-cluster.sh stop     cancel this cluster's jobs, stop the daemons it started
#
# A multi-node cluster on this one machine, for the storm tests (`nx run deploy:test-cluster`):
#
#   tools/scripts/slurm-cluster.sh start --nodes 3   nodes n1..n3, each its own slurmd (`slurmd -N nX`, its own
#                                                    Port, spool and PID file) in a PID namespace of its own
#   tools/scripts/slurm-cluster.sh kill NODE         kill everything on the node (its slurmd, slurmstepd, jobs)
#   tools/scripts/slurm-cluster.sh resume NODE       start its slurmd again, `scontrol update state=resume`
#   tools/scripts/slurm-cluster.sh freeze NODE       freeze every process of the node (a node cut off: alive,
#                                                    silent); the cgroup freezer, else SIGSTOP
#   tools/scripts/slurm-cluster.sh thaw NODE         let them run again
#       [--daemons-after S]                          its slurmd and slurmstepd only S seconds later: the node's
#                                                    storage is back, its network to the controller not yet
#   tools/scripts/slurm-cluster.sh pids NODE         the host PIDs of the node's processes, one a line
#
# Each node runs as `unshare --pid --fork --mount-proc`: its slurmd is the child of a small init (PID 1 of
# the namespace), so slurmd's slurmstepd and the job's processes live in that namespace and see only it in
# /proc (proctrack/linuxproc tracks them there). Killing the init kills the whole namespace at once, as a
# node that loses power; the namespace's processes are in a freezer cgroup of their own (envoys-NODE).
# Network and file systems are the machine's: all nodes share /tmp and every other directory, as nodes share
# a cluster file system.
# Needs root (munged runs as user munge, the Slurm daemons as root: SlurmUser=root). Without systemd on
# the machine (containers, CI), the daemons are started directly and found again through their PID files.
set -euo pipefail

readonly SLURM_CONF=/etc/slurm/slurm.conf
readonly MUNGE_KEY=/etc/munge/munge.key
readonly MUNGE_PID=/run/munge/munged.pid
readonly CTLD_PID=/run/slurmctld.pid
readonly SLURMD_PID=/run/slurmd.pid
readonly LOG_DIR=/var/log/slurm
# The multi-node cluster: node PID files, node ports (n1 = base+1, ...), CPUs each node declares.
readonly RUN_DIR=/run/envoys-slurm
readonly NODE_PORT_BASE=${SLURM_CLUSTER_PORT_BASE:-17000}
readonly NODE_CPUS=${SLURM_CLUSTER_NODE_CPUS:-8}
readonly FREEZER_ROOT=/sys/fs/cgroup/freezer
# Nodes asked for with --nodes (1: the one-node cluster, the node named after this host).
NODES=1
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
  for tool in munged munge unmunge slurmctld slurmd sinfo scontrol scancel squeue runuser unshare setsid pgrep; do
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
  if [ "$NODES" -gt 1 ]; then
    write_multi_node_conf
    return
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

# --- a multi-node cluster on this machine ----------------------------------------------------------------

# How many nodes the configuration in place declares (1 for the one-node cluster, 0 when none is written).
configured_nodes() {
  [ -f "$SLURM_CONF" ] || { echo 0; return; }
  sed -n 's/^# nodes: \([0-9][0-9]*\)$/\1/p' "$SLURM_CONF" | head -n 1 | grep . || echo 1
}

# The storm tests' cluster: NODES nodes on this machine, all at 127.0.0.1 with a port each. Timeouts are
# short so that a dead or cut-off node is noticed, and its jobs requeued, within seconds instead of minutes.
write_multi_node_conf() {
  local tmp i
  install -d -m 0755 /etc/slurm "$LOG_DIR" /var/spool/slurmctld /var/spool/slurmd
  tmp=$(mktemp /etc/slurm/.slurm.conf.XXXXXX)
  {
    printf '%s\n# nodes: %s\n' "$MARKER" "$NODES"
    cat <<CONF
ClusterName=envoys
SlurmctldHost=$(node_name)(127.0.0.1)
SlurmUser=root
AuthType=auth/munge
# A requeued job waits cred_expire (+1 s) before it may start again (Slurm's default: 120 s); a job step's
# credential lives as long, so it must still cover a slow start on a loaded machine.
AuthInfo=cred_expire=15
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
# A node whose slurmd registers again (a thawed node, a resumed one) takes jobs again.
ReturnToService=2
KillWait=10
MinJobAge=1800
MaxJobCount=20000
MpiDefault=none
SchedulerType=sched/backfill
# Batch jobs are requeued when their node fails (Slurm's default, written out: the storm relies on it).
JobRequeue=1
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd/%n
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=/run/slurmd-%n.pid
SlurmctldLogFile=$LOG_DIR/slurmctld.log
SlurmdLogFile=$LOG_DIR/slurmd-%n.log
SlurmctldTimeout=30
# A node that does not answer for 6 s is DOWN (slurmctld pings every third of it): the jobs of a killed or
# frozen node are requeued within about 10 s.
SlurmdTimeout=6
MessageTimeout=10
# The nodes declare more CPUs and memory than this machine has (they all share it).
SlurmdParameters=config_overrides
CONF
    for i in $(seq 1 "$NODES"); do
      echo "NodeName=n$i NodeAddr=127.0.0.1 Port=$((NODE_PORT_BASE + i)) CPUs=$NODE_CPUS RealMemory=16000 State=UNKNOWN"
    done
    echo "PartitionName=batch Nodes=n[1-$NODES] Default=YES MaxTime=INFINITE State=UP"
  } >"$tmp"
  chmod 0644 "$tmp"
  mv -f "$tmp" "$SLURM_CONF"
}

node_names() {
  local i n
  n=$(configured_nodes)
  [ "$n" -gt 1 ] || return 0
  for i in $(seq 1 "$n"); do echo "n$i"; done
}

check_node() {
  local node=${1:-}
  [ "$(configured_nodes)" -gt 1 ] || die "no multi-node cluster configured (start one with: $0 start --nodes 3)"
  # (Not `node_names | grep -q`: grep quitting early would fail the pipeline under pipefail.)
  [[ " $(node_names | tr '\n' ' ') " == *" $node "* ]] || die "no node '$node' in this cluster (nodes: $(node_names | tr '\n' ' '))"
}

# The host PID of the node's namespace init, if it runs.
node_init_pid() { running_pid "$RUN_DIR/$1.init.pid"; }

# Host PIDs of every process in the node's PID namespace, its init included.
node_pids() {
  local init ns proc
  init=$(node_init_pid "$1") || return 0
  ns=$(readlink "/proc/$init/ns/pid" 2>/dev/null) || return 0
  for proc in /proc/[0-9]*; do
    [ "$(readlink "$proc/ns/pid" 2>/dev/null)" = "$ns" ] && printf '%s\n' "${proc#/proc/}"
  done
  return 0
}

freezer_dir() { printf '%s/envoys-%s' "$FREEZER_ROOT" "$1"; }
have_freezer() { [ -d "$FREEZER_ROOT" ] && [ -w "$FREEZER_ROOT/cgroup.procs" ]; }

# Starts the node's slurmd in a new PID namespace. Its init (PID 1 there) is a shell that runs slurmd in the
# foreground and reaps what is orphaned in the namespace (slurmstepd detaches from slurmd). The init is put
# into the node's freezer cgroup before slurmd starts, so that everything of the node is inside it.
start_node() {
  local node=$1 _
  if node_init_pid "$node" >/dev/null; then
    say "node $node already running (init pid $(node_init_pid "$node"))"
    return
  fi
  install -d -m 0755 "$RUN_DIR" "/var/spool/slurmd/$node"
  rm -f "$RUN_DIR/$node.init.pid" "$RUN_DIR/$node.go"
  local cgroup=''
  if have_freezer; then
    cgroup=$(freezer_dir "$node")
    mkdir -p "$cgroup"
    echo THAWED >"$cgroup/freezer.state"
  fi
  # The init waits for $RUN_DIR/<node>.go: by then its host PID is in the freezer cgroup.
  setsid unshare --pid --fork --mount-proc --kill-child=SIGKILL -- /bin/bash -c '
      node=$1 go=$2
      until [ -e "$go" ]; do sleep 0.05; done
      trap "kill -TERM \$slurmd 2>/dev/null" TERM INT
      slurmd -D -N "$node" &
      slurmd=$!
      # wait returns when any child ends (also an adopted slurmstepd): go on until slurmd itself is gone.
      while kill -0 "$slurmd" 2>/dev/null; do wait; done
    ' node-init "$node" "$RUN_DIR/$node.go" >>"$LOG_DIR/node-$node.out" 2>&1 </dev/null &
  local unshare_pid=$! init=''
  for _ in $(seq 1 100); do
    init=$(pgrep -P "$unshare_pid" | head -n 1 || true)
    [ -n "$init" ] && break
    sleep 0.05
  done
  [ -n "$init" ] || die "node $node: its namespace did not start (see $LOG_DIR/node-$node.out)"
  echo "$init" >"$RUN_DIR/$node.init.pid"
  [ -z "$cgroup" ] || echo "$init" >"$cgroup/cgroup.procs"
  : >"$RUN_DIR/$node.go"
  say "node $node started: slurmd -N $node in a PID namespace of its own (init pid $init)"
}

# Kills every process of the node at once: SIGKILL to its namespace's init makes the kernel kill the rest.
kill_node() {
  local node=$1 init _
  init=$(node_init_pid "$node") || { say "node $node is not running"; return 0; }
  kill -KILL "$init" 2>/dev/null || true
  # Frozen processes die only once thawed.
  if have_freezer && [ -d "$(freezer_dir "$node")" ]; then echo THAWED >"$(freezer_dir "$node")/freezer.state"; fi
  for _ in $(seq 1 100); do
    kill -0 "$init" 2>/dev/null || break
    sleep 0.1
  done
  rm -f "$RUN_DIR/$node.init.pid" "$RUN_DIR/$node.go"
  say "node $node killed (its init, pid $init, and everything in its namespace)"
}

# A node's state as slurmctld sees it.
state_of() { sinfo -h -N -n "$1" -o '%T' 2>/dev/null | head -n 1 || true; }

resume_node() {
  local node=$1 _ state=''
  start_node "$node"
  for _ in $(seq 1 120); do
    state=$(state_of "$node")
    case "$state" in
      idle | mix* | alloc*) say "node $node is $state"; return ;;
      # ReturnToService=2 lets a registering node back in; one marked down or drained meanwhile is resumed.
      down* | drain* | fail*) scontrol update nodename="$node" state=resume >/dev/null 2>&1 || true ;;
    esac
    sleep 0.5
  done
  die "node $node did not come back within 60 s (last state: ${state:-none}; see $LOG_DIR/slurmd-$node.log)"
}

freeze_node() {
  local node=$1 pid _
  node_init_pid "$node" >/dev/null || die "node $node is not running"
  if have_freezer && [ -d "$(freezer_dir "$node")" ]; then
    echo FROZEN >"$(freezer_dir "$node")/freezer.state"
    say "node $node frozen (cgroup freezer $(freezer_dir "$node"))"
    return
  fi
  # No freezer: SIGSTOP every process, again until a pass finds none a running one just forked.
  for _ in 1 2 3 4 5; do
    local again=0
    for pid in $(node_pids "$node"); do
      if [ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" != T ]; then
        kill -STOP "$pid" 2>/dev/null || true
        again=1
      fi
    done
    [ "$again" -eq 1 ] || break
  done
  say "node $node frozen (SIGSTOP to every process of its namespace)"
}

# Host PIDs of the node's Slurm daemons (slurmd, slurmstepd), by their command lines.
node_daemons() {
  local pid
  for pid in $(node_pids "$1"); do
    case "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" in slurmd\ * | slurmstepd:*) echo "$pid" ;; esac
  done
}

thaw_node() {
  local node=$1 hold=${2:-0} pid daemons=()
  node_init_pid "$node" >/dev/null || die "node $node is not running"
  if [ "$hold" != 0 ]; then
    # The node's own processes run again first, its Slurm daemons only `hold` seconds later: a node whose
    # storage came back while its network to the controller is still cut. A SIGSTOP sent while frozen is
    # delivered at the thaw, before the daemon runs an instruction.
    mapfile -t daemons < <(node_daemons "$node")
    for pid in "${daemons[@]}"; do kill -STOP "$pid" 2>/dev/null || true; done
  fi
  if have_freezer && [ -d "$(freezer_dir "$node")" ]; then
    echo THAWED >"$(freezer_dir "$node")/freezer.state"
  else
    for pid in $(node_pids "$node"); do
      printf '%s\n' "${daemons[@]}" | grep -qx "$pid" || kill -CONT "$pid" 2>/dev/null || true
    done
  fi
  if [ "${#daemons[@]}" -gt 0 ]; then
    say "node $node thawed; its Slurm daemons (${daemons[*]}) held for $hold s"
    sleep "$hold"
    for pid in "${daemons[@]}"; do kill -CONT "$pid" 2>/dev/null || true; done
  fi
  say "node $node thawed"
}

stop_nodes() {
  local node init _
  for node in $(node_names); do
    init=$(node_init_pid "$node") || continue
    if have_freezer && [ -d "$(freezer_dir "$node")" ]; then echo THAWED >"$(freezer_dir "$node")/freezer.state"; fi
    kill -TERM "$init" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$init" 2>/dev/null || break; sleep 0.2; done
    kill_node "$node" >/dev/null
    say "node $node stopped"
  done
  for node in $(node_names); do
    if [ -d "$(freezer_dir "$node")" ]; then rmdir "$(freezer_dir "$node")" 2>/dev/null || true; fi
  done
}

wait_nodes_idle() {
  local node state _ pending=''
  for _ in $(seq 1 120); do
    pending=''
    for node in $(node_names); do
      state=$(state_of "$node")
      case "$state" in
        idle | mix* | alloc*) ;;
        down* | drain*) scontrol update nodename="$node" state=resume >/dev/null 2>&1 || true; pending+="$node " ;;
        *) pending+="$node " ;;
      esac
    done
    if [ -z "$pending" ]; then
      say "nodes $(node_names | tr '\n' ' ')are idle"
      return
    fi
    sleep 0.5
  done
  sinfo -N -l >&2 || true
  die "nodes ${pending}did not become idle within 60 s (see $LOG_DIR/slurmctld.log and slurmd-*.log)"
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
  if [ "$NODES" -gt 1 ]; then
    local node
    for node in $(node_names); do start_node "$node"; done
  elif pid=$(running_pid "$SLURMD_PID"); then
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
  local before
  before=$(configured_nodes)
  if [ "$before" -ne 0 ] && [ "$before" -ne "$NODES" ] && running_pid "$CTLD_PID" >/dev/null; then
    # Another shape of cluster is running (one node, or another count): slurmctld must restart to learn a
    # new set of nodes, and the old nodes' slurmd must go.
    say "switching from $before to $NODES node(s): restarting the cluster"
    cmd_stop_slurm
  fi
  write_slurm_conf
  if running_pid "$CTLD_PID" >/dev/null; then
    # Already up from an earlier start: let it re-read the (identical or updated) configuration.
    scontrol reconfigure >/dev/null 2>&1 || true
  fi
  start_daemons
  if [ "$NODES" -gt 1 ]; then wait_nodes_idle; else wait_idle; fi
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

cmd_stop_slurm() {
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
  if [ "$(configured_nodes)" -gt 1 ]; then stop_nodes; else stop_pidfile slurmd "$SLURMD_PID"; fi
  stop_pidfile slurmctld "$CTLD_PID"
}

cmd_stop() {
  cmd_stop_slurm
  # munged is stopped only when this script started it: with a PID file under /run/munge and no systemd
  # unit managing it (a system's own munge service is left alone).
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet munge 2>/dev/null; then
    say "munged belongs to the system's munge service; left running"
  else
    stop_pidfile munged "$MUNGE_PID"
  fi
}

cmd_status() {
  local pid state ok=0 node
  for entry in "munged:$MUNGE_PID" "slurmctld:$CTLD_PID"; do
    if pid=$(running_pid "${entry#*:}"); then say "${entry%%:*} running (pid $pid)"; else say "${entry%%:*} not running"; ok=1; fi
  done
  if [ "$(configured_nodes)" -gt 1 ]; then
    for node in $(node_names); do
      state=$(state_of "$node")
      if pid=$(node_init_pid "$node"); then
        say "node $node: ${state:-unknown} (init pid $pid, $(node_pids "$node" | wc -l) processes)"
      else
        say "node $node: ${state:-unknown} (not running)"
      fi
      case "$state" in idle | mix* | alloc*) ;; *) ok=1 ;; esac
    done
    return "$ok"
  fi
  if pid=$(running_pid "$SLURMD_PID"); then say "slurmd running (pid $pid)"; else say "slurmd not running"; ok=1; fi
  state=$(node_state)
  say "node $(node_name): ${state:-unknown (controller not answering)}"
  case "$state" in idle | mix* | alloc*) ;; *) ok=1 ;; esac
  return "$ok"
}

usage() {
  echo "usage: $0 start [--nodes N] | stop | status | kill|resume|freeze|pids NODE | thaw NODE [--daemons-after SECONDS]" >&2
  exit 2
}

command=${1:-}
[ "$#" -eq 0 ] || shift
case "$command" in
  start)
    while [ "$#" -gt 0 ]; do
      case "$1" in
        --nodes) [ "$#" -ge 2 ] || usage; NODES=$2; shift 2 ;;
        --nodes=*) NODES=${1#--nodes=}; shift ;;
        *) usage ;;
      esac
    done
    [[ "$NODES" =~ ^[1-9][0-9]?$ ]] || die "--nodes wants a number of nodes from 1 to 99, not '$NODES'"
    cmd_start
    ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  thaw)
    # thaw NODE [--daemons-after SECONDS]
    [ "$#" -eq 1 ] || { [ "$#" -eq 3 ] && [ "$2" = --daemons-after ] && [[ "$3" =~ ^[0-9]+$ ]]; } || usage
    require_tools
    check_node "$1"
    thaw_node "$1" "${3:-0}"
    ;;
  kill | resume | freeze | pids)
    [ "$#" -eq 1 ] || usage
    require_tools
    check_node "$1"
    case "$command" in
      kill) kill_node "$1" ;;
      resume) resume_node "$1" ;;
      freeze) freeze_node "$1" ;;
      pids) node_pids "$1" ;;
    esac
    ;;
  *) usage ;;
esac
