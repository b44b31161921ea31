"""Estimate FLOPs and peak memory of Wan2.1-T2V-1.3B sampling and LoRA training at 448×896×81, without a GPU (issue 24).

Same method as `estimate_training.py` (whose tracker, attention routing and autocast emulation this script imports):
the full-size models are built from their configs on the `meta` device, the real code runs on them, a
`TorchDispatchMode` counts every storage from creation to release, and `FlopCounterMode` counts the FLOPs.

Models (Wan-AI/Wan2.1-T2V-1.3B-Diffusers): `WanTransformer3DModel` (30 blocks, 12 heads × 128, FFN 8960; 1.4 B
parameters), `AutoencoderKLWan` (base 96, 127 M), UMT5-XXL encoder (24 layers, d_model 4096; 5.7 B).

Workloads (batch 1, 81 frames × 448×896 → latents (16, 21, 56, 112), 32 928 tokens; prompts of 512 T5 tokens):
* T5 encoding is not run on meta (transformers' UMT5 reads a mask value with `.item()`); its weights (10.6 GiB in
  bf16) are what counts: 2 prompts × 512 tokens need well under 1 GiB of activations, and about 2·5.7e9·1024 FLOPs;
* one sampling step with CFG: the transformer on 2 × 32 928 tokens (bf16, no grad), as
  `dvd360.wan.Panorama360WanPipeline` (the rotation is a roll of the latents: no extra memory worth counting);
* VAE decode of the 21 latent frames (float32, as the pipeline keeps the VAE; circular padding on,
  `dvd360.wan.wan_circular_padding`);
* one LoRA training step (task 'wan-lora' of `dvd360.training`): frozen bf16 base, rank-32 LoRA on the attention
  projections in fp32 with AdamW, bf16 autocast, the latitude-weighted flow-matching loss, backward, optimizer step;
  with gradient checkpointing of every transformer block (`enable_gradient_checkpointing`) and without;
* the VAE encode of one training clip (float32, no grad).

Sampling needs the transformer and the VAE resident, and T5 only while the prompt is encoded: the table says what is
resident in each row, and whether it fits a 24 GB card (sampling) and a 48 GB card (training), leaving 1.5 GiB for
the CUDA context, workspaces and fragmentation. Not counted: kernel workspaces, the CUDA context, fragmentation.

    python bench/estimate_wan.py                         # 81 × 448×896 (a few minutes on the CPU)
    python bench/estimate_wan.py --frames 9 --height 64  # quick
"""
import argparse, contextlib, gc, sys, time, warnings
from pathlib import Path
import torch
import torch.nn as nn
from torch.utils.flop_counter import FlopCounterMode
sys.path.insert(0, str(Path(__file__).parent))
from estimate_training import (MemoryTracker, AutocastEmulator, fused_attention_on_meta, _adamw, _quiet, _checkpoint,
                               GiB, RESERVE_GIB)

WAN = dict(
    transformer=dict(patch_size=(1, 2, 2), num_attention_heads=12, attention_head_dim=128, in_channels=16,
                     out_channels=16, text_dim=4096, freq_dim=256, ffn_dim=8960, num_layers=30, cross_attn_norm=True,
                     qk_norm='rms_norm_across_heads', eps=1e-6, rope_max_seq_len=1024),
    text=dict(vocab_size=256384, d_model=4096, d_kv=64, d_ff=10240, num_layers=24, num_heads=64,
              relative_attention_num_buckets=32, relative_attention_max_distance=128, feed_forward_proj='gated-gelu',
              dense_act_fn='gelu_new', is_gated_act=True),
    vae=dict(base_dim=96, z_dim=16, dim_mult=[1, 2, 4, 4], num_res_blocks=2, temperal_downsample=[False, True, True]))
TEXT_TOKENS = 512


