"""Install runs/world4 as the shipped world model with its measured tables. python runs/world4/package.py"""
import json
from pathlib import Path
from dvd360.world import package_world
ev = Path('runs/world4/eval')
val = json.loads(Path('runs/world4/model/attributes/validation.json').read_text())['validation']
md = (ev/'table.md').read_text() + "\n### Content (`content_accuracy`: attribute classifier on the same 32 held-out prompts)\n\n" + \
     (ev/'content.md').read_text() + "\nThe classifier on 320 renders of held-out colour pairs: " + \
     ', '.join(f"{k} {100*v['accuracy']:.0f} % (chance {100*v['chance']:.0f} %)" for k, v in val.items()) + ".\n"
print(package_world('runs/world4', metrics_md=md))
