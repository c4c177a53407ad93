// The CommonJS entry, loaded with require.
const { Network, simdSupported } = require('simdnet');

(async () => {
  const net = await Network.create({ inputs: 2, layers: [{ units: 1, activation: 'sigmoid' }], loss: 'binaryCrossentropy' });
  await net.fit([[0, 0], [1, 1]], [[0], [1]], { epochs: 200, batchSize: 2, optimizer: { type: 'adam', learningRate: 0.1 } });
  console.log(JSON.stringify({ simd: simdSupported(), backend: net.backend, predictions: net.predict([[0, 0], [1, 1]]).map((r) => r[0]) }));
})();
