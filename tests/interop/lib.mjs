// Shared helpers for the interop tests: run our binary, read Parquet files with two independent
// readers (DuckDB through @duckdb/node-api, hyparquet in pure JS), and turn every reader's output
// into one canonical JS form so rows compare with assert.deepStrictEqual.
//
// Canonical value form (also the contract for `financelake parquet cat --format jsonl`):
//   null | boolean
//   integer of any width             -> BigInt
//   float / double                   -> Number; NaN -> 'NaN', ±Infinity -> 'Infinity'/'-Infinity', -0 -> 0
//                                       (FLOAT columns: the float32 value widened, i.e. Math.fround)
//   string                           -> string
//   binary                           -> base64 string
//   date                             -> 'YYYY-MM-DD'
//   timestamp (UTC; s/ms/us/ns)      -> 'YYYY-MM-DDTHH:MM:SS.ffffffZ' (6 digits; ns truncated toward -inf)
//   decimal(p, s)                    -> string with exactly s fraction digits, e.g. '-12.340'
//   struct -> plain object, list -> array, map -> plain object keyed by String(canonical key)
//   time (not in the CLI contract)   -> 'HH:MM:SS.ffffff'
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

export const repoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const need = (what) => {
  throw new Error(
    `cannot load ${what}: run 'bash scripts/install-node-deps.sh' (or 'make deps-node') at the repo root`,
  );
};
let duckApi;
let hyparquet;
let hyparquetSchema;
let hyCompressors;
try {
  duckApi = await import('@duckdb/node-api');
  hyparquet = await import('hyparquet');
  hyparquetSchema = await import('hyparquet/src/schema.js');
  hyCompressors = (await import('hyparquet-compressors')).compressors;
} catch (e) {
  if (e?.code === 'ERR_MODULE_NOT_FOUND') need(e.message.match(/'([^']+)'/)?.[1] ?? 'npm packages');
  throw e;
}
const { DuckDBInstance, DuckDBTypeId } = duckApi;

// ---------------------------------------------------------------------------------------------
// Locations

export function flBin() {
  return process.env.FL_BIN || path.join(repoDir, 'build', 'financelake');
}
export function buildDir() {
  return process.env.FL_BUILD_DIR || path.join(repoDir, 'build');
}
/**
 * The fl_interop_gen test program: $FL_INTEROP_GEN, else the first of
 * ${buildDir()}/fl_interop_gen and ${buildDir()}/tests/fl_interop_gen that exists.
 */
export function interopGenBin() {
  if (process.env.FL_INTEROP_GEN) return process.env.FL_INTEROP_GEN;
  const candidates = [path.join(buildDir(), 'fl_interop_gen'), path.join(buildDir(), 'tests', 'fl_interop_gen')];
  return candidates.find((c) => fs.existsSync(c)) ?? candidates[0];
}
export function fixturesDir() {
  return process.env.FL_FIXTURES || path.resolve(repoDir, '..', 'shared', 'fixtures');
}

