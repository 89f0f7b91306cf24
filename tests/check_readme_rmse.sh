#!/usr/bin/env bash
# The README quotes the main job's last line ("ends with `test RMSE X MAE Y`"): runs the main
# job (autorec-train with no arguments) and checks that it prints that test RMSE, to 4
# decimals (the float sums of the AVX-512 and AVX2 kernels may differ in the 6th).
#   check_readme_rmse.sh README AUTOREC_TRAIN
set -uo pipefail
readme=$1 program=$2
quoted=$(sed -n 's/.*ends with `test RMSE \([0-9.]*\) MAE.*/\1/p' "$readme" | head -1)
[ -n "$quoted" ] || { echo "check_readme_rmse: no 'ends with \`test RMSE ...\`' in $readme" >&2; exit 1; }
output=$("$program" 2>&1) || { printf '%s\n' "$output"; echo "check_readme_rmse: the main job failed" >&2; exit 1; }
printed=$(printf '%s\n' "$output" | sed -n 's/^test RMSE \([0-9.]*\) MAE.*/\1/p' | tail -1)
printf '%s\n' "$output" | tail -3
if [ "$(printf '%.4f' "$quoted")" != "$(printf '%.4f' "$printed")" ]; then
  echo "check_readme_rmse: the README says test RMSE $quoted, the main job printed $printed" >&2
  exit 1
fi
echo "check_readme_rmse: the README's test RMSE $quoted is what the main job prints ($printed)"
