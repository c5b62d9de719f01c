#!/usr/bin/env bash
# Self-check of the CASA emulator: builds processing directories from the example PPR.xml and metadata.json
# (tools/fixtures/examples, else ../shared/examples, or $EXAMPLES), runs bin/casa exactly as casa-envoy
# does, once per scenario and path mistake, and checks exit status, log, markers and products. The hang
# scenarios are stopped through their process group (setsid + kill, and GNU timeout), and at the end no
# process the checks started may still be running.
#
#   bash tools/emulators/casa/selftest.sh        (exit 0: every check passed)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
# The repository's copy of the examples, else the shared folder beside the repository.
if [ -z "${EXAMPLES:-}" ]; then
  EXAMPLES="$REPO/tools/fixtures/examples"
  [ -f "$EXAMPLES/PPR.xml" ] || EXAMPLES="$REPO/../shared/examples"
fi
CASA="$HERE/bin/casa"
RUNNER="$HERE/pipeline/pipeline/runvlapipeline.py"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/casa-emulator-selftest.XXXXXX")
SPOOL="$TMP/spool"
SDM=$(sed -n 's:.*<SdmIdentifier>\(.*\)</SdmIdentifier>.*:\1:p' "$EXAMPLES/PPR.xml")
STARTED_PIDS=() # every emulator and worker PID the checks learned of, for the final "nothing left" check
PASSED=0
FAILED=0

cleanup() {
  # Only the processes these checks started, by PID.
  for pid in "${STARTED_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT

check() {
  local what=$1
  shift
  if "$@"; then
    PASSED=$((PASSED + 1))
    echo "ok   $what"
  else
    FAILED=$((FAILED + 1))
    echo "FAIL $what"
  fi
}

# --- fixtures -------------------------------------------------------------------------------------------

# make_ppr DEST RELATIVE_PATH KIND: the example PPR with RelativePath set (or left stale with "-") and, for
# KIND other than cal, the procedure replaced by a restore, imaging or integrated one.
make_ppr() {
  node - "$EXAMPLES/PPR.xml" "$@" <<'JS'
const fs = require('node:fs');
const [src, dest, rel, kind] = process.argv.slice(2);
const procedures = {
  restore: ['Workspaces Restore', ['hifv_restoredata', 'hifv_statwt', 'hifv_exportdata']],
  img: ['Workspaces Standard Imaging', ['hifv_importdata', 'hif_mstransform', 'hif_makeimlist', 'hif_makeimages', 'hifv_pbcor', 'hifv_exportdata']],
  integrated: ['Workspaces Restore and Image', ['hifv_restoredata', 'hifv_statwt', 'hif_mstransform', 'hif_makeimlist', 'hif_makeimages', 'hifv_pbcor', 'hifv_exportdata']],
};
let xml = fs.readFileSync(src, 'utf8');
if (rel !== '-') xml = xml.replace(/<RelativePath>[^<]*<\/RelativePath>/, `<RelativePath>${rel}</RelativePath>`);
if (procedures[kind]) {
  const [title, commands] = procedures[kind];
  const body = commands.map((c) => `<ProcessingCommand>\n  <Command>${c}</Command>\n  <ParameterSet/>\n</ProcessingCommand>`).join('\n');
  xml = xml.replace(/<ProcedureTitle>[^<]*<\/ProcedureTitle>/, `<ProcedureTitle>${title}</ProcedureTitle>`);
  xml = xml.replace(/<ProcessingCommand>[\s\S]*<\/ProcessingCommand>/, body);
}
fs.writeFileSync(dest, xml);
JS
}

# new_proc NAME [KIND] [RELATIVE_PATH]: a processing directory as the envoy leaves it before launching CASA.
new_proc() {
  local name=$1 kind=${2:-cal} rel=${3:-$1}
  local dir="$SPOOL/$name"
  mkdir -p "$dir/rawdata/$SDM" "$dir/working" "$dir/products"
  cp "$EXAMPLES/metadata.json" "$dir/"
  echo '<ASDM/>' >"$dir/rawdata/$SDM/ASDM.xml"
  make_ppr "$dir/working/PPR.xml" "$rel" "$kind"
  echo "$dir"
}

# run_casa DIR [VAR=value ...]: runs CASA in DIR/working as the envoy does; output in DIR/{stdout,stderr},
# status in DIR/status.
run_casa() {
  local dir=$1
  shift
  (cd "$dir/working" && env SCIPIPE_ROOTDIR="$SPOOL" CASA_EMULATOR_RECORD="$dir/record.json" "$@" \
    timeout -k 5 60 "$CASA" --nogui --nologger --log2term --agg -c "$RUNNER" PPR.xml >"$dir/stdout" 2>"$dir/stderr") 2>/dev/null
  echo $? >"$dir/status"
}

# --- predicates ------------------------------------------------------------------------------------------

status_is() { [ "$(cat "$1/status")" = "$2" ]; }
count() { find "$1" -maxdepth 1 -name "$2" | wc -l | tr -d ' '; }
logs_are() { [ "$(count "$1/working" 'casa-*.log')" = "$2" ]; }
markers_are() { [ "$(count "$1/working" 'errorexit-*.txt')" = "$2" ]; }
log_has() { grep -qE "$2" "$1"/working/casa-*.log; }
log_lacks() { ! grep -qE "$2" "$1"/working/casa-*.log; }
has_file() { [ -e "$1/$2" ]; }
products_empty() { [ -z "$(ls -A "$1/products" 2>/dev/null)" ]; }
# (no grep -q after a pipe: its early exit kills the writer with SIGPIPE, and pipefail counts that)
tar_has() { tar tzf "$1" | grep -E "$2" >/dev/null; }

# Every log line is `YYYY-MM-DD HH:MM:SS<TAB>PRIORITY<TAB>ORIGIN<TAB>MESSAGE` or a tab-indented continuation.
log_well_formed() {
  ! grep -vE $'^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\t(SEVERE|WARN|INFO[1-5]?|DEBUG[12])\t[^\t]+\t|^\t' "$1"/working/casa-*.log
}

# Every stage as the runners log it: `Executing command ...<cmd>`, then `Results [...]` when it returned.
stages_complete() {
  local begins ends
  begins=$(grep -c $'\tExecuting command \.\.\.' "$1"/working/casa-*.log)
  ends=$(grep -c $'\tResults \[' "$1"/working/casa-*.log)
  [ "$begins" = "$ends" ] && [ "$begins" = "$2" ]
}

# A FITS file: starts with the SIMPLE card, has END in its header, and is a whole number of 2880-byte blocks.
fits_valid() {
  local size
  size=$(stat -c %s "$1")
  [ $((size % 2880)) = 0 ] && [ "$(head -c 30 "$1")" = "SIMPLE  =                    T" ] && head -c 2880 "$1" | grep 'END ' >/dev/null
}

record_field() { node -e 'const r = require(process.argv[1]); console.log(process.argv[2].split(".").reduce((o, k) => o?.[k], r) ?? "")' "$1/record.json" "$2"; }

# Alive and not a zombie: an orphaned worker killed in a container may linger as a zombie, which runs nothing.
alive() {
  local state
  state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}
dead() { ! alive "$1"; }

wait_until() { # wait_until SECONDS COMMAND...
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ $SECONDS -ge $deadline ] && return 1
    sleep 0.1
  done
}

