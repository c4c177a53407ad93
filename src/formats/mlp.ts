// A network as the format converters see it: the width of its input and, per layer, the units,
// the activation and the parameters. Independent of any file format and of the wasm engine, so
// the command line can change it (fold in a standardisation) before writing it out.

import type { Activation, Loss } from '../config.js';
import { type BackendChoice, Network, type NetworkConfig, SimdnetError } from '../index.js';

export interface MlpLayer {
  units: number;
  activation: Activation;
  /** leakyRelu only: the slope for negative inputs. */
  alpha?: number;
  /** inputs × units, row-major: weights[i * units + j] connects input i to unit j. */
  weights: Float32Array;
  /** units values, or null for a layer without bias. */
  bias: Float32Array | null;
}

export interface Mlp {
  inputs: number;
  layers: MlpLayer[];
}

/** Options of fromONNX and fromTFJS. */
export interface ImportOptions {
  /**
   * The loss the network trains with, which neither format records (TF.js records it only when
   * the model was saved with its optimizer). Default: categoricalCrossentropy for a softmax
   * output, binaryCrossentropy for a sigmoid output, squaredError otherwise.
   */
  loss?: Loss;
  /** Seeds the shuffling of later fits (default 0). */
  seed?: number;
  /** Which wasm build runs the network (default 'auto'). */
  backend?: BackendChoice;
}

const IMPORT_OPTIONS = ['loss', 'seed', 'backend'];

/** A network's layers and parameters. */
export function mlpOf(net: Network): Mlp {
  const weights = net.getWeights();
  return {
    inputs: net.inputs,
    layers: net.config.layers.map((layer, l) => ({
      units: layer.units,
      activation: layer.activation,
      ...(layer.alpha === undefined ? {} : { alpha: layer.alpha }),
      weights: weights[l]!.weights,
      bias: weights[l]!.bias,
    })),
  };
}

/** The loss a network read from a file trains with unless told otherwise: the one its output layer suggests. */
export function defaultLoss(mlp: Mlp): Loss {
  const output = mlp.layers.at(-1)!.activation;
  if (output === 'softmax') return 'categoricalCrossentropy';
  if (output === 'sigmoid') return 'binaryCrossentropy';
  return 'squaredError';
}

/**
 * Builds a network with an MLP's layers and parameters. `caller` (fromONNX, fromTFJS) prefixes
 * the error when the options are bad or the network is not one simdnet can build.
 */
export async function networkFromMlp(mlp: Mlp, options: ImportOptions | undefined, caller: string, fallbackLoss?: Loss): Promise<Network> {
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    throw new SimdnetError(`${caller} options must be an object such as { loss: 'squaredError' }`);
  }
  const unknown = Object.keys(options ?? {}).find((key) => !IMPORT_OPTIONS.includes(key));
  if (unknown !== undefined) {
    throw new SimdnetError(`${caller} options has an unknown option '${unknown}'; the options are 'loss', 'seed' or 'backend'`);
  }
  const config: NetworkConfig = {
    inputs: mlp.inputs,
    layers: mlp.layers.map(({ units, activation, alpha, bias }) => ({
      units, activation, bias: bias !== null, ...(activation === 'leakyRelu' ? { alpha } : {}),
    })),
    loss: options?.loss ?? fallbackLoss ?? defaultLoss(mlp),
    ...(options?.seed === undefined ? {} : { seed: options.seed }),
    ...(options?.backend === undefined ? {} : { backend: options.backend }),
  };
  let net: Network | undefined;
  try {
    net = await Network.create(config);
    net.setWeights(mlp.layers.map(({ weights, bias }) => ({ weights, bias })));
    return net;
  } catch (error) {
    net?.dispose();
    if (!(error instanceof SimdnetError)) throw error;
    const option = /^config\.(loss|seed|backend)\b/.exec(error.message);
    if (option) throw new SimdnetError(`${caller} options.${error.message.slice('config.'.length)}`);
    const message = error.message.replace(/^config\.|^setWeights: /, '');
    throw new SimdnetError(`${caller}: the network it describes cannot be built: ${message}`);
  }
}
