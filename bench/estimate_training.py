"""Estimate FLOPs and peak memory of 360-Adapter training and sampling at full size, without a GPU (issue 13).

Method. The full-size models -- SD 1.5 U-Net + AnimateDiff v1-5-2 motion modules (`UNetMotionModel.from_unet2d`),
CLIP ViT-L/14 text encoder, SD VAE and the 47 M-parameter `dvd360.adapter.Adapter360` -- are built from their
configs on the `meta` device: every tensor has a shape, dtype and storage size but no data, so a 1.3 B-parameter
U-Net costs no memory and an op costs microseconds. The real code path then runs on these tensors:

* `torch.utils.flop_counter.FlopCounterMode` counts the FLOPs of matmuls, convolutions and attention (forward,
  backward and checkpoint recomputation);
* `MemoryTracker`, a `TorchDispatchMode`, sees every op's outputs: a new untyped storage counts as allocated
  (rounded up to 512 B like the CUDA caching allocator) until a weakref finalizer on the storage reports it freed.
  Parameters, buffers and AdamW moments count too, so the peak is comparable to `torch.cuda.max_memory_allocated()`.

Two things differ on `meta` from CUDA and are emulated: `F.scaled_dot_product_attention` on meta picks the math
backend (it would materialise 8192x8192 attention matrices), so it is routed to the flash / memory-efficient kernels
CUDA uses (their meta kernels: output + log-sum-exp); and `torch.autocast` has no meta kernels, so
`AutocastEmulator`, a `TorchFunctionMode`, applies the CUDA fp16 autocast policy (matmul/conv/linear/attention in
fp16, group/layer norm, softmax, losses, exp/pow... in fp32, leaf weight casts cached per region).
Not counted: kernel-internal workspaces (cuDNN/cuBLAS), the CUDA context (~0.5-1 GiB), allocator fragmentation.

The estimator is checked on a CPU-sized model (channels (32, 64, 64, 64)) by running the same step for real and
comparing its peak with the CPU allocator's own accounting (profiler allocation events) and the peak-RSS growth.

Workloads (batch 1, 16 frames x 512x1024, latents (1, 4, 16, 64, 128)):
* 360-Adapter training step: frozen U-Net/CLIP/VAE in fp16 (requires_grad False), adapter fp32 + AdamW moments;
  flow video (1, 16, 3, 512, 1024) -> 4 adapter features added to the U-Net down-block outputs
  (`dvd360.unet.adapter_features`); noisy latents + 16 copies of the (77, 768) text embedding -> noise prediction;
  latitude-weighted MSE (`dvd360.training.weighted_mse`); backward into the adapter; grad clipping; AdamW step.
  `amp`: under fp16 autocast as `dvd360.training.train(mixed_precision='fp16')`; `fp16`: without autocast.
  Gradient checkpointing: `off`; `stock` = `unet.enable_gradient_checkpointing()` (diffusers 0.42 checkpoints the
  resnets and spatial transformer blocks but not the down/up motion modules); `stock+motion` = stock + every
  down/up `AnimateDiffTransformer3D` wrapped in `torch.utils.checkpoint`; `blocks` = each whole down/mid/up block
  checkpointed (one extra U-Net forward, the least memory).
* VAE encode on the fly for training (8 frames per call, as `dvd360.training.encode_video`, under autocast).
* One sampling step with CFG (2 x 16 frames, fp16, no grad, circular padding, adapter features precomputed).
* VAE decode of the 16 frames (fp16, circular padding): whole (the pipeline's default) and 2 frames per call.

Usage (CPU only, a few minutes; use OMP_NUM_THREADS=1 on a shared machine):

    python bench/estimate_training.py                       # full size: table + CPU validation
    python bench/estimate_training.py --frames 16 --height 512 --skip-validation
    python bench/estimate_training.py --full                # on a CUDA machine: also run each workload for real
                                                            # and print torch.cuda.max_memory_allocated() beside the estimate
"""
from __future__ import annotations
import argparse, contextlib, gc, json, math, os, subprocess, sys, time, types, warnings, weakref
from collections import Counter
from pathlib import Path
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten, tree_map
from torch.utils.checkpoint import checkpoint
from torch.utils.flop_counter import FlopCounterMode

GiB = 2**30
TARGET_GIB = 24.0     # the goal: a 24 GB card
RESERVE_GIB = 1.5     # CUDA context, cuDNN/cuBLAS workspaces, fragmentation: not in max_memory_allocated()

# ---------------------------------------------------------------------------------------------------------------
# Model configurations
# ---------------------------------------------------------------------------------------------------------------
SD15 = dict(
    unet=dict(block_out_channels=(320, 640, 1280, 1280), layers_per_block=2, cross_attention_dim=768,
              attention_head_dim=8, sample_size=64),
    motion=dict(block_out_channels=(320, 640, 1280, 1280), motion_layers_per_block=2, motion_mid_block_layers_per_block=1,
                use_motion_mid_block=True, motion_max_seq_length=32, motion_num_attention_heads=8, motion_norm_num_groups=32),
    text=dict(vocab_size=49408, hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
              max_position_embeddings=77, hidden_act='quick_gelu'),
    vae=dict(block_out_channels=(128, 256, 512, 512), down_block_types=('DownEncoderBlock2D',)*4,
             up_block_types=('UpDecoderBlock2D',)*4, layers_per_block=2, latent_channels=4, sample_size=512),
    adapter=dict())   # Adapter360 defaults: the paper's 47 M-parameter adapter

