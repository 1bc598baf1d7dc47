#include "financelake/parquet/assembler.h"

#include <fmt/format.h>

#include <cstring>
#include <string>

namespace financelake::parquet {

using columnar::Column;
using columnar::TypeKind;

namespace {

bool KindMatches(PathNode::Kind kind, const columnar::DataType& type) {
  switch (kind) {
    case PathNode::Kind::kStruct: return type.kind() == TypeKind::kStruct;
    case PathNode::Kind::kList: return type.kind() == TypeKind::kArray;
    case PathNode::Kind::kMap: return type.kind() == TypeKind::kMap;
    case PathNode::Kind::kPrimitive: return !type.is_nested();
  }
  return false;
}

template <int W>
void ScatterFixed(const uint32_t* def, size_t n, uint32_t slot_def, uint32_t max_def,
                  const uint8_t* values, uint8_t* dst, Column* col, int64_t base) {
  size_t j = 0;
  int64_t s = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t d = def[i];
    if (d < slot_def) continue;
    if (d == max_def) {
      std::memcpy(dst + s * W, values + j * W, W);
      ++j;
    } else {
      col->SetNull(base + s);  // the slot's bytes are already zero
    }
    ++s;
  }
}

}  // namespace

Result<LeafAssembler> LeafAssembler::Make(const LeafDescriptor& leaf, Column* top) {
  LeafAssembler a;
  a.leaf_ = &leaf;
  if (leaf.nodes.empty() || leaf.max_def < 0 || leaf.max_rep < 0) {
    return Status::DataLoss("column descriptor without a path");
  }
  Column* col = top;
  for (size_t k = 0; k < leaf.nodes.size(); ++k) {
    const PathNode& node = leaf.nodes[k];
    if (k > 0) {
      if (node.child_index < 0 || static_cast<size_t>(node.child_index) >= col->num_children()) {
        return Status::DataLoss(
            fmt::format("schema path node {} has no child {}", k, node.child_index));
      }
      col = &col->mutable_child(static_cast<size_t>(node.child_index));
    }
    if (!KindMatches(node.kind, col->type())) {
      return Status::DataLoss(fmt::format("schema path node {} does not match column type {}", k,
                                          col->type().ToString()));
    }
    a.cols_.push_back(col);
  }
  a.max_def_ = static_cast<uint32_t>(leaf.max_def);
  a.max_rep_ = static_cast<uint32_t>(leaf.max_rep);
  a.slot_def_ = static_cast<uint32_t>(std::max<int16_t>(leaf.nodes.back().slot_def, 0));
  a.flat_ = leaf.max_rep == 0 && leaf.nodes.size() == 1 && leaf.max_def <= 1;
  a.min_def_for_rep_.assign(a.max_rep_ + 1, 0);
  for (const PathNode& node : leaf.nodes) {
    if (node.kind != PathNode::Kind::kList && node.kind != PathNode::Kind::kMap) continue;
    if (node.rep_elem <= 0 || node.rep_elem > leaf.max_rep) {
      return Status::DataLoss(
          fmt::format("list node with repetition level {} of max {}", node.rep_elem, leaf.max_rep));
    }
    a.min_def_for_rep_[static_cast<size_t>(node.rep_elem)] = static_cast<uint32_t>(node.def_elem);
  }
  return a;
}

Status LeafAssembler::BadLevel(std::string_view what, uint32_t level, int limit, size_t i) const {
  return Status::DataLoss(fmt::format("{} level {} of entry {} exceeds the maximum {}", what, level,
                                      entries_ + static_cast<int64_t>(i), limit));
}

Status LeafAssembler::Consume(const uint32_t* def, const uint32_t* rep, size_t n) {
  batch_slots_ = 0;
  batch_values_ = 0;
  if (n == 0) return Status::OK();
  if (!flat_) return ConsumeNested(def, rep, n);
  if (def == nullptr) {
    batch_values_ = n;
  } else {
    // max_def is 1: one pass checks every level is 0 or 1 and counts the 1s.
    uint32_t any = 0;
    size_t count = 0;
    for (size_t i = 0; i < n; ++i) {
      any |= def[i];
      count += def[i];
    }
    if (any > max_def_) {
      for (size_t i = 0; i < n; ++i) {
        if (def[i] > max_def_) return BadLevel("definition", def[i], leaf_->max_def, i);
      }
    }
    batch_values_ = count;
  }
  batch_slots_ = n;
  rows_ += static_cast<int64_t>(n);
  entries_ += static_cast<int64_t>(n);
  started_ = true;
  return Status::OK();
}

