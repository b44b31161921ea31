"""world-eval of runs/world4 (Table 1, flow use, motion budget): python runs/world4/eval.py"""
import time
from dvd360.world import evaluate_run
t0 = time.time()
res = evaluate_run('runs/world4', seeds=32, progress=False, reuse=True)
print(res['markdown']); print(f"{time.time() - t0:.0f} s")
