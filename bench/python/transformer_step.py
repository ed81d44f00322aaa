"""Times one SGD step of issue 18's transformer language model in PyTorch on the spec's number of threads, for
bench/src/peers/pytorch.ts: Embedding(65, 128) plus a learned positional parameter (64, 128) ->
TransformerEncoder of 2 post-norm TransformerEncoderLayer(128, 4, 512, dropout 0, relu,
batch_first) under a causal mask -> Linear(128, 65), mean cross-entropy, SGD.

Reads the workload (tokens, initial weights by state-dict name, lr, timing plan) from the JSON
file named on the command line and prints the first two losses and the timed steps (ms).
"""
import json
import sys

import torch

from step_timing import train_and_time

spec = json.load(open(sys.argv[1]))
torch.set_num_threads(spec["threads"])
L, d = spec["seqLen"], spec["dModel"]


class TransformerLm(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(spec["vocab"], d)
        self.pos = torch.nn.Parameter(torch.zeros(L, d))
        layer = torch.nn.TransformerEncoderLayer(d, spec["nhead"], spec["dimFeedforward"], dropout=0.0, activation="relu", batch_first=True, norm_first=False)
        self.encoder = torch.nn.TransformerEncoder(layer, spec["numLayers"], enable_nested_tensor=False)
        self.head = torch.nn.Linear(d, spec["vocab"])
        # True above the diagonal: position i attends to positions 0..i
        self.register_buffer("causal", torch.triu(torch.ones(L, L, dtype=torch.bool), diagonal=1), persistent=False)

    def forward(self, ids):
        return self.head(self.encoder(self.embedding(ids) + self.pos, mask=self.causal))


train_and_time(TransformerLm(), spec)
