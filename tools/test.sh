#!/usr/bin/env bash
# The project's test command (README): notebooks clean and in sync with dvd360/, docs pipeline, real-browser checks, nbdev_test.
# Ends with the line "N passed, N failed" (N = notebooks executed by nbdev_test plus the sync/docs/browser checks).
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0; failed=0
ok()   { passed=$((passed+1)); echo "ok: $1"; }
bad()  { failed=$((failed+1)); echo "FAILED: $1" >&2; }

# 1. notebooks are clean (nbdev_clean changes nothing)
nbdev_clean >/dev/null 2>&1
if [ -z "$(git status --porcelain -- nbs)" ]; then ok "notebooks clean"; else bad "notebooks not clean (run nbdev_clean):"; git status --porcelain -- nbs >&2; git diff --stat -- nbs >&2; fi
# 2. package in sync with notebooks (nbdev_export changes nothing)
nbdev_export
if [ -z "$(git status --porcelain -- dvd360)" ]; then ok "dvd360/ in sync with nbs/"; else bad "nbdev_export changed dvd360/ (notebooks and package out of sync):"; git status --porcelain -- dvd360 >&2; git diff --stat -- dvd360 >&2; fi
# 2b. the house rules (tools/lint.py): pyflakes clean, no function over 80 lines, long lines kept rare
if python tools/lint.py >/tmp/dvd360_lint.log 2>&1; then ok "lint"; cat /tmp/dvd360_lint.log
else bad "lint (tools/lint.py):"; cat /tmp/dvd360_lint.log >&2; fi
# 3. docs pipeline as far as this machine allows (Quarto cannot be installed here): process every notebook as
#    nbdev_proc_nbs does, render them to markdown, check README.md is current, and render index to HTML with pandoc
if python tools/docs.py check 2>/tmp/dvd360_docs.log; then
  if ! command -v pandoc >/dev/null 2>&1; then ok "docs pipeline (pandoc missing: HTML render skipped)"
  elif pandoc _proc/index.ipynb -f ipynb -t html5 -s --metadata title=dvd360 -o /tmp/dvd360_index.html && grep -q "dvd360" /tmp/dvd360_index.html; then ok "docs pipeline + pandoc HTML render"
  else bad "docs: pandoc could not render _proc/index.ipynb"; fi
else bad "docs pipeline failed"; grep -v Warning /tmp/dvd360_docs.log | tail -20 >&2; fi
# 4. real-browser checks in headless Chromium (tools/browser_check.py; skipped only where chromium/chromedriver are missing):
#    the HTML 360° player against erp_to_perspective, and every docs page (pandoc HTML of _proc/, processed by step 3)
for what in player docs; do
  log=/tmp/dvd360_browser_$what.log
  python tools/browser_check.py "$what" $([ "$what" = docs ] && echo --no-proc) >"$log" 2>&1; rc=$?
  case $rc in
    0)  ok "browser check: $what"; grep '^  ' "$log";;
    77) echo "skipped: browser check: $what ($(grep -m1 '^skipped' "$log" | sed 's/^skipped: //'))";;
    *)  bad "browser check: $what"; tail -40 "$log" >&2;;
  esac
done
# 5. a non-editable install (`pip install .`) from another folder: package data (the world model) ships and samples
site=$(mktemp -d)/site
if python -m pip install -q --no-deps --no-build-isolation --target "$site" . >/tmp/dvd360_install.log 2>&1 && \
   (cd "$(dirname "$site")" && PYTHONPATH="$site" python -c "
import dvd360, sys; assert dvd360.__file__.startswith('$site'), dvd360.__file__
from dvd360.cli import main
v = main(['generate', 'red balls and blue pillars on snow under a cloudy sky', '--tiny', '--steps', '4', '--out', 'w.mp4', '--quiet'])
assert v.shape == (8, 64, 128, 3)" >>/tmp/dvd360_install.log 2>&1); then ok "pip install . (non-editable) runs generate --tiny from another folder"
else bad "non-editable install"; tail -20 /tmp/dvd360_install.log >&2; fi
# 6. nbdev_test over every notebook, counted. It runs every cell a reader's Run All runs (no cell is hidden from it:
#    cells that need weights, data, a GPU or a server ask `runnable` and print one `skipped:` line), under Run All's rules:
#    any warning Python shows is logged (tools/warnlog) and fails the run, and the repository must be left as it was
warnlog=$(mktemp); before=$(git status --porcelain --untracked-files=all)
out=$(PYTHONPATH="$PWD/tools/warnlog${PYTHONPATH:+:$PYTHONPATH}" DVD360_WARNLOG="$warnlog" \
      nbdev_test --do_print --n_workers "${NBDEV_WORKERS:-2}" --timing 2>&1); rc=$?
echo "$out"
nstart=$(grep -c '^Starting ' <<<"$out")
nfail=$(awk '/Failed On The Following Notebooks/{f=1;next} f && /^\t/{n++} END{print n+0}' <<<"$out")
if [ "$rc" -ne 0 ] && [ "$nfail" -eq 0 ]; then nfail=1; fi
passed=$((passed + nstart - nfail)); failed=$((failed + nfail))
if [ -s "$warnlog" ]; then bad "warnings shown while the notebooks ran (a reader's Run All would print them):"; sort -u "$warnlog" | head -20 >&2
else ok "no warnings shown while the notebooks ran"; fi
after=$(git status --porcelain --untracked-files=all)
if [ "$before" = "$after" ]; then ok "the notebooks left the repository as it was"
else bad "running the notebooks changed the repository:"; diff <(echo "$before") <(echo "$after") >&2; fi
# 7. the rest of Run All's rules, which need no kernel: a python3 kernelspec in every notebook, no warning text in committed
#    outputs (`python tools/run_all.py` without --static executes every notebook in a real Jupyter kernel, for a reader's check)
if python tools/run_all.py --static >/tmp/dvd360_runall.log 2>&1; then ok "Run All (static checks)"; grep '^Run All' /tmp/dvd360_runall.log
else bad "Run All static checks (tools/run_all.py --static)"; tail -30 /tmp/dvd360_runall.log >&2; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
