"""Install runs/world5 as the shipped world model with its measured tables: python runs/world5/package.py"""
import json
from pathlib import Path
from dvd360.world import package_world
from dvd360.utils import atomic_path
NOTES = ("Trained from nothing by `dvd360 world-train runs/world5` (one run, resumed across sessions) on a 2-core CPU. "
         "Where it differs from the paper's recipe, and why: the world VAE is trained here with an L1 loss weighted by "
         "detail (`detail_weights`) on single frames of 8 clips per step, because a plain L1 VAE lost the balls' and "
         "pillars' colours; the 360-Adapter trains together with the base's motion modules (the small base's frozen "
         "ones cannot be steered) and only on t in [600, 1000), where the noisy input no longer shows the motion; "
         "the model predicts x0. The attribute classifier (`attributes/`) learned every colour pair and is a measuring "
         "instrument only.")
wj = Path('runs/world5/model/world.json')
with atomic_path(wj) as tmp: tmp.write_text(json.dumps({**json.loads(wj.read_text()), 'notes': NOTES}, indent=1))
ev = Path('runs/world5/eval')
val = json.loads(Path('runs/world5/model/attributes/validation.json').read_text())['validation']
md = (ev/'table.md').read_text() + "\n### Content (`content_accuracy`: attribute classifier on the same 32 held-out prompts)\n\n" + \
     (ev/'content.md').read_text() + "\nThe classifier on 320 unseen renders of held-out colour pairs: " + \
     ', '.join(f"{k} {100*v['accuracy']:.0f} % (chance {100*v['chance']:.0f} %)" for k, v in val.items()) + ".\n"
print(package_world('runs/world5', metrics_md=md))
