"""Issue 21: Fig. 8's ablations on runs/world5, after
`dvd360 world-train runs/world5 --stages adapter-no-latitude,adapter-no-temporal`: sample only the two new variants
(Table 1 rows kept with `reuse`) and add their flow_use rows. python runs/world5/ablate_eval.py"""
import json
from pathlib import Path
from dvd360.world import evaluate_world, flow_use
run = Path('runs/world5'); mp, test, out = run/'model', run/'test', run/'eval'
res = evaluate_world(mp, test, n=32, out_dir=out, reuse=True)
fu = json.loads((out/'flow_use.json').read_text())
for a in ('adapter-no-latitude/adapter', 'adapter-no-temporal/adapter'):
    if a not in fu and (mp/a/'config.json').is_file(): fu[a] = flow_use(mp, a, test, n=32)['rows']
(out/'flow_use.json').write_text(json.dumps(fu, indent=1))
print(res['markdown'])
