"""The OptiDEL encoder in plain PyTorch, loading the file ``optidel export --what encoder`` writes.

A ViT without a class token, built to compute what the TensorFlow.js model computes (see
docs/interop.md for every detail and the key layout): one input channel; the patch embedding
as a strided convolution; fixed 2D sine-cosine positions (stored in the file as ``pos_embed``);
pre-norm blocks with LayerNorm eps 1e-6, fused qkv attention with heads split as contiguous
chunks of the embedding, and an MLP whose GELU is the sigmoid form ``x * sigmoid(1.702 x)``; a final
LayerNorm. ``forward_features`` gives the tokens [B, patches, dim] in raster order; ``forward``
their mean over patches, the embedding the score stage stores. Key names are timm's, so the
same file also loads into timm's VisionTransformer configured as docs/interop.md says.

Only PyTorch is needed (no numpy, no timm, no network). Inputs are the images the engine sees:
[B, 1, S, S] float32 in [0, 1] after the intensity mapping of ingest.
"""
import json
import struct

import torch
from torch import nn

FORMAT = "optidel-vit-encoder/1"


def quick_gelu(x):
    """The model's GELU (src/engine/model/layers.ts): not erf GELU, not the tanh approximation."""
    return x * torch.sigmoid(1.702 * x)


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, dim = x.shape
        head_dim = dim // self.heads
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, head_dim).permute(2, 0, 3, 1, 4)
        weights = torch.softmax((q @ k.transpose(-2, -1)) / head_dim ** 0.5, dim=-1)
        return self.proj((weights @ v).transpose(1, 2).reshape(b, n, dim))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(quick_gelu(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim, heads, hidden, eps):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=eps)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=eps)
        self.mlp = Mlp(dim, hidden)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    def __init__(self, patch_size, in_chans, dim):
        super().__init__()
        self.proj = nn.Conv2d(in_chans, dim, kernel_size=patch_size, stride=patch_size)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class OptidelEncoder(nn.Module):
    """Built from the ``optidel_config`` the export stores (timm's argument names)."""

    def __init__(self, img_size, patch_size, embed_dim, depth, num_heads, mlp_hidden_dim, in_chans=1, norm_eps=1e-6):
        super().__init__()
        self.img_size = img_size
        self.patch_embed = PatchEmbed(patch_size, in_chans, embed_dim)
        patches = (img_size // patch_size) ** 2
        # Fixed in the TensorFlow.js model; a parameter here (as in timm) so fine-tuning may adapt it.
        self.pos_embed = nn.Parameter(torch.zeros(1, patches, embed_dim))
        self.blocks = nn.ModuleList(Block(embed_dim, num_heads, mlp_hidden_dim, norm_eps) for _ in range(depth))
        self.norm = nn.LayerNorm(embed_dim, eps=norm_eps)

    def forward_features(self, images):
        """Tokens [B, patches, dim] after the final norm, patches in raster order."""
        if images.shape[1:] != (1, self.img_size, self.img_size):
            size = self.img_size
            raise ValueError(f"the encoder takes [batch, 1, {size}, {size}] images, got {list(images.shape)}")
        return self.transform(self.patch_embed(images) + self.pos_embed)

    def transform(self, tokens):
        """The blocks and the final norm over tokens [B, n, dim] with their positions added: any n,
        so the masked scorer (optidel.scorer) runs the visible patches alone through the same layers."""
        for block in self.blocks:
            tokens = block(tokens)
        return self.norm(tokens)

    def forward(self, images):
        """The pooled embedding [B, dim]: tokens averaged over patches, as scores/embeddings.f32 holds."""
        return self.forward_features(images).mean(dim=1)


def read_safetensors(path):
    """(tensors by name, metadata) of a float32 safetensors file, read with the standard library and torch."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    body = bytearray(data[8 + length:])
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} is {entry['dtype']}; OptiDEL exports hold F32 only")
        start, end = entry["data_offsets"]
        flat = torch.frombuffer(body, dtype=torch.float32, count=(end - start) // 4, offset=start)
        tensors[name] = flat.reshape(entry["shape"]).clone()
    return tensors, metadata


# What this module builds and the export states: a file saying otherwise was written by another version.
FIXED = {"act_layer": "quick_gelu", "class_token": False, "global_pool": "avg"}


def load_encoder(path):
    """The encoder of an OptiDEL export, with every weight loaded (strict: no key missing or left over)."""
    tensors, metadata = read_safetensors(path)
    if metadata.get("optidel_format") != FORMAT:
        raise ValueError(f"{path} is not an OptiDEL encoder export (optidel_format {metadata.get('optidel_format')!r}); "
                         "write one with: optidel export --what encoder --run RUN --out encoder.safetensors")
    config = json.loads(metadata["optidel_config"])
    for key, value in FIXED.items():
        if config.pop(key, value) != value:
            raise ValueError(f"{path}: optidel_config {key} is not {value!r}; this encoder.py cannot build it")
    model = OptidelEncoder(**config)
    model.load_state_dict(tensors, strict=True)
    return model.eval()
