"""The OptiDEL masked-autoencoder scorer in plain PyTorch: one mask's reconstruction error per image.

What ``MaeModel.score`` in src/engine/model/mae.ts computes for one of its K masks, with the mask
decided outside (so the engine's seeded masks stay the engine's): the visible patches, given as
indices, go through the encoder of ``optidel.encoder`` (patch embedding as a product over the
gathered pixels, their fixed positions, the blocks, the norm); the decoder embeds them, puts them
back in their places with the mask token elsewhere, adds its own fixed 2D sine-cosine positions,
runs its blocks and norm and predicts every patch's pixels; the error of a patch is the mean
squared difference against its pixels normalised per patch (zero mean, unit variance, eps 1e-6:
the MAE's norm_pix_loss), and an image's error is the mean over its masked patches. The engine's
difficulty with K masks is the mean of the K errors (every mask hides the same number of patches).

The encoder comes from the file ``optidel export --what encoder`` writes; the decoder from the
checkpoint folder that file names (``optidel_source``), read as the engine saves it: model.json
(config, tensor names and shapes in order) and weights.bin (their float32 values, concatenated).
"""
import json
import math
import os

import torch
from torch import nn

from .encoder import Block, load_encoder, read_safetensors
from .layout import CHECKPOINT_FILES

EPS = 1e-6


def sin_cos_positions(grid, dim):
    """[grid², dim] as sinCosPositions in src/engine/model/layers.ts: column sin, cos, then row sin, cos."""
    quarter = dim // 4
    omega = 1.0 / 10000 ** (torch.arange(quarter, dtype=torch.float64) / quarter)
    rows, cols = torch.meshgrid(torch.arange(grid, dtype=torch.float64), torch.arange(grid, dtype=torch.float64),
                                indexing="ij")
    col = cols.reshape(-1, 1) * omega
    row = rows.reshape(-1, 1) * omega
    out = torch.cat([col.sin(), col.cos(), row.sin(), row.cos()], dim=1)
    return out.to(torch.float32)


def read_checkpoint(folder):
    """(config, tensors by engine name) of a model the engine saved: a step folder, or one with latest.json."""
    model_file, weights_file = CHECKPOINT_FILES["model"], CHECKPOINT_FILES["weights"]
    pointer = os.path.join(folder, CHECKPOINT_FILES["pointer"])
    if not os.path.exists(os.path.join(folder, model_file)) and os.path.exists(pointer):
        with open(pointer, encoding="utf-8") as f:
            folder = os.path.join(folder, json.load(f)["dir"])
    with open(os.path.join(folder, model_file), encoding="utf-8") as f:
        model = json.load(f)
    if model.get("format") != "optidel-mae":
        raise ValueError(f"{folder}/{model_file} is not an OptiDEL model (format {model.get('format')!r})")
    with open(os.path.join(folder, weights_file), "rb") as f:
        flat = torch.frombuffer(bytearray(f.read()), dtype=torch.float32)
    tensors, at = {}, 0
    for entry in model["tensors"]:
        size = math.prod(entry["shape"])
        tensors[entry["name"]] = flat[at:at + size].reshape(entry["shape"]).clone()
        at += size
    if at != flat.numel():
        raise ValueError(f"{folder}/{weights_file} holds {flat.numel()} values, {model_file} names {at}")
    return model["config"], tensors


def _load_linear(layer, tensors, name):
    # The engine's linear weights are [in, out]; PyTorch's [out, in].
    layer.weight.data.copy_(tensors.pop(f"{name}.w").t())
    layer.bias.data.copy_(tensors.pop(f"{name}.b"))


def _load_norm(layer, tensors, name):
    layer.weight.data.copy_(tensors.pop(f"{name}.gamma"))
    layer.bias.data.copy_(tensors.pop(f"{name}.beta"))


def _load_block(block, tensors, name):
    _load_norm(block.norm1, tensors, f"{name}.norm1")
    # q, k and v stacked into the fused qkv in that order, as encoderExport.ts does for the encoder.
    block.attn.qkv.weight.data.copy_(torch.cat([tensors.pop(f"{name}.{part}.w").t() for part in "qkv"]))
    block.attn.qkv.bias.data.copy_(torch.cat([tensors.pop(f"{name}.{part}.b") for part in "qkv"]))
    _load_linear(block.attn.proj, tensors, f"{name}.proj")
    _load_norm(block.norm2, tensors, f"{name}.norm2")
    _load_linear(block.mlp.fc1, tensors, f"{name}.fc1")
    _load_linear(block.mlp.fc2, tensors, f"{name}.fc2")