has_child_pid() { [ -n "$(record_field "$1" childPid 2>/dev/null)" ]; }

# start_hang DIR SCENARIO: starts CASA in a session (and process group) of its own; sets PID and CHILD.
start_hang() {
  local dir=$1 scenario=$2
  (cd "$dir/working" && exec env SCIPIPE_ROOTDIR="$SPOOL" CASA_EMULATOR_SCENARIO="$scenario" CASA_EMULATOR_RECORD="$dir/record.json" \
    setsid "$CASA" --nogui --nologger --log2term --agg -c "$RUNNER" PPR.xml >"$dir/stdout" 2>"$dir/stderr") 2>/dev/null &
  disown $! # bash would report the job's death by signal; the checks look at /proc instead
  wait_until 15 has_child_pid "$dir" || { echo "no childPid in $dir/record.json"; return 1; }
  PID=$(record_field "$dir" pid)
  CHILD=$(record_field "$dir" childPid)
  STARTED_PIDS+=("$PID" "$CHILD")
}

pgid_of() { ps -o pgid= -p "$1" | tr -d ' '; }

# --- command line and runner -----------------------------------------------------------------------------

echo "# CASA emulator self-check in $TMP"

d=$(new_proc usage)
(cd "$d/working" && "$CASA" --nogui --frobnicate -c "$RUNNER" PPR.xml >"$d/stdout" 2>"$d/stderr"; echo $? >"$d/status")
check "unknown flag: exit 1" status_is "$d" 1
check "unknown flag: argparse-like error" grep -q 'casa: error: unrecognized arguments: --frobnicate' "$d/stderr"

(cd "$d/working" && "$CASA" --nogui -c "$HERE/pipeline/pipeline/nosuch_runvlapipeline.py" PPR.xml >"$d/stdout" 2>"$d/stderr"; echo $? >"$d/status")
check "missing runner: exit 1" status_is "$d" 1
check "missing runner: FileNotFoundError traceback on stderr" grep -q '^FileNotFoundError: ' "$d/stderr"

echo 'print(1)' >"$TMP/other.py"
(cd "$d/working" && "$CASA" --nogui -c "$TMP/other.py" >"$d/stdout" 2>"$d/stderr"; echo $? >"$d/status")
check "a script that is no pipeline runner: exit 1 with a traceback" bash -c "[ \$(cat '$d/status') = 1 ] && grep -q Traceback '$d/stderr'"

d=$(new_proc badscenario)
run_casa "$d" CASA_EMULATOR_SCENARIO=nonsense
check "unknown scenario: exit 1 naming the variable" bash -c "[ \$(cat '$d/status') = 1 ] && grep -q CASA_EMULATOR_SCENARIO '$d/stderr'"

# --- success per kind of run -----------------------------------------------------------------------------

