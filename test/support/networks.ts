// Networks a test file creates, all disposed once its tests have run.

import { afterAll } from 'vitest';
import { Network, type NetworkConfig } from '../../src/index.js';

/**
 * For a test file: `network` is Network.create, and `keep` takes a network made another way
 * (fromJSON, a loader); every network of either is disposed after the file's tests.
 */
export function disposedAfterAll(): { network: (config: NetworkConfig) => Promise<Network>; keep: (net: Network) => Network } {
  const live: Network[] = [];
  afterAll(() => live.forEach((net) => net.dispose()));
  const keep = (net: Network) => {
    live.push(net);
    return net;
  };
  return { network: async (config) => keep(await Network.create(config)), keep };
}
