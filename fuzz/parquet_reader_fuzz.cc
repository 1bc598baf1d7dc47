// libFuzzer target: any bytes as a Parquet file. The reader must return an error or rows,
// never crash, hang or allocate without bound.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "financelake/io/memory_filesystem.h"
#include "financelake/parquet/reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  financelake::io::MemoryFileSystem fs;
  {
    auto f = fs.NewWritableFile("/input.parquet");
    if (!f.ok()) return 0;
    if (!(*f)->Append(std::string_view(reinterpret_cast<const char*>(data), size)).ok()) return 0;
    if (!(*f)->Close().ok()) return 0;
  }
  auto reader = financelake::parquet::ParquetReader::Open(fs, "/input.parquet");
  if (!reader.ok()) return 0;
  for (int rg = 0; rg < (*reader)->num_row_groups(); ++rg) {
    auto batch = (*reader)->ReadRowGroup(rg);
    if (!batch.ok()) break;
  }
  return 0;
}
