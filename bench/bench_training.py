"""Benchmark one 360-Adapter training step: steps/s and peak memory, with and without gradient checkpointing.

Full size (default): SD 1.5-sized U-Net + AnimateDiff v14-sized motion module, SD VAE, CLIP ViT-L/14 text
encoder, all with *random* weights built from their configs (nothing is downloaded), the 47 M-parameter
360-Adapter, a batch of 1 × 16 frames × 512×1024 — the paper's training setting. On CUDA the frozen models
are fp16 and the step runs under fp16 autocast with a gradient scaler (as `dvd360.training.train` with
`mixed_precision='fp16'`); on a CPU everything is float32.

    python bench/bench_training.py                      # full size (needs a GPU with enough memory)
    python bench/bench_training.py --tiny               # tiny random components on the CPU (seconds)
    python bench/bench_training.py --frames 8 --height 256 --latents   # smaller clip, cached latents (no VAE)
"""
from __future__ import annotations
import argparse, json, platform, resource, sys, tempfile, time, warnings
from pathlib import Path
import torch

from dvd360.training import TrainConfig, load_components, noise_scheduler, training_loss, set_gradient_checkpointing, _to, _quiet_dtype_cast


def _char_tokenizer(max_length:int=77):
    "A CLIP tokenizer over single characters (no download); token ids fit any CLIP vocabulary."
    from transformers import CLIPTokenizer
    d = Path(tempfile.mkdtemp())
    chars = list("abcdefghijklmnopqrstuvwxyz0123456789.,'!?-")
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for c in chars: vocab[c] = len(vocab)
    for c in chars: vocab[c + "</w>"] = len(vocab)
    (d/'vocab.json').write_text(json.dumps(vocab)); (d/'merges.txt').write_text("#version: 0.2\n")
    return CLIPTokenizer(str(d/'vocab.json'), str(d/'merges.txt'), model_max_length=max_length)


def sd15_components(device, dtype)->dict:
    "SD 1.5 + AnimateDiff v14 + 360-Adapter with random weights, built from their published configs."
    from diffusers import AutoencoderKL, UNet2DConditionModel, MotionAdapter, UNetMotionModel
    from transformers import CLIPTextConfig, CLIPTextModel
    from dvd360.adapter import Adapter360
    torch.manual_seed(0)
    with torch.device(device):
        unet2d = UNet2DConditionModel(sample_size=64, cross_attention_dim=768, attention_head_dim=8, layers_per_block=2,
                                      block_out_channels=(320, 640, 1280, 1280))
        motion = MotionAdapter(block_out_channels=(320, 640, 1280, 1280), motion_layers_per_block=2,
                               motion_max_seq_length=24, motion_num_attention_heads=8, use_motion_mid_block=False)
        with _quiet_dtype_cast(): unet = UNetMotionModel.from_unet2d(unet2d, motion)
        del unet2d, motion
        vae = AutoencoderKL(block_out_channels=(128, 256, 512, 512), down_block_types=('DownEncoderBlock2D',)*4,
                            up_block_types=('UpDecoderBlock2D',)*4, layers_per_block=2, latent_channels=4, sample_size=512)
        text = CLIPTextModel(CLIPTextConfig(vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
                                            num_attention_heads=12, max_position_embeddings=77, hidden_act='quick_gelu'))
        adapter = Adapter360()
    for m in (unet, vae, text): _to(m, device, dtype)
    return dict(tokenizer=_char_tokenizer(77), text_encoder=text, vae=vae, unet=unet, adapter=adapter,
                scheduler=noise_scheduler(TrainConfig()))


