// What every consumer project runs: seeded XOR training on both builds (or the
// builds given), with a SHA-256 of the trained weight bytes so runs can be
// compared bit for bit. Each consumer passes the Network class of the entry it imported.

const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
const y = [[0], [1], [1], [0]];

async function sha256(bytes) {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export async function trainXor(Network, backends = ['simd', 'scalar']) {
  const result = {};
  for (const backend of backends) {
    const net = await Network.create({
      inputs: 2,
      layers: [{ units: 4, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }],
      loss: 'binaryCrossentropy',
      seed: 2024,
      backend,
    });
    await net.fit(x, y, { epochs: 1500, batchSize: 4, optimizer: { type: 'adam', learningRate: 0.05 } });
    const weights = net.getWeights().flatMap((l) => [...l.weights, ...l.bias]);
    result[backend] = {
      backend: net.backend,
      predictions: net.predict(x).map((row) => row[0]),
      accuracy: net.evaluate(x, y).accuracy,
      hash: await sha256(Float32Array.from(weights)),
    };
    net.dispose();
  }
  return result;
}
