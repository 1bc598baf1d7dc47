// Real Parquet files written by Spark / Databricks / delta-rs (shared/fixtures/delta_golden: data
// files and *.checkpoint.parquet files in _delta_log folders). For every one, our reader must exit
// 0, print as many rows as DuckDB counts, and print exactly DuckDB's rows.
//
// Notes on values: Spark writes timestamps as INT96 (nanoseconds); the canonical form keeps
// microseconds (truncated toward -infinity) on all sides. DuckDB is read with
// hive_partitioning = false so that `year=2021/` folders do not add columns the file lacks.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  assertRowsEqual,
  canonicalJsonRows,
  closeDuck,
  duckdbCount,
  duckdbRows,
  findFiles,
  fixturesDir,
  parseJsonl,
  runFl,
} from './lib.mjs';

after(() => closeDuck());

const root = path.join(fixturesDir(), 'delta_golden');

if (!fs.existsSync(root)) {
  test('delta_golden fixtures are present', () => {
    assert.fail(
      `fixtures not found at ${root}: CI has shared/ beside the checkout; ` +
        'locally set FL_FIXTURES=/path/to/shared/fixtures',
    );
  });
} else {
  const files = findFiles(root, '.parquet');
  test('delta_golden has Parquet files', () => {
    assert.ok(files.length > 0, `no *.parquet under ${root}`);
  });
  for (const file of files) {
    const rel = path.relative(root, file);
    test(rel, async () => {
      const r = runFl(['parquet', 'cat', file, '--format', 'jsonl']);
      assert.equal(r.code, 0, `exit ${r.code ?? r.signal}; stderr: ${r.stderr}`);
      const lines = r.stdout === '' ? 0 : r.stdout.replace(/\n$/, '').split('\n').length;
      let count;
      try {
        count = await duckdbCount(file);
      } catch (e) {
        assert.fail(`DuckDB cannot count ${rel} (${e.message}); the harness needs a new rule for it`);
      }
      assert.equal(lines, count, 'row count vs DuckDB');
      // DuckDB reads every file of this set fully (checked when the set was added); if a new
      // fixture ever breaks that, this fails loudly rather than skipping the comparison.
      const duck = await duckdbRows(file);
      assertRowsEqual(await canonicalJsonRows(parseJsonl(r.stdout), file), duck, rel);
    });
  }
}
