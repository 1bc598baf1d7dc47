// `gold/fraud_alerts`: the bank transactions the pipeline's fraud model scored at or above its
// threshold (Silver's fraud_alert), one row each (ARCHITECTURE.md "Table contracts").
//
// Columns: transaction_id string, account_id string, event_time timestamp, amount double,
// fraud_score double, model_version string; plus merchant, country, channel (strings) so an
// analyst can triage without a join. Incremental and exactly once: the Silver files added since
// the version in the txn "financelake-gold:fraud_alerts" are read and their alerts appended in
// one commit carrying the new txn version (refused if another process moved it); Silver holds
// each transaction once, so each alert is here once. After a Silver log cleanup the new files
// may repeat rows (table_changes.h): then alerts already present are skipped by transaction_id.
// Rows scored before the lake had a model have no score and raise no alert.
#pragma once

#include <memory>
#include <string>

#include "financelake/base/result.h"
#include "financelake/columnar/schema.h"
#include "financelake/io/filesystem.h"

namespace financelake::pipeline {

struct FraudAlertCounts {
  int64_t silver_rows = 0;  // new Silver bank rows read
  int64_t alerts = 0;       // appended
  int64_t silver_version = -1;
};

const columnar::Schema& FraudAlertsSchema();
std::string FraudAlertsPath(std::string_view lake);

// One pass; a lake without Silver bank transactions gives zero counts.
Result<FraudAlertCounts> RunFraudAlertsOnce(const std::string& lake,
                                            std::shared_ptr<io::FileSystem> fs = nullptr);

}  // namespace financelake::pipeline
