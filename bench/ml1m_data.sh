# Sourced by the bench scripts that need the ML-1M ratings file: require_ml1m USAGE PATH
# sets $data to PATH, or to $AUTOREC_ML1M when PATH is empty; without either it prints USAGE
# and where the file comes from, and exits 2; a path with no file behind it exits 1.
require_ml1m() {
  local usage=$1
  data=${2:-${AUTOREC_ML1M:-}}
  if [ -z "$data" ]; then
    echo "usage: $usage" >&2
    echo "  RATINGS: the ML-1M ratings file (a user-item-rating file from grouplens.org, not part of" >&2
    echo "  this repository); give its path, or set AUTOREC_ML1M to it" >&2
    exit 2
  fi
  [ -f "$data" ] || { echo "$0: no ratings file at $data" >&2; exit 1; }
}
