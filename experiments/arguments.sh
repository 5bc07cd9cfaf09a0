# Argument handling shared by the experiment records (sourced by them, not run on its own).
# A record takes its stages as arguments and its paths from environment variables, each
# documented in its header. A path the caller passes is taken from the caller's folder; the
# defaults are taken from the repository root, where the records run.

# The record's header comment: from its second line to the first line that is not a comment.
usage() { sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$0"; }

# from_caller VAR...: each VAR the caller set, made absolute against the caller's folder (call
# this before the record changes to the repository root).
from_caller() {
  local v
  for v; do
    if [ -n "${!v:-}" ]; then printf -v "$v" '%s' "$(realpath -m -- "${!v}")"; fi
  done
}

# check_stages STAGE...: before any stage runs (so that no long run stops half-way), stop with a
# usage error when a stage is unknown, when the talkingface binary ($TF) is missing, or when a
# path a stage needs is not set or, for one it reads, does not exist. The record defines
#   needs STAGE   the variables STAGE needs: VAR< for one it reads, VAR<MAKER for one it reads
#                 that the stage MAKER makes (checked only when MAKER is not run too)
#   what VAR      what to pass as VAR
check_stages() {
  local s v name maker seen=" " errors=()
  for s; do
    if ! declare -F "stage_$s" >/dev/null; then errors+=("no stage '$s'"); continue; fi
    for v in $(needs "$s"); do
      name=${v%%<*}
      [[ $seen == *" $name "* ]] && continue
      seen+="$name "
      maker=${v#"$name"}; maker=${maker#<}
      if [ -z "${!name:-}" ]; then
        errors+=("stage $s needs $name=<$(what "$name")>")
      elif [[ $v == *"<"* && ! -e ${!name} ]] && [[ -z $maker || " $* " != *" $maker "* ]]; then
        errors+=("stage $s reads $name=$(realpath -m -- "${!name}"), which does not exist; pass $name=<$(what "$name")>")
      fi
    done
  done
  if ! command -v "$TF" >/dev/null; then
    errors+=("no talkingface binary at TF=$TF; build it (swift build -c release) or pass TF=<the talkingface binary>")
  fi
  [ ${#errors[@]} -eq 0 ] && return
  for s in "${errors[@]}"; do echo "$(basename "$0"): $s" >&2; done
  echo "(bash $0 --help lists the stages and the paths each one takes)" >&2
  exit 2
}

# parse_stages DEFAULT_STAGES -- ARGUMENTS...: the usage for --help; otherwise the stages given
# (default: DEFAULT_STAGES), checked, in `stages` for the record to run in order.
parse_stages() {
  local defaults=$1
  shift 2
  case ${1:-} in -h|--help) usage; exit 0 ;; esac
  stages=${*:-$defaults}
  check_stages $stages
}
