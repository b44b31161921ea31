"""flow_use of a world run's adapter on its held-out test set (made here if missing): python tools/world_flow_use.py RUN [ADAPTER]"""
import sys, json, time
from pathlib import Path
from dvd360.world import make_test_set, flow_use
run = Path(sys.argv[1]); adapter = sys.argv[2] if len(sys.argv) > 2 else 'adapter'
t0 = time.time()
test = make_test_set(run/'test', 32, progress=False)
print(f"test set ready {time.time() - t0:.0f} s", flush=True)
fu = flow_use(run/'model', adapter, test, n=32)
print(fu['markdown'], f"\n{time.time() - t0:.0f} s")
(run/'model'/f'flow_use_{adapter}.json').write_text(json.dumps(fu['rows'], indent=1))
