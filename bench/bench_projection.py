"""ERP → four 360-Text-Fusion views for a 16-frame 512×1024 clip: dvd360 vs py360convert.e2p, same input, same run.

    python bench/bench_projection.py [--frames 16] [--size 512] [--repeat 3] [--device cpu]

Prints both timings, the speed ratio (goal ≥ 10× on CPU) and the agreement of the outputs (goal ≤ 1/255 in
value, measured on a smooth panorama where both bilinear samplers are exact to first order).
"""
import argparse, math, time
import numpy as np, torch
from dvd360.geometry import erp_directions
from dvd360.projection import four_views, TEXT_FUSION_YAWS

def clip(frames:int, h:int, w:int)->torch.Tensor:
    "A smooth, moving test clip (f, 3, h, w) in [0, 1]: low-order functions of the view direction."
    d = erp_directions(h, w, dtype=torch.float64)
    t = torch.linspace(0, 1, frames, dtype=torch.float64)[:, None, None]
    x, y, z = d[..., 0], d[..., 1], d[..., 2]
    return torch.stack([0.5 + 0.3*x*y + 0.2*torch.cos(z + t), 0.5 + 0.3*y**2 - 0.2*x*torch.cos(t), 0.5 + 0.4*z*x*torch.cos(2*t)], 1).float()

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--frames', type=int, default=16); p.add_argument('--height', type=int, default=512)
    p.add_argument('--size', type=int, default=512); p.add_argument('--repeat', type=int, default=3)
    p.add_argument('--device', default='cpu')
    a = p.parse_args()
    import py360convert
    video = clip(a.frames, a.height, 2*a.height)
    x = video.to(a.device)
    def ours(): 
        out = four_views(x, a.size)
        if x.device.type == 'cuda': torch.cuda.synchronize()
        return out
    ours()                                                     # warm-up
    t0 = time.perf_counter()
    for _ in range(a.repeat): out = ours()
    t_ours = (time.perf_counter() - t0)/a.repeat
    frames_np = video.permute(0, 2, 3, 1).numpy()
    t0 = time.perf_counter()
    ref = np.stack([np.stack([py360convert.e2p(f, fov_deg=90, u_deg=yaw if yaw <= 180 else yaw - 360, v_deg=0,
                                               out_hw=(a.size, a.size), mode='bilinear') for yaw in TEXT_FUSION_YAWS]) for f in frames_np])
    t_ref = time.perf_counter() - t0
    diff = np.abs(out.permute(0, 1, 3, 4, 2).cpu().numpy() - ref)
    print(f"input: {a.frames}×3×{a.height}×{2*a.height}, output: {tuple(out.shape)} on {a.device}, torch threads {torch.get_num_threads()}")
    print(f"dvd360.four_views : {t_ours*1000:9.1f} ms (mean of {a.repeat})")
    print(f"py360convert.e2p  : {t_ref*1000:9.1f} ms ({a.frames*4} calls)")
    print(f"speed ratio (py360convert / dvd360): {t_ref/t_ours:.1f}×  (goal ≥ 10×)")
    print(f"agreement: max |Δ| = {diff.max():.5f}, mean |Δ| = {diff.mean():.6f}  (goal ≤ 1/255 = {1/255:.5f}): {'ok' if diff.max() <= 1/255 else 'FAIL'}")

if __name__ == '__main__': main()
