"""The same MLP in numpy float32 (matrix products by its BLAS), driven over stdin/stdout.

Usage: numpy_mlp.py <workload json> <x.f32> <y.f32>. Commands, one a line: "train <batches>",
"infer <batches>", "bulk <blocks>" (workload['inferBlock'] rows each, over the inputs repeated
up to at least one block), "stats"; each answers one line of JSON.
"""
import json
import resource
import sys

import numpy as np

ACTIVATIONS = {
    'sigmoid': (lambda z: 1 / (1 + np.exp(-z)), lambda a: a * (1 - a)),
    'relu': (lambda z: np.maximum(z, 0), lambda a: (a > 0).astype(np.float32)),
}


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def main():
    workload = json.loads(sys.argv[1])
    sizes, batch_size, lr = workload['sizes'], workload['batchSize'], np.float32(workload['learningRate'])
    x = np.fromfile(sys.argv[2], dtype=np.float32).reshape(-1, sizes[0])
    y = np.fromfile(sys.argv[3], dtype=np.float32).reshape(-1, sizes[-1])
    rows = x.shape[0]
    rng = np.random.default_rng(workload['seed'])
    weights = [rng.uniform(-1, 1, (n_in, n_out)).astype(np.float32) * np.float32(np.sqrt(6 / (n_in + n_out)))
               for n_in, n_out in zip(sizes, sizes[1:])]
    biases = [np.zeros(n, dtype=np.float32) for n in sizes[1:]]
    acts = [workload['hidden']] * (len(sizes) - 2) + [workload['output']]

    def forward(xb):
        outs = [xb]
        for w, b, act in zip(weights, biases, acts):
            z = outs[-1] @ w + b
            outs.append(softmax(z) if act == 'softmax' else ACTIVATIONS[act][0](z))
        return outs

    def train(xb, yb):
        outs = forward(xb)
        delta = outs[-1] - yb
        if acts[-1] != 'softmax':
            delta *= ACTIVATIONS[acts[-1]][1](outs[-1])
        step = lr / np.float32(xb.shape[0])
        for l in range(len(weights) - 1, -1, -1):
            grad_w, grad_b = outs[l].T @ delta, delta.sum(axis=0)
            if l > 0:
                delta = (delta @ weights[l].T) * ACTIVATIONS[acts[l - 1]][1](outs[l])
            weights[l] -= step * grad_w
            biases[l] -= step * grad_b

    infer_block = workload['inferBlock']
    x_infer = np.tile(x, (-(-infer_block // rows), 1))
    cursors = {'train': 0, 'infer': 0, 'bulk': 0}

    def run(kind, batches, size, total, fn):
        per_epoch = -(-total // size)
        done = 0
        for i in range(batches):
            start = ((cursors[kind] + i) % per_epoch) * size
            end = min(total, start + size)
            fn(start, end)
            done += end - start
        cursors[kind] = (cursors[kind] + batches) % per_epoch
        return done

    for line in sys.stdin:
        command, _, arg = line.strip().partition(' ')
        if command == 'train':
            answer = {'rows': run('train', int(arg), batch_size, rows, lambda s, e: train(x[s:e], y[s:e]))}
        elif command == 'infer':
            answer = {'rows': run('infer', int(arg), batch_size, rows, lambda s, e: forward(x[s:e]))}
        elif command == 'bulk':
            answer = {'rows': run('bulk', int(arg), infer_block, x_infer.shape[0], lambda s, e: forward(x_infer[s:e]))}
        elif command == 'stats':
            answer = {'peakRssBytes': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                      'version': 'numpy ' + np.__version__}
        else:
            answer = {'error': f'unknown command {command!r}'}
        print(json.dumps(answer), flush=True)


if __name__ == '__main__':
    main()
