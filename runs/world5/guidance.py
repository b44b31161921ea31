"""Issue 21: does a stronger text guidance bring the colours back into D's videos, and does C (no adapter) keep them?
Same 32 held-out prompts, flows and seeds as eval/: python runs/world5/guidance.py VARIANT GUIDANCE"""
import sys, json, time, torch, numpy as np
from pathlib import Path
from dvd360.world import *
run = Path('runs/world5'); mp, test = run/'model', run/'test'
name, gs = sys.argv[1], float(sys.argv[2])
t0 = time.time()
clips, info = test_clips(test, 32), read_clips(test)
labels = {k: torch.tensor([names.index(info[c['videoid']][k]) for c in clips]) for k, names in ATTRIBUTES.items()}
vids = sample_variant(mp, VARIANTS[name], clips, guidance_scale=gs)
acc = attribute_accuracy(load_attribute_net(mp/'attributes'), vids, labels)
m = video_metrics(vids, clips)
row = dict(variant=name, guidance=gs, **{k: bootstrap_ci(v) for k, v in acc.items()},
           **{k: bootstrap_ci([x for x in m[k] if not np.isnan(x)]) for k in ('motion_cosine', 'direction', 'pan_ratio', 'end_continuity')})
print(json.dumps(row), f"{time.time() - t0:.0f} s")
with open(run/'eval'/'guidance.jsonl', 'a') as f: f.write(json.dumps(row) + '\n')
