// Derived features of bank transactions, computed in the Silver stage from the account's past
// only, and the fraud score of each transaction.
//
// Appended to silver/bank_transactions after the contract's columns (docs/events.md):
//   hour_of_day long (UTC), day_of_week long (0 = Monday, UTC), is_weekend bool,
//   is_night bool (00:00-05:59 UTC),
//   account_txn_count long     the account's earlier transactions (all time),
//   txn_count_1h, txn_count_24h long   ... in the hour / day before this one,
//   amount_sum_24h double      their amounts summed over the day before,
//   seconds_since_last double  since the account's previous transaction (null: none),
//   amount_zscore double       (amount - mean) / std of the account's amounts over the previous
//                              30 days (null: fewer than 3 of them, or no spread),
//   new_merchant, new_country bool   first time the account uses it (null when it is null or ""),
//   fraud_score double, fraud_alert bool, model_version string   from the pipeline's fraud
//                              model (null while the lake has none).
// "Earlier" is event time order (ties by event_id), over every row Silver already holds for the
// account plus the batch's own rows: a late event sees the history that was known when it
// arrived and nothing after its own event time. Rows without an account_id get null history
// features. What is known at arrival is what a scorer would have had, so the features are
// those of the moment of scoring (a rebuild from scratch can differ for rows that preceded a
// late event; docs/events.md).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/columnar/record_batch.h"
#include "financelake/delta/snapshot.h"
#include "financelake/delta/table.h"
#include "financelake/io/filesystem.h"
#include "financelake/ml/fraud_model.h"

namespace financelake::pipeline {

class BankHistory;

// The Silver schema of bank transactions: the contract's columns then the features above.
columnar::Schema BankSilverSchema(const columnar::Schema& contract_schema);
bool IsBankTable(std::string_view silver_table);

// `rows` (contract schema) with the feature columns appended, scored with `model` (nullptr:
// null scores). The history is `silver` at `snapshot` (its rows for the batch's accounts), with
// the rows `history` holds pending; `history` is first brought to that snapshot
// (bank_history.h).
Result<columnar::RecordBatch> AddBankFeatures(columnar::RecordBatch rows,
                                              const delta::Table& silver,
                                              const delta::Snapshot& snapshot, BankHistory& history,
                                              const ml::FraudModel* model);

// The Silver columns that are not model inputs (identifiers, lineage, the score itself).
const std::vector<std::string>& BankNonFeatureColumns();

// Every row of <lake>/silver/bank_transactions (for `fraud train` without --csv).
Result<columnar::RecordBatch> ReadBankTrainingRows(std::shared_ptr<io::FileSystem> fs, std::string_view lake);

}  // namespace financelake::pipeline
