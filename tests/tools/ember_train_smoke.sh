#!/usr/bin/env bash
# ember-train end to end on a slice of Fashion-MNIST: a run writes every output, a resumed run
# continues bit for bit (its checkpoint equals that of a run that never stopped), and bad input
# gets a clear message. Usage: ember_train_smoke.sh path/to/ember-train
set -euo pipefail
train="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The step schedule does not depend on --epochs, so a 1-epoch run is the first half of a 2-epoch one.
common=(--model mlp --limit-train 640 --batch-size 32 --threads 1 --workers 2 --seed 7 --scheduler step)

fail() { echo "FAIL: $*" >&2; exit 1; }

"$train" "${common[@]}" --epochs 2 --output-dir "$work/straight" > "$work/straight.log" 2>&1 ||
  { cat "$work/straight.log"; fail "a 2-epoch run failed"; }
for file in best_model.safetensors checkpoint.safetensors metrics.csv curves.png; do
  [[ -s "$work/straight/$file" ]] || fail "the run did not write $file"
done
[[ $(wc -l < "$work/straight/metrics.csv") -eq 3 ]] || fail "metrics.csv should hold a header and 2 epochs"
grep -q "^epoch 2/2 .*test loss .* acc .*samples/s" "$work/straight.log" || fail "no epoch summary line"
grep -q "^epoch 1/2 batch .*samples/s .*loss .*ETA" "$work/straight.log" || fail "no progress lines"

"$train" "${common[@]}" --epochs 1 --output-dir "$work/resumed" > /dev/null 2>&1 || fail "1-epoch run failed"
"$train" "${common[@]}" --epochs 2 --resume --output-dir "$work/resumed" > "$work/resumed.log" 2>&1 ||
  { cat "$work/resumed.log"; fail "the resumed run failed"; }
grep -q "resumed from .* after epoch 1" "$work/resumed.log" || fail "the resumed run did not say so"
cmp "$work/straight/checkpoint.safetensors" "$work/resumed/checkpoint.safetensors" ||
  fail "1 epoch + resume + 1 epoch differs from 2 epochs straight"
[[ $(wc -l < "$work/resumed/metrics.csv") -eq 3 ]] || fail "the resumed metrics.csv should hold 2 epochs"

if "$train" --epochs zero > "$work/bad.log" 2>&1; then fail "--epochs zero was accepted"; fi
grep -q "epochs expects an integer >= 1, got 'zero'" "$work/bad.log" || fail "unclear message for a bad option"
if "$train" --data-dir "$work/nowhere" --output-dir "$work/out" > "$work/missing.log" 2>&1; then
  fail "a missing data directory was accepted"
fi
grep -q "$work/nowhere" "$work/missing.log" || fail "the missing-data error does not name the directory"
if "$train" --model cnn --resume --epochs 3 --output-dir "$work/straight" > "$work/wrong.log" 2>&1; then
  fail "resuming an mlp checkpoint as a cnn was accepted"
fi
grep -q "holds a mlp model, not cnn (pass --model mlp)" "$work/wrong.log" || fail "unclear model mismatch"
echo "ember-train smoke test passed"
