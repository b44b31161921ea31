# VAE experiment: train an AutoencoderKL on rendered world frames, read held-out reconstructions with the classifier
import torch, time, sys, json, math
import torch.nn.functional as F
torch.set_num_threads(1)
from diffusers import AutoencoderKL
from dvd360.world import WORLD_CONFIG, render_attribute_set, load_attribute_net, attribute_accuracy
name, ch, steps, weight = sys.argv[1], tuple(int(c) for c in sys.argv[2].split(',')), int(sys.argv[3]), float(sys.argv[4])
t0 = time.time()
x, _ = render_attribute_set(500, 'train', seed=7, frames=4); x = x.flatten(0, 1)
xv, yv = render_attribute_set(64, 'test', seed=9, frames=4)
print('render', time.time() - t0, flush=True)
net = load_attribute_net('dvd360/world_model/attributes')
torch.manual_seed(0)
vae = AutoencoderKL(**{**WORLD_CONFIG['vae'], 'block_out_channels': ch})
opt = torch.optim.AdamW(vae.parameters(), 1e-3, weight_decay=0)
sched = torch.optim.lr_scheduler.OneCycleLR(opt, 1e-3, total_steps=steps, pct_start=0.05)
g = torch.Generator().manual_seed(0)
def blur(y): return F.avg_pool2d(F.pad(y, (2, 2, 2, 2), mode='replicate'), 5, 1)
@torch.no_grad()
def evaluate():
    vae.eval(); v = xv.flatten(0, 1).float()/255
    r = torch.cat([(vae.decode(vae.encode(b*2 - 1).latent_dist.mode()).sample.clamp(-1, 1) + 1)/2 for b in v.split(64)])
    acc = attribute_accuracy(net, r.unflatten(0, xv.shape[:2]), yv)
    psnr = -10*math.log10(F.mse_loss(r, v).item()); vae.train()
    return {k: round(sum(a)/len(a), 3) for k, a in acc.items()} | {'psnr': round(psnr, 2)}
for s in range(1, steps + 1):
    i = torch.randint(0, len(x), (8,), generator=g)
    b = x[i].float()/255*2 - 1
    sh = int(torch.randint(0, 128, (1,), generator=g)); b = b.roll(sh, -1)
    post = vae.encode(b).latent_dist; r = vae.decode(post.sample(generator=g)).sample
    err = (r - b).abs()
    w = 1 + weight*(b - blur(b)).abs().mean(1, keepdim=True)/0.05 if weight else 1
    loss = (w*err).mean() + 1e-6*post.kl().mean()
    opt.zero_grad(); loss.backward(); opt.step(); sched.step()
    if s % 100 == 0: print(s, round(loss.item(), 4), round(time.time() - t0), flush=True)
    if s % 1000 == 0 or s == steps:
        print('eval', s, evaluate(), flush=True)
        vae.save_pretrained(f'/tmp/t/vae_{name}')