SMALL = dict(     # CPU-sized stand-in with the same architecture (validation)
    unet=dict(block_out_channels=(32, 64, 64, 64), layers_per_block=2, cross_attention_dim=64, attention_head_dim=8,
              sample_size=32, norm_num_groups=32),
    motion=dict(block_out_channels=(32, 64, 64, 64), motion_layers_per_block=2, motion_mid_block_layers_per_block=1,
                use_motion_mid_block=True, motion_max_seq_length=32, motion_num_attention_heads=8, motion_norm_num_groups=32),
    text=dict(vocab_size=1000, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=2,
              max_position_embeddings=77, hidden_act='quick_gelu'),
    vae=None,
    adapter=dict(channels=(32, 64, 64, 64)))


def _quiet():
    warnings.filterwarnings('ignore')
    os.environ.setdefault('TRANSFORMERS_VERBOSITY', 'error')
    try:
        from diffusers.utils import logging as dl; dl.set_verbosity_error()
    except Exception: pass


def build_models(cfg:dict, device, base_dtype:torch.dtype, seed:int=0)->dict:
    "U-Net + motion modules, text encoder, VAE (if configured) in `base_dtype`, frozen; the adapter in fp32, trainable."
    from diffusers import AutoencoderKL, UNet2DConditionModel, MotionAdapter, UNetMotionModel
    from transformers import CLIPTextConfig, CLIPTextModel
    from dvd360.adapter import Adapter360
    from dvd360.training import _to, _quiet_dtype_cast
    torch.manual_seed(seed)
    device = torch.device(device)
    with torch.device(device):
        u2d = UNet2DConditionModel(**cfg['unet'])
        motion = MotionAdapter(**cfg['motion'])
        with _quiet_dtype_cast(): unet = UNetMotionModel.from_unet2d(u2d, motion)
        del u2d, motion
        text = CLIPTextModel(CLIPTextConfig(**cfg['text']))
        vae = AutoencoderKL(**cfg['vae']) if cfg.get('vae') else None
        adapter = Adapter360(**cfg['adapter'])
    models = dict(unet=unet, text=text, adapter=adapter)
    if vae is not None: models['vae'] = vae
    for k, m in models.items():
        if k == 'adapter': _to(m, device, torch.float32).requires_grad_(True).train()
        else: _to(m, device, base_dtype).requires_grad_(False).eval()
    return models


def n_params(m:nn.Module)->int: return sum(p.numel() for p in m.parameters())

