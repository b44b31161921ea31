"""Diagnostic for issue 21: the 360-Adapter stage on the world2 base with the motion modules trainable too.

Not the paper's recipe (it freezes the whole base): it asks whether the frozen base is what keeps the adapter from
steering direction. python runs/world4/train.py"""
import json, shutil, sys
from pathlib import Path
import torch, torch.nn as nn
from dvd360.training import TASKS, train, training_loss
from dvd360.world import stage_config, plot_losses

class AdapterAndMotion(nn.Module):
    "The 360-Adapter and the U-Net whose motion modules train with it."
    def __init__(self, adapter, unet): super().__init__(); self.adapter, self.unet = adapter, unet
    def save_weights(self, folder):
        folder = Path(folder); self.adapter.save_pretrained(folder/'adapter'); self.unet.save_pretrained(folder/'unet')
        return [folder/'adapter', folder/'unet']

def module(config, models, device):
    unet = models['unet'].to(device, torch.float32)
    for n, p in unet.named_parameters(): p.requires_grad_('motion_modules' in n)
    return AdapterAndMotion(models['adapter'].to(device, torch.float32).requires_grad_(True).train(), unet)

def loss(config, models, model, batch, generator, weight_dtype):
    m = getattr(model, 'module', model)
    return training_loss({**models, 'adapter': m.adapter, 'unet': m.unet}, batch, generator, config.flow_dropout,
                         config.caption_dropout, config.latitude_aware, config.vae_batch_frames, weight_dtype,
                         config.snr_gamma, config.flow_encoding, config.timestep_range, config.temporal_loss_weight)

TASKS['adapter-motion'] = dict(need=TASKS['adapter']['need'], trains=('adapter', 'unet'), module=module, loss=loss)
out = Path('runs/world4')
cfg = stage_config(out, 'adapter', max_steps=int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
cfg.task = 'adapter-motion'
r = train(cfg, resume='latest')
for n in ('adapter', 'unet'):
    shutil.rmtree(out/'model'/n, ignore_errors=True); shutil.copytree(r['checkpoint']/n, out/'model'/n)
plot_losses(out/'adapter'/'log.csv', out/'adapter'/'loss.png', 'adapter + motion modules: loss')
print('done', r['global_step'], r['losses'][-1] if r['losses'] else None)
