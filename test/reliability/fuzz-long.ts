/**
 * The long fuzzing run (`npm run fuzz [-- --runs N] [--seed S]`): the CI property with many more sessions,
 * against a real server on a loopback port. Prints the seed, so a failure can be replayed.
 */
import { startTestServer } from '../conformance/server.js';
import { runFuzz } from './protocol-fuzz.js';

function flag(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isSafeInteger(value)) throw new Error(`${name} takes an integer`);
  return value;
}

const runs = flag('--runs', 5000);
const seed = flag('--seed', Date.now() % 2 ** 31);
const server = await startTestServer();
console.log(`fuzzing ${server.streamUrl}: ${runs} sessions, seed ${seed}`);
const started = Date.now();
try {
  const result = await runFuzz(server.streamUrl, runs, seed);
  console.log(`ok: ${result.sessions} sessions, ${result.wellBehaved} well-behaved requests served alongside, ${((Date.now() - started) / 1000).toFixed(0)} s`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await server.close();
}