class OptidelScorer(nn.Module):
    """``forward(images [B, 1, S, S], visible [B, keep] int64)`` -> (error [B], patch_errors [B, patches])."""

    def __init__(self, encoder, config):
        super().__init__()
        self.encoder = encoder
        self.patch_size = config["patchSize"]
        self.grid = config["imageSize"] // self.patch_size
        dim, decoder_dim = config["dim"], config["decoderDim"]
        pixels = self.patch_size ** 2
        self.decoder_embed = nn.Linear(dim, decoder_dim)
        self.mask_token = nn.Parameter(torch.zeros(decoder_dim))
        self.register_buffer("decoder_pos_embed", sin_cos_positions(self.grid, decoder_dim))
        heads = config.get("decoderHeads") or config["heads"]
        hidden = round(decoder_dim * config["mlpRatio"])
        depth = config["decoderDepth"]
        self.decoder_blocks = nn.ModuleList(Block(decoder_dim, heads, hidden, EPS) for _ in range(depth))
        self.decoder_norm = nn.LayerNorm(decoder_dim, eps=EPS)
        self.decoder_pred = nn.Linear(decoder_dim, pixels)

    def load_decoder(self, tensors):
        """Takes the decoder's tensors out of the checkpoint's; every one must be used."""
        _load_linear(self.decoder_embed, tensors, "decoderEmbed")
        self.mask_token.data.copy_(tensors.pop("maskToken"))
        for i, block in enumerate(self.decoder_blocks):
            _load_block(block, tensors, f"decoder.{i}")
        _load_norm(self.decoder_norm, tensors, "decoderNorm")
        _load_linear(self.decoder_pred, tensors, "predict")
        if tensors:
            raise ValueError(f"decoder tensors not mapped: {', '.join(tensors)}; scorer.py is out of date")

    def patchify(self, images):
        """[B, 1, S, S] -> [B, patches, p²]: patches in raster order, pixels in raster order within each."""
        b, p, g = images.shape[0], self.patch_size, self.grid
        return images.reshape(b, g, p, g, p).permute(0, 1, 3, 2, 4).reshape(b, g * g, p * p)

    def forward(self, images, visible):
        encoder = self.encoder
        patches = self.patchify(images)
        b, n, pixels = patches.shape
        dim = encoder.pos_embed.shape[-1]
        # The patch embedding as a product over the visible patches' pixels: the convolution's weights.
        seen = torch.gather(patches, 1, visible.unsqueeze(-1).expand(-1, -1, pixels))
        proj = encoder.patch_embed.proj
        tokens = seen @ proj.weight.reshape(dim, pixels).t() + proj.bias
        tokens = tokens + encoder.pos_embed[0][visible]
        decoded = self.decoder_embed(encoder.transform(tokens))
        width = decoded.shape[-1]
        full = self.mask_token.expand(b, n, width).scatter(1, visible.unsqueeze(-1).expand(-1, -1, width), decoded)
        h = full + self.decoder_pos_embed
        for block in self.decoder_blocks:
            h = block(h)
        prediction = self.decoder_pred(self.decoder_norm(h))
        mean = patches.mean(dim=-1, keepdim=True)
        variance = ((patches - mean) ** 2).mean(dim=-1, keepdim=True)
        target = (patches - mean) / torch.sqrt(variance + EPS)
        patch_errors = ((prediction - target) ** 2).mean(dim=-1)
        masked = torch.ones_like(patch_errors).scatter(1, visible, 0.0)
        return (patch_errors * masked).sum(dim=1) / masked.sum(dim=1), patch_errors


def load_scorer(encoder_file, checkpoint=None):
    """The scorer of an encoder export and the checkpoint it came from (default: the one it names)."""
    _, metadata = read_safetensors(encoder_file)
    checkpoint = checkpoint or metadata.get("optidel_source")
    if not checkpoint or not os.path.isdir(checkpoint):
        raise ValueError(f"{encoder_file} names no checkpoint folder here ({checkpoint!r}); pass the one it came from")
    encoder = load_encoder(encoder_file)
    config, tensors = read_checkpoint(checkpoint)
    # The checkpoint must still hold the exported encoder (pre-training may have moved on since).
    if not torch.equal(tensors["norm.gamma"], encoder.norm.weight.data):
        raise ValueError(f"{checkpoint} no longer holds the encoder of {encoder_file}; export the encoder again")
    scorer = OptidelScorer(encoder, config)
    scorer.load_decoder({k: v for k, v in tensors.items() if k.startswith(("decoder", "maskToken", "predict"))})
    return scorer.eval()
