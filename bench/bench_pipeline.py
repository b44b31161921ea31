"""Time `Panorama360Pipeline` (adapter + latent rotation + circular padding) against diffusers' plain
`AnimateDiffPipeline` on the same components, run and seed. Goal: ratio ≤ 1.05.

    python bench/bench_pipeline.py              # --tiny (default): tiny random components on the CPU
    python bench/bench_pipeline.py --full       # SD-1.5-size random weights (from configs, no download), CUDA, fp16,
                                                # 16×512×1024, 25 steps, CFG: seconds and peak memory
    python bench/bench_pipeline.py --full --device cpu --dtype float32 --frames 2 --height 64 --steps 2  # smoke test

Prints one line per pipeline (min and median seconds over --repeats interleaved runs, peak memory on CUDA) and
the ratios. On CUDA the seconds are wall-clock (synchronised); on the CPU they are the process's CPU time with one
thread (`--threads`), which other jobs on a shared machine do not inflate.
"""
import argparse, math, statistics, time, warnings
import torch
from diffusers import AnimateDiffPipeline, AutoencoderKL, MotionAdapter, UNet2DConditionModel, UNetMotionModel
from diffusers.utils import logging as dlogging
from transformers import CLIPTextConfig, CLIPTextModel
from dvd360.adapter import Adapter360
from dvd360.pipeline import Panorama360Pipeline, ddim_scheduler, tiny_components, tiny_tokenizer

def sd15_components(device, dtype, seed=0)->dict:
    "SD 1.5 + AnimateDiff v1-5-2 + 360-Adapter shapes with random weights, built from configs on `device`."
    torch.manual_seed(seed)
    with torch.device(device):
        tok = tiny_tokenizer(77)                                   # token ids < 514 < CLIP's 49408: fine for timing
        te = CLIPTextModel(CLIPTextConfig(vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=12,
                                          num_attention_heads=12, max_position_embeddings=77, hidden_act='quick_gelu',
                                          bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id))
        vae = AutoencoderKL(block_out_channels=(128, 256, 512, 512), down_block_types=('DownEncoderBlock2D',)*4,
                            up_block_types=('UpDecoderBlock2D',)*4, layers_per_block=2, latent_channels=4, sample_size=512)
        u2d = UNet2DConditionModel(sample_size=64, block_out_channels=(320, 640, 1280, 1280), cross_attention_dim=768,
                                   layers_per_block=2, attention_head_dim=8)
        motion = MotionAdapter(block_out_channels=(320, 640, 1280, 1280), motion_layers_per_block=2,
                               motion_max_seq_length=32, use_motion_mid_block=True)
        unet = UNetMotionModel.from_unet2d(u2d, motion)
        adapter = Adapter360()
    mods = dict(text_encoder=te, vae=vae, unet=unet, adapter=adapter)
    for m in mods.values(): m.to(device=device, dtype=dtype).eval()
    return dict(tokenizer=tok, scheduler=ddim_scheduler(), **mods)

def sync(device):
    if torch.device(device).type == 'cuda': torch.cuda.synchronize()

def timed(fns:dict, device, repeats)->dict:
    "Min and median seconds, and peak memory (GiB, CUDA only), of each `fns[k]()`, runs interleaved after one warm-up each."
    cuda = torch.device(device).type == 'cuda'
    clock = time.perf_counter if cuda else time.process_time   # CPU: process time, immune to other jobs on the machine
    for fn in fns.values(): fn(); sync(device)
    times, peak = {k: [] for k in fns}, {k: 0. for k in fns}
    for _ in range(repeats):                       # interleaved: a busy machine slows both pipelines alike
        for k, fn in fns.items():
            if cuda: torch.cuda.reset_peak_memory_stats()
            t0 = clock(); fn(); sync(device); times[k].append(clock() - t0)
            if cuda: peak[k] = max(peak[k], torch.cuda.max_memory_allocated()/2**30)
    return {k: (min(v), statistics.median(v), peak[k]) for k, v in times.items()}

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--full', action='store_true', help="SD-1.5-size random weights (default device cuda, fp16)")
    ap.add_argument('--tiny', action='store_true', help="tiny components on the CPU (the default)")
    ap.add_argument('--device', default=None); ap.add_argument('--dtype', default=None, choices=['float16', 'bfloat16', 'float32'])
    ap.add_argument('--frames', type=int, default=None); ap.add_argument('--height', type=int, default=None)
    ap.add_argument('--steps', type=int, default=25); ap.add_argument('--guidance', type=float, default=7.5)
    ap.add_argument('--repeats', type=int, default=None); ap.add_argument('--threads', type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    dlogging.set_verbosity_error(); dlogging.disable_progress_bar(); warnings.filterwarnings('ignore')
    if a.full:
        device, dtype = a.device or 'cuda', getattr(torch, a.dtype or 'float16')
        frames, height, repeats = a.frames or 16, a.height or 512, a.repeats or 3
        comps = sd15_components(device, dtype)
    else:
        device, dtype = a.device or 'cpu', getattr(torch, a.dtype or 'float32')
        frames, height, repeats = a.frames or 16, a.height or 64, a.repeats or 7
        comps = tiny_components()
        for k in ('text_encoder', 'vae', 'unet', 'adapter'): comps[k].to(device=device, dtype=dtype)
    width = 2*height
    plain = AnimateDiffPipeline(**{k: v for k, v in comps.items() if k != 'adapter'}, motion_adapter=None)
    p360 = Panorama360Pipeline(**comps)
    for p in (plain, p360): p.set_progress_bar_config(disable=True)
    flow = torch.rand(1, frames, 3, height, width, device=device, dtype=dtype)
    kw = dict(num_frames=frames, height=height, width=width, num_inference_steps=a.steps, guidance_scale=a.guidance, output_type='pt')
    prompt = "a view of fireworks exploding in the night sky over a city"
    runs = {'AnimateDiffPipeline': lambda: plain(prompt, generator=torch.Generator().manual_seed(0), **kw),
            'Panorama360Pipeline (adapter + rotation π/2 + circular padding)':
                lambda: p360(prompt, flow=flow, generator=torch.Generator().manual_seed(0), rotation_angle=math.pi/2,
                             circular_padding=True, **kw)}
    print(f"{'full (SD 1.5 size, random weights)' if a.full else 'tiny'}: {frames}×{height}×{width}, {a.steps} DDIM steps, "
          f"CFG {a.guidance}, {device}, {str(dtype).replace('torch.', '')}, {repeats} interleaved runs each, "
          f"{'wall-clock' if torch.device(device).type == 'cuda' else 'CPU'} seconds")
    res = timed(runs, device, repeats)
    for name, (tmin, tmed, peak) in res.items():
        print(f"  {name:62s} min {tmin:8.3f} s   median {tmed:8.3f} s" + (f"   peak {peak:.2f} GiB" if peak else ''))
    (a0, m0, _), (a1, m1, _) = res.values()
    print(f"  ratio Panorama360 / AnimateDiff: {a1/a0:.3f} (min), {m1/m0:.3f} (median)   goal ≤ 1.05")

if __name__ == '__main__': main()
