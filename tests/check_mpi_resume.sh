#!/usr/bin/env bash
# A run killed mid-training resumes from its checkpoint and ends with the same model as a
# run never interrupted:
#   check_mpi_resume.sh TRAIN_MPI WORKDIR [autorec-train-mpi options...]
# (the options must fix --epochs and --patience 0, so both runs train the same epochs)
set -euo pipefail
train=$1 work=$2
shift 2
rm -rf "$work" && mkdir -p "$work"
run() {  # run NAME OPTIONS...: 2 ranks, checkpoints every epoch in WORKDIR/NAME
  local name=$1
  shift
  "${MPIRUN:-mpirun}" --oversubscribe -np 2 "$train" --threads 1 --checkpoint "$work/$name" --save "$work/$name.bin" "$@"
}
run whole "$@" >"$work/whole.txt" 2>&1 || { cat "$work/whole.txt"; exit 1; }

# Kill one rank (SIGKILL) once the run has checkpointed epoch 2 or later of its first training
# run (each run, a trial or the refit, checkpoints in its own folder of the directory).
run killed "$@" >"$work/killed-1.txt" 2>&1 &
launcher=$!
latest() { cat "$work"/killed/*/latest 2>/dev/null | sort -n | tail -1; }
for _ in $(seq 1 600); do
  [ -n "$(latest)" ] && [ "$(latest)" -ge 2 ] && break
  sleep 0.1
done
victim=$(pgrep -f -- "--checkpoint $work/killed" | while read -r pid; do
  [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = "$(basename "$train" | cut -c1-15)" ] && echo "$pid"; done | tail -1)
[ -n "$victim" ] || { cat "$work/killed-1.txt"; echo "check_mpi_resume: the run ended before it could be killed" >&2; exit 1; }
kill -9 "$victim"
if wait "$launcher"; then echo "check_mpi_resume: the killed run exited 0" >&2; exit 1; fi
[ ! -f "$work/killed.bin" ] || { echo "check_mpi_resume: the killed run saved a model" >&2; exit 1; }
echo "killed rank $victim after epoch $(latest)"

run killed "$@" >"$work/killed-2.txt" 2>&1 || { cat "$work/killed-2.txt"; exit 1; }
cat "$work/killed-2.txt"
grep -q "resumed from $work/killed/trial-[0-9.]* after epoch" "$work/killed-2.txt" || { echo "check_mpi_resume: no resume" >&2; exit 1; }
cmp "$work/whole.bin" "$work/killed.bin" || { echo "check_mpi_resume: the resumed model differs" >&2; exit 1; }
echo "the resumed run's model is the uninterrupted run's, byte for byte"