def bench_step(models:dict, batch:dict, checkpointing:bool, steps:int, warmup:int, device, amp:bool)->dict:
    "Time `steps` adapter training steps (after `warmup`) and record peak memory."
    unet, adapter = models['unet'], models['adapter']
    set_gradient_checkpointing(unet, 'motion' if checkpointing else 'off')     # as `train` does
    adapter.train().requires_grad_(True)
    opt = torch.optim.AdamW(adapter.parameters(), lr=1e-5, weight_decay=1e-2)
    scaler = torch.amp.GradScaler(device.type, enabled=amp)
    cuda = device.type == 'cuda'
    def step(i):
        with torch.autocast(device.type, dtype=torch.float16, enabled=amp):
            loss = training_loss(models, batch, torch.Generator().manual_seed(i), flow_dropout=0., caption_dropout=0.,
                                 weight_dtype=torch.float16 if amp else torch.float32)
        scaler.scale(loss).backward()
        scaler.unscale_(opt); torch.nn.utils.clip_grad_norm_(adapter.parameters(), 1.0)
        scaler.step(opt); scaler.update(); opt.zero_grad(set_to_none=True)
        return loss.item()
    try:
        for i in range(warmup): step(i)
        if cuda: torch.cuda.synchronize(); torch.cuda.reset_peak_memory_stats()
        t = time.perf_counter()
        for i in range(steps): loss = step(warmup + i)
        if cuda: torch.cuda.synchronize()
        dt = (time.perf_counter() - t)/steps
    except torch.OutOfMemoryError:
        opt.zero_grad(set_to_none=True)
        if cuda: torch.cuda.empty_cache()
        return dict(checkpointing=checkpointing, status='out of memory')
    peak = torch.cuda.max_memory_allocated()/2**30 if cuda else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/2**20
    b, f = batch['flow'].shape[:2]
    return dict(checkpointing=checkpointing, status='ok', s_per_step=dt, steps_per_s=1/dt, samples_per_s=b/dt,
                frames_per_s=b*f/dt, peak_gib=peak, peak_kind='cuda max allocated' if cuda else 'process max RSS', loss=loss)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--tiny', action='store_true', help='tiny random components on the CPU')
    p.add_argument('--frames', type=int, default=None, help='frames per clip (default 16; 4 with --tiny)')
    p.add_argument('--height', type=int, default=None, help='panorama height (width = 2·height; default 512; 64 with --tiny)')
    p.add_argument('--batch', type=int, default=1)
    p.add_argument('--steps', type=int, default=3, help='timed steps per setting')
    p.add_argument('--warmup', type=int, default=1)
    p.add_argument('--latents', action='store_true', help='feed cached latents (skip the VAE encoder)')
    p.add_argument('--only', choices=['on', 'off'], help='only with (on) or without (off) gradient checkpointing')
    p.add_argument('--json', help='also write the results to this JSON file')
    a = p.parse_args(argv)
    warnings.filterwarnings('ignore')
    device = torch.device('cuda' if torch.cuda.is_available() and not a.tiny else 'cpu')
    amp = device.type == 'cuda'
    f = a.frames or (4 if a.tiny else 16); H = a.height or (64 if a.tiny else 512); W = 2*H
    if a.tiny: torch.set_num_threads(1)
    t = time.perf_counter()
    models = load_components(TrainConfig(tiny=True, seed=0)) if a.tiny else sd15_components(device, torch.float16 if amp else torch.float32)
    for k in ("text_encoder", "vae", "unet"): _to(models[k].requires_grad_(False).eval(), device, torch.float16 if amp else torch.float32)
    _to(models["adapter"], device, torch.float32)
    build_s = time.perf_counter() - t
    g = torch.Generator().manual_seed(0)
    batch = dict(caption=['a panorama of a beach at sunset']*a.batch, flow=torch.rand(a.batch, f, 3, H, W, generator=g))
    vae_scale = 2**(len(models['vae'].config.block_out_channels) - 1)
    if a.latents: batch['latents'] = torch.randn(a.batch, 4, f, H//vae_scale, W//vae_scale, generator=g)
    else: batch['pixel_values'] = torch.rand(a.batch, f, 3, H, W, generator=g)*2 - 1
    n_unet = sum(p.numel() for p in models['unet'].parameters()); n_ad = sum(p.numel() for p in models['adapter'].parameters())
    gpu = torch.cuda.get_device_name() if device.type == 'cuda' else platform.processor() or platform.machine()
    print(f"device {device} ({gpu}), torch {torch.__version__}, threads {torch.get_num_threads()}, {'fp16 autocast' if amp else 'float32'}")
    print(f"{'tiny' if a.tiny else 'SD 1.5-size'} components built in {build_s:.1f} s: motion U-Net {n_unet/1e6:.1f} M, adapter {n_ad/1e6:.2f} M parameters")
    print(f"batch {a.batch} × {f} frames × {H}×{W}, {'cached latents' if a.latents else 'VAE encode on the fly'}; "
          f"{a.warmup} warm-up + {a.steps} timed steps per setting")
    results = []
    for ck in ([a.only == 'on'] if a.only else [False, True]):
        r = bench_step(models, batch, ck, a.steps, a.warmup, device, amp); results.append(r)
        name = 'checkpointing on ' if ck else 'checkpointing off'
        if r['status'] != 'ok': print(f"{name}: {r['status']}"); continue
        print(f"{name}: {r['s_per_step']:.3f} s/step = {r['steps_per_s']:.2f} steps/s, {r['frames_per_s']:.1f} frames/s, "
              f"peak {r['peak_gib']:.2f} GiB ({r['peak_kind']})")
    if a.json:
        Path(a.json).write_text(json.dumps(dict(device=str(device), name=gpu, frames=f, height=H, width=W, batch=a.batch,
                                                amp=amp, latents=a.latents, results=results), indent=1))
    return results


if __name__ == '__main__': main()
