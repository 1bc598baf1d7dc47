// An independent Delta Lake log replayer, written from delta-io/delta PROTOCOL.md ("Delta Log
// Entries", "Checkpoints", "Last Checkpoint File", "Action Reconciliation", "Partition Value
// Serialization") and nothing of FinanceLake's C++. The interop tests hold our reader and writer
// to it: it must find the same live files and, with DuckDB reading those files, the same rows.
//
// What it implements (protocol reader version 1):
//   - lists _delta_log/; commits are `%020d.json`, classic checkpoints `%020d.checkpoint.parquet`,
//     multi-part checkpoints `%020d.checkpoint.%010d.%010d.parquet` (used only when every part is
//     there); anything else (.crc, .tmp/, _sidecars/, compacted logs) is ignored;
//   - `_last_checkpoint` is read and reported, but the listing decides: the newest complete
//     checkpoint at or below the asked version is the starting point (a garbled
//     `_last_checkpoint` changes nothing);
//   - checkpoints are read with hyparquet (pure JS), commits with JSON.parse;
//   - the commits after the checkpoint must be contiguous up to the asked version, else it throws;
//   - reconciliation: the last protocol and metaData win; txn: the last version per appId; add and
//     remove keyed by (decoded path, deletionVector id), the newest reference wins;
//   - partition values are typed by the table schema per "Partition Value Serialization"
//     (timestamps without an offset are read as UTC).
// UUID-named (v2) checkpoints and sidecars are not followed: such a table makes it throw.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as hyparquet from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import {
  canonicalByType,
  canonicalFloat,
  duckdbQuery,
  formatDecimal,
  formatMicros,
  parseJsonl,
  sqlStr,
} from './lib.mjs';

const COMMIT_RE = /^(\d{20})\.json$/;
const CLASSIC_CP_RE = /^(\d{20})\.checkpoint\.parquet$/;
const MULTI_CP_RE = /^(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$/;
const UUID_CP_RE = /^(\d{20})\.checkpoint\.[0-9a-fA-F-]{36}\.(json|parquet)$/;

/**
 * The log directory's listing, classified:
 * {commits: Map<version, file>, checkpoints: Map<version, {kind, files}> (complete ones only),
 *  uuidCheckpoints: Set<version>, lastCheckpoint: parsed JSON | null | 'unreadable', files: names}
 */
export function listLog(tableDir) {
  const logDir = path.join(tableDir, '_delta_log');
  if (!fs.existsSync(logDir)) throw new Error(`${tableDir}: no _delta_log directory`);
  const names = fs
    .readdirSync(logDir, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();
  const commits = new Map();
  const multi = new Map(); // version -> {parts, seen: Map<part, file>}
  const checkpoints = new Map();
  const uuidCheckpoints = new Set();
  for (const name of names) {
    let m;
    if ((m = COMMIT_RE.exec(name))) {
      commits.set(Number(m[1]), path.join(logDir, name));
    } else if ((m = CLASSIC_CP_RE.exec(name))) {
      checkpoints.set(Number(m[1]), { kind: 'classic', files: [path.join(logDir, name)] });
    } else if ((m = MULTI_CP_RE.exec(name))) {
      const v = Number(m[1]);
      const parts = Number(m[3]);
      const entry = multi.get(`${v}/${parts}`) ?? { version: v, parts, seen: new Map() };
      entry.seen.set(Number(m[2]), path.join(logDir, name));
      multi.set(`${v}/${parts}`, entry);
    } else if ((m = UUID_CP_RE.exec(name))) {
      uuidCheckpoints.add(Number(m[1]));
    }
  }
  for (const { version, parts, seen } of multi.values()) {
    const complete = [...Array(parts).keys()].every((i) => seen.has(i + 1));
    if (complete && !checkpoints.has(version)) {
      checkpoints.set(version, { kind: 'multi-part', files: [...seen.keys()].sort((a, b) => a - b).map((k) => seen.get(k)) });
    }
  }
  let lastCheckpoint = null;
  const lcFile = path.join(logDir, '_last_checkpoint');
  if (fs.existsSync(lcFile)) {
    try {
      lastCheckpoint = JSON.parse(fs.readFileSync(lcFile, 'utf8'));
    } catch {
      lastCheckpoint = 'unreadable';
    }
  }
  return { logDir, commits, checkpoints, uuidCheckpoints, lastCheckpoint, files: names };
}

/** Reads every row of a checkpoint (all parts) with hyparquet: one object per action. */
export async function readCheckpointActions(files) {
  const out = [];
  for (const f of files) {
    const file = await hyparquet.asyncBufferFromFile(f);
    const rows = await hyparquet.parquetReadObjects({ file, compressors });
    for (const row of rows) {
      // One action per row: the one non-null top-level column.
      for (const [k, v] of Object.entries(row)) {
        if (v !== null && v !== undefined) out.push({ [k]: jsonish(v) });
      }
    }
  }
  return out;
}

// hyparquet gives INT64 as BigInt; the log's JSON gives numbers. Make checkpoint rows look like
// JSON actions (numbers that fit stay numbers).
function jsonish(v) {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  if (Array.isArray(v)) return v.map(jsonish);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, jsonish(x)]));
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = jsonish(x);
    return o;
  }
  return v;
}