cal=$(new_proc cal)
run_casa "$cal"
check "calibration: exit 0" status_is "$cal" 0
check "calibration: one casa-*.log" logs_are "$cal" 1
check "calibration: log lines well formed" log_well_formed "$cal"
check "calibration: log starts with the CASA version" bash -c "head -1 '$cal'/working/casa-*.log | grep -q 'CASA Version'"
check "calibration: Executing/Results per command (8)" stages_complete "$cal" 8
check "calibration: no SEVERE" log_lacks "$cal" $'\tSEVERE\t'
check "calibration: no errorexit marker" markers_are "$cal" 0
check "calibration: --log2term echoes the log" grep -q 'Executing command ...hifv_importdata' "$cal/stdout"
check "calibration: weblog index" bash -c "ls '$cal'/working/pipeline-*/html/index.html >/dev/null"
for f in unknown.session_1.caltables.tgz weblog.tgz casa_pipescript.py casa_commands.log unknown.pipeline_manifest.xml \
  "$SDM.ms.flagversions.tgz" "$SDM.ms.calapply.txt" casa_piperestorescript.py; do
  check "calibration: products/$f" has_file "$cal/products" "$f"
done
check "calibration: caltables tar holds tables" tar_has "$cal/products/unknown.session_1.caltables.tgz" '\.tbl/table\.dat$'
check "calibration: weblog.tgz holds pipeline-*/html/index.html" tar_has "$cal/products/weblog.tgz" '^pipeline-[0-9T]+/html/index\.html$'
check "calibration: no FITS" bash -c "! ls '$cal'/products/*.fits 2>/dev/null"
check "record: argv as launched" bash -c "[ \"\$(node -e 'console.log(require(process.argv[1]).argv.slice(1).join(\" \"))' '$cal/record.json')\" = '--nogui --nologger --log2term --agg -c $RUNNER PPR.xml' ]"
check "record: environment (SCIPIPE_ROOTDIR)" bash -c "[ \"\$(node -e 'console.log(require(process.argv[1]).env.SCIPIPE_ROOTDIR)' '$cal/record.json')\" = '$SPOOL' ]"
check "record: cwd and pid" bash -c "[ \"\$(node -e 'const r=require(process.argv[1]); console.log(r.cwd, r.pid > 0)' '$cal/record.json')\" = '$cal/working true' ]"