Status LeafAssembler::ConsumeNested(const uint32_t* def, const uint32_t* rep, size_t n) {
  const std::vector<PathNode>& nodes = leaf_->nodes;
  const size_t inner = nodes.size() - 1;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t d = def != nullptr ? def[i] : 0;
    const uint32_t r = rep != nullptr ? rep[i] : 0;
    if (d > max_def_) return BadLevel("definition", d, leaf_->max_def, i);
    if (r > max_rep_) return BadLevel("repetition", r, leaf_->max_rep, i);
    if (r == 0) {
      ++rows_;
    } else {
      const uint32_t need = min_def_for_rep_[r];
      if (!started_) {
        return Status::DataLoss(fmt::format("the chunk starts with repetition level {}, not 0", r));
      }
      if (prev_def_ < need || d < need) {
        return Status::DataLoss(fmt::format(
            "entry {} (definition level {}, repetition level {}) continues a list that does "
            "not exist",
            entries_ + static_cast<int64_t>(i), d, r));
      }
    }
    started_ = true;
    prev_def_ = d;
    for (size_t k = 0; k < inner; ++k) {
      const PathNode& node = nodes[k];
      if (d < static_cast<uint32_t>(node.slot_def)) break;  // slot_def grows down the path
      if (!node.owner) continue;
      Column* c = cols_[k];
      if (r <= static_cast<uint32_t>(node.slot_rep)) {
        if (d < static_cast<uint32_t>(node.def_defined)) {
          c->AppendNullShallow();
        } else if (node.kind == PathNode::Kind::kStruct) {
          c->AppendStructValid();
        } else {
          c->StartList();
        }
      }
      if (node.kind != PathNode::Kind::kStruct && d >= static_cast<uint32_t>(node.def_elem) &&
          r <= static_cast<uint32_t>(node.rep_elem)) {
        c->ExtendLastList(1);
      }
    }
    if (d >= slot_def_) {
      ++batch_slots_;
      batch_values_ += d == max_def_;
    }
  }
  entries_ += static_cast<int64_t>(n);
  return Status::OK();
}

void LeafAssembler::FillFixed(const uint32_t* def, size_t n, const uint8_t* values, int width) {
  Column* c = leaf_column();
  const int64_t base = c->length();
  uint8_t* dst = c->AppendRaw(static_cast<int64_t>(batch_slots_));
  if (def == nullptr || batch_slots_ == 0) {
    std::memcpy(dst, values, batch_values_ * static_cast<size_t>(width));
    return;
  }
  switch (width) {
    case 1: return ScatterFixed<1>(def, n, slot_def_, max_def_, values, dst, c, base);
    case 2: return ScatterFixed<2>(def, n, slot_def_, max_def_, values, dst, c, base);
    case 4: return ScatterFixed<4>(def, n, slot_def_, max_def_, values, dst, c, base);
    case 8: return ScatterFixed<8>(def, n, slot_def_, max_def_, values, dst, c, base);
    case 16: return ScatterFixed<16>(def, n, slot_def_, max_def_, values, dst, c, base);
    default: FL_CHECK(false && "unexpected fixed width");
  }
}

void LeafAssembler::FillViews(const uint32_t* def, size_t n, const std::string_view* views) {
  Column* c = leaf_column();
  if (def == nullptr) {
    for (size_t j = 0; j < batch_values_; ++j) c->AppendString(views[j]);
    return;
  }
  size_t j = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t d = def[i];
    if (d < slot_def_) continue;
    if (d == max_def_) {
      c->AppendString(views[j++]);
    } else {
      c->AppendNull();
    }
  }
}

Status ValidateAssembled(const Column& column, std::string_view name, std::string_view where) {
  const columnar::DataType& t = column.type();
  switch (t.kind()) {
    case TypeKind::kStruct:
      for (size_t i = 0; i < column.num_children(); ++i) {
        const std::string child = fmt::format("{}.{}", name, t.children()[i].name);
        if (column.child(i).length() != column.length()) {
          return Status::DataLoss(fmt::format("column '{}'{}: {} values, but its struct has {}",
                                              child, where, column.child(i).length(),
                                              column.length()));
        }
        FL_RETURN_NOT_OK(ValidateAssembled(column.child(i), child, where));
      }
      return Status::OK();
    case TypeKind::kArray:
    case TypeKind::kMap:
      for (size_t i = 0; i < column.num_children(); ++i) {
        const std::string child = fmt::format("{}.{}", name, t.children()[i].name);
        const int64_t end = column.offsets().back();
        if (column.child(i).length() != end) {
          return Status::DataLoss(
              fmt::format("column '{}'{}: {} elements, but the lists of '{}' hold {}", child, where,
                          column.child(i).length(), name, end));
        }
        FL_RETURN_NOT_OK(ValidateAssembled(column.child(i), child, where));
      }
      return Status::OK();
    default: return Status::OK();
  }
}

}  // namespace financelake::parquet
