"""world-eval of runs/world5 (Table 1, flow use, motion budget, content): python runs/world5/eval.py
With `reuse`, rows already in runs/world5/eval (same seeds and sampler) are kept: run it again after the Fig. 8
ablations finish and only their rows are sampled (`flow_use` is measured again; the content table is kept while A and
D are reused)."""
import time
from dvd360.world import evaluate_run
t0 = time.time()
res = evaluate_run('runs/world5', seeds=32, progress=False, reuse=True)
print(res['markdown'])
print(res['content']['markdown'])
print(f"{time.time() - t0:.0f} s")