img=$(new_proc img img)
run_casa "$img"
check "imaging: exit 0" status_is "$img" 0
check "imaging: Executing/Results per command (6)" stages_complete "$img" 6
check "imaging: two science images" bash -c "[ \$(ls '$img'/products/*.pbcor.tt0.fits | wc -l) = 2 ]"
for stem in "$img"/products/*.pbcor.tt0.fits; do
  stem=${stem%.fits}
  for suffix in .fits .rms.fits .pb.fits .mask.fits .alpha.fits; do
    check "imaging: $(basename "$stem")$suffix is valid FITS" fits_valid "$stem$suffix"
  done
  check "imaging: $(basename "$stem").png" bash -c "head -c 8 '$stem.png' | grep -q PNG"
done
for f in weblog.tgz casa_pipescript.py casa_commands.log oussid.pipeline_manifest.xml; do
  check "imaging: products/$f" has_file "$img/products" "$f"
done
check "imaging: no caltables" bash -c "! ls '$img'/products/*caltables* 2>/dev/null"

d=$(new_proc restore-empty restore)
run_casa "$d"
check "restore without calibration in products/: exit 0 (quiet)" status_is "$d" 0
check "restore without calibration: errorexit marker" markers_are "$d" 1
check "restore without calibration: no SEVERE" log_lacks "$d" $'\tSEVERE\t'
check "restore without calibration: WARN from hifv_restoredata" log_has "$d" $'\tWARN\thifv_restoredata'
check "restore without calibration: no measurement set" bash -c "[ ! -e '$d/working/$SDM.ms' ]"

# What the envoy puts into products/ for a restore: the calibration products of a calibration run.
restore=$(new_proc restore restore)
cp "$cal"/products/* "$restore/products/"
rm "$restore/products/weblog.tgz"
run_casa "$restore"
check "restore: exit 0" status_is "$restore" 0
check "restore: no errorexit marker" markers_are "$restore" 0
check "restore: working/$SDM.ms/ is a table" has_file "$restore/working/$SDM.ms" table.dat
check "restore: nothing new in products/, the restored MS in working/" bash -c "[ ! -e '$restore/products/$SDM.ms.restore.log' ] && [ -f '$restore/working/$SDM.ms/table.dat' ]"
check "restore: products/weblog.tgz" has_file "$restore/products" weblog.tgz

integ=$(new_proc integrated integrated)
cp "$cal"/products/* "$integ/products/"
rm "$integ/products/weblog.tgz"
run_casa "$integ"
check "integrated: exit 0" status_is "$integ" 0
check "integrated: measurement set" has_file "$integ/working/$SDM.ms" table.dat
check "integrated: the restored MS in working/" test -f "$integ/working/$SDM.ms/table.dat"
check "integrated: images" bash -c "[ \$(ls '$integ'/products/*.pbcor.tt0.fits | wc -l) = 2 ]"
check "integrated: manifest" has_file "$integ/products" oussid.pipeline_manifest.xml

# --- how the pipeline reads a PPR (pipeline/extern/XmlObjectifier.py, executevlappr.py, executeppr.py) -----

quiet_failure() { # quiet_failure DIR WHAT: caught by the pipeline: marker in working/, CASA exits 0
  check "$2: exit 0" status_is "$1" 0
  check "$2: errorexit marker in working/" markers_are "$1" 1
  check "$2: no SEVERE" log_lacks "$1" $'\tSEVERE\t'
  check "$2: only INFO and WARN lines" bash -c "! grep -vE \$'^[0-9-]+ [0-9:]+\t(INFO|WARN)\t|^\t' '$1'/working/casa-*.log"
  check "$2: nothing in products/" products_empty "$1"
}

uncaught() { # uncaught DIR WHAT TEXT: an exception escapes the runner: traceback on stderr, CASA exits 1
  check "$2: exit 1" status_is "$1" 1
  check "$2: traceback on stderr names $3" grep -qF "$3" "$1/stderr"
  check "$2: no errorexit marker" markers_are "$1" 0
  check "$2: nothing in products/" products_empty "$1"
}

# set_text DIR ELEMENT TEXT: the first <ELEMENT>...</ELEMENT> of working/PPR.xml gets exactly TEXT (raw XML).
set_text() {
  node -e 'const fs=require("fs");const [f,e,t]=process.argv.slice(1);const x=fs.readFileSync(f,"utf8");fs.writeFileSync(f,x.replace(new RegExp(`<${e}>[^<]*</${e}>`),()=>`<${e}>${t}</${e}>`))' "$1/working/PPR.xml" "$2" "$3"
}

# A stale RelativePath: the data are not found; the marker cannot be written into a working directory that
# does not exist, and that exception escapes.
d=$(new_proc stale cal -)
run_casa "$d"
uncaught "$d" "stale RelativePath" "FileNotFoundError: [Errno 2] No such file or directory: '$SPOOL/tmpo1ca1pp_/working/errorexit-"
check "stale RelativePath: the import step warned" log_has "$d" $'\tWARN\thifv_importdata::::casa\tVisibility data set'

d=$(new_proc noroot)
(cd "$d/working" && env -u SCIPIPE_ROOTDIR "$CASA" --nogui --nologger --log2term --agg -c "$RUNNER" PPR.xml >"$d/stdout" 2>"$d/stderr"; echo $? >"$d/status")
uncaught "$d" "SCIPIPE_ROOTDIR unset, pipeline 2020.1" "'\$SCIPIPE_ROOTDIR/noroot/working/errorexit-"
check "SCIPIPE_ROOTDIR unset, pipeline 2020.1: log names the literal \$SCIPIPE_ROOTDIR" log_has "$d" 'Working directory: \$SCIPIPE_ROOTDIR/noroot/working'

d=$(new_proc noroot2024 cal -)
(cd "$d/working" && env -u SCIPIPE_ROOTDIR CASA_EMULATOR_PIPELINE_VERSION=2024.1.0.8 "$CASA" --nogui --nologger --log2term --agg -c "$RUNNER" PPR.xml >"$d/stdout" 2>"$d/stderr"; echo $? >"$d/status")
check "SCIPIPE_ROOTDIR unset, pipeline 2024.1: ../working and ../rawdata from cwd, exit 0" status_is "$d" 0
check "SCIPIPE_ROOTDIR unset, pipeline 2024.1: caltables" has_file "$d/products" unknown.session_1.caltables.tgz
check "SCIPIPE_ROOTDIR unset, pipeline 2024.1: banner" log_has "$d" 'CASA Version 6\.6\.1\.17   \(Pipeline 2024\.1\.0\.8\)'

d=$(new_proc badversion)
run_casa "$d" CASA_EMULATOR_PIPELINE_VERSION=latest
check "bad CASA_EMULATOR_PIPELINE_VERSION: exit 1" status_is "$d" 1
check "bad CASA_EMULATOR_PIPELINE_VERSION: says so" grep -q 'casa emulator: CASA_EMULATOR_PIPELINE_VERSION "latest"' "$d/stderr"

d=$(new_proc wrongroot)
run_casa "$d" SCIPIPE_ROOTDIR="$TMP/elsewhere"
uncaught "$d" "SCIPIPE_ROOTDIR wrong" "No such file or directory: '$TMP/elsewhere/wrongroot/working/errorexit-"

d=$(new_proc norawdata)
rm -rf "$d/rawdata/$SDM"
run_casa "$d"
quiet_failure "$d" "SDM missing from rawdata/"
check "SDM missing: the import step began and warned" log_has "$d" $'\tWARN\thifv_importdata::::casa\tVisibility data set'

# Directory names castType converts: the RelativePath is no str and os.path.join raises inside the try.
for name in 4711 true 1e3 nan ' 12 ' 1_000 '[1]' '٤٧'; do
  d=$(new_proc "$name")
  run_casa "$d"
  quiet_failure "$d" "RelativePath \"$name\""
  check "RelativePath \"$name\": TypeError of os.path.join" grep -q "TypeError: join() argument must be str" "$d/stdout"
done
d=$(new_proc 4711b cal ./4711b)
run_casa "$d"
check "RelativePath \"./4711b\" (a str): exit 0" status_is "$d" 0
check "RelativePath \"./4711b\": caltables" has_file "$d/products" unknown.session_1.caltables.tgz
d=$(new_proc ' spaced ')
run_casa "$d"
check "RelativePath \" spaced \" read verbatim: exit 0" status_is "$d" 0
check "RelativePath \" spaced \": caltables" has_file "$d/products" unknown.session_1.caltables.tgz

d=$(new_proc paddedsdm)
set_text "$d" SdmIdentifier " $SDM "
run_casa "$d"
quiet_failure "$d" "SdmIdentifier with spaces around it (read verbatim)"
check "SdmIdentifier with spaces: the import looked for ' $SDM '" log_has "$d" "Visibility data set .*/rawdata/ $SDM  not found"

