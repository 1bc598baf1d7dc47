#include "financelake/sources/source.h"

#include <utility>

namespace financelake::sources {

Result<bool> Source::Next(Event* event) {
  FL_ASSIGN_OR_RETURN(const size_t n, NextBatch(&one_, 1));
  if (n == 0) return false;
  std::swap(*event, one_[0]);
  return true;
}

Status Drain(Source& source, size_t batch_size,
             const std::function<Status(std::span<const Event>)>& sink) {
  if (batch_size == 0) return Status::InvalidArgument("drain: batch size must be positive");
  std::vector<Event> batch;
  while (true) {
    FL_ASSIGN_OR_RETURN(const size_t n, source.NextBatch(&batch, batch_size));
    if (n == 0) return Status::OK();
    FL_RETURN_NOT_OK_CTX(sink(std::span<const Event>(batch.data(), n)),
                         "sink after position " + source.Position());
  }
}

}  // namespace financelake::sources
