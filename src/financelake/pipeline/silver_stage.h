// The Silver stage: Bronze -> typed, validated, deduplicated Silver tables, incrementally and
// exactly once (`financelake pipeline`).
//
// Per topic with a contract (silver_contract.h): the Bronze versions not yet processed are read
// (the data files added since the version recorded in Silver's `txn`
// "financelake-silver:<table>"), each payload is parsed and validated; valid rows not already in
// Silver (by event_id, looked up in the event_date partitions the batch touches, and within the
// batch) are appended to <lake>/silver/<table>; rejected rows go to <lake>/errors with the reason
// and the raw payload. Both commits carry the txn with the Bronze version processed, each table
// filtering by its own position, so a crash between them neither loses nor doubles a row.
// Counts hold: bronze rows = silver rows + error rows + duplicates.
// Bank transactions also get derived features and a fraud score (bank_features.h).
#pragma once

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/columnar/column.h"
#include "financelake/io/filesystem.h"
#include "financelake/ml/fraud_model.h"
#include "financelake/pipeline/id_set.h"

namespace financelake::pipeline {

class BankHistory;

struct SilverCounts {
  int64_t bronze_rows = 0;
  int64_t silver_rows = 0;
  int64_t error_rows = 0;
  int64_t duplicates = 0;
  int64_t bronze_version = -1;  // processed up to
  int64_t fraud_alerts = 0;     // bank: rows scored at or above the model's threshold
  std::string model_version;    // bank: the fraud model that scored them ("": none yet)
  double seconds = 0;           // wall time of the table's pass
};

// Silver's event ids of the dates a continuous pipeline touched, per table, kept across passes:
// a pass then reads a date partition's ids once, not on every pass (today's partition grows all
// day). Valid only at the Silver version the last pass left: a pass that finds Silver at another
// version (another writer, OPTIMIZE) starts afresh, as does the pass after a failed one; a table
// holding more than `max_ids` ids (rows seen, duplicates included; about 55 bytes each) after a
// pass is dropped: the next pass reads its own dates' ids again, so a table whose single day
// holds more than that reads that day's ids on every pass, as without the cache.
struct SilverIdCache {
  struct Table {
    int64_t silver_version = -1;
    std::deque<columnar::Column> ids;  // the columns `seen` references
    std::unique_ptr<IdSet> seen;
    std::set<int32_t> dates;  // the event dates whose Silver ids are all in `seen`
  };
  std::map<std::string, Table> tables;
  int64_t max_ids = 20'000'000;
};

struct SilverOptions {
  std::string lake = "lake";
  std::shared_ptr<io::FileSystem> fs;  // nullptr: the local filesystem
  std::vector<std::string> topics;     // empty: every topic with a contract
  int64_t now_us = 0;                  // 0: the clock (the errors rows' error_time)
  // Bank scoring: the pipeline's fraud model, kept across passes (nullptr: loaded every pass).
  std::shared_ptr<ml::FraudModelCache> fraud_models;
  // Bank features: Silver's rows by account, kept across passes so that each pass reads only
  // the Silver files new since the last (nullptr: the whole table is read every pass).
  std::shared_ptr<BankHistory> bank_history;
  // Deduplication: Silver's ids of the touched dates kept across passes (nullptr: the touched
  // date partitions' ids are read every pass).
  std::shared_ptr<SilverIdCache> id_cache;
  // Bronze rows are processed in parts of about this many (whole files), committed together;
  // <= 0: one part. A bank part's features see the parts before it as history.
  int64_t part_rows = int64_t{1} << 20;
};

// One pass over every topic; topics whose Bronze table does not exist are skipped.
Result<std::map<std::string, SilverCounts>> RunSilverOnce(const SilverOptions& options);

std::string SilverTablePath(std::string_view lake, std::string_view table);
std::string SilverAppId(std::string_view table);

}  // namespace financelake::pipeline