d=$(new_proc cdatasdm)
set_text "$d" SdmIdentifier "<![CDATA[$SDM]]>"
run_casa "$d"
quiet_failure "$d" "SdmIdentifier in CDATA (no text node)"
check "SdmIdentifier in CDATA: Empty ASDM list" log_has "$d" 'Empty ASDM list'

d=$(new_proc commentsdm)
set_text "$d" SdmIdentifier "$SDM<!-- EB -->"
run_casa "$d"
quiet_failure "$d" "SdmIdentifier with a comment inside"

d=$(new_proc numsdm)
set_text "$d" SdmIdentifier "58099"
mkdir -p "$d/rawdata/58099"
run_casa "$d"
uncaught "$d" "SdmIdentifier 58099 (an int)" 'TypeError: join() argument must be str'

d=$(new_proc twodatasets)
node -e 'const fs=require("fs");const f=process.argv[1];const x=fs.readFileSync(f,"utf8");const m=/<DataSet>[\s\S]*?<\/DataSet>/.exec(x)[0];fs.writeFileSync(f,x.replace(m,m+m))' "$d/working/PPR.xml"
run_casa "$d"
quiet_failure "$d" "two DataSets (VLA)"
check "two DataSets: ValueError of the five-value return" grep -q 'ValueError: not enough values to unpack' "$d/stdout"

d=$(new_proc tworequests)
node -e 'const fs=require("fs");const f=process.argv[1];const x=fs.readFileSync(f,"utf8");const m=/<ProcessingRequest>[\s\S]*?<\/ProcessingRequest>/.exec(x)[0];fs.writeFileSync(f,x.replace(m,m+m))' "$d/working/PPR.xml"
run_casa "$d"
uncaught "$d" "two ProcessingRequests (VLA: relative path emptied)" "No such file or directory: '$SPOOL/working/errorexit-"
check "two ProcessingRequests: Undefined relative data path" log_has "$d" 'Undefined relative data path'

d=$(new_proc nooperator)
sed -i '/<Operator>/d' "$d/working/PPR.xml"
run_casa "$d"
quiet_failure "$d" "ProjectSummary without Operator"
check "ProjectSummary without Operator: AttributeError" grep -q "AttributeError: 'XmlElement' object has no attribute 'Operator'" "$d/stdout"

d=$(new_proc numproposal)
set_text "$d" ProposalCode 12345
run_casa "$d"
uncaught "$d" "ProposalCode 12345 (an int added to a str)" 'TypeError: can only concatenate str (not "int") to str'

d=$(new_proc nostructure)
sed -i 's:<ProjectStructure>TBD</ProjectStructure>::' "$d/working/PPR.xml"
run_casa "$d"
quiet_failure "$d" "no ProjectStructure, pipeline 2020.1"
d=$(new_proc nostructure2024)
sed -i 's:<ProjectStructure>TBD</ProjectStructure>::' "$d/working/PPR.xml"
run_casa "$d" CASA_EMULATOR_PIPELINE_VERSION=2024.1.0.8
check "no ProjectStructure, pipeline 2024.1 (VLA no longer reads it): exit 0" status_is "$d" 0

for bad in 'mismatched tag|<ns2:SciPipeRequest xmlns:ns2="x"><ProcessingRequests></ns2:SciPipeRequest>' \
  'not well-formed (invalid token)|<ns2:SciPipeRequest xmlns:ns2="x"><ProjectSummary><Telescope>EVLA</ Telescope></ProjectSummary></ns2:SciPipeRequest>' \
  'not well-formed (invalid token)|<ns2:SciPipeRequest xmlns:ns2="x">< RelativePath>x</RelativePath></ns2:SciPipeRequest>' \
  'duplicate attribute|<ns2:SciPipeRequest xmlns:ns2="x" a="1" a="2"/>' \
  'unbound prefix|<ns2:SciPipeRequest/>' \
  'undefined entity|<ns2:SciPipeRequest xmlns:ns2="x">&nbsp;</ns2:SciPipeRequest>'; do
  d=$(new_proc badxml)
  printf '%s\n' "${bad#*|}" >"$d/working/PPR.xml"
  run_casa "$d"
  quiet_failure "$d" "malformed PPR (${bad%%|*})"
  check "malformed PPR: expat's message \"${bad%%|*}\"" grep -qF "ExpatError: ${bad%%|*}: line 1" "$d/stdout"
  rm -rf "$d"