/** Actions of one commit file (JSON lines; long integers kept exact). */
export function readCommitActions(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
  return parseJsonl(lines.map((l) => `${l}\n`).join('')).map(jsonish);
}

/** The file a log path refers to: relative paths are URL-decoded against the table root. */
export function resolveDataPath(tableDir, logPath) {
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(logPath)) {
    if (logPath.startsWith('file:')) return fileURLToPath(logPath.replace(/^file:\/*/, 'file:///'));
    throw new Error(`unsupported path scheme: ${logPath}`);
  }
  return path.join(tableDir, decodeURIComponent(logPath));
}

const fileKey = (action) => {
  const dv = action.deletionVector;
  const dvId = dv ? `${dv.storageType ?? ''}${dv.pathOrInlineDv ?? ''}${dv.offset != null ? `@${dv.offset}` : ''}` : '';
  return `${decodeURIComponent(action.path)}\u0000${dvId}`;
};

/**
 * Replays the log of the table at `tableDir` up to `version` (default: the latest).
 * Returns {version, protocol, metadata, schema (parsed schemaString), partitionColumns,
 *          files: [{path, file, partitionValues, size, modificationTime, dataChange, stats,
 *                   deletionVector}] sorted by path,
 *          tombstones: [...remove actions] sorted by path, txns: {appId: txn},
 *          checkpointVersion (or null), commitsReplayed: [versions], commitInfo (at version),
 *          lastCheckpoint, listing}.
 */
export async function replayDeltaLog(tableDir, { version } = {}) {
  const listing = listLog(tableDir);
  const { commits, checkpoints } = listing;
  const known = [...commits.keys(), ...checkpoints.keys(), ...listing.uuidCheckpoints];
  if (known.length === 0) throw new Error(`${tableDir}: no commits or checkpoints in _delta_log`);
  const latest = Math.max(...known);
  const target = version ?? latest;
  if (target > latest) throw new Error(`version ${target} does not exist (latest is ${latest})`);

  const cpVersions = [...checkpoints.keys(), ...listing.uuidCheckpoints].filter((v) => v <= target);
  const cpVersion = cpVersions.length ? Math.max(...cpVersions) : null;
  if (cpVersion !== null && !checkpoints.has(cpVersion)) {
    throw new Error(`checkpoint ${cpVersion} is a UUID-named (v2) checkpoint: not supported by this replayer`);
  }
  const first = cpVersion === null ? 0 : cpVersion + 1;
  for (let v = first; v <= target; v++) {
    if (!commits.has(v)) throw new Error(`versions not contiguous: commit ${v} is missing (replaying ${first}..${target})`);
  }

  let protocol = null;
  let metadata = null;
  const txns = {};
  const files = new Map();
  const tombstones = new Map();
  const apply = (action) => {
    if (action.protocol) protocol = action.protocol;
    else if (action.metaData) metadata = action.metaData;
    else if (action.txn) txns[action.txn.appId] = action.txn;
    else if (action.add) {
      const k = fileKey(action.add);
      files.set(k, action.add);
      tombstones.delete(k);
    } else if (action.remove) {
      const k = fileKey(action.remove);
      files.delete(k);
      tombstones.set(k, action.remove);
    }
  };
  if (cpVersion !== null) {
    for (const a of await readCheckpointActions(checkpoints.get(cpVersion).files)) apply(a);
  }
  const commitsReplayed = [];
  let commitInfo = null;
  for (let v = first; v <= target; v++) {
    const actions = readCommitActions(commits.get(v));
    for (const a of actions) apply(a);
    commitsReplayed.push(v);
    if (v === target) commitInfo = actions.find((a) => a.commitInfo)?.commitInfo ?? null;
  }
  if (!protocol) throw new Error(`${tableDir}: no protocol action up to version ${target}`);
  if (!metadata) throw new Error(`${tableDir}: no metaData action up to version ${target}`);
  // schemaString is required; log-only test tables leave it out (then: null).
  const schema = typeof metadata.schemaString === 'string' ? JSON.parse(metadata.schemaString) : null;
  const byPath = (a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  return {
    version: target,
    protocol,
    metadata,
    schema,
    partitionColumns: metadata.partitionColumns ?? [],
    configuration: metadata.configuration ?? {},
    files: [...files.values()]
      .map((a) => ({ ...a, partitionValues: a.partitionValues ?? {}, file: resolveDataPath(tableDir, a.path) }))
      .sort(byPath),
    tombstones: [...tombstones.values()].sort(byPath),
    txns,
    checkpointVersion: cpVersion,
    commitsReplayed,
    commitInfo,
    lastCheckpoint: listing.lastCheckpoint,
    listing,
  };
}

/**
 * Commit timestamps (ms) of versions 0..latest the way time travel defines them: a commit's
 * `commitInfo.inCommitTimestamp` when it has one, else the commit file's modification time,
 * raised where needed to one more than the previous version's so that time only moves forward.
 * Versions whose commit file is gone (before a checkpoint) are skipped.
 */
export function commitTimestamps(tableDir) {
  const { commits } = listLog(tableDir);
  const out = new Map();
  let prev = null;
  for (const v of [...commits.keys()].sort((a, b) => a - b)) {
    const file = commits.get(v);
    const ict = readCommitActions(file).find((a) => a.commitInfo)?.commitInfo?.inCommitTimestamp;
    let ts = ict ?? Math.floor(fs.statSync(file).mtimeMs);
    if (ict === undefined && prev !== null && ts <= prev) ts = prev + 1;
    out.set(v, ts);
    prev = ts;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Types and values

/** A Delta schema type (string or object) -> lib.mjs's type descriptor for canonicalByType. */
export function deltaTypeDesc(type, name = '') {
  if (typeof type === 'string') {
    const dec = /^decimal\((\d+),\s*(\d+)\)$/.exec(type);
    if (dec) return { kind: 'leaf', name, leaf: 'decimal', scale: Number(dec[2]) };
    const leaf = {
      string: 'string',
      long: 'int',
      integer: 'int',
      short: 'int',
      byte: 'int',
      float: 'float',
      double: 'double',
      boolean: 'bool',
      binary: 'binary',
      date: 'date',
      timestamp: 'timestamp',
      timestamp_ntz: 'timestamp',
      decimal: 'decimal',
    }[type];
    if (!leaf) throw new Error(`unknown Delta type '${type}'`);
    return { kind: 'leaf', name, leaf, scale: type === 'decimal' ? 0 : undefined };
  }
  switch (type.type) {
    case 'struct':
      return { kind: 'struct', name, fields: new Map(type.fields.map((f) => [f.name, deltaTypeDesc(f.type, f.name)])) };
    case 'array':
      return { kind: 'list', name, element: deltaTypeDesc(type.elementType, 'element') };
    case 'map':
      return { kind: 'map', name, key: deltaTypeDesc(type.keyType, 'key'), value: deltaTypeDesc(type.valueType, 'value') };
    default:
      throw new Error(`unknown Delta type ${JSON.stringify(type)}`);
  }
}

/** The table schema as a struct descriptor (column order kept in schema.fields). */
export function schemaDesc(schema) {
  return deltaTypeDesc(schema);
}

/** Rows printed by `financelake table scan --format jsonl`, canonical by the Delta schema. */
export function canonicalTableRows(jsonlText, schema) {
  const desc = schemaDesc(schema);
  return parseJsonl(jsonlText).map((r) => canonicalByType(r, desc));
}

const TS_RE = /^(-?\d{4,})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/** Partition value text -> canonical value of Delta primitive `type` (PROTOCOL.md serialization). */
export function partitionValue(text, type) {
  if (text === null || text === undefined || text === '') return null;
  const dec = typeof type === 'string' && /^decimal\((\d+),\s*(\d+)\)$/.exec(type);
  if (dec) {
    const scale = Number(dec[2]);
    const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
    if (!m) throw new Error(`bad decimal partition value '${text}'`);
    const frac = (m[3] ?? '').padEnd(scale, '0');
    if (frac.length > scale && /[1-9]/.test(frac.slice(scale))) throw new Error(`decimal '${text}' has more than ${scale} fraction digits`);
    const unscaled = BigInt(`${m[2] || '0'}${frac.slice(0, scale)}`) * (m[1] === '-' ? -1n : 1n);
    return formatDecimal(unscaled, scale);
  }
  switch (type) {
    case 'string':
      return text;
    case 'long':
    case 'integer':
    case 'short':
    case 'byte':
      return BigInt(text);
    case 'float':
      return canonicalFloat(Number(text), true);
    case 'double':
      return canonicalFloat(Number(text));
    case 'boolean':
      return text.toLowerCase() === 'true';
    case 'binary':
      return Buffer.from(text, 'utf8').toString('base64');
    case 'date': {
      const m = /^(-?\d{4,})-(\d{1,2})-(\d{1,2})$/.exec(text);
      if (!m) throw new Error(`bad date partition value '${text}'`);
      return `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}`;
    }
    case 'timestamp':
    case 'timestamp_ntz': {
      const m = TS_RE.exec(text);
      if (!m) throw new Error(`bad timestamp partition value '${text}'`);
      const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', tz] = m;
      let micros =
        BigInt(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s))) * 1000n +
        BigInt((frac + '000000').slice(0, 6));
      if (tz && tz !== 'Z') {
        const sign = tz[0] === '-' ? -1n : 1n;
        const digits = tz.slice(1).replace(':', '');
        micros -= sign * (BigInt(digits.slice(0, 2)) * 3600n + BigInt(digits.slice(2)) * 60n) * 1_000_000n;
      }
      return formatMicros(micros);
    }
    default:
      throw new Error(`partition column of type ${JSON.stringify(type)}`);
  }
}

/**
 * The rows of a replayed snapshot, read with DuckDB: every live file with read_parquet (no hive
 * partitioning), the table's columns in schema order, partition columns from the log, columns a
 * file lacks as null. Canonical values.
 */
export async function snapshotRowsDuckDB(state) {
  const fields = state.schema.fields;
  const parts = new Set(state.partitionColumns);
  const rows = [];
  for (const f of state.files) {
    if (f.deletionVector) throw new Error(`${f.path}: has a deletion vector; not supported here`);
    const { columns, rows: fileRows } = await duckdbQuery(
      `SELECT * FROM read_parquet(${sqlStr(f.file)}, hive_partitioning = false)`,
    );
    const have = new Set(columns);
    const pv = {};
    for (const field of fields) {
      if (parts.has(field.name)) pv[field.name] = partitionValue(f.partitionValues[field.name] ?? null, field.type);
    }
    for (const r of fileRows) {
      const o = {};
      for (const field of fields) {
        if (parts.has(field.name)) o[field.name] = pv[field.name];
        else o[field.name] = have.has(field.name) ? r[field.name] : null;
      }
      rows.push(o);
    }
  }
  return rows;
}

/** A stable text key of a canonical row, for order-insensitive comparison. */
export function rowKey(row) {
  return JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
}

/** Sorts canonical rows by their text key (returns a new array). */
export function sortRows(rows) {
  return rows
    .map((r) => [rowKey(r), r])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map((x) => x[1]);
}
