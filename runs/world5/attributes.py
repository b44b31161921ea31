"""Issue 21: the attribute classifier of runs/world5 (every colour pair, validated on 320 unseen renders of the
held-out pairs): python runs/world5/attributes.py"""
import json, time
from dvd360.world import train_attribute_net
t0 = time.time()
val = train_attribute_net('runs/world5/model/attributes', progress=False)
print(json.dumps(val, indent=1), f"{(time.time() - t0)/60:.1f} min")
