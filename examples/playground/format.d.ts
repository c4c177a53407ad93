// Types for format.js, which a test imports.

export function formatNumber(value: number): string;
export function formatEpoch(epoch: number): string;
export function formatTick(value: number): string;
export function formatPercent(fraction: number): string;
export function formatRate(perSecond: number): string;
