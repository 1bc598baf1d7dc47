// libFuzzer target: any bytes as a Delta log. The first byte picks what the rest becomes:
//   0: commit 0 (JSON lines)                 1: commit 1 after a valid commit 0
//   2: the checkpoint of version 0 (Parquet, with a _last_checkpoint naming it)
//   3: _last_checkpoint's text (with a valid commit 0 beside it)
// The log reader must load a snapshot or return an error, never crash, hang or allocate
// without bound; history and a scan of whatever loaded must do the same.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "financelake/delta/log.h"
#include "financelake/delta/table.h"
#include "financelake/io/memory_filesystem.h"

namespace {

constexpr std::string_view kCommit0 =
    R"({"commitInfo":{"timestamp":1700000000000,"operation":"CREATE TABLE"}})"
    "\n"
    R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})"
    "\n"
    R"({"metaData":{"id":"f0b8e0a4-1c2d-4e5f-8a9b-0c1d2e3f4a5b","format":{"provider":"parquet","options":{}},)"
    R"("schemaString":"{\"type\":\"struct\",\"fields\":[{\"name\":\"id\",\"type\":\"long\",\"nullable\":true,\"metadata\":{}},)"
    R"({\"name\":\"p\",\"type\":\"string\",\"nullable\":true,\"metadata\":{}}]}","partitionColumns":["p"],)"
    R"("configuration":{},"createdTime":1700000000000}})"
    "\n";

bool Put(financelake::io::FileSystem& fs, const std::string& path, std::string_view bytes) {
  auto f = fs.NewWritableFile(path);
  if (!f.ok()) return false;
  return (*f)->Append(bytes).ok() && (*f)->Close().ok();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace financelake;
  if (size == 0) return 0;
  const int mode = data[0] % 4;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  auto fs = std::make_shared<io::MemoryFileSystem>();
  const std::string table = "/t";
  if (!fs->CreateDirs(table + "/_delta_log").ok()) return 0;
  bool ok = true;
  switch (mode) {
    case 0:
      ok = Put(*fs, delta::CommitPath(table, DeltaVersion(0)), rest);
      break;
    case 1:
      ok = Put(*fs, delta::CommitPath(table, DeltaVersion(0)), kCommit0) && Put(*fs, delta::CommitPath(table, DeltaVersion(1)), rest);
      break;
    case 2:
      ok = Put(*fs, delta::CheckpointPath(table, DeltaVersion(0)), rest) &&
           Put(*fs, delta::LastCheckpointPath(table), R"({"version":0,"size":3})");
      break;
    default:
      ok = Put(*fs, delta::CommitPath(table, DeltaVersion(0)), kCommit0) && Put(*fs, delta::LastCheckpointPath(table), rest);
      break;
  }
  if (!ok) return 0;
  auto t = delta::Table::Open(fs, table);
  auto snapshot = t->Latest();
  (void)t->History();
  if (snapshot.ok()) {
    (void)t->AtVersion((*snapshot)->version());
    (void)t->Scan(**snapshot, delta::ScanOptions{});
  }
  return 0;
}
