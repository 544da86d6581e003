#!/usr/bin/env bash
# The ablation table of docs/ablation.md, end to end: quickstart RetailSim
# data, one training run per configs/ablation/*.yaml (seed network on each
# modality alone and on all four, with and without modality dropout, and the
# fusion variants, and the learned encoders on the sequences flavour),
# evaluation on the unseen test stores, each modality
# removed at test time from the all-four runs, and the table.
#
#   bash bench/ablation/run.sh                  # everything (about 25 min on 2 idle cores)
#   bash bench/ablation/run.sh all visual       # only these experiments, then the table
#
# Environment: STOREFUSE (the CLI, default build/cli/storefuse), OUT (run root,
# default runs/ablation), DATA (default data/quickstart), SEQ_DATA (the
# sequences flavour for seq_* experiments, default data/seq), THREADS (run.threads
# of every run, default the configs' 2; 1 lets two calls share 2 cores), SEED
# (run.seed of every run, default the configs' 42; give each seed its own
# OUT). Finished runs (those
# with an eval.json) are kept, so a second call resumes where the first stopped.
set -euo pipefail
cd "$(dirname "$0")/../.."
SF=${STOREFUSE:-build/cli/storefuse}
OUT=${OUT:-runs/ablation}
DATA=${DATA:-data/quickstart}

SEQ_DATA=${SEQ_DATA:-data/seq}

names=("$@")
if [[ ${#names[@]} -eq 0 ]]; then
  for f in configs/ablation/[!_]*.yaml; do names+=("$(basename "$f" .yaml)"); done
fi
for name in "${names[@]}"; do
  # seq_* experiments train on the sequences flavour of the same RetailSim
  # config (SEQ_DATA), the others on vectors (DATA).
  data=$DATA
  flavour=vectors
  if [[ $name == seq_* ]]; then data=$SEQ_DATA; flavour=sequences; fi
  if [[ ! -f $data/test.h5 ]]; then
    "$SF" datagen --config configs/data/retailsim.yaml --set "retailsim.flavour=$flavour" --out "$data" --no-progress
  fi
  sets=(--set "run.root=$OUT" --set "data.train=$data/train.h5" --set "data.val=$data/val.h5"
        --set "data.test=$data/test.h5")
  [[ -n ${THREADS:-} ]] && sets+=(--set "run.threads=$THREADS")
  [[ -n ${SEED:-} ]] && sets+=(--set "run.seed=$SEED")
  run=$OUT/$name
  if [[ ! -f $run/eval.json ]]; then
    rm -rf "$run"
    "$SF" train --config "configs/ablation/$name.yaml" "${sets[@]}"
    "$SF" eval --run "$run" --data "$data/test.h5" --no-progress
  fi
  # Each modality removed at test time, from the runs that saw all four.
  if [[ $name == all* || $name == fusion_* || $name == seq_* ]]; then
    for m in visual audio text sensor; do
      [[ -f $run/drop_$m/eval.json ]] ||
        "$SF" eval --run "$run" --data "$data/test.h5" --drop-modality "$m" --out "$run/drop_$m" --no-progress
    done
  fi
done
/usr/bin/python3 bench/ablation/table.py "$OUT" | tee "$OUT/ablation.md"
