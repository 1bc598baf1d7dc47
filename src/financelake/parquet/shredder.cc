#include "financelake/parquet/shredder.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace financelake::parquet {

using columnar::Column;

namespace {

class Shredder {
 public:
  Shredder(const LeafDescriptor& leaf, ShreddedLeaf* out) : leaf_(leaf), out_(out) {}

  // Slot i of column c, which sits at node k; `def` is the level reached above node k.
  void Walk(const Column& c, int64_t i, size_t k, int16_t def, int16_t rep) {
    const PathNode& node = leaf_.nodes[k];
    if (c.IsNull(i)) {
      if (node.def_defined == def) bad_null_ = true;
      Emit(def, rep);
      return;
    }
    switch (node.kind) {
      case PathNode::Kind::kPrimitive:
        if (k == leaf_.nodes.size() - 1) out_->leaf_column = &c;
        Emit(node.def_defined, rep);
        out_->value_index.push_back(i);
        return;
      case PathNode::Kind::kStruct: {
        const Column& child = c.child(static_cast<size_t>(leaf_.nodes[k + 1].child_index));
        Walk(child, i, k + 1, node.def_defined, rep);
        return;
      }
      case PathNode::Kind::kList:
      case PathNode::Kind::kMap: {
        const int64_t b = c.offsets()[static_cast<size_t>(i)];
        const int64_t e = c.offsets()[static_cast<size_t>(i + 1)];
        if (b == e) {
          Emit(node.def_defined, rep);
          return;
        }
        const Column& child = c.child(static_cast<size_t>(leaf_.nodes[k + 1].child_index));
        for (int64_t j = b; j < e; ++j) {
          Walk(child, j, k + 1, node.def_elem, j == b ? rep : node.rep_elem);
        }
        return;
      }
    }
  }

  bool bad_null() const { return bad_null_; }

 private:
  void Emit(int16_t def, int16_t rep) {
    out_->def.push_back(def);
    out_->rep.push_back(rep);
  }

  const LeafDescriptor& leaf_;
  ShreddedLeaf* out_;
  bool bad_null_ = false;
};

// Finds the leaf's own column even when no value reaches it (all null / empty lists).
const Column* LeafColumn(const Column& top, const LeafDescriptor& leaf) {
  const Column* c = &top;
  for (size_t k = 1; k < leaf.nodes.size(); ++k) {
    c = &c->child(static_cast<size_t>(leaf.nodes[k].child_index));
  }
  return c;
}

}  // namespace

Status ShredLeaf(const Column& top, int64_t begin, int64_t end, const LeafDescriptor& leaf,
                 ShreddedLeaf* out) {
  out->Clear();
  out->leaf_column = LeafColumn(top, leaf);
  Shredder s(leaf, out);
  for (int64_t i = begin; i < end; ++i) s.Walk(top, i, 0, 0, 0);
  if (s.bad_null()) {
    return Status::InvalidArgument(fmt::format(
        "parquet writer: column '{}' has a null in a non-nullable field", fmt::join(leaf.path, ".")));
  }
  return Status::OK();
}

}  // namespace financelake::parquet
