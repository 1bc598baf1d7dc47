"""PyTorch oracle for financelake's LSTM (src/financelake/ml/lstm_network.h).

stdin: lines "<name> <rows> <cols> <values column-major...>" for every parameter tensor
("lstm<l>.wx", "lstm<l>.wh", "lstm<l>.b", "dense.w", "dense.b"), then "x <I> <T*B> ..."
(time-major: column t*B+j is step t of sample j), "y 1 <B> ..." and "batch <B>".
stdout: "out <B values>", "loss <value>", then "grad.<name> <values column-major>" per tensor.
Everything in float64; one LSTM module per layer (sizes differ), no dropout (eval mode).
"""
import sys

import torch

torch.set_num_threads(1)
torch.set_default_dtype(torch.float64)

tensors = {}
order = []
for line in sys.stdin:
    parts = line.split()
    if not parts:
        continue
    name = parts[0]
    if name == "batch":
        batch = int(parts[1])
        continue
    rows, cols = int(parts[1]), int(parts[2])
    vals = torch.tensor([float(v) for v in parts[3:]])
    tensors[name] = vals.reshape(cols, rows).t().contiguous()  # column-major -> (rows, cols)
    if name not in ("x", "y"):
        order.append(name)

layers = sorted({n.split(".")[0] for n in order if n.startswith("lstm")}, key=lambda s: int(s[4:]))
x = tensors["x"]  # I x T*B
steps = x.shape[1] // batch
seq = x.t().reshape(steps, batch, x.shape[0])  # (T, B, I)

params = {}
modules = []
for name in layers:
    wx, wh, b = tensors[name + ".wx"], tensors[name + ".wh"], tensors[name + ".b"]
    m = torch.nn.LSTM(wx.shape[1], wh.shape[1])
    with torch.no_grad():
        m.weight_ih_l0.copy_(wx)
        m.weight_hh_l0.copy_(wh)
        m.bias_ih_l0.copy_(b[:, 0])
        m.bias_hh_l0.zero_()
    m.bias_hh_l0.requires_grad_(False)
    params[name + ".wx"] = m.weight_ih_l0
    params[name + ".wh"] = m.weight_hh_l0
    params[name + ".b"] = m.bias_ih_l0
    modules.append(m)
dense = torch.nn.Linear(tensors["dense.w"].shape[1], 1)
with torch.no_grad():
    dense.weight.copy_(tensors["dense.w"])
    dense.bias.copy_(tensors["dense.b"][0])
params["dense.w"] = dense.weight
params["dense.b"] = dense.bias

h = seq
for m in modules:
    h, _ = m(h)
out = dense(h[-1]).reshape(-1)
loss = torch.mean((out - tensors["y"].reshape(-1)) ** 2)
loss.backward()


def fmt(t):
    return " ".join(repr(float(v)) for v in t.detach().reshape(-1))


print("out", fmt(out))
print("loss", repr(float(loss)))
for name in order:
    g = params[name].grad
    if g.dim() == 1:
        g = g.reshape(-1, 1) if name.endswith(".b") and name != "dense.b" else g.reshape(1, -1)
    print("grad." + name, fmt(g.t()))  # column-major
