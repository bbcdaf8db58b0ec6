/**
 * The shared workloads (../shared/bench/workloads.json beside the repository), read at run time so that
 * voxwire is measured on exactly the texts other servers are measured on.
 */
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Workloads {
  readonly w1: readonly string[];
  readonly w2: string;
  readonly w3Clients: readonly number[];
  readonly w3Seconds: number;
}

export const WORKLOADS_PATH = fileURLToPath(new URL('../../shared/bench/workloads.json', import.meta.url));

export function loadWorkloads(path: string = WORKLOADS_PATH): Workloads {
  if (!existsSync(path)) {
    throw new Error(`Workloads file not found at ${path}: the benchmark needs ../shared/bench/workloads.json next to the repository.`);
  }
  const raw: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof raw !== 'object' || raw === null) throw new Error(`${path} is not a JSON object.`);
  const record = raw as Record<string, unknown>;
  const w1 = record['W1'];
  const w2 = record['W2'];
  const w3 = record['W3'] as Record<string, unknown> | undefined;
  if (!Array.isArray(w1) || w1.length === 0 || !w1.every((text) => typeof text === 'string')) {
    throw new Error(`${path}: "W1" must be a non-empty array of sentences.`);
  }
  if (typeof w2 !== 'string' || w2.length === 0) throw new Error(`${path}: "W2" must be a non-empty string.`);
  const clients = w3?.['clients'];
  const seconds = w3?.['seconds'];
  if (!Array.isArray(clients) || !clients.every((n) => Number.isInteger(n) && n > 0) || typeof seconds !== 'number') {
    throw new Error(`${path}: "W3" must hold "clients" (positive integers) and "seconds".`);
  }
  return { w1: w1 as string[], w2, w3Clients: clients as number[], w3Seconds: seconds };
}
