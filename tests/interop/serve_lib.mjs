// Shared by the dashboard tests: starting `financelake serve` on a free port.
import { startFl, stopChild, waitForOutput } from './kafka_lib.mjs';

/**
 * Starts `financelake serve --lake LAKE --port 0 ...` (or on the `--port` in `extra`); resolves to
 * {base: 'http://127.0.0.1:N/', child}.
 */
export async function startServe(lake, extra = []) {
  const port = extra.includes('--port') ? [] : ['--port', '0'];
  const child = startFl(['serve', '--lake', lake, ...port, '--poll-ms', '100', ...extra]);
  const m = await waitForOutput(child, /at (http:\/\/[^ ]+\/)/);
  if (m) return { base: m[1], child };
  await stopChild(child, 'SIGKILL');
  throw new Error(`serve did not start: ${child.stderr}`);
}

export { stopChild };
