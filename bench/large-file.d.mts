// Types for the part of large-file.mjs that tests import.

export interface LargeFileRun {
  label: 'large' | 'small';
  mode: 'stream' | 'whole';
  fileBytes: number;
  rows: number;
  classShares: number[];
  freeBytesBefore: number;
  seconds: number;
  peakRssBytes: number | null;
  rowsRead?: number | null;
  rowsPerSecond?: number;
  trainSeconds?: number | null;
  accuracy?: number | null;
  error?: string;
}

export interface LargeFileResult {
  totalBytes: number;
  freeBytes: number;
  baselineRssBytes: number | null;
  command: string;
  runs: LargeFileRun[];
}

export function writeLargeCsv(path: string, bytes: number, seed?: number): Promise<{ bytes: number; rows: number; classShares: number[] }>;

export function measureLargeFile(options?: { largeBytes?: number; smallBytes?: number; log?: (text: string) => void }): Promise<LargeFileResult>;
