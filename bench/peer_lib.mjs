// Shared by the DuckDB benchmark peers: argument parsing with a usage line, a one-thread DuckDB
// connection, SQL string quoting, and best-of-N timing.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';

/**
 * Parses the command line. `spec.options` are node:util parseArgs options (a `repeat` option,
 * default 3, is added); `spec.required` lists options that must be given; `spec.inputFile` names
 * an option that must be an existing file. Exits 2 with `<name>: <problem> (usage: ...)`.
 * Returns {opts, repeat, usage}.
 */
export function peerArgs(name, usageText, spec) {
  const usage = (msg) => {
    process.stderr.write(`${name}: ${msg} (usage: ${usageText})\n`);
    process.exit(2);
  };
  let opts;
  try {
    ({ values: opts } = parseArgs({
      options: { ...spec.options, repeat: { type: 'string', default: '3' } },
      strict: true,
    }));
  } catch (e) {
    usage(e.message);
  }
  for (const r of spec.required ?? []) if (!opts[r]) usage(`--${r} is required`);
  const file = spec.inputFile && opts[spec.inputFile];
  if (file && !(fs.existsSync(file) && fs.statSync(file).isFile())) usage(`no such file: ${file}`);
  const repeat = Number(opts.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) usage(`--repeat must be a positive integer, not '${opts.repeat}'`);
  return { opts, repeat, usage };
}

export const sqlStr = (s) => `'${String(s).replaceAll("'", "''")}'`;

/** An in-memory DuckDB on one thread: {instance, conn}. */
export async function openDuckdb(usage) {
  let duckdb;
  try {
    duckdb = await import('@duckdb/node-api');
  } catch (e) {
    usage(`cannot load @duckdb/node-api (run 'make deps-node'): ${e.message}`);
  }
  const instance = await duckdb.DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  await conn.run('SET threads = 1');
  return { instance, conn };
}

/** Best wall time in seconds of `repeat` runs of `run()`, each after an untimed `before()`. */
export async function bestOf(repeat, run, before = async () => {}) {
  let best = Infinity;
  for (let i = 0; i < repeat; i++) {
    await before();
    const t0 = performance.now();
    await run();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}
