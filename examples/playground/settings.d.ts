// Types for settings.js, which a test imports.

import type { Activation } from '../../src/index.js';

export type Fields = Record<string, string>;
export interface HiddenLayer { units: number; activation: Activation; alpha?: number }
export interface Problem { error?: string; warning?: string }
export interface Settings {
  data: { dataset: string; noise: number; trainPercent: number; seed: number };
  layers: HiddenLayer[];
  training: { optimizer: 'sgd' | 'momentum' | 'adam'; learningRate: number; l2: number; batchSize: number };
  pace: { speed: string; maxEpochs: number | null; stopAtConvergence: boolean };
}

export const ACTIVATIONS: readonly Activation[];
export const OPTIMIZERS: string[];
export const SPEEDS: Record<string, string>;
export const CHOICES: Record<string, string[]>;
export const MAX_LAYERS: number;
export const MAX_UNITS: number;
export const DEFAULTS: Fields;
export const NAMES: string[];
export function readHash(hash: string): { fields: Fields; unknown: string[] };
export function writeHash(fields: Fields): string;
export function parseLayers(text: string): { layers: HiddenLayer[]; error?: undefined } | { layers?: undefined; error: string };
export function formatLayers(layers: readonly HiddenLayer[]): string;
export function checkSettings(fields: Fields): { settings: Settings | null; problems: Record<string, Problem> };
