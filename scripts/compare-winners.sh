#!/usr/bin/env bash
# The seed's recipe against bestfitting's on the synthetic benchmark data (`hpaic demo --preset benchmark`'s:
# 10 000 / 2000 samples of 96², zoom 1.25, every class in >= 5 %, seed 1), at the same number of epochs, one
# after the other with the same thread settings. Prints each run's test macro F1 and times (docs/winners.md).
#
#   scripts/compare-winners.sh [workdir=/tmp/winners] [epochs=6] [subset=0.3]
#
# Both runs: the benchmark's 96² images, batch 16, one train/validation split (val_size 0.25) of `subset` of the
# training samples (CPU time), `epochs` epochs, scored on all 2000 test samples.
# - seed: configs/demo.json (the demo's ResNet18 recipe: RGB, BCE, meanmax sampler, Adam 1e-3, plateau), the
#   seed's thresholds (class_best) and 15-way TTA (logit mean);
# - bestfitting: configs/winners/bestfitting_densenet121_rgby.json (DenseNet121 RGBY, focal+Lovasz+hard BCE,
#   his input statistics, Adam 3e-4 with his step schedule compressed to `epochs`), label-ratio thresholds,
#   d8 TTA combined by max. Neither starts from ImageNet weights (hpaic downloads nothing).
set -euo pipefail
W=${1:-/tmp/winners}
EPOCHS=${2:-6}
SUBSET=${3:-0.3}
cd "$(dirname "$0")/.."
H="node bin/hpaic.js"
if [ ! -f "$W/data/train.hdf5" ]; then
  $H synth --out "$W/synth" --train 10000 --test 2000 --size 96 --zoom 1.25 --min-class-frac 0.05 --seed 1 -q
  $H convert --src "$W/synth" --dest "$W/data" --size 96 --compression none -q
fi
COMMON=(--set "dataset.root_dir=\"$W/data/\"" --set "checkpoint_dir=\"$W/checkpoint\"" --set "epochs=$EPOCHS"
  --set "dataset.subset=$SUBSET" --set img_h=96 --set img_w=96 --set dataloader.n_splits=1 --set dataloader.val_size=0.25
  --set dataloader.batch_size=16 --set dataloader.workers=1 --set threads=2 --set plots='"none"' -q)
# bestfitting's [25, 5, 5, 5, 5] epochs at [30, 15, 7.5, 3, 1]e-5, the same shape over EPOCHS epochs.
MILESTONES=$(node -e "const e=$EPOCHS;const m=[25,30,35,40].map(x=>Math.round(x*e/45));console.log(JSON.stringify([...new Set(m)].filter(x=>x>0&&x<e)))")
FACTORS=$(node -e "const m=$MILESTONES;const f={25:0.5,30:0.25,35:0.1,40:1/30};const e=$EPOCHS;const back=[25,30,35,40];console.log(JSON.stringify(m.map(x=>f[back.reduce((b,v)=>Math.abs(v*e/45-x)<Math.abs(b*e/45-x)?v:b)])))")
run() { # name config extra-train-args... ; then find-thresholds / submit args in env
  local name=$1 cfg=$2; shift 2
  local t0=$(date +%s)
  $H train -c "$cfg" --set "name=\"$name\"" "${COMMON[@]}" "$@"
  local t1=$(date +%s)
  $H find-thresholds -c "$cfg" --set "name=\"$name\"" "${COMMON[@]}" "$@" $FT_ARGS
  $H submit -c "$cfg" --set "name=\"$name\"" "${COMMON[@]}" "$@" $SUB_ARGS --fill-empty none
  local t2=$(date +%s)
  echo "$name: train $((t1 - t0)) s, thresholds + submit $((t2 - t1)) s" | tee -a "$W/times.txt"
}
: > "$W/times.txt"
FT_ARGS="" SUB_ARGS="" run seed configs/demo.json --set model.dropout_p=0.1
FT_ARGS="--method label-ratio" SUB_ARGS="--tta d8 --tta-combine max" run bestfitting configs/winners/bestfitting_densenet121_rgby.json \
  --set "lr_milestones=$MILESTONES" --set "lr_factors=$FACTORS"
for f in seed/submission/fold_1_class_best.csv bestfitting/submission/fold_1_class_best.csv bestfitting/submission/fold_1_label_ratio.csv; do
  echo "$f: $($H score --truth "$W/synth/test_truth.csv" --pred "$W/checkpoint/$f" | grep "macro F1")"
done | tee "$W/scores.txt"
cat "$W/times.txt"
