"""PyTorch peer for `financelake bench lstm`: trains the same network on the same windows.

Usage: /usr/bin/python3 bench/lstm_peer.py DATA_FILE
DATA_FILE (written by the bench): a JSON settings line, then lines "<name> <rows> <cols>
<values column-major>": "features" (F x N scaled daily features), "target" (1 x N scaled next-day
close per window end), and per run k the initial weights "r<k>/lstm<l>.wx|wh|b", "r<k>/dense.w|b"
(financelake's layout: gate order i, f, g, o like PyTorch; one bias per layer).
Prints one JSON line: seconds per epoch (mean over runs) and each run's validation MAE in price
units. One thread, float32 (PyTorch's default), Adam, MSE, mini-batches shuffled every epoch,
dropout between LSTM layers, fixed epochs (no early stopping), as the C++ side does.
"""
import json
import sys
import time

import torch

torch.set_num_threads(1)
torch.set_num_interop_threads(1)


def read(path):
    with open(path) as f:
        settings = json.loads(f.readline())
        tensors = {}
        for line in f:
            parts = line.split()
            if not parts:
                continue
            rows, cols = int(parts[1]), int(parts[2])
            vals = torch.tensor([float(v) for v in parts[3:]], dtype=torch.float32)
            tensors[parts[0]] = vals.reshape(cols, rows).t().contiguous()
    return settings, tensors


class Net(torch.nn.Module):
    def __init__(self, inputs, hidden, dropout):
        super().__init__()
        sizes = [inputs] + hidden
        self.lstms = torch.nn.ModuleList(torch.nn.LSTM(sizes[i], sizes[i + 1], batch_first=True) for i in range(len(hidden)))
        self.drop = torch.nn.Dropout(dropout)
        self.dense = torch.nn.Linear(hidden[-1], 1)

    def forward(self, x):
        h = x
        for i, m in enumerate(self.lstms):
            h, _ = m(h)
            if i + 1 < len(self.lstms):
                h = self.drop(h)
        return self.dense(h[:, -1]).reshape(-1)

    def load(self, tensors, prefix):
        with torch.no_grad():
            for i, m in enumerate(self.lstms):
                m.weight_ih_l0.copy_(tensors[f"{prefix}lstm{i}.wx"])
                m.weight_hh_l0.copy_(tensors[f"{prefix}lstm{i}.wh"])
                m.bias_ih_l0.copy_(tensors[f"{prefix}lstm{i}.b"][:, 0])
                m.bias_hh_l0.zero_()
            self.dense.weight.copy_(tensors[f"{prefix}dense.w"])
            self.dense.bias.copy_(tensors[f"{prefix}dense.b"][0])


def main():
    s, t = read(sys.argv[1])
    feats = t["features"].t()  # N x F
    target = t["target"].reshape(-1)
    w = s["window"]
    train_ends = list(range(s["train_first"], s["train_last"] + 1))
    valid_ends = list(range(s["valid_first"], s["valid_last"] + 1))

    def windows(ends):
        idx = torch.tensor(ends)
        steps = torch.arange(-w + 1, 1)
        return feats[idx[:, None] + steps[None, :]]  # B x W x F

    xtr, ytr = windows(train_ends), target[train_ends]
    xva = windows(valid_ends)
    lo, hi = s["target_min"], s["target_max"]
    actual = torch.tensor(s["valid_actual"], dtype=torch.float64)
    seconds, maes = [], []
    for k in range(s["runs"]):
        torch.manual_seed(s["seed"] + k)
        net = Net(feats.shape[1], s["hidden"], s["dropout"])
        net.load(t, f"r{k}/")
        opt = torch.optim.Adam(net.parameters(), lr=s["learning_rate"], eps=1e-8)
        b = s["batch_size"]
        t0 = time.perf_counter()
        for _ in range(s["epochs"]):
            net.train()
            perm = torch.randperm(len(train_ends))
            for i in range(0, len(perm), b):
                j = perm[i:i + b]
                opt.zero_grad()
                loss = torch.mean((net(xtr[j]) - ytr[j]) ** 2)
                loss.backward()
                opt.step()
        seconds.append((time.perf_counter() - t0) / s["epochs"])
        net.eval()
        with torch.no_grad():
            pred = net(xva).double() * (hi - lo) + lo
        maes.append(float(torch.mean(torch.abs(pred - actual))))
    print(json.dumps({"seconds_per_epoch": sum(seconds) / len(seconds), "val_mae": maes,
                      "torch": torch.__version__}))


main()
