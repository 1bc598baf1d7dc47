// The `yahoo`, `alphavantage` and `coingecko` sources: real HTTP pollers (libcurl through
// http_client.h) that turn API responses into events (api_parsers.h).
//
// Every `interval_s` a round requests each symbol; new events (by event_id: the same bar polled
// again has the same id and is emitted once per run) are handed out by NextBatch(). A bar is
// emitted only once it is complete (ParsedBody::complete_at <= utc_now: an intraday bar's
// interval has passed, a daily bar's session has closed and settled): the APIs show the current
// bar while it forms, and its first snapshot would otherwise stand for the bar. Requests are
// spaced by at least `min_request_interval_s`; HTTP 429/5xx, transport errors and timeouts, and
// a 200 that carries a quota notice are retried with exponential backoff and jitter (or after
// Retry-After), each retry logged as one line, up to `max_retries`; then the source fails with
// the last reason. A malformed response is an error at once. No price is ever made up: when the
// API cannot answer, the source waits or fails. API keys come only from the environment
// (ALPHAVANTAGE_API_KEY, COINGECKO_API_KEY) and never appear in logs or errors.
// Position(): the number of events emitted so far; pollers cannot regenerate the past, so a
// restart polls afresh (Bronze deduplicates nothing; Silver does, by event_id).
#pragma once

#include <memory>

#include "financelake/base/result.h"
#include "financelake/sources/poller_options.h"
#include "financelake/sources/source.h"

namespace financelake::sources {

Result<std::unique_ptr<Source>> MakePollerSource(const PollerOptions& options);

}  // namespace financelake::sources
