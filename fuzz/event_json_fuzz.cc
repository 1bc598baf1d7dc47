// libFuzzer target: any bytes as an event payload, through every parser an event meets: the
// JSON parser, Bronze's best-effort key extraction, and each topic's Silver contract. Besides
// never crashing, the Silver parse must agree with itself: validating alone and parsing into
// columns give the same verdict, an accepted payload adds exactly one row to every column, and a
// rejected one adds none and names a reason.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "financelake/base/json.h"
#include "financelake/pipeline/bronze_batch.h"
#include "financelake/pipeline/silver_contract.h"

namespace {

void Require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace financelake;
  const std::string_view payload(reinterpret_cast<const char*>(data), size);
  (void)Json::Parse(payload);

  pipeline::BronzeBatchBuilder bronze;
  for (const pipeline::SilverContract& contract : pipeline::SilverContracts()) {
    pipeline::BronzeRecord record;
    record.payload = payload;
    record.topic = contract.topic;
    record.partition = 0;
    record.offset = 7;
    bronze.Append(record, 1'700'000'000'000'000);

    const columnar::Schema schema = pipeline::SilverSchema(contract);
    std::vector<columnar::Column> cols;
    for (const columnar::Field& f : schema.fields()) cols.emplace_back(f.type);
    std::string id, id_only;
    int32_t date = 0, date_only = 0;
    const int64_t now = 1'700'000'000'000'000;
    const std::string verdict_only =
        pipeline::ParseSilverRow(contract, payload, "t/0/7", now, nullptr, &id_only, &date_only);
    const std::string verdict = pipeline::ParseSilverRow(contract, payload, "t/0/7", now, &cols, &id, &date);
    Require(verdict == verdict_only);
    for (const columnar::Column& c : cols) Require(c.length() == (verdict.empty() ? 1 : 0));
    if (verdict.empty()) Require(id == id_only && date == date_only && !id.empty());
  }
  (void)bronze.Finish();
  return 0;
}
