// Record assembly ("Dremel" in reverse): turns one leaf column's definition and repetition
// levels into slots of the columnar column tree of its top-level field.
//
// Each leaf owns some nodes on its path (PathNode::owner, see schema_map.h): for those it
// appends the slots, validity and list offsets; every leaf fills its own leaf column. A field's
// leaves are assembled one after the other into the same top-level column, after which
// ValidateAssembled() checks that the pieces agree (struct children as long as their struct,
// list offsets ending at the child's length).
//
// Flat columns (no repetition, a primitive top-level field, max_def <= 1) skip the node walk:
// the level batch only has to be checked and counted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/base/status.h"
#include "financelake/columnar/column.h"
#include "financelake/parquet/schema_map.h"

namespace financelake::parquet {

// Assembles one leaf column chunk. Not thread-safe; the descriptor and the top-level column
// must outlive it. Call protocol, for each batch of level entries:
//   1. Consume(def, rep, n): validates the levels and extends the owned nested nodes;
//   2. decode batch_values() values, then FillFixed()/FillViews() (or, when batch_values() ==
//      batch_slots(), append them to leaf_column() directly).
// Finally rows() says how many top-level rows the chunk held.
class LeafAssembler {
 public:
  // DataLoss if the column tree does not have the shape the descriptor describes.
  static Result<LeafAssembler> Make(const LeafDescriptor& leaf, columnar::Column* top);

  bool flat() const { return flat_; }
  columnar::Column* leaf_column() const { return cols_.back(); }

  // `def` / `rep` hold n levels each, or are null when the leaf's max level is 0.
  Status Consume(const uint32_t* def, const uint32_t* rep, size_t n);

  // Of the batch last consumed: entries that have a leaf slot, and those holding a value.
  size_t batch_slots() const { return batch_slots_; }
  size_t batch_values() const { return batch_values_; }

  // Appends the leaf slots of the batch last consumed (the same def levels): value j of
  // `values` (fixed width `width`) or `views` for each entry with a value, null for the other
  // entries that have a slot.
  void FillFixed(const uint32_t* def, size_t n, const uint8_t* values, int width);
  void FillViews(const uint32_t* def, size_t n, const std::string_view* views);

  int64_t rows() const { return rows_; }
  int64_t entries() const { return entries_; }

 private:
  LeafAssembler() = default;
  Status ConsumeNested(const uint32_t* def, const uint32_t* rep, size_t n);
  Status BadLevel(std::string_view what, uint32_t level, int limit, size_t i) const;

  const LeafDescriptor* leaf_ = nullptr;
  std::vector<columnar::Column*> cols_;  // one per node on the path, the leaf's last
  bool flat_ = false;
  uint32_t slot_def_ = 0;  // the leaf's own slot exists when def >= this
  uint32_t max_def_ = 0;
  uint32_t max_rep_ = 0;
  // For repetition level r > 0: the definition level every entry continuing at level r (and
  // the entry before it) must reach.
  std::vector<uint32_t> min_def_for_rep_;
  bool started_ = false;
  uint32_t prev_def_ = 0;
  int64_t rows_ = 0;
  int64_t entries_ = 0;
  size_t batch_slots_ = 0;
  size_t batch_values_ = 0;
};

// Checks that the nested parts of an assembled column agree: every struct child has the
// struct's length, every list/map's last offset is its children's length. DataLoss naming the
// sub-column otherwise: "column 'a.b'<where>: ..." (`where` e.g. " row group 3").
Status ValidateAssembled(const columnar::Column& column, std::string_view name,
                         std::string_view where = "");

}  // namespace financelake::parquet