/** A fresh temp dir under os.tmpdir(); remove it with rmTmp (or use withTmp in tests). */
export function mkTmp(prefix = 'fl-interop-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
export function rmTmp(dir) {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

/** All files under dir (recursively) whose name ends with suffix, sorted. */
export function findFiles(dir, suffix) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(suffix)) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

// ---------------------------------------------------------------------------------------------
// Our binary

function assertExecutable(bin) {
  if (!fs.existsSync(bin)) {
    throw new Error(`binary not found: ${bin} (run 'make build', or set FL_BIN / FL_BUILD_DIR)`);
  }
}

/** Runs a program; returns {code, signal, stdout, stderr}. Never throws on a non-zero exit. */
export function runProgram(bin, args, { input, timeoutMs = 300_000 } = {}) {
  assertExecutable(bin);
  const r = spawnSync(bin, args, {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    input,
    timeout: timeoutMs,
  });
  if (r.error) throw new Error(`running ${bin} ${args.join(' ')}: ${r.error.message}`);
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `financelake ARGS...`; returns {code, signal, stdout, stderr}. */
export function runFl(args, opts) {
  return runProgram(flBin(), args, opts);
}

/** Runs `financelake ARGS...` without blocking; resolves to {code, signal, stdout, stderr}. */
export function runFlAsync(args, env = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(flBin(), args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs `financelake ARGS...` and fails the test (with its stderr) unless it exits 0. */
export function runFlOk(args, opts) {
  const r = runFl(args, opts);
  if (r.code !== 0) {
    assert.fail(
      `financelake ${args.join(' ')} exited ${r.code ?? `by signal ${r.signal}`}\nstderr: ${r.stderr}`,
    );
  }
  return r;
}

/**
 * Runs financelake ARGS and asserts a clean one-line failure (non-zero exit, no signal, one line
 * on stderr) whose text matches `mention`: a string, a RegExp, or an array that must all match.
 */
export function expectFailure(args, mention) {
  const r = runFl(args);
  const what = `financelake ${args.join(' ')}`;
  assert.equal(r.signal, null, `${what}: killed by ${r.signal} (crash?)\nstderr: ${r.stderr}`);
  assert.notEqual(r.code, 0, `${what}: exited 0\nstdout: ${r.stdout.slice(0, 500)}`);
  const err = r.stderr.replace(/\n$/, '');
  assert.ok(err.length > 0, `${what}: nothing on stderr`);
  assert.ok(!err.includes('\n'), `${what}: stderr has more than one line:\n${r.stderr}`);
  const needles = Array.isArray(mention) ? mention : [mention];
  assert.ok(
    needles.every((m) => (m instanceof RegExp ? m.test(err) : err.includes(m))),
    `${what}: stderr does not mention ${needles.join(' and ')}: ${err}`,
  );
  return r;
}

// ---------------------------------------------------------------------------------------------
// Canonical formatting primitives (pure; unit-tested in canonical.test.mjs)

const pad = (n, w) => String(n).padStart(w, '0');

/** Days since 1970-01-01 -> [year, month, day] (proleptic Gregorian; H. Hinnant's civil_from_days). */
export function civilFromDays(days) {
  let z = BigInt(days) + 719468n;
  const era = (z >= 0n ? z : z - 146096n) / 146097n;
  const doe = z - era * 146097n;
  const yoe = (doe - doe / 1460n + doe / 36524n - doe / 146096n) / 365n;
  let y = yoe + era * 400n;
  const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
  const mp = (5n * doy + 2n) / 153n;
  const d = doy - (153n * mp + 2n) / 5n + 1n;
  const m = mp < 10n ? mp + 3n : mp - 9n;
  if (m <= 2n) y += 1n;
  return [Number(y), Number(m), Number(d)];
}

function formatYear(y) {
  return y < 0 ? `-${pad(-y, 4)}` : pad(y, 4);
}

/** Days since epoch -> 'YYYY-MM-DD'. */
export function formatDate(days) {
  const [y, m, d] = civilFromDays(days);
  return `${formatYear(y)}-${pad(m, 2)}-${pad(d, 2)}`;
}

const floorDiv = (a, b) => {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
};

/** Microseconds since epoch (BigInt or integer Number) -> 'YYYY-MM-DDTHH:MM:SS.ffffffZ'. */
export function formatMicros(micros) {
  const us = BigInt(micros);
  const days = floorDiv(us, 86_400_000_000n);
  let rem = us - days * 86_400_000_000n;
  const h = rem / 3_600_000_000n;
  rem -= h * 3_600_000_000n;
  const mi = rem / 60_000_000n;
  rem -= mi * 60_000_000n;
  const s = rem / 1_000_000n;
  const f = rem - s * 1_000_000n;
  return `${formatDate(days)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(f, 6)}Z`;
}
export const formatMillis = (ms) => formatMicros(BigInt(ms) * 1000n);
export const formatSeconds = (s) => formatMicros(BigInt(s) * 1_000_000n);
export const formatNanos = (ns) => formatMicros(floorDiv(BigInt(ns), 1000n));

/** Microseconds since midnight -> 'HH:MM:SS.ffffff'. */
export function formatTimeMicros(micros) {
  const us = BigInt(micros);
  const h = us / 3_600_000_000n;
  const mi = (us / 60_000_000n) % 60n;
  const s = (us / 1_000_000n) % 60n;
  return `${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(us % 1_000_000n, 6)}`;
}

/** Unscaled integer + scale -> decimal string with exactly `scale` fraction digits. */
export function formatDecimal(unscaled, scale) {
  let v = BigInt(unscaled);
  const neg = v < 0n;
  if (neg) v = -v;
  let digits = v.toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return neg ? `-${digits}` : digits;
}

/** Big-endian two's complement bytes -> BigInt (Parquet FIXED_LEN_BYTE_ARRAY / BYTE_ARRAY decimals). */
export function bigIntFromTwosComplement(bytes) {
  if (!bytes.length) return 0n;
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  if (bytes[0] & 0x80) v -= 1n << BigInt(bytes.length * 8);
  return v;
}

export function base64(bytes) {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** A float/double in canonical form. `isFloat32` applies Math.fround first. */
export function canonicalFloat(x, isFloat32 = false) {
  if (x === null || x === undefined) return null;
  if (typeof x === 'string') {
    if (x === 'NaN' || x === 'Infinity' || x === '-Infinity') return x;
    x = Number(x);
  }
  if (typeof x === 'bigint') x = Number(x);
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (isFloat32) x = Math.fround(x);
  return x === 0 ? 0 : x; // folds -0 into 0
}

/** Any JS value we might meet from a generic reader -> canonical, without type information. */
export function canonicalUntyped(v) {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'boolean':
    case 'string':
    case 'bigint':
      return v;
    case 'number':
      return Number.isInteger(v) && !Object.is(v, -0) ? BigInt(v) : canonicalFloat(v);
    default:
  }
  if (v instanceof Date) return formatMillis(v.getTime());
  if (v instanceof Uint8Array) return base64(v);
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return Array.from(v, canonicalUntyped);
  const out = {};
  for (const [k, x] of Object.entries(v)) out[k] = canonicalUntyped(x);
  return out;
}

// ---------------------------------------------------------------------------------------------
// DuckDB (one instance + connection per process, i.e. per test file under `node --test`)

let duck = null;

export async function duckConn() {
  if (!duck) {
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    // CSV text -> TIMESTAMPTZ parsing depends on the session time zone; ours is UTC.
    await conn.run("SET TimeZone = 'UTC'");
    duck = { instance, conn };
  }
  return duck.conn;
}

/** Close the per-file DuckDB instance (call from after()). */
export function closeDuck() {
  if (duck) {
    duck.conn.closeSync();
    duck.instance.closeSync();
    duck = null;
  }
}

/** SQL string literal. */
export function sqlStr(s) {
  return `'${String(s).replaceAll("'", "''")}'`;
}

/** Runs one or more statements, returns nothing. */
export async function duckdbExec(sql) {
  const conn = await duckConn();
  await conn.run(sql);
}

/** Runs a query; returns {columns, types (DuckDB type strings), rows (canonical objects)}. */
export async function duckdbQuery(sql) {
  const conn = await duckConn();
  const reader = await conn.runAndReadAll(sql);
  const columns = reader.columnNames();
  const types = reader.columnTypes();
  const rows = reader.getRows().map((r) => {
    const o = {};
    for (let i = 0; i < columns.length; i++) o[columns[i]] = canonicalDuck(r[i], types[i]);
    return o;
  });
  return { columns, types: types.map(String), rows };
}

/**
 * Rows of a Parquet file as DuckDB reads them, canonical. `sql` may replace the default query
 * `SELECT * FROM read_parquet({file}, hive_partitioning = false)`; the token {file} is replaced by the quoted path.
 */
export async function duckdbRows(file, sql = 'SELECT * FROM read_parquet({file}, hive_partitioning = false)') {
  return (await duckdbQuery(sql.replaceAll('{file}', sqlStr(file)))).rows;
}

export async function duckdbCount(file) {
  const conn = await duckConn();
  const reader = await conn.runAndReadAll(`SELECT count(*) FROM read_parquet(${sqlStr(file)}, hive_partitioning = false)`);
  return Number(reader.getRows()[0][0]);
}

/** Type-directed: a DuckDBValue (from getRows) of DuckDBType `type` -> canonical form. */
export function canonicalDuck(v, type) {
  if (v === null || v === undefined) return null;
  const T = DuckDBTypeId;
  switch (type.typeId) {
    case T.BOOLEAN:
      return v;
    case T.TINYINT:
    case T.SMALLINT:
    case T.INTEGER:
    case T.BIGINT:
    case T.HUGEINT:
    case T.UTINYINT:
    case T.USMALLINT:
    case T.UINTEGER:
    case T.UBIGINT:
    case T.UHUGEINT:
      return BigInt(v);
    case T.FLOAT:
      return canonicalFloat(v, true);
    case T.DOUBLE:
      return canonicalFloat(v);
    case T.VARCHAR:
      return v;
    case T.ENUM:
      return String(v);
    case T.BLOB:
      return base64(v.bytes);
    case T.DATE:
      return v.isFinite ? formatDate(v.days) : v.toString();
    case T.TIMESTAMP:
    case T.TIMESTAMP_TZ:
      return v.isFinite ? formatMicros(v.micros) : v.toString();
    case T.TIMESTAMP_MS:
      return v.isFinite ? formatMillis(v.millis) : v.toString();
    case T.TIMESTAMP_S:
      return v.isFinite ? formatSeconds(v.seconds) : v.toString();
    case T.TIMESTAMP_NS:
      return v.isFinite ? formatNanos(v.nanos) : v.toString();
    case T.TIME:
      return formatTimeMicros(v.micros);
    case T.DECIMAL:
      return formatDecimal(v.value, v.scale);
    case T.LIST:
    case T.ARRAY:
      return v.items.map((x) => canonicalDuck(x, type.valueType));
    case T.STRUCT: {
      const o = {};
      type.entryNames.forEach((name, i) => {
        o[name] = canonicalDuck(v.entries[name], type.entryTypes[i]);
      });
      return o;
    }
    case T.MAP: {
      const o = {};
      for (const { key, value } of v.entries) {
        o[mapKeyText(canonicalDuck(key, type.keyType))] = canonicalDuck(value, type.valueType);
      }
      return o;
    }
    default:
      // UUID, INTERVAL, TIME_TZ, BIT, ...: not in our contract; their DuckDB text form.
      return v.toString();
  }
}

// ---------------------------------------------------------------------------------------------
// Parquet schema as a type tree (read with hyparquet's metadata parser: independent of our code)
//
// desc = {kind:'struct', name, fields: Map<name, desc>}
//      | {kind:'list', name, element: desc}
//      | {kind:'map', name, key: desc, value: desc}
//      | {kind:'leaf', name, leaf: 'bool'|'int'|'float'|'double'|'string'|'binary'|'date'
//                                   |'timestamp'|'decimal'|'time'|'other', scale?, unit?}

function leafKind(el) {
  const ct = el.converted_type;
  const lt = el.logical_type;
  if (ct === 'DECIMAL' || lt?.type === 'DECIMAL') return 'decimal';
  if (ct === 'DATE' || lt?.type === 'DATE') return 'date';
  if (ct === 'TIMESTAMP_MILLIS' || ct === 'TIMESTAMP_MICROS' || lt?.type === 'TIMESTAMP') return 'timestamp';
  if (ct === 'TIME_MILLIS' || ct === 'TIME_MICROS' || lt?.type === 'TIME') return 'time';
  switch (el.type) {
    case 'BOOLEAN':
      return 'bool';
    case 'INT32':
    case 'INT64':
      return 'int';
    case 'INT96':
      return 'timestamp';
    case 'FLOAT':
      return 'float';
    case 'DOUBLE':
      return 'double';
    case 'BYTE_ARRAY':
    case 'FIXED_LEN_BYTE_ARRAY':
      if (ct === 'UTF8' || ct === 'ENUM' || ct === 'JSON' || ['STRING', 'ENUM', 'JSON'].includes(lt?.type)) return 'string';
      if (lt?.type === 'UUID') return 'other';
      if (lt?.type === 'FLOAT16') return 'float';
      return 'binary';
    default:
      return 'other';
  }
}

function describe(node, inRepeated = false) {
  const el = node.element;
  const { isListLike, isMapLike } = hyparquetSchema;
  // A bare repeated field (legacy, no LIST annotation) is a list of itself.
  if (!inRepeated && el.repetition_type === 'REPEATED') {
    return { kind: 'list', name: el.name, element: describe(node, true) };
  }
  if (isListLike(node)) {
    // 3-level list: LIST -> repeated group -> element; 2-level: LIST -> repeated element.
    let sub = node.children[0];
    if (sub.children.length === 1) sub = sub.children[0];
    return { kind: 'list', name: el.name, element: describe(sub, true) };
  }
  if (isMapLike(node)) {
    const kv = node.children[0];
    const key = kv.children.find((c) => c.element.name === 'key');
    const value = kv.children.find((c) => c.element.name === 'value');
    return { kind: 'map', name: el.name, key: describe(key), value: describe(value) };
  }
  if (node.children.length) {
    const fields = new Map();
    for (const c of node.children) fields.set(c.element.name, describe(c));
    return { kind: 'struct', name: el.name, fields };
  }
  const leaf = leafKind(el);
  const d = { kind: 'leaf', name: el.name, leaf, physical: el.type };
  if (leaf === 'decimal') d.scale = el.scale ?? el.logical_type?.scale ?? 0;
  return d;
}

/** Reads a Parquet footer with hyparquet: {metadata, root (struct desc of the columns)}. */
export async function parquetTypeTree(file) {
  const asyncBuf = await hyparquet.asyncBufferFromFile(file);
  const metadata = await hyparquet.parquetMetadataAsync(asyncBuf);
  const root = describe(hyparquet.parquetSchema(metadata));
  return { asyncBuf, metadata, root };
}

/** Canonicalises one value of type `desc` from a JSON-ish or hyparquet-ish reader. */
export function canonicalByType(v, desc) {
  if (v === null || v === undefined) return null;
  switch (desc.kind) {
    case 'struct': {
      if (typeof v !== 'object') return canonicalUntyped(v);
      const o = {};
      for (const [k, x] of Object.entries(v)) {
        const f = desc.fields.get(k);
        o[k] = f ? canonicalByType(x, f) : canonicalUntyped(x);
      }
      return o;
    }
    case 'list':
      if (!Array.isArray(v) && !ArrayBuffer.isView(v)) return canonicalUntyped(v);
      return Array.from(v, (x) => canonicalByType(x, desc.element));
    case 'map': {
      if (typeof v !== 'object') return canonicalUntyped(v);
      const o = {};
      const entries = v instanceof Map ? [...v.entries()] : Object.entries(v);
      for (const [k, x] of entries) o[mapKeyText(canonicalByType(k, desc.key))] = canonicalByType(x, desc.value);
      return o;
    }
    default:
  }
  switch (desc.leaf) {
    case 'bool':
      return v;
    case 'int':
      if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
      if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
      return v; // bigint as is; anything else is wrong and stays visible
    case 'float':
      return typeof v === 'boolean' ? v : canonicalFloat(v, true);
    case 'double':
      return typeof v === 'boolean' ? v : canonicalFloat(v);
    case 'binary':
      return v instanceof Uint8Array ? base64(v) : v;
    case 'decimal':
      if (v instanceof ApproxDecimal) return v;
      if (v instanceof Uint8Array) return formatDecimal(bigIntFromTwosComplement(v), desc.scale);
      if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) {
        return formatDecimal(v, desc.scale);
      }
      return v; // our JSON gives strings already
    default:
      if (v instanceof Date) return formatMillis(v.getTime());
      if (v instanceof Uint8Array) return base64(v);
      return v;
  }
}

// ---------------------------------------------------------------------------------------------
// hyparquet

/**
 * Marks a decimal that hyparquet could only give as a JS Number (BYTE_ARRAY-backed decimals:
 * see hyparquetRows). assertRowsEqual compares it with a relative tolerance of 1e-15.
 */
export class ApproxDecimal {
  constructor(value, scale) {
    this.value = value;
    this.scale = scale;
  }
}

const hyParsers = {
  timestampFromMilliseconds: (ms) => formatMillis(ms),
  timestampFromMicroseconds: (us) => formatMicros(us),
  timestampFromNanoseconds: (ns) => formatNanos(ns),
  dateFromDays: (days) => formatDate(days),
};

/**
 * Rows of a Parquet file as hyparquet reads them, canonical.
 *
 * hyparquet turns DECIMAL into (lossy) JS Numbers. To compare decimals exactly we hand
 * parquetRead a copy of the footer in which the INT32/INT64/FIXED_LEN_BYTE_ARRAY decimal columns
 * lose their DECIMAL annotation, so hyparquet returns the raw unscaled integers, and we apply the
 * scale ourselves. BYTE_ARRAY decimals keep the annotation (without it hyparquet would not give
 * bytes back), so they come back as ApproxDecimal.
 * `utf8: false` keeps un-annotated BYTE_ARRAY as bytes (binary), as DuckDB and we do.
 */
export async function hyparquetRows(file, { columns } = {}) {
  const { asyncBuf, metadata, root } = await parquetTypeTree(file);
  const approx = new Set();
  for (const el of metadata.schema) {
    const isDec = el.converted_type === 'DECIMAL' || el.logical_type?.type === 'DECIMAL';
    if (!isDec) continue;
    if (el.type === 'BYTE_ARRAY') {
      approx.add(el);
      continue;
    }
    el.scale ??= el.logical_type?.scale ?? 0;
    delete el.converted_type;
    delete el.logical_type;
  }
  const raw = await hyparquet.parquetReadObjects({
    file: asyncBuf,
    metadata,
    columns,
    compressors: hyCompressors,
    parsers: hyParsers,
    utf8: false,
  });
  const wrapApprox = (d) => {
    if (d.kind === 'leaf' && d.leaf === 'decimal' && d.physical === 'BYTE_ARRAY') d.approx = true;
    else if (d.kind === 'struct') d.fields.forEach(wrapApprox);
    else if (d.kind === 'list') wrapApprox(d.element);
    else if (d.kind === 'map') (wrapApprox(d.key), wrapApprox(d.value));
  };
  if (approx.size) wrapApprox(root);
  const fix = (v, d) => {
    if (v === null || v === undefined) return v;
    if (d.kind === 'leaf') return d.approx ? new ApproxDecimal(v, d.scale) : v;
    if (d.kind === 'list') return Array.from(v, (x) => fix(x, d.element));
    if (d.kind === 'map') {
      const o = {};
      for (const [k, x] of Object.entries(v)) o[k] = fix(x, d.value);
      return o;
    }
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = d.fields.has(k) ? fix(x, d.fields.get(k)) : x;
    return o;
  };
  return raw.map((row) => canonicalByType(approx.size ? fix(row, root) : row, root));
}

// ---------------------------------------------------------------------------------------------
// Our reader: `financelake parquet cat FILE --format jsonl`

const BIG_MARK = '\u0000fl-bigint:';

/**
 * JSON.parse for one line, keeping integer literals of `minDigits`+ digits exact as BigInt.
 * Integer literals are found outside strings only (strings are matched first and kept as is).
 */
export function parseJsonBig(line, minDigits = 16) {
  const re = new RegExp(`"(?:[^"\\\\]|\\\\.)*"|(?<![\\w.+-])-?\\d{${minDigits},}(?![\\w.])`, 'g');
  const quoted = line.replace(re, (m) => (m[0] === '"' ? m : `"\\u0000fl-bigint:${m}"`));
  return JSON.parse(quoted, (_k, v) =>
    typeof v === 'string' && v.startsWith(BIG_MARK) ? BigInt(v.slice(BIG_MARK.length)) : v,
  );
}

/** Parses JSONL text into objects (long integers as BigInt). */
export function parseJsonl(text, minDigits = 16) {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.map((l, i) => {
    try {
      return parseJsonBig(l, minDigits);
    } catch (e) {
      throw new Error(`JSONL line ${i + 1} is not JSON (${e.message}): ${l.slice(0, 200)}`);
    }
  });
}

/**
 * Converts parsed JSONL rows to canonical values using the file's Parquet schema (read with
 * hyparquet), so JSON numbers become BigInt / Number / Math.fround(Number) by column type.
 */
export async function canonicalJsonRows(rows, file) {
  let root;
  try {
    ({ root } = await parquetTypeTree(file));
  } catch {
    root = null; // footer unreadable by hyparquet: fall back to untyped conversion
  }
  return rows.map((r) => (root ? canonicalByType(r, root) : canonicalUntyped(r)));
}

/** Rows of FILE as `financelake parquet cat FILE --format jsonl EXTRA...` prints them, canonical. */
export async function ourRows(file, extraArgs = []) {
  const r = runFlOk(['parquet', 'cat', file, '--format', 'jsonl', ...extraArgs]);
  return canonicalJsonRows(parseJsonl(r.stdout), file);
}

/** Reads an `<name>.expected.jsonl` file (canonical JSONL), typed by the Parquet file beside it. */
export async function expectedRows(jsonlFile, parquetFile) {
  return canonicalJsonRows(parseJsonl(fs.readFileSync(jsonlFile, 'utf8')), parquetFile);
}

// ---------------------------------------------------------------------------------------------
// Comparison with a readable first difference

function sameValue(a, b) {
  if (a instanceof ApproxDecimal || b instanceof ApproxDecimal) {
    const n = (x) => (x instanceof ApproxDecimal ? x.value : Number(x));
    const x = n(a);
    const y = n(b);
    return x === y || Math.abs(x - y) <= 1e-15 * Math.max(Math.abs(x), Math.abs(y));
  }
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && sameValue(a[k], b[k]));
}

const show = (v) =>
  JSON.stringify(v, (_k, x) =>
    typeof x === 'bigint' ? `${x}n` : x instanceof ApproxDecimal ? `~${x.value}` : x,
  );

/** deepStrictEqual for row arrays, reporting the first differing row and column. */
export function assertRowsEqual(actual, expected, what = 'rows') {
  assert.ok(Array.isArray(actual), `${what}: actual is not an array`);
  for (let i = 0; i < Math.min(actual.length, expected.length); i++) {
    if (sameValue(actual[i], expected[i])) continue;
    const a = actual[i];
    const e = expected[i];
    const cols = [...new Set([...Object.keys(a ?? {}), ...Object.keys(e ?? {})])];
    const bad = cols.filter((c) => !sameValue(a?.[c], e?.[c]));
    assert.fail(
      `${what}: row ${i} differs in column(s) ${bad.join(', ')}\n` +
        bad.map((c) => `  ${c}: actual ${show(a?.[c])}\n  ${' '.repeat(c.length)}  expected ${show(e?.[c])}`).join('\n'),
    );
  }
  assert.equal(actual.length, expected.length, `${what}: row count`);
}

// Map keys that are not strings are keyed by their JSON text (bigints as plain digits), as our
// CLI prints them: a key [0, 1] becomes "[0,1]".
function mapKeyText(k) {
  if (typeof k === 'string') return k;
  if (typeof k === 'bigint') return k.toString();
  const text = JSON.stringify(k, (_, x) => (typeof x === 'bigint' ? `@@${x}@@` : x));
  return text.replace(/"@@(-?\d+)@@"/g, '$1');
}
