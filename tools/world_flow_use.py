"""flow_use of a world run's adapter on its held-out test set (made here if missing): python tools/world_flow_use.py RUN [ADAPTER]"""
import sys, json, time
from pathlib import Path
from dvd360.world import make_world_dataset, flow_use
from dvd360.flow import flow_videos
run = Path(sys.argv[1]); adapter = sys.argv[2] if len(sys.argv) > 2 else 'adapter'; test = run/'test'
t0 = time.time()
make_world_dataset(test, n_perspective=32, n_erp=64, split='test', progress=False)
if not (test/'flows'/'done').is_file():
    flow_videos(test/'videos', test/'flows'); (test/'flows'/'done').write_text('ok\n')
print(f"test set ready {time.time() - t0:.0f} s", flush=True)
fu = flow_use(run/'model', adapter, test, n=32)
print(fu['markdown'], f"\n{time.time() - t0:.0f} s")
(run/'model'/f'flow_use_{adapter}.json').write_text(json.dumps(fu['rows'], indent=1))
