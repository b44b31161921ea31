"""Direction check of a world model's 360-Adapter on held-out pure pans: python tools/world_direction.py MODEL [ADAPTER_DIR] [N]"""
import sys, json, time, torch, numpy as np
from pathlib import Path
from dvd360.world import pure_pans, render_clip, caption, sample_variant, video_metrics, bootstrap_ci, VARIANTS
from dvd360.flow import motion_condition
model = Path(sys.argv[1]); adapter = sys.argv[2] if len(sys.argv) > 2 else 'adapter'; n = int(sys.argv[3]) if len(sys.argv) > 3 else 16
t0 = time.time()
clips = []
for c in pure_pans(n, seed=1):
    fr = render_clip(c); clips.append(dict(caption=caption(c), frames=fr, flow=motion_condition(fr), pan=c.pan))
res = {}
for name, v in {'A': VARIANTS['A: base at 1:2'], 'C': VARIANTS['C: + rotation + padding (360ET)'], 'D': dict(adapter=adapter)}.items():
    vids = sample_variant(model, v, clips)
    m = video_metrics(vids, clips)
    res[name] = {k: bootstrap_ci(m[k]) for k in ('direction', 'pan_ratio', 'motion_cosine', 'motion_epe')}
    print(name, {k: tuple(round(x, 3) for x in val) for k, val in res[name].items()}, f"{time.time() - t0:.0f} s", flush=True)
Path(model/'direction_check.json').write_text(json.dumps(dict(n=n, adapter=adapter, rows=res), indent=1))