done

# The pipeline never changes directory: started elsewhere, it writes its context and weblog there and its
# products into ../products from there, while the data come from $SCIPIPE_ROOTDIR/<RelativePath>.
d=$(new_proc otherdir)
(cd "$d" && SCIPIPE_ROOTDIR="$SPOOL" "$CASA" --nogui --nologger --log2term --agg -c "$RUNNER" working/PPR.xml >"$d/stdout" 2>"$d/stderr"; echo $? >"$d/status")
check "started outside working/: exit 0" status_is "$d" 0
check "started outside working/: log and weblog in the start directory" bash -c "ls '$d'/casa-*.log '$d'/pipeline-*/html/index.html >/dev/null"
check "started outside working/: products in ../products of the start directory" has_file "$SPOOL/products" unknown.session_1.caltables.tgz
check "started outside working/: nothing in the processing directory's products/" products_empty "$d"
rm -rf "$SPOOL/products"

d=$(new_proc almarunner)
(cd "$d/working" && SCIPIPE_ROOTDIR="$SPOOL" "$CASA" --nogui --nologger --log2term --agg -c "$HERE/pipeline/pipeline/runpipeline.py" PPR.xml >"$d/stdout" 2>"$d/stderr"; echo $? >"$d/status")
quiet_failure "$d" "ALMA runner for a VLA-shaped PPR"
check "ALMA runner for a VLA-shaped PPR: no request found (ValueError)" grep -q 'ValueError: not enough values to unpack' "$d/stdout"

# --- ALMA (runpipeline.py): DataSet/SchedBlockSet/SchedBlockIdentifier, one AsdmIdentifier per ASDM -------

ALMA_RUNNER="$HERE/pipeline/pipeline/runpipeline.py"
ALMA_ASDMS=$(sed -n 's:.*<AsdmDiskName>\(.*\)</AsdmDiskName>.*:\1:p' "$EXAMPLES/PPR-alma.xml")
new_alma() { # new_alma NAME: a processing directory for the ALMA example, RelativePath set to NAME
  local dir="$SPOOL/$1" asdm
  mkdir -p "$dir/working" "$dir/products"
  for asdm in $ALMA_ASDMS; do mkdir -p "$dir/rawdata/$asdm" && echo '<ASDM/>' >"$dir/rawdata/$asdm/ASDM.xml"; done
  node -e 'const fs=require("fs");const [s,d,r]=process.argv.slice(1);fs.writeFileSync(d,fs.readFileSync(s,"utf8").replace(/<RelativePath>[^<]*<\/RelativePath>/,`<RelativePath>${r}</RelativePath>`))' \
    "$EXAMPLES/PPR-alma.xml" "$dir/working/PPR.xml" "$1"
  echo "$dir"
}
run_alma() {
  local dir=$1
  shift
  (cd "$dir/working" && env SCIPIPE_ROOTDIR="$SPOOL" "$@" timeout -k 5 60 "$CASA" --nogui --nologger --log2term --agg -c "$ALMA_RUNNER" PPR.xml >"$dir/stdout" 2>"$dir/stderr") 2>/dev/null
  echo $? >"$dir/status"
}

d=$(new_alma alma)
run_alma "$d"
check "ALMA calibration: exit 0" status_is "$d" 0
check "ALMA calibration: Executing/Results per command (9)" stages_complete "$d" 9
check "ALMA calibration: log lists the OUS status" log_has "$d" 'OUSStatus Entity Id: uid://A001/X1296/X1d3'
for asdm in $ALMA_ASDMS; do check "ALMA calibration: imported $asdm" log_has "$d" "ASDM: $asdm\$"; done
check "ALMA calibration: caltables" has_file "$d/products" unknown.session_1.caltables.tgz
check "ALMA calibration: no marker" markers_are "$d" 0

d=$(new_alma alma-errorexit)
run_alma "$d" CASA_EMULATOR_SCENARIO=errorexit
check "ALMA failing stage: PipelineException escapes, exit 1" status_is "$d" 1
check "ALMA failing stage: marker in working/" markers_are "$d" 1
check "ALMA failing stage: marker and weblog exported to products/ (export_on_exception)" bash -c "ls '$d'/products/errorexit-*.txt '$d'/products/weblog.tgz >/dev/null"

d=$(new_alma alma-noasdm)
rm -rf "$d/rawdata/${ALMA_ASDMS##*$'\n'}"
run_alma "$d"
check "ALMA, second ASDM missing from rawdata/: exit 1" status_is "$d" 1
check "ALMA, second ASDM missing: the import warned" log_has "$d" $'\tWARN\thifa_importdata::::casa\tVisibility data set'

