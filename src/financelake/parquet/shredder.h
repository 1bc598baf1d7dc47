// Record shredding (Dremel): turns a nested column into the definition/repetition levels and
// values of one Parquet leaf, following the leaf's PathNode list from schema_map.h.
#pragma once

#include <cstdint>
#include <vector>

#include "financelake/base/status.h"
#include "financelake/columnar/column.h"
#include "financelake/parquet/schema_map.h"

namespace financelake::parquet {

struct ShreddedLeaf {
  std::vector<int16_t> def;
  std::vector<int16_t> rep;
  std::vector<int64_t> value_index;  // slots of `leaf_column` for entries with def == max_def
  const columnar::Column* leaf_column = nullptr;

  void Clear() {
    def.clear();
    rep.clear();
    value_index.clear();
    leaf_column = nullptr;
  }
};

// Shreds rows [begin, end) of the top-level column `top` for `leaf`. InvalidArgument when a
// non-nullable field holds a null.
Status ShredLeaf(const columnar::Column& top, int64_t begin, int64_t end,
                 const LeafDescriptor& leaf, ShreddedLeaf* out);

}  // namespace financelake::parquet
