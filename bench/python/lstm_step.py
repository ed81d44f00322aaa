"""Times one SGD step of the char-LSTM of bench/src/recurrent.ts in PyTorch on one thread.

Embedding(65, 64) -> LSTM(64, 256, num_layers=2, batch_first=True) -> Linear(256, 65), batch 32,
sequence 64, cross-entropy over every position, SGD lr 0.1. The data and weights are PyTorch's own
random ones (only the time is compared). Arguments: warmup, reps, budget in ms. Prints one JSON
line: the time of each timed step in ms.
"""
import json
import sys
import time

import torch

torch.set_num_threads(1)
torch.manual_seed(0)
warmup, reps, budget_ms = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
N, L, V, E, H = 32, 64, 65, 64, 256


class CharLSTM(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(V, E)
        self.lstm = torch.nn.LSTM(E, H, num_layers=2, batch_first=True)
        self.head = torch.nn.Linear(H, V)

    def forward(self, ids):
        out, _ = self.lstm(self.embedding(ids))
        return self.head(out.reshape(N * L, H))


model = CharLSTM()
ids = torch.randint(0, V, (N, L))
targets = torch.randint(0, V, (N * L,))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
loss_fn = torch.nn.CrossEntropyLoss()


def step():
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(model(ids), targets)
    loss.backward()
    opt.step()


for _ in range(warmup):
    step()
samples = []
start = time.perf_counter()
while len(samples) < reps and (len(samples) < 3 or (time.perf_counter() - start) * 1000 < budget_ms):
    t0 = time.perf_counter()
    step()
    samples.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"samplesMs": samples, "torch": torch.__version__}))