d=$(new_alma 4712)
run_alma "$d"
quiet_failure "$d" "ALMA RelativePath \"4712\""

d=$(new_alma alma-nostatus)
sed -i '/<OUSStatusRef/d' "$d/working/PPR.xml"
run_alma "$d"
quiet_failure "$d" "ALMA ProjectStructure without OUSStatusRef"
check "ALMA ProjectStructure without OUSStatusRef: looks for AlmaStructure" grep -q "no attribute 'AlmaStructure'" "$d/stdout"

# A CASA home of the other layout whose bin/casa is a symbolic link to the emulator.
home="$TMP/casa-home"
mkdir -p "$home/bin" "$home/lib/py/lib/python3.8/site-packages/pipeline"
ln -s "$CASA" "$home/bin/casa"
cp "$RUNNER" "$home/lib/py/lib/python3.8/site-packages/pipeline/"
d=$(new_proc linkedhome)
(cd "$d/working" && SCIPIPE_ROOTDIR="$SPOOL" "$home/bin/casa" --nogui --nologger --log2term --agg \
  -c "$home/lib/py/lib/python3.8/site-packages/pipeline/runvlapipeline.py" PPR.xml >"$d/stdout" 2>"$d/stderr"; echo $? >"$d/status")
check "symlinked home, site-packages runner: exit 0" status_is "$d" 0
check "symlinked home: log names the home that was called" log_has "$d" "Tables used by CASA are in $home/data"
check "symlinked home: caltables" has_file "$d/products" unknown.session_1.caltables.tgz

# --- scenarios -------------------------------------------------------------------------------------------

d=$(new_proc severe)
run_casa "$d" CASA_EMULATOR_SCENARIO=severe
check "severe: exit 0" status_is "$d" 0
check "severe: SEVERE line" log_has "$d" $'\tSEVERE\tapplycal::::casa\tTask applycal raised an exception'
check "severe: traceback continuation lines (full prefix, origin+)" log_has "$d" $'\tSEVERE\tpipeline::pipeline.infrastructure.basetask::casa\\+\t  File "pipeline/infrastructure/basetask.py"'
check "severe: log well formed" log_well_formed "$d"
check "severe: no errorexit marker" markers_are "$d" 0
check "severe: no caltables" bash -c "! ls '$d'/products/*caltables* 2>/dev/null"
check "severe: partial products (casa_pipescript.py)" has_file "$d/products" casa_pipescript.py

d=$(new_proc benign)
run_casa "$d" CASA_EMULATOR_SCENARIO=severe-flagmanager
check "severe-flagmanager: exit 0" status_is "$d" 0
check "severe-flagmanager: SEVERE flagmanager line" log_has "$d" $'\tSEVERE\tflagmanager::::casa\t'
check "severe-flagmanager: full products" has_file "$d/products" unknown.session_1.caltables.tgz

d=$(new_proc errorexit)
run_casa "$d" CASA_EMULATOR_SCENARIO=errorexit
check "errorexit: exit 0" status_is "$d" 0
check "errorexit: marker" markers_are "$d" 1
check "errorexit: marker is empty" bash -c "[ ! -s \"\$(ls '$d'/working/errorexit-*.txt)\" ]"
check "errorexit: marker name errorexit-YYYYMMDDTHHMMSS.txt" bash -c "ls '$d/working' | grep -qE '^errorexit-[0-9]{8}T[0-9]{6}\.txt$'"
check "errorexit: no SEVERE" log_lacks "$d" $'\tSEVERE\t'
check "errorexit: nothing in products/" products_empty "$d"

d=$(new_proc crash)
run_casa "$d" CASA_EMULATOR_SCENARIO=crash
check "crash: exit 1" status_is "$d" 1
check "crash: Python traceback on stderr" grep -q '^Traceback (most recent call last):' "$d/stderr"
check "crash: log stops mid-task" bash -c "tail -1 '$d'/working/casa-*.log | grep -qv 'Results \[' && [ \$(grep -c 'Executing command' '$d'/working/casa-*.log) -gt \$(grep -c 'Results \[' '$d'/working/casa-*.log) ]"
check "crash: nothing in products/" products_empty "$d"

d=$(new_proc signal)
run_casa "$d" CASA_EMULATOR_SCENARIO=signal
check "signal: killed by SIGKILL (status 137)" status_is "$d" 137
check "signal: log stops mid-task" bash -c "[ \$(grep -c 'Executing command' '$d'/working/casa-*.log) -gt \$(grep -c 'Results \[' '$d'/working/casa-*.log) ]"

d=$(new_proc nolog)
run_casa "$d" CASA_EMULATOR_SCENARIO=nolog
check "nolog: exit 0" status_is "$d" 0
check "nolog: no casa-*.log" logs_are "$d" 0
check "nolog: printed something" test -s "$d/stdout"
check "nolog: nothing in products/" products_empty "$d"

