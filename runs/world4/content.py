"""Issue 21: the content measurement on the shipped model (runs/world4): python runs/world4/content.py"""
import json, torch
from pathlib import Path
from dvd360.world import content_accuracy
out = Path('runs/world4/eval')
ca = content_accuracy('runs/world4/model', 'runs/world4/test', n=32)
(out/'content.json').write_text(json.dumps(dict(rows=ca['rows'], chance=ca['chance']), indent=1))
(out/'content.md').write_text(ca['markdown'])
print(ca['markdown'])
