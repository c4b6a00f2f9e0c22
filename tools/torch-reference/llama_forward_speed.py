#!/usr/bin/python3
"""Forward throughput of a Llama-family Hugging Face folder in PyTorch on CPU: the logits of every
position of BATCH sequences of TOKENS tokens (the ids of mezo4j's bench.DecoderThroughput), timed
per round, with the weights as stored (bf16) or widened to f32 as transformers loads them by
default. Uses llama_mezo_rss.py's pure-torch Llama.

usage: THREADS=2 llama_forward_speed.py FOLDER [BATCH] [TOKENS] [ROUNDS] [bf16|f32]
"""
import json, math, os, sys, time
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama_mezo_rss import load, rope, rms


def forward(cfg, w, ids):
    """Logits [B, T, vocab] of right-aligned batch ids [B, T] (causal, no padding)."""
    h, nh = cfg["hidden_size"], cfg["num_attention_heads"]
    kvh = cfg.get("num_key_value_heads", nh)
    hd, eps, theta = h // nh, cfg.get("rms_norm_eps", 1e-5), cfg.get("rope_theta", 10000.0)
    B, T = ids.shape
    pos = torch.arange(T)
    x = w["model.embed_tokens.weight"][ids]
    mask = torch.ones(T, T, dtype=torch.bool).triu(1)
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        n = rms(x, w[p + "input_layernorm.weight"], eps)
        q = (n @ w[p + "self_attn.q_proj.weight"].T).view(B, T, nh, hd).transpose(1, 2)
        k = (n @ w[p + "self_attn.k_proj.weight"].T).view(B, T, kvh, hd).transpose(1, 2)
        v = (n @ w[p + "self_attn.v_proj.weight"].T).view(B, T, kvh, hd).transpose(1, 2)
        q, k = rope(q, pos, theta), rope(k, pos, theta)
        if kvh != nh:
            k, v = k.repeat_interleave(nh // kvh, 1), v.repeat_interleave(nh // kvh, 1)
        s = (q @ k.transpose(-1, -2)).float() / math.sqrt(hd)
        s = s.masked_fill(mask, float("-inf"))
        a = (s.softmax(-1).to(v.dtype) @ v).transpose(1, 2).reshape(B, T, h)
        x = x + a @ w[p + "self_attn.o_proj.weight"].T
        n = rms(x, w[p + "post_attention_layernorm.weight"], eps)
        g = F.silu(n @ w[p + "mlp.gate_proj.weight"].T) * (n @ w[p + "mlp.up_proj.weight"].T)
        x = x + g @ w[p + "mlp.down_proj.weight"].T
    x = rms(x, w["model.norm.weight"], eps)
    head = w.get("lm_head.weight", w["model.embed_tokens.weight"])
    return (x @ head.T).float()


def main():
    folder = sys.argv[1]
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    tokens = int(sys.argv[3]) if len(sys.argv) > 3 else 128
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    dtype = sys.argv[5] if len(sys.argv) > 5 else "bf16"
    threads = int(os.environ.get("THREADS", "2"))
    torch.set_num_threads(threads)
    cfg, w = load(folder)
    if dtype == "f32":
        w = {k: v.float() for k, v in w.items()}
    vocab = min(cfg["vocab_size"], 512)
    ids = torch.tensor([[3 + (i * 37 + b * 101) % (vocab - 3) for i in range(tokens)] for b in range(batch)])
    with torch.inference_mode():
        for r in range(rounds):
            t0 = time.time()
            logits = forward(cfg, w, ids)
            s = time.time() - t0
            print(json.dumps({"round": r, "batch": batch, "tokens": tokens, "threads": threads,
                              "dtype": dtype, "seconds": round(s, 2),
                              "tokens_per_s": round(batch * tokens / s, 1),
                              "logit0": round(logits[0, 0, 0].item(), 6)}), flush=True)


if __name__ == "__main__":
    main()
