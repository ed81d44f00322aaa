"""Times one SGD step of issue 18's LSTM language model in PyTorch on the spec's number of threads, for
bench/src/peers/pytorch.ts: Embedding(65, 64) -> LSTM(64, 256, num_layers=2, batch_first) ->
Linear(256, 65), mean cross-entropy over every position, SGD.

Reads the workload (tokens, initial weights by state-dict name, lr, timing plan) from the JSON
file named on the command line and prints the first two losses and the timed steps (ms).
"""
import json
import sys

import torch

from step_timing import train_and_time

spec = json.load(open(sys.argv[1]))
torch.set_num_threads(spec["threads"])


class LstmLm(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(spec["vocab"], spec["embeddingDim"])
        self.lstm = torch.nn.LSTM(spec["embeddingDim"], spec["hiddenSize"], num_layers=spec["numLayers"], batch_first=True)
        self.head = torch.nn.Linear(spec["hiddenSize"], spec["vocab"])

    def forward(self, ids):
        output, _ = self.lstm(self.embedding(ids))
        return self.head(output)


train_and_time(LstmLm(), spec)
