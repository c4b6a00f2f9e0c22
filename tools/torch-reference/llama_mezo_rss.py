#!/usr/bin/python3
"""Peak RSS of a Llama-family Hugging Face folder in PyTorch on CPU, as a user would run it:
inference (one forward pass), a MeZO step written as the MeZO paper's code does it (in-place
perturbation with z regenerated from a seed, three passes, then the update), or backprop with AdamW.
Pure torch (no transformers/safetensors packages): reads config.json and the safetensors files.

usage: llama_mezo_rss.py FOLDER forward|mezo|backprop [TOKENS] [STEPS]
"""
import json, math, os, resource, struct, sys, time
import torch
import torch.nn.functional as F

DTYPES = {"BF16": torch.bfloat16, "F32": torch.float32, "F16": torch.float16}


def read_safetensors(path):
    out = {}
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        base = 8 + n
        for name, info in header.items():
            if name == "__metadata__":
                continue
            start, end = info["data_offsets"]
            f.seek(base + start)
            buf = bytearray(end - start)
            f.readinto(buf)
            out[name] = torch.frombuffer(buf, dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
    return out


def load(folder):
    cfg = json.load(open(os.path.join(folder, "config.json")))
    files = sorted(f for f in os.listdir(folder) if f.endswith(".safetensors"))
    w = {}
    for f in files:
        w.update(read_safetensors(os.path.join(folder, f)))
    return cfg, w


def rope(x, pos, theta):
    d = x.shape[-1]
    inv = 1.0 / (theta ** (torch.arange(0, d, 2, dtype=torch.float32) / d))
    ang = pos[:, None].float() * inv[None, :]
    cos, sin = torch.cat([ang.cos(), ang.cos()], -1), torch.cat([ang.sin(), ang.sin()], -1)
    x1, x2 = x[..., : d // 2], x[..., d // 2 :]
    rot = torch.cat([-x2, x1], -1)
    return (x.float() * cos + rot.float() * sin).to(x.dtype)


def rms(x, weight, eps):
    v = x.float().pow(2).mean(-1, keepdim=True)
    return (x.float() * torch.rsqrt(v + eps)).to(x.dtype) * weight


def loss_fn(cfg, w, ids):
    h, nh, kvh = cfg["hidden_size"], cfg["num_attention_heads"], cfg.get("num_key_value_heads", cfg["num_attention_heads"])
    hd, eps, theta = h // nh, cfg.get("rms_norm_eps", 1e-5), cfg.get("rope_theta", 10000.0)
    T = ids.shape[0]
    pos = torch.arange(T)
    x = w["model.embed_tokens.weight"][ids]
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        n = rms(x, w[p + "input_layernorm.weight"], eps)
        q = (n @ w[p + "self_attn.q_proj.weight"].T).view(T, nh, hd).transpose(0, 1)
        k = (n @ w[p + "self_attn.k_proj.weight"].T).view(T, kvh, hd).transpose(0, 1)
        v = (n @ w[p + "self_attn.v_proj.weight"].T).view(T, kvh, hd).transpose(0, 1)
        q, k = rope(q, pos, theta), rope(k, pos, theta)
        if kvh != nh:
            k, v = k.repeat_interleave(nh // kvh, 0), v.repeat_interleave(nh // kvh, 0)
        s = (q @ k.transpose(-1, -2)).float() / math.sqrt(hd)
        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
        a = (s.softmax(-1).to(v.dtype) @ v).transpose(0, 1).reshape(T, h)
        x = x + a @ w[p + "self_attn.o_proj.weight"].T
        n = rms(x, w[p + "post_attention_layernorm.weight"], eps)
        g = F.silu(n @ w[p + "mlp.gate_proj.weight"].T) * (n @ w[p + "mlp.up_proj.weight"].T)
        x = x + g @ w[p + "mlp.down_proj.weight"].T
    x = rms(x, w["model.norm.weight"], eps)
    head = w.get("lm_head.weight", w["model.embed_tokens.weight"])
    logits = (x[:-1] @ head.T).float()
    return F.cross_entropy(logits, ids[1:])


def zo_perturb(w, seed, scale):
    # the MeZO paper's zo_perturb_parameters: z regenerated from the seed, one parameter at a time
    torch.manual_seed(seed)
    for name in sorted(w):
        z = torch.normal(mean=0, std=1, size=w[name].size(), dtype=w[name].dtype)
        w[name].data = w[name].data + scale * z


def main():
    folder, mode = sys.argv[1], sys.argv[2]
    tokens = int(sys.argv[3]) if len(sys.argv) > 3 else 64
    steps = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    t0 = time.time()
    cfg, w = load(folder)
    print(f"loaded {sum(t.numel() for t in w.values()):,} weights in {time.time()-t0:.1f} s", flush=True)
    ids = torch.arange(tokens) % 500 + 3
    eps, lr = 1e-3, 1e-5
    if mode == "forward":
        with torch.inference_mode():
            print("loss", loss_fn(cfg, w, ids).item())
    elif mode == "mezo":
        with torch.inference_mode():
            for s in range(steps):
                seed = 1000 + s
                zo_perturb(w, seed, eps)
                lp = loss_fn(cfg, w, ids).item()
                zo_perturb(w, seed, -2 * eps)
                lm = loss_fn(cfg, w, ids).item()
                zo_perturb(w, seed, eps)
                g = (lp - lm) / (2 * eps)
                zo_perturb(w, seed, -lr * g)
                print(f"step {s} loss {(lp+lm)/2:.4f} g {g:.4f} {time.time()-t0:.1f} s", flush=True)
    elif mode == "backprop":
        params = [t.requires_grad_() for t in w.values()]
        opt = torch.optim.AdamW(params, lr=lr)
        for s in range(steps):
            loss = loss_fn(cfg, w, ids)
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            print(f"step {s} loss {loss.item():.4f} {time.time()-t0:.1f} s", flush=True)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} KB, {time.time()-t0:.1f} s")


if __name__ == "__main__":
    main()
