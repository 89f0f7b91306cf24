#!/usr/bin/env bash
# The README quotes the main job's last line ("ends with `test RMSE X MAE Y`"): runs the main
# job (autorec-train with no arguments) and checks that the test RMSE and MAE it prints are
# within 0.001 of the README's. The figures do not change between runs or thread counts, but
# they do between kernel paths: the AVX-512 and AVX2 kernels sum in different orders, and the
# two were measured 0.00030 apart in RMSE (0.828685 against 0.828987) and 0.00047 in MAE
# (0.63754 against 0.638013). 0.001 is above that spread and below any change that matters.
#   check_readme_rmse.sh README AUTOREC_TRAIN
set -uo pipefail
readme=$1 program=$2
tolerance=0.001
line=$(sed -n 's/.*ends with `test RMSE \([0-9.]*\) MAE \([0-9.]*\)`.*/\1 \2/p' "$readme" | head -1)
read -r quoted_rmse quoted_mae <<<"$line"
[ -n "${quoted_rmse:-}" ] && [ -n "${quoted_mae:-}" ] ||
  { echo "check_readme_rmse: no 'ends with \`test RMSE X MAE Y\`' in $readme" >&2; exit 1; }
output=$("$program" 2>&1) || { printf '%s\n' "$output"; echo "check_readme_rmse: the main job failed" >&2; exit 1; }
printed=$(printf '%s\n' "$output" | sed -n 's/^test RMSE \([0-9.]*\) MAE \([0-9.]*\).*/\1 \2/p' | tail -1)
read -r printed_rmse printed_mae <<<"$printed"
[ -n "${printed_rmse:-}" ] && [ -n "${printed_mae:-}" ] ||
  { printf '%s\n' "$output" | tail -3; echo "check_readme_rmse: the main job printed no 'test RMSE X MAE Y' line" >&2; exit 1; }
printf '%s\n' "$output" | tail -3
# within QUOTED PRINTED: exit 0 when |QUOTED - PRINTED| <= tolerance
within() { awk -v a="$1" -v b="$2" -v t="$tolerance" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }
status=0
if ! within "$quoted_rmse" "$printed_rmse"; then
  echo "check_readme_rmse: the README says test RMSE $quoted_rmse, the main job printed $printed_rmse (more than $tolerance apart)" >&2
  status=1
fi
if ! within "$quoted_mae" "$printed_mae"; then
  echo "check_readme_rmse: the README says test MAE $quoted_mae, the main job printed $printed_mae (more than $tolerance apart)" >&2
  status=1
fi
[ "$status" -eq 0 ] &&
  echo "check_readme_rmse: the README's test RMSE $quoted_rmse MAE $quoted_mae is within $tolerance of what the main job prints ($printed_rmse, $printed_mae)"
exit "$status"
