"""Install runs/world5 as the shipped world model (the card's tables come from runs/world5/eval):
python runs/world5/package.py"""
from dvd360.world import package_world
NOTES = ('Trained from nothing by `dvd360 world-train runs/world5` (one run, resumed across sessions) on a '
         "2-core CPU. Where it differs from the paper's recipe, and why: the world VAE is trained here with an"
         ' L1 loss weighted by detail (`detail_weights`) on single frames of 8 clips per step, because a plain'
         " L1 VAE lost the balls' and pillars' colours; the 360-Adapter trains together with the base's motion"
         " modules (the small base's frozen ones cannot be steered) and only on t in [600, 1000), where the "
         'noisy input no longer shows the motion; the model predicts x0. The attribute classifier '
         '(`attributes/`) learned every colour pair and is a measuring instrument only.')
print(package_world('runs/world5', notes=NOTES))