# ---------------------------------------------------------------------------------------------------------------
# Memory tracker
# ---------------------------------------------------------------------------------------------------------------
class MemoryTracker(TorchDispatchMode):
    """Live bytes of tensor storages: a storage counts from the op that creates it (or `track`) until it is freed.

    Storages are keyed by their StorageImpl; a `weakref.finalize` on the (preserved) Python storage object fires when
    the last tensor using it dies. Sizes are rounded up to `round_to` bytes (the CUDA caching allocator's block size).
    Each storage carries the `label` that was current when it was created; `peak_by_label` is the split at the peak."""
    def __init__(self, round_to:int=512):
        super().__init__()
        self.round_to, self.live, self.by_label = round_to, {}, Counter()
        self.current = self.peak = 0
        self.peak_by_label, self.peak_op, self.peak_label = {}, None, None
        self.label, self._op = 'other', None

    def _size(self, st)->int:
        n, r = st.nbytes(), self.round_to
        return -(-n//r)*r

    def track(self, t, label:str|None=None):
        "Count `t`'s storage (no-op if it is already counted; resizes are picked up)."
        if not isinstance(t, Tensor) or t.layout != torch.strided: return
        try: st = t.untyped_storage()
        except Exception: return
        key, n = st._cdata, self._size(st)
        rec = self.live.get(key)
        if rec is not None:                       # known storage (a view, an in-place op): pick up resize_
            if rec[0] != n: self._adjust(rec, n - rec[0])
            return
        rec = self.live[key] = [0, label or self.label]
        weakref.finalize(st, self._free, key)
        self._adjust(rec, n)

    def track_module(self, m:nn.Module, label:str):
        for t in list(m.parameters()) + list(m.buffers()): self.track(t, label)

    def _adjust(self, rec, delta:int):
        rec[0] += delta; self.by_label[rec[1]] += delta; self.current += delta
        if self.current > self.peak:
            self.peak, self.peak_op, self.peak_label = self.current, self._op, self.label
            self.peak_by_label = {k: v for k, v in self.by_label.items() if v}

    def _free(self, key):
        rec = self.live.pop(key, None)
        if rec is not None: self.current -= rec[0]; self.by_label[rec[1]] -= rec[0]

    def reset_peak(self):
        self.peak, self.peak_op, self.peak_label = self.current, None, self.label
        self.peak_by_label = {k: v for k, v in self.by_label.items() if v}

    @contextlib.contextmanager
    def phase(self, label:str):
        old, self.label = self.label, label
        try: yield
        finally: self.label = old

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        self._op = func
        for t in tree_flatten(out)[0]: self.track(t)
        return out

# ---------------------------------------------------------------------------------------------------------------
# Autocast emulation and attention routing (meta tensors have neither autocast kernels nor fused attention choice)
# ---------------------------------------------------------------------------------------------------------------
_T = torch.Tensor
_LOW_COMMON = [F.conv1d, F.conv2d, F.conv3d, F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d, F.linear, F.prelu,
               torch.matmul, _T.matmul, _T.__matmul__, _T.__rmatmul__, torch.mm, _T.mm, torch.bmm, _T.bmm, torch.baddbmm,
               _T.baddbmm, torch.addmm, _T.addmm, torch.addbmm, torch.chain_matmul, torch.linalg.multi_dot,
               F.scaled_dot_product_attention]
# CUDA autocast policy (PyTorch AMP docs, "CUDA Ops that can autocast to float16 / float32")
_CUDA_LOW = _LOW_COMMON + [torch.addmv, torch.mv, _T.mv, torch.addr, torch.einsum]
_CUDA_FP32 = [F.group_norm, F.layer_norm, torch.group_norm, torch.layer_norm, F.softmax, F.log_softmax, F.softmin,
              torch.softmax, torch.log_softmax, _T.softmax, _T.log_softmax, F.mse_loss, F.l1_loss, F.smooth_l1_loss,
              F.huber_loss, F.kl_div, F.cross_entropy, F.nll_loss, F.binary_cross_entropy_with_logits, F.cosine_similarity,
              F.normalize, F.softplus, F.cosine_embedding_loss, F.hinge_embedding_loss, F.margin_ranking_loss,
              F.multilabel_margin_loss, F.multi_margin_loss, F.soft_margin_loss, F.triplet_margin_loss, F.poisson_nll_loss,
              torch.exp, _T.exp, torch.expm1, _T.expm1, torch.log, _T.log, torch.log1p, _T.log1p, torch.log2, _T.log2,
              torch.log10, _T.log10, torch.pow, _T.pow, _T.__pow__, _T.__rpow__, torch.rsqrt, _T.rsqrt, torch.reciprocal,
              _T.reciprocal, torch.acos, _T.acos, torch.asin, _T.asin, torch.cosh, _T.cosh, torch.sinh, _T.sinh,
              torch.tan, _T.tan, torch.erfinv, _T.erfinv, torch.cumsum, _T.cumsum, torch.cumprod, _T.cumprod, torch.prod,
              _T.prod, torch.sum, _T.sum, torch.norm, _T.norm, torch.cdist, torch.dist, _T.dist, torch.renorm, _T.renorm,
              torch.logsumexp, _T.logsumexp, _T.__rtruediv__, _T.__rdiv__, torch.pdist]
# CPU autocast policy (for the validation against real CPU autocast): norms stay in the input dtype on the CPU
_CPU_LOW = _LOW_COMMON
_CPU_FP32 = [F.mse_loss, F.l1_loss, F.smooth_l1_loss, F.huber_loss, F.kl_div, F.cross_entropy, F.nll_loss,
             F.binary_cross_entropy_with_logits, torch.prod, _T.prod, torch.cdist]
# "fp32_set_opt_dtype" ops: autocast passes dtype=float32 (computes in fp32 without a cast copy of the input)
_SET_OPT_DTYPE = {F.softmax, F.log_softmax, F.softmin, torch.softmax, torch.log_softmax, _T.softmax, _T.log_softmax,
                  torch.cumsum, _T.cumsum, torch.cumprod, _T.cumprod, torch.sum, _T.sum, torch.prod, _T.prod}
POLICIES = dict(cuda=(_CUDA_LOW, _CUDA_FP32), cpu=(_CPU_LOW, _CPU_FP32))
_ACTIVE_EMULATOR: list = []


class AutocastEmulator(TorchFunctionMode):
    """`torch.autocast` on devices without autocast kernels: cast the floating inputs of the policy's ops.

    Lower-precision ops get every floating input (except float64) cast to `dtype`; fp32 ops get their half-precision
    inputs cast to float32. As in autocast, casts of leaf tensors that require grad (trainable weights) are cached
    within a `region()` (the `with autocast():` block); activation casts are redone at every call. Keep the mode
    active during `backward()` so checkpoint recomputation is cast the same way (autocast does the same)."""
    def __init__(self, policy:str='cuda', dtype:torch.dtype=torch.float16):
        super().__init__()
        low, fp32 = POLICIES[policy]
        self.policy, self.low, self.fp32, self.dtype = policy, set(low), set(fp32), dtype
        self.cache, self.in_region = {}, False

    def _cast(self, x, dtype):
        if not (isinstance(x, Tensor) and x.is_floating_point()) or x.dtype in (dtype, torch.float64): return x
        if dtype == torch.float32 and x.dtype not in (torch.float16, torch.bfloat16): return x
        if self.in_region and x.is_leaf and x.requires_grad:
            k = id(x)
            if k not in self.cache: self.cache[k] = (x, x.to(dtype))
            return self.cache[k][1]
        return x.to(dtype)

    def cast_low(self, *xs): return tuple(self._cast(x, self.dtype) for x in xs)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func in self.low: args, kwargs = tree_map(lambda x: self._cast(x, self.dtype), (args, kwargs))
        elif func in self.fp32 and kwargs.get('dtype') is None:
            half = any(isinstance(x, Tensor) and x.dtype in (torch.float16, torch.bfloat16) for x in tree_flatten((args, kwargs))[0])
            if half and func in _SET_OPT_DTYPE: kwargs = dict(kwargs, dtype=torch.float32)
            elif half: args, kwargs = tree_map(lambda x: self._cast(x, torch.float32), (args, kwargs))
        return func(*args, **kwargs)

    @contextlib.contextmanager
    def region(self):
        "The autocast-enabled region (weight-cast cache lifetime)."
        self.in_region = True
        try: yield
        finally: self.in_region = False; self.cache.clear()

    def __enter__(self):
        _ACTIVE_EMULATOR.append(self); return super().__enter__()

    def __exit__(self, *exc):
        _ACTIVE_EMULATOR.remove(self); return super().__exit__(*exc)


@contextlib.contextmanager
def fused_attention_on_meta(kernels:str='cuda'):
    """Route `F.scaled_dot_product_attention` on meta tensors to the fused kernels (output + log-sum-exp, no L x L matrix).

    kernels='cuda': flash attention (fp16/bf16, head dim <= 256, multiple of 8), else memory-efficient attention, as
    PyTorch picks on an H100/A100; 'cpu': the CPU flash kernel (what real CPU runs use)."""
    orig, calls = F.scaled_dot_product_attention, Counter()
    aten = torch.ops.aten
    def sdpa(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False):
        if query.device.type != 'meta' or attn_mask is not None or enable_gqa or query.ndim != 4:
            calls['native'] += 1
            return orig(query, key, value, attn_mask=attn_mask, dropout_p=dropout_p, is_causal=is_causal, scale=scale,
                        enable_gqa=enable_gqa)
        if _ACTIVE_EMULATOR: query, key, value = _ACTIVE_EMULATOR[-1].cast_low(query, key, value)
        d = query.shape[-1]
        if kernels == 'cpu':
            calls['flash_cpu'] += 1
            return aten._scaled_dot_product_flash_attention_for_cpu(query, key, value, dropout_p, is_causal, scale=scale)[0]
        if query.dtype in (torch.float16, torch.bfloat16) and d <= 256 and d % 8 == 0:
            calls['flash'] += 1
            return aten._scaled_dot_product_flash_attention(query, key, value, dropout_p, is_causal, scale=scale)[0]
        calls['efficient'] += 1
        lse = torch.is_grad_enabled() and any(t.requires_grad for t in (query, key, value))
        return aten._scaled_dot_product_efficient_attention(query, key, value, None, lse, dropout_p, is_causal,
                                                            scale=scale)[0]
    F.scaled_dot_product_attention = sdpa
    try: yield calls
    finally: F.scaled_dot_product_attention = orig

# ---------------------------------------------------------------------------------------------------------------
# Gradient checkpointing variants
# ---------------------------------------------------------------------------------------------------------------
CKPT_MODES = ('off', 'stock', 'stock+motion', 'blocks')

def _recompute_context():
    """`context_fn` for `torch.utils.checkpoint`: re-enter the autocast emulator for the recomputation.

    Checkpoint restores real autocast itself, but a `TorchFunctionMode` is not active inside the autograd engine, so
    without this the recomputed forward would run in other dtypes than the original (checkpoint would then raise)."""
    emu = _ACTIVE_EMULATOR[-1] if _ACTIVE_EMULATOR else None
    return contextlib.nullcontext(), (AutocastEmulator(emu.policy, emu.dtype) if emu else contextlib.nullcontext())

def _checkpoint(fn, *args, **kwargs):
    "diffusers' gradient-checkpointing function (non-reentrant `torch.utils.checkpoint`) + `_recompute_context`."
    return checkpoint(fn, *args, use_reentrant=False, context_fn=_recompute_context, **kwargs)

def set_checkpointing(unet:nn.Module, mode:str):
    "Apply one of CKPT_MODES to a diffusers `UNetMotionModel` with dvd360's `set_gradient_checkpointing` (recomputation under the emulator)."
    from dvd360.training import set_gradient_checkpointing
    if mode not in CKPT_MODES: raise ValueError(f"unknown checkpointing mode {mode!r}; choose from {CKPT_MODES}")
    set_gradient_checkpointing(unet, {'stock+motion': 'motion'}.get(mode, mode), checkpoint_fn=_checkpoint)

# ---------------------------------------------------------------------------------------------------------------
# Workloads: each is prepare(models, device) -> run(), so the same code runs on meta, the CPU and CUDA
# ---------------------------------------------------------------------------------------------------------------
def _amp_contexts(device:torch.device, precision:str):
    """(outer, region): `outer` wraps forward + backward, `region` the autocast block of the forward.

    precision 'amp': fp16 autocast (emulated on meta), 'amp-bf16-cpu': CPU bf16 autocast (validation),
    'fp16'/'fp32': no autocast."""
    if precision in ('fp16', 'fp32'): return contextlib.nullcontext, contextlib.nullcontext
    dtype = torch.bfloat16 if precision == 'amp-bf16-cpu' else torch.float16
    if device.type == 'meta':
        emu = AutocastEmulator('cpu' if precision == 'amp-bf16-cpu' else 'cuda', dtype)
        return (lambda: emu), emu.region
    return contextlib.nullcontext, (lambda: torch.autocast(device.type, dtype=dtype))


def _adamw(params, device:torch.device):
    "AdamW as the training loop uses it, with its moments allocated up front (steady state: they exist during backward)."
    params = list(params)
    kw = dict(lr=1e-5, betas=(0.9, 0.999), weight_decay=1e-2)
    opt = torch.optim.AdamW(params, foreach=True if device.type == 'meta' else None, **kw)
    for p in params:
        opt.state[p] = dict(step=torch.tensor(0.), exp_avg=torch.zeros_like(p, memory_format=torch.preserve_format),
                            exp_avg_sq=torch.zeros_like(p, memory_format=torch.preserve_format))
    return opt


def train_workload(frames:int, height:int, width:int, batch:int, ckpt:str, precision:str):
    "One 360-Adapter training step (see the module docstring)."
    def prepare(models, device, tracker=None):
        from dvd360.unet import adapter_features
        from dvd360.training import weighted_mse
        unet, text, adapter = models['unet'], models['text'], models['adapter']
        set_checkpointing(unet, ckpt)
        dtype = next(unet.parameters()).dtype
        ph = tracker.phase if tracker else (lambda _: contextlib.nullcontext())
        with ph('inputs'):
            latents = torch.randn(batch, 4, frames, height//8, width//8, device=device)              # cached latents, fp32
            flow = torch.rand(batch, frames, 3, height, width, device=device)                        # RGB flow in [0, 1]
            ids = torch.zeros(batch, text.config.max_position_embeddings, dtype=torch.long, device=device)
        with ph('optimizer state'): opt = _adamw(adapter.parameters(), device)
        outer, region = _amp_contexts(device, precision)
        scaler = torch.amp.GradScaler('cuda') if device.type == 'cuda' and precision == 'amp' else None

        def run():
            with outer():
                with region():
                    with torch.no_grad(), ph('text + noise (no grad)'):
                        emb = text(ids)[0].to(dtype).repeat_interleave(frames, 0)                     # (b·f, 77, 768)
                        noise = torch.randn_like(latents)
                        t = torch.randint(0, 1000, (batch,), device=device)
                        noisy = latents*0.6 + noise*0.8                                               # ≙ DDPM add_noise
                    with ph('forward'):
                        feats = adapter(flow)
                        with adapter_features(unet, feats):
                            pred = unet(noisy.to(dtype), t, encoder_hidden_states=emb).sample
                        loss = weighted_mse(pred, noise, latitude_aware=True)
                    del feats, pred
                with ph('backward'):
                    (scaler.scale(loss) if scaler else loss).backward()
            with ph('optimizer step'):
                if scaler: scaler.unscale_(opt)
                torch.nn.utils.clip_grad_norm_(adapter.parameters(), 1.0)
                if scaler: scaler.step(opt); scaler.update()
                else: opt.step()
                opt.zero_grad(set_to_none=True)
            return loss.detach()
        return run
    return prepare


def encode_workload(frames:int, height:int, width:int, batch:int, chunk:int=8, precision:str='amp'):
    "VAE encode on the fly during training (`dvd360.training.encode_video`, chunks of 8 frames, under autocast)."
    def prepare(models, device, tracker=None):
        from dvd360.training import encode_video
        vae = models['vae']
        pixels = torch.rand(batch, frames, 3, height, width, device=device)*2 - 1
        outer, region = _amp_contexts(device, precision)
        g = None if device.type == 'meta' else torch.Generator(device).manual_seed(0)
        def run():
            with outer(), region(), torch.no_grad(): return encode_video(vae, pixels, g, chunk).float()
        return run
    return prepare


def sample_workload(frames:int, height:int, width:int, batch:int, guidance:bool=True, padding:bool=True):
    "One denoising step of `Panorama360Pipeline` (fp16, no grad, CFG, circular padding), adapter features precomputed."
    def prepare(models, device, tracker=None):
        from dvd360.unet import adapter_features, circular_padding
        unet, text, adapter = models['unet'], models['text'], models['adapter']
        set_checkpointing(unet, 'off')
        dtype = next(unet.parameters()).dtype
        n = 2 if guidance else 1
        with torch.no_grad():
            ids = torch.zeros(n*batch, text.config.max_position_embeddings, dtype=torch.long, device=device)
            emb = text(ids)[0].to(dtype).repeat_interleave(frames, 0)
            flow = torch.rand(batch, frames, 3, height, width, device=device, dtype=dtype)
            ad16 = adapter.to(dtype)            # the pipeline runs the adapter in the pipeline dtype
            feats = ad16(flow)
            adapter.to(torch.float32)
            del flow
        latents = torch.randn(batch, 4, frames, height//8, width//8, device=device, dtype=dtype)
        def run():
            with torch.no_grad(), circular_padding(unet, enabled=padding), adapter_features(unet, feats):
                x = torch.cat([latents]*n)
                eps = unet(x, torch.tensor(500, device=device), encoder_hidden_states=emb).sample
                if guidance: u, c = eps.chunk(2); eps = u + 7.5*(c - u)
                return latents - 0.1*eps                                      # ≙ scheduler.step (elementwise)
        return run
    return prepare


def decode_workload(frames:int, height:int, width:int, batch:int, chunk:int, padding:bool=True):
    "VAE decode as `AnimateDiffPipeline.decode_latents` (fp16, no grad), circular padding in the decoder as the pipeline."
    def prepare(models, device, tracker=None):
        from diffusers import AnimateDiffPipeline
        from dvd360.unet import circular_padding
        vae = models['vae']
        latents = torch.randn(batch, 4, frames, height//8, width//8, device=device, dtype=next(vae.parameters()).dtype)
        def run():
            with torch.no_grad(), circular_padding(vae.decoder, enabled=padding):
                return AnimateDiffPipeline.decode_latents(types.SimpleNamespace(vae=vae), latents, chunk)
        return run
    return prepare

# ---------------------------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------------------------
def estimate(models:dict, prepare, kernels:str='cuda', flops:bool=True, round_to:int=512)->dict:
    """Run `prepare` then `run` on meta `models` under the memory tracker; then, if `flops`, once more under
    `FlopCounterMode` (a separate pass: the FLOP counter decomposes ops and hooks module outputs, which changes what
    is allocated and how long it lives)."""
    tracker = MemoryTracker(round_to)
    labels = dict(unet='weights (frozen)', text='weights (frozen)', vae='weights (frozen)', adapter='adapter weights')
    for k, m in models.items(): tracker.track_module(m, labels[k])
    t0 = time.perf_counter()
    with fused_attention_on_meta(kernels) as calls, tracker:
        run = prepare(models, torch.device('meta'), tracker)
        baseline = tracker.current
        with tracker.phase('run'): out = run()
        del out, run
    gc.collect()
    res = dict(peak=tracker.peak, baseline=baseline, end=tracker.current, flops=None, breakdown=tracker.peak_by_label,
               peak_label=tracker.peak_label, peak_op=str(tracker.peak_op), attention=dict(calls))
    if flops:
        with fused_attention_on_meta(kernels):
            run = prepare(models, torch.device('meta'))
            with FlopCounterMode(display=False) as fc: out = run()
            del out, run
        res['flops'] = fc.get_total_flops()
    res['seconds'] = time.perf_counter() - t0
    return res


def measure_cuda(models:dict, prepare, device='cuda')->dict:
    "Run the workload for real on CUDA: one warm-up, then `torch.cuda.max_memory_allocated()` over prepare + run."
    dev = torch.device(device)
    try:
        run = prepare(models, dev); run(); del run
        gc.collect(); torch.cuda.synchronize(); torch.cuda.empty_cache(); torch.cuda.reset_peak_memory_stats()
        t0 = time.perf_counter()
        run = prepare(models, dev); out = run(); torch.cuda.synchronize(); dt = time.perf_counter() - t0
        res = dict(status='ok', peak=torch.cuda.max_memory_allocated(), reserved=torch.cuda.max_memory_reserved(), seconds=dt)
        del out, run
    except torch.OutOfMemoryError:
        res = dict(status='out of memory')
    for p in models['adapter'].parameters(): p.grad = None
    gc.collect(); torch.cuda.empty_cache()
    return res


def workloads(frames:int, height:int, width:int, batch:int, ckpts, precisions)->list[tuple[str,str,object,str]]:
    "(name, models involved, prepare, training key) for the table; training rows with the same key have the same FLOPs."
    rows = []
    for prec in precisions:
        for ck in ckpts:
            rows.append((f"train step, {prec}, ckpt {ck}", 'unet+text+adapter (+vae resident)',
                         train_workload(frames, height, width, batch, ck, prec), f"train {ck}"))
    rows += [(f"VAE encode for training (8 frames/call, amp)", 'vae', encode_workload(frames, height, width, batch), ''),
             (f"sampling step, CFG 2×{frames} frames, fp16", 'unet+text+adapter', sample_workload(frames, height, width, batch), ''),
             (f"VAE decode {frames} frames, whole, fp16", 'vae', decode_workload(frames, height, width, batch, frames), ''),
             (f"VAE decode {frames} frames, 2/call, fp16", 'vae', decode_workload(frames, height, width, batch, 2), '')]
    return rows

# ---------------------------------------------------------------------------------------------------------------
# CPU validation: the same step on a CPU-sized model, estimate (meta) vs. real allocations
# ---------------------------------------------------------------------------------------------------------------
def _rss_reset_and_read()->int:
    "Reset the peak-RSS high-water mark (Linux clear_refs 5) and return the current RSS in bytes."
    try: Path('/proc/self/clear_refs').write_text('5')
    except OSError: pass
    return _proc_status('VmRSS')

def _proc_status(key:str)->int:
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith(key + ':'): return int(line.split()[1])*1024
    return -1

def _profiler_peak(run)->tuple[int, int]:
    "Peak and net bytes of CPU-allocator allocations during `run()`, from the profiler's allocation events."
    from torch.profiler import profile, ProfilerActivity
    from torch._C._profiler import _EventType
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as p: run()
    stack, allocs = list(p.profiler.kineto_results.experimental_event_tree()), []
    while stack:
        n = stack.pop(); stack.extend(n.children)
        if n.tag == _EventType.Allocation and str(n.extra_fields.device).startswith('cpu'):
            allocs.append((n.start_time_ns, n.extra_fields.alloc_size))
    cur = peak = 0
    for _, s in sorted(allocs): cur += s; peak = max(peak, cur)
    return peak, cur


def validation_child(spec:dict)->dict:
    "Real CPU run of the small model (called in a fresh process so that peak RSS means something)."
    _quiet()
    torch.manual_seed(0)
    f, H, W, ck, prec = spec['frames'], spec['height'], spec['width'], spec['ckpt'], spec['precision']
    models = build_models(SMALL, 'cpu', torch.float32)
    prepare = train_workload(f, H, W, 1, ck, prec)
    cpu = torch.device('cpu')
    run = prepare(models, cpu); run()                            # warm-up (kernels, lazy inits)
    out = {}
    # (1) peak RSS growth over one step, nothing else running
    run = prepare(models, cpu); gc.collect()
    rss0 = _rss_reset_and_read(); t0 = time.perf_counter(); run(); out['seconds'] = time.perf_counter() - t0
    out['rss_delta'] = _proc_status('VmHWM') - rss0
    del run; gc.collect()
    # (2) the dispatch-mode tracker on real tensors + the CPU allocator's own accounting (profiler allocation events)
    tracker = MemoryTracker(round_to=64)      # the CPU allocator aligns to 64 B
    for k, m in models.items(): tracker.track_module(m, k)
    with tracker:
        run = prepare(models, cpu, tracker); base = tracker.current; tracker.reset_peak()
        prof_peak, prof_net = _profiler_peak(run)
    out.update(tracker_peak=tracker.peak, tracker_base=base, profiler_peak=prof_peak)
    return out


def validate(args)->list[dict]:
    "Estimate (meta) vs. real CPU measurements for a few small configurations; prints a table and returns rows."
    f, H = args.val_frames, args.val_height; W = 2*H
    specs = [dict(frames=f, height=H, width=W, ckpt='off', precision='fp32'),
             dict(frames=f, height=H, width=W, ckpt='stock+motion', precision='fp32'),
             dict(frames=f, height=H, width=W, ckpt='off', precision='amp-bf16-cpu')]
    if args.quick_validation: specs = specs[:1]
    meta_models = build_models(SMALL, 'meta', torch.float32)
    rows = []
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_='65536', MALLOC_TRIM_THRESHOLD_='0', MALLOC_ARENA_MAX='1')
    for spec in specs:
        est = estimate(meta_models, train_workload(f, H, W, 1, spec['ckpt'], spec['precision']), kernels='cpu', flops=False, round_to=64)
        r = subprocess.run([sys.executable, __file__, '--_validation-child', json.dumps(spec)], env=env,
                           capture_output=True, text=True)
        if r.returncode: print(r.stderr[-3000:]); raise RuntimeError("validation child failed")
        real = json.loads(r.stdout.strip().splitlines()[-1])
        base = real['tracker_base']              # weights, inputs, optimizer state: exactly known, same in all three
        rows.append(dict(spec=spec, est_peak=est['peak'], est_base=est['baseline'], **real,
                         real_peak=base + real['profiler_peak'], rss_peak=base + real['rss_delta']))
    return rows


def print_validation(rows, args):
    print(f"\n### Validation on the CPU: small model (channels (32, 64, 64, 64)), {args.val_frames} frames × "
          f"{args.val_height}×{2*args.val_height}, batch 1\n")
    print("Estimate: meta tensors + tracker (as for the full size). Real: the same step on CPU tensors -- the tracker on real "
          "tensors, the CPU allocator's peak (profiler allocation events) and the peak-RSS growth (fresh process, "
          "large mallocs mmapped). Step peak = peak above the live weights, inputs and optimizer state before the step.\n")
    print("| config | estimate (MiB) | tracker on real tensors (MiB) | CPU allocator (MiB) | peak RSS (MiB) | "
          "estimate / allocator: total | step only | estimate / RSS: total | step only | real step (s) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    M = 2**20
    for r in rows:
        s = r['spec']; base = r['tracker_base']
        est_step, real_step, rss_step = r['est_peak'] - r['est_base'], r['profiler_peak'], r['rss_delta']
        print(f"| train, {s['precision']}, ckpt {s['ckpt']} | {r['est_peak']/M:.1f} | {r['tracker_peak']/M:.1f} | "
              f"{r['real_peak']/M:.1f} | {r['rss_peak']/M:.1f} | {r['est_peak']/r['real_peak']:.3f} | "
              f"{est_step/real_step:.3f} | {r['est_peak']/r['rss_peak']:.3f} | {est_step/max(rss_step, 1):.3f} | "
              f"{r['seconds']:.1f} |")

# ---------------------------------------------------------------------------------------------------------------
def fmt_gib(x): return f"{x/GiB:.2f}"

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--frames', type=int, default=16)
    p.add_argument('--height', type=int, default=512, help='panorama height (width = 2·height unless --width)')
    p.add_argument('--width', type=int, default=None)
    p.add_argument('--batch', type=int, default=1)
    p.add_argument('--ckpt', default=','.join(CKPT_MODES), help=f'checkpointing modes, comma-separated, of {CKPT_MODES}')
    p.add_argument('--precision', default='amp,fp16', help="training precisions: 'amp' (fp16 autocast, as train()) and/or "
                   "'fp16' (fp16 base, fp32 adapter, no autocast)")
    p.add_argument('--full', action='store_true', help='on CUDA: also run every workload for real and report '
                   'torch.cuda.max_memory_allocated() beside the estimate')
    p.add_argument('--skip-validation', action='store_true', help='skip the CPU validation on a small model')
    p.add_argument('--quick-validation', action='store_true', help='validate one configuration only')
    p.add_argument('--val-frames', type=int, default=8)
    p.add_argument('--val-height', type=int, default=128)
    p.add_argument('--json', help='also write the results to this JSON file')
    p.add_argument('--_validation-child', dest='child', help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.child:
        torch.set_num_threads(1)
        print(json.dumps(validation_child(json.loads(a.child)))); return
    _quiet()
    W = a.width or 2*a.height
    ckpts = [c.strip() for c in a.ckpt.split(',') if c.strip()]
    precs = [c.strip() for c in a.precision.split(',') if c.strip()]
    for c in ckpts:
        if c not in CKPT_MODES: p.error(f"unknown --ckpt {c!r}")
    for c in precs:
        if c not in ('amp', 'fp16'): p.error(f"unknown --precision {c!r}")
    if a.full and not torch.cuda.is_available(): p.error("--full needs a CUDA device")

    t0 = time.perf_counter()
    models = build_models(SD15, 'meta', torch.float16)
    counts = {k: n_params(m) for k, m in models.items()}
    print(f"torch {torch.__version__}; full-size models on the meta device built in {time.perf_counter() - t0:.1f} s")
    print(f"parameters: U-Net + motion modules {counts['unet']/1e6:.1f} M, CLIP text encoder {counts['text']/1e6:.1f} M, "
          f"VAE {counts['vae']/1e6:.1f} M (fp16, frozen); 360-Adapter {counts['adapter']/1e6:.2f} M (fp32, AdamW)")
    print(f"workload: batch {a.batch} × {a.frames} frames × {a.height}×{W}, latents ({a.batch}, 4, {a.frames}, "
          f"{a.height//8}, {W//8}), flow ({a.batch}, {a.frames}, 3, {a.height}, {W})\n")

    rows = workloads(a.frames, a.height, W, a.batch, ckpts, precs)
    results, flops = [], {}
    for name, parts, prep, key in rows:
        r = estimate(models, prep, flops=not key or key not in flops)
        if key: r['flops'] = flops.setdefault(key, r['flops'])
        r.update(name=name, parts=parts, training=bool(key))
        results.append(r)
        print(f"  estimated {name}: peak {fmt_gib(r['peak'])} GiB, {r['flops']/1e12:.2f} TFLOP, attention kernels "
              f"{r['attention']} ({r['seconds']:.1f} s)", flush=True)

    if a.full:                                   # real CUDA runs, same workloads, same code
        print("\nrunning every workload on", torch.cuda.get_device_name())
        del models; gc.collect()
        cuda_models = build_models(SD15, 'cuda', torch.float16)
        for r, (name, parts, prep, _) in zip(results, rows):
            r['cuda'] = measure_cuda(cuda_models, prep)
            print(f"  measured {name}: {r['cuda']}", flush=True)

    n = lambda k: counts[k]/1e6
    par = {'unet+text+adapter (+vae resident)': f"{n('unet') + n('text') + n('vae'):.0f} M frozen + {n('adapter'):.1f} M trained",
           'unet+text+adapter': f"{n('unet') + n('text') + n('adapter'):.0f} M",
           'vae': f"{n('vae'):.1f} M"}
    print(f"\n### Estimated cost at {a.frames} frames × {a.height}×{W}, batch {a.batch} (all models resident: "
          f"weights {fmt_gib(results[0]['breakdown'].get('weights (frozen)', 0))} GiB fp16 frozen)\n")
    head = "| workload | params | TFLOP | peak (GiB) | peak in | fits 24 GB? |" + (" CUDA max allocated (GiB) | ratio |" if a.full else "")
    print(head); print("|" + "---|"*(head.count('|') - 1))
    limit = (TARGET_GIB - RESERVE_GIB)*GiB
    for r in results:
        fit = 'yes' if r['peak'] <= limit else ('tight' if r['peak'] <= TARGET_GIB*GiB else 'no')
        line = (f"| {r['name']} | {par[r['parts']]} | {r['flops']/1e12:.2f} | {fmt_gib(r['peak'])} | {r['peak_label']} | {fit} |")
        if a.full:
            c = r['cuda']
            line += (f" {fmt_gib(c['peak'])} | {r['peak']/c['peak']:.3f} |" if c['status'] == 'ok' else f" {c['status']} | |")
        print(line)

    print(f"\n'fits': peak ≤ {TARGET_GIB - RESERVE_GIB:.1f} GiB, leaving {RESERVE_GIB} GiB of a 24 GiB card for the CUDA "
          "context, cuDNN/cuBLAS workspaces and fragmentation; 'tight': ≤ 24 GiB.")
    print("\n### What is live at the training peak (GiB)\n")
    labels = ['weights (frozen)', 'adapter weights', 'optimizer state', 'inputs', 'text + noise (no grad)', 'forward',
              'backward', 'optimizer step']
    print("| training config | " + " | ".join(labels) + " | total | peak during |")
    print("|---|" + "---|"*(len(labels) + 2))
    for r in results:
        if not r['training']: continue
        b = r['breakdown']
        print(f"| {r['name'].removeprefix('train step, ')} | " + " | ".join(fmt_gib(b.get(k, 0)) for k in labels) +
              f" | {fmt_gib(r['peak'])} | {r['peak_label']} ({r['peak_op']}) |")

    train = [r for r in results if r['training']]
    if train:
        best = min(train, key=lambda r: r['peak'])
        ok = [r['name'].removeprefix('train step, ') for r in train if r['peak'] <= limit]
        print(f"\nTraining step at {a.frames}×{a.height}×{W}: lowest estimated peak {fmt_gib(best['peak'])} GiB "
              f"({best['name'].removeprefix('train step, ')}); fits in ≤ 24 GB with "
              f"{'; '.join(ok) if ok else 'none of the measured configurations'}.")
    if not a.skip_validation:
        vrows = validate(a)
        print_validation(vrows, a)
    else: vrows = None
    if a.json:
        Path(a.json).write_text(json.dumps(dict(args=vars(a), params=counts, results=results, validation=vrows),
                                           indent=1, default=str))
    return results


if __name__ == '__main__': main()
