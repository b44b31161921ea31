"""Adapter stage on the world2 base with the tracer and a frame-difference loss (λ = 10): python runs/world3/train.py"""
from dvd360.world import run_stage
print(run_stage('runs/world3', 'adapter', temporal_loss_weight=10.)['last_loss'])
