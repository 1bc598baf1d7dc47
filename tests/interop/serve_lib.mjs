// Shared by the dashboard tests: starting `financelake serve` on a free port.
import { startFl, stopChild } from './kafka_lib.mjs';

/** Starts `financelake serve --lake LAKE --port 0 ...`; resolves to {base: 'http://127.0.0.1:N/', child}. */
export async function startServe(lake, extra = []) {
  const child = startFl(['serve', '--lake', lake, '--port', '0', '--poll-ms', '100', ...extra]);
  // Up to 60 s: serve reads every table before it listens, and CI machines run tests side by side.
  for (let i = 0; i < 1200; i++) {
    const m = /at (http:\/\/[^ ]+\/)/.exec(child.stdout);
    if (m) return { base: m[1], child };
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await stopChild(child, 'SIGKILL');
  throw new Error(`serve did not start: ${child.stderr}`);
}

export { stopChild };