d=$(new_proc noproducts)
run_casa "$d" CASA_EMULATOR_SCENARIO=noproducts
check "noproducts: exit 0" status_is "$d" 0
check "noproducts: no SEVERE" log_lacks "$d" $'\tSEVERE\t'
check "noproducts: every stage complete" stages_complete "$d" 8
check "noproducts: no marker" markers_are "$d" 0
check "noproducts: nothing in products/" products_empty "$d"

d=$(new_proc slow)
start=$(date +%s%N)
run_casa "$d" CASA_EMULATOR_SCENARIO=slow CASA_EMULATOR_SECONDS=1.5
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
check "slow: exit 0" status_is "$d" 0
check "slow: took at least 1.5 s (${elapsed_ms} ms)" test "$elapsed_ms" -ge 1500
check "slow: progress lines" log_has "$d" '% done$'
check "slow: products" has_file "$d/products" unknown.session_1.caltables.tgz

# Two starts in the same second and directory: two logs, neither reused.
d=$(new_proc twice)
(cd "$d/working" && for i in 1 2; do SCIPIPE_ROOTDIR="$SPOOL" CASA_EMULATOR_SCENARIO=noproducts "$CASA" --nogui -c "$RUNNER" PPR.xml >/dev/null 2>&1 & done; wait)
check "two starts at once: two distinct casa-*.log" logs_are "$d" 2
check "two starts at once: two weblog directories" bash -c "[ \$(ls -d '$d'/working/pipeline-* | wc -l) = 2 ]"

# --- hangs: only a signal to the whole process group stops everything ------------------------------------

d=$(new_proc hang)
if start_hang "$d" hang; then
  check "hang: CASA and its worker run" bash -c "$(declare -f alive); alive $PID && alive $CHILD"
  check "hang: worker is in CASA's process group" test "$(pgid_of "$CHILD")" = "$PID"
  check "hang: log stops inside a task" log_lacks "$d" 'Terminating procedure execution'
  kill -TERM -- "-$PID"
  check "hang: SIGTERM to the group stops both" wait_until 5 bash -c "$(declare -f alive dead); dead $PID && dead $CHILD"
else
  check "hang: started" false
fi

d=$(new_proc hang-orphan)
if start_hang "$d" hang; then
  kill -TERM "$PID"
  check "hang: SIGTERM to CASA alone stops CASA" wait_until 5 dead "$PID"
  check "hang: ... and leaves its worker running (the habit envoys must handle)" alive "$CHILD"
  kill -TERM "$CHILD"
  check "hang: the orphaned worker exits on SIGTERM" wait_until 5 dead "$CHILD"
else
  check "hang (orphan): started" false
fi

d=$(new_proc stubborn)
if start_hang "$d" hang-stubborn; then
  kill -TERM -- "-$PID"
  kill -INT -- "-$PID"
  kill -HUP -- "-$PID"
  sleep 1
  check "hang-stubborn: SIGTERM/SIGINT/SIGHUP to the group stop neither" alive "$PID"
  check "hang-stubborn: ... nor the worker" alive "$CHILD"
  kill -KILL -- "-$PID"
  check "hang-stubborn: SIGKILL to the group stops both" wait_until 5 bash -c "$(declare -f alive dead); dead $PID && dead $CHILD"
else
  check "hang-stubborn: started" false
fi

# GNU timeout signals its whole process group, as an envoy's time limit should.
d=$(new_proc timeout-hang)
(cd "$d/working" && SCIPIPE_ROOTDIR="$SPOOL" CASA_EMULATOR_SCENARIO=hang CASA_EMULATOR_RECORD="$d/record.json" \
  timeout 2 "$CASA" --nogui -c "$RUNNER" PPR.xml >/dev/null 2>&1; echo $? >"$d/status")
STARTED_PIDS+=("$(record_field "$d" pid)" "$(record_field "$d" childPid)")
check "timeout + hang: status 124" status_is "$d" 124
check "timeout + hang: the worker had started" has_child_pid "$d"
check "timeout + hang: worker gone" wait_until 5 dead "$(record_field "$d" childPid)"

d=$(new_proc timeout-stubborn)
(cd "$d/working" && SCIPIPE_ROOTDIR="$SPOOL" CASA_EMULATOR_SCENARIO=hang-stubborn CASA_EMULATOR_RECORD="$d/record.json" \
  timeout -k 1 2 "$CASA" --nogui -c "$RUNNER" PPR.xml >/dev/null 2>&1; echo $? >"$d/status") 2>/dev/null
STARTED_PIDS+=("$(record_field "$d" pid)" "$(record_field "$d" childPid)")
check "timeout -k + hang-stubborn: killed (status 137)" status_is "$d" 137
check "timeout + stubborn: the worker had started" has_child_pid "$d"
check "timeout -k + hang-stubborn: worker gone" wait_until 5 dead "$(record_field "$d" childPid)"

# --- nothing left behind ---------------------------------------------------------------------------------

nothing_left() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do alive "$pid" && { echo "still running: $pid"; return 1; }; done
  return 0
}
check "no emulator or worker process is left running" nothing_left

echo "# self-check: $PASSED ok, $FAILED failed"
[ "$FAILED" = 0 ]
