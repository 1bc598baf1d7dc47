// Source: a resumable stream of events (the simulator, CSV replay; later HTTP pollers).
//
// Call protocol:
//   1. Make one with a factory (MakeSimSource, MakeCsvSource), optionally with `resume_after`
//      set to a Position() committed earlier: the source continues exactly after that record.
//   2. Call NextBatch() until it returns 0 (the end; unbounded sources never end).
//   3. After delivering and committing a batch downstream, store Position() (or the last
//      event's position): that is the exactly-once resume point.
// Sources may block inside NextBatch() to honour a rate or a replay speed. Not thread-safe: one
// thread drives a source.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "financelake/base/result.h"
#include "financelake/sources/event.h"

namespace financelake::sources {

class Source {
 public:
  virtual ~Source() = default;
  Source() = default;
  Source(const Source&) = delete;
  Source& operator=(const Source&) = delete;

  // Writes the next n events (1 <= n <= max) to (*batch)[0..n) and resizes *batch to n,
  // reusing the storage of the events already in *batch (keep passing the same vector).
  // Returns 0, with *batch empty, at the end of the source, or when a stop was requested
  // (InterruptWaits(), see pacing.h) while it waited for the next event to be due.
  virtual Result<size_t> NextBatch(std::vector<Event>* batch, size_t max) = 0;

  // True when the next NextBatch() would wait for the outside world (an API poller with nothing
  // left from its last poll sleeps until the next one): a caller holding rows commits them first
  // rather than keep them for a poll interval. Pacing waits (a rate, a replay speed) do not count.
  virtual bool WillWait() const { return false; }

  // The resume token for everything returned so far (events and reported malformed records);
  // "" before the first record. Pass it as the factory option `resume_after`.
  virtual std::string Position() const = 0;

  // One event at a time, for callers that do not care about speed. False at the end.
  Result<bool> Next(Event* event);

 private:
  std::vector<Event> one_;
};

// Pulls batches of up to `batch_size` events from `source` until its end (or until `sink`
// fails) and hands each batch to `sink`. The sink's error is returned with context.
Status Drain(Source& source, size_t batch_size,
             const std::function<Status(std::span<const Event>)>& sink);

}  // namespace financelake::sources