def build(device='meta', dtype=torch.bfloat16, lora_rank:int=32)->dict:
    "Wan2.1-T2V-1.3B's transformer (bf16, with rank-`lora_rank` LoRA layers in fp32, off), T5 (bf16) and VAE (fp32)."
    from diffusers import AutoencoderKLWan, WanTransformer3DModel
    from transformers import UMT5Config, UMT5EncoderModel
    from peft import LoraConfig
    with torch.device(device):
        tr = WanTransformer3DModel(**WAN['transformer']).to(dtype).requires_grad_(False)
        tr.add_adapter(LoraConfig(r=lora_rank, lora_alpha=lora_rank, target_modules=['to_q', 'to_k', 'to_v', 'to_out.0']))
        for n, p in tr.named_parameters():
            if 'lora_' in n: p.data = p.data.float(); p.requires_grad_(True)
        text = UMT5EncoderModel(UMT5Config(**WAN['text'])).to(dtype).eval()
        vae = AutoencoderKLWan(**WAN['vae']).eval()
    return dict(transformer=tr.eval(), text=text, vae=vae)


def _n(m, lora=None)->int:
    return sum(p.numel() for n, p in m.named_parameters() if lora is None or (('lora_' in n) == lora))


def sample_step(frames, h, w):
    "One denoising step with CFG (2 × the latents), bf16, no grad, LoRA layers disabled (fused in a real run)."
    def run(m, dev):
        tr = m['transformer']; tr.disable_adapters()
        lat = torch.randn(2, 16, (frames - 1)//4 + 1, h//8, w//8, device=dev, dtype=torch.bfloat16)
        text = torch.randn(2, TEXT_TOKENS, 4096, device=dev, dtype=torch.bfloat16)
        with torch.no_grad():
            out = tr(lat, torch.tensor([500, 500], device=dev), text, return_dict=False)[0]
            u, c = out.chunk(2); eps = u + 5.0*(c - u)
        tr.enable_adapters()
        return eps
    return run


def vae_decode(frames, h, w):
    "The VAE decodes the 21 latent frames (frame by frame with its causal cache), float32, circular padding."
    def run(m, dev):
        from dvd360.wan import wan_circular_padding
        vae = m['vae']
        lat = torch.randn(1, 16, (frames - 1)//4 + 1, h//8, w//8, device=dev)
        with torch.no_grad(), wan_circular_padding(vae.decoder): return vae.decode(lat, return_dict=False)[0]
    return run


def vae_encode(frames, h, w):
    "The VAE encodes one training clip (float32, no grad), as `dvd360.wan.wan_latents`."
    def run(m, dev):
        x = torch.randn(1, 3, frames, h, w, device=dev)
        with torch.no_grad(): return m['vae'].encode(x).latent_dist.mode()
    return run


def lora_step(frames, h, w, ckpt:bool):
    "One LoRA training step: bf16 autocast, latitude-weighted flow-matching loss, backward, AdamW on the LoRA."
    def run(m, dev):
        from dvd360.training import weighted_mse
        tr = m['transformer']
        if ckpt:
            tr.enable_gradient_checkpointing(); tr._gradient_checkpointing_func = _checkpoint
        else: tr.disable_gradient_checkpointing()
        params = [p for p in tr.parameters() if p.requires_grad]
        opt = _adamw(params, dev)
        z = torch.randn(1, 16, (frames - 1)//4 + 1, h//8, w//8, device=dev)
        noise, text = torch.randn_like(z), torch.randn(1, TEXT_TOKENS, 4096, device=dev, dtype=torch.bfloat16)
        emu = AutocastEmulator('cuda', torch.bfloat16) if dev.type == 'meta' else None
        outer = emu if emu is not None else contextlib.nullcontext()
        region = emu.region() if emu is not None else torch.autocast(dev.type, dtype=torch.bfloat16)
        with outer:
            with region:
                pred = tr((0.5*z + 0.5*noise).to(torch.bfloat16), torch.tensor([500.], device=dev), text,
                          return_dict=False)[0]
            loss = weighted_mse(pred, noise - z)
            loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step(); opt.zero_grad(set_to_none=True)
        tr.disable_gradient_checkpointing()
        return loss.detach()
    return run


def estimate(models:dict, run, flops:bool=True)->dict:
    "Peak bytes (weights of every model counted as resident) and FLOPs of `run` on the meta models."
    tr = MemoryTracker()
    for k, m in models.items(): tr.track_module(m, f'{k} weights')
    t0 = time.perf_counter()
    with fused_attention_on_meta('cuda') as calls, tr:
        base = tr.current
        with tr.phase('run'): out = run(models, torch.device('meta'))
        del out
    gc.collect()
    res = dict(peak=tr.peak, weights=base, activations=tr.peak - base, attention=dict(calls), by_label=tr.peak_by_label)
    if flops:
        with fused_attention_on_meta('cuda'), FlopCounterMode(display=False) as fc: del_ = run(models, torch.device('meta'))
        res['flops'] = fc.get_total_flops(); del del_
    res['seconds'] = time.perf_counter() - t0
    return res


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--frames', type=int, default=81); p.add_argument('--height', type=int, default=448)
    p.add_argument('--lora-rank', type=int, default=32)
    a = p.parse_args(argv)
    _quiet(); warnings.filterwarnings('ignore')
    f, h, w = a.frames, a.height, 2*a.height
    from dvd360.wan import check_wan_size
    check_wan_size(h, w, f)
    t0 = time.perf_counter()
    m = build(lora_rank=a.lora_rank)
    tr, text, vae = m['transformer'], m['text'], m['vae']
    gib = lambda x: x/GiB
    print(f"torch {torch.__version__}; Wan2.1-T2V-1.3B on the meta device in {time.perf_counter() - t0:.1f} s: transformer "
          f"{_n(tr, False)/1e9:.2f} B (bf16) + LoRA rank {a.lora_rank} {_n(tr, True)/1e6:.1f} M (fp32), UMT5-XXL "
          f"{_n(text)/1e9:.2f} B (bf16), VAE {_n(vae)/1e6:.0f} M (fp32)")
    lat = (16, (f - 1)//4 + 1, h//8, w//8)
    print(f"clip: {f} frames × {h}×{w} → latents {lat}, {lat[1]*lat[2]*lat[3]//4} tokens\n")
    rows = [('sampling step, CFG 2× latents, bf16', ('transformer', 'vae'), sample_step, 24),
            ('VAE decode, fp32, circular padding', ('transformer', 'vae'), vae_decode, 24),
            ('VAE encode of a training clip, fp32', ('transformer', 'vae'), vae_encode, 48),
            ('LoRA training step, bf16 autocast, checkpointing', ('transformer', 'vae'),
             lambda *s: lora_step(*s, ckpt=True), 48),
            ('LoRA training step, bf16 autocast, no checkpointing', ('transformer', 'vae'),
             lambda *s: lora_step(*s, ckpt=False), 48)]
    print("| workload | resident | TFLOP | weights (GiB) | peak (GiB) | goal | fits? |")
    print("|---|---|---|---|---|---|---|")
    out = []
    for name, resident, make, goal in rows:
        r = estimate({k: m[k] for k in resident}, make(f, h, w))
        fit = 'yes' if r['peak'] <= (goal - RESERVE_GIB)*GiB else 'tight' if r['peak'] <= goal*GiB else 'no'
        print(f"| {name} | {' + '.join(resident)} | {r['flops']/1e12:.1f} | {gib(r['weights']):.2f} | "
              f"{gib(r['peak']):.2f} | {goal} GB | {fit} |", flush=True)
        out.append(dict(name=name, goal=goal, fit=fit, **{k: v for k, v in r.items() if k != 'by_label'}))
    t5 = _n(text)*2
    samp = max(r['peak'] for r in out[:2])
    print(f"\nSampling with T5 released after encoding (`enable_model_cpu_offload` does this): peak {gib(samp):.2f} GiB "
          f"→ {'fits' if samp <= (24 - RESERVE_GIB)*GiB else 'does not fit'} a 24 GB card; with T5 resident too: "
          f"{gib(samp + t5):.2f} GiB (T5 weights {gib(t5):.2f} GiB).")
    return out


if __name__ == '__main__': main()
