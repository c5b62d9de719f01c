import { NOT_LIVING_STATES, STAT_FIELDS } from './proc';
import { STOP_POLICY } from './stop-policy';

/**
 * The name the watchdog runs under (its `$0`): `ps` shows `sh -c ... --envoys-internal-watchdog <envoy's
 * executable> <envoy> <log format> <envoy's pid>`. Not an option of any envoy.
 */
export const WATCHDOG_ARGUMENT = '--envoys-internal-watchdog';

/** The argument the watchdog runs the envoy with, its at-death payload on stdin (see EnvoyDefinition.atDeath). */
export const AT_DEATH_ARGUMENT = '--envoys-internal-at-death';

// The shell's names of the signals (kill -s and trap take them without "SIG").
const bare = (signal: NodeJS.Signals) => signal.slice(3);
// `set -- "$1" <fields after the command name>` puts field n at positional parameter n + 2.
const field = (index: number) => `\${${index + 2}}`;

/**
 * The watchdog (watchdog.ts), a POSIX shell script. Its stop sequence is the envoy's own: every value of
 * it comes from STOP_POLICY, and the /proc fields it reads from proc.ts. Arguments: the envoy's executable,
 * the envoy's name, its log format, its PID, the node executable; the envoy's lines come on stdin.
 */
export const WATCHDOG_SCRIPT = `
trap '' ${STOP_POLICY.signals.map(bare).join(' ')} PIPE
envoy_entry=$1 envoy=$2 format=$3 envoy_pid=$4 node=$5
nl='
'
watched=''
at_death=''

# A group is alive while a member of it is not a zombie: an orphaned zombie may wait for a reaper forever.
alive() {
  kill -s 0 -- "-$1" 2>/dev/null || return 1
  for stat in /proc/[0-9]*/stat; do
    line=''
    read -r line 2>/dev/null <"$stat" || [ -n "$line" ] || continue
    set -- "$1" \${line##*) }
    [ "${field(STAT_FIELDS.processGroup)}" = "$1" ] || continue
    case ${field(STAT_FIELDS.state)} in ${NOT_LIVING_STATES.join(' | ')}) ;; *) return 0 ;; esac
  done
  [ -d /proc/self ] || return 0
  return 1
}

# Waits until group $1 has no living member, at most $2 ms.
gone_within() {
  waited=0
  while alive "$1"; do
    [ "$waited" -lt "$2" ] || return 1
    sleep ${STOP_POLICY.pollMs / 1000}
    waited=$((waited + ${STOP_POLICY.pollMs}))
  done
}

seconds() {
  fraction=$(printf '%03d' $(($1 % 1000)))
  while [ -n "$fraction" ] && [ "\${fraction%0}" != "$fraction" ]; do fraction=\${fraction%0}; done
  printf '%d%s' $(($1 / 1000)) "\${fraction:+.$fraction}"
}

# One log line in the envoy's own format, on the stdout the watchdog shares with it (the job's output).
say() {
  time=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
  if [ "$format" = json ]; then
    message=$(printf '%s' "$1" | sed 's/[\\\\"]/\\\\&/g')
    printf '{"time":"%s","level":"warn","envoy":"%s","step":"watchdog","message":"%s"}\\n' "$time" "$envoy" "$message"
  else
    printf '%s WARN  [watchdog] %s\\n' "$time" "$1"
  fi
}

stop() {
  alive "$1" || return 0
  say "$envoy (pid $envoy_pid) died while $4 (process group $1) was running: stopping the group with $2, ${STOP_POLICY.killSignal} after $(seconds "$3") s"
  kill -s "\${2#SIG}" -- "-$1" 2>/dev/null
  if gone_within "$1" "$3"; then
    say "process group $1 stopped"
  else
    kill -s ${bare(STOP_POLICY.killSignal)} -- "-$1" 2>/dev/null
    gone_within "$1" ${STOP_POLICY.killWaitMs}
    say "process group $1 stopped (it outlived the grace period and was killed with ${STOP_POLICY.killSignal})"
  fi
}

forget() {
  kept=''
  while IFS= read -r entry; do
    case $entry in '' | "$1 "*) ;; *) kept="$kept$entry$nl" ;; esac
  done <<WATCHED
$watched
WATCHED
  watched=$kept
}

while IFS=' ' read -r verb pgid signal grace what; do
  if [ "$verb" = atdeath ]; then
    case $pgid in - | '' | *[!A-Za-z0-9+/=]*) at_death='' ;; *) at_death=$pgid ;; esac
    continue
  fi
  case $pgid in '' | *[!0-9]*) continue ;; esac
  [ "$pgid" -gt 1 ] || continue
  forget "$pgid"
  [ "$verb" = watch ] || continue
  case $signal in ${STOP_POLICY.signals.join(' | ')}) ;; *) signal=${STOP_POLICY.defaultSignal} ;; esac
  case $grace in '' | *[!0-9]*) grace=0 ;; esac
  watched="$watched$pgid $signal $grace $what$nl"
done

# End of file: the envoy is gone. Its at-death work and the stop of every group it left running, side by side.
if [ -n "$at_death" ]; then
  printf '%s\n' "$at_death" | "$node" "$envoy_entry" '${AT_DEATH_ARGUMENT}' &
fi
while IFS=' ' read -r pgid signal grace what; do
  [ -n "$pgid" ] || continue
  stop "$pgid" "$signal" "$grace" "$what" &
done <<WATCHED
$watched
WATCHED
wait
`;
