"""world-eval of a quick-recipe run (Table 1, flow use, motion budget, content): python runs/quick6/eval.py [RUN]
(RUN defaults to runs/quick6; runs/quick5 was measured the same way). It measures on runs/world5's held-out set
(copied: `make_test_set` would render the same clips) with runs/world5's attribute classifier (a measuring
instrument: the same one keeps the content tables comparable)."""
import shutil, sys, time
from pathlib import Path
from dvd360.world import evaluate_run
run, ref = Path(sys.argv[1] if len(sys.argv) > 1 else 'runs/quick6'), Path('runs/world5')
if not (run/'test').exists(): shutil.copytree(ref/'test', run/'test')
if not (run/'model'/'attributes').exists(): shutil.copytree(ref/'model'/'attributes', run/'model'/'attributes')
t0 = time.time()
res = evaluate_run(run, seeds=32, progress=False, reuse=True)
print(res['markdown'])
print(res['content']['markdown'])
print(f"{time.time() - t0:.0f} s")
