#include "financelake/kafka/rdkafka_util.h"

#include <algorithm>
#include <string>
#include <thread>

namespace financelake::kafka::internal {
namespace {

StatusCode CodeFor(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR__UNKNOWN_GROUP: return StatusCode::kNotFound;
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__INVALID_TYPE:
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION: return StatusCode::kInvalidArgument;
    case RD_KAFKA_RESP_ERR__FATAL:
    case RD_KAFKA_RESP_ERR__STATE:
    case RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED:
    case RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION: return StatusCode::kFailedPrecondition;
    case RD_KAFKA_RESP_ERR__OUTDATED:
    case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE: return StatusCode::kOutOfRange;
    default:
      // Remaining broker-side errors (not leader, request timed out, ...) and local transport,
      // timeout and queue-full errors are all worth retrying.
      return err > 0 || err == RD_KAFKA_RESP_ERR__TRANSPORT ||
                     err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
                     err == RD_KAFKA_RESP_ERR__TIMED_OUT ||
                     err == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT ||
                     err == RD_KAFKA_RESP_ERR__QUEUE_FULL || err == RD_KAFKA_RESP_ERR__RESOLVE
                 ? StatusCode::kUnavailable
                 : StatusCode::kInternal;
  }
}

Status SetOne(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
  char errstr[512] = {0};
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof(errstr)) !=
      RD_KAFKA_CONF_OK) {
    return Status::InvalidArgument("kafka: setting '" + key + "': " + errstr);
  }
  return Status::OK();
}

void LogCallback(const rd_kafka_t* rk, int level, const char* /*fac*/, const char* buf) {
  if (ClientEvents* events = EventsOf(rk)) events->OnLog(level, rd_kafka_name(rk), buf);
}

void ErrorCallback(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* events = static_cast<ClientEvents*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char fatal[512] = {0};
    rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
    events->OnError(fatal, /*fatal=*/true);
  } else {
    events->OnError(reason, /*fatal=*/false);
  }
}

}  // namespace

Status ErrorStatus(std::string_view context, rd_kafka_resp_err_t err) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::OK();
  std::string msg(context);
  msg += ": ";
  msg += rd_kafka_err2str(err);
  return Status(CodeFor(err), std::move(msg));
}

Status ErrorStatus(std::string_view context, const rd_kafka_error_t* error) {
  if (error == nullptr) return Status::OK();
  std::string msg(context);
  msg += ": ";
  msg += rd_kafka_error_string(error);
  return Status(CodeFor(rd_kafka_error_code(error)), std::move(msg));
}

Result<ConfPtr> BuildConf(const Settings& ours, const Settings& extra,
                          std::initializer_list<std::string_view> fixed) {
  ConfPtr conf(rd_kafka_conf_new());
  for (const auto& [key, value] : ours) FL_RETURN_NOT_OK(SetOne(conf.get(), key, value));
  for (const auto& [key, value] : extra) {
    if (std::find(fixed.begin(), fixed.end(), key) != fixed.end()) {
      return Status::InvalidArgument("kafka: setting '" + key +
                                     "' is fixed by financelake and cannot be overridden");
    }
    FL_RETURN_NOT_OK(SetOne(conf.get(), key, value));
  }
  return conf;
}

void InstallEventCallbacks(rd_kafka_conf_t* conf, ClientEvents* events) {
  rd_kafka_conf_set_opaque(conf, events);
  rd_kafka_conf_set_log_cb(conf, LogCallback);
  rd_kafka_conf_set_error_cb(conf, ErrorCallback);
}

Result<RdKafkaPtr> NewClient(rd_kafka_type_t type, ConfPtr conf) {
  char errstr[512] = {0};
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof(errstr));
  if (rk == nullptr) {
    // rd_kafka_new() reports inconsistent settings here (e.g. idempotence with acks=1).
    return Status::InvalidArgument(std::string("kafka: create client: ") + errstr);
  }
  (void)conf.release();  // now owned by rk
  return RdKafkaPtr(rk);
}

Status WaitForBroker(rd_kafka_t* rk, std::string_view brokers, std::chrono::milliseconds timeout,
                     const ClientEvents& events, const std::atomic<bool>* stop) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  MetadataPtr md;
  // With a stop flag, in slices, so that a stop (Ctrl-C) is heard while no broker answers. A
  // slice that ends drops its request, so the slices double: a broker whose answer takes longer
  // than one slice is still heard (a stop then takes at most the current slice).
  std::chrono::milliseconds next_slice(200);
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const auto slice = stop != nullptr ? std::min(left, next_slice) : left;
    next_slice *= 2;
    const rd_kafka_metadata_t* raw = nullptr;
    // all_topics=0: only brokers and already-known topics, so no topic gets auto-created.
    err = rd_kafka_metadata(rk, 0, nullptr, &raw,
                            static_cast<int>(std::max<int64_t>(1, slice.count())));
    md.reset(raw);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR && md->broker_cnt > 0) return Status::OK();
    if (stop != nullptr && stop->load()) {
      return Status::Aborted("kafka: stopped while waiting for broker " + std::string(brokers));
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    // A slice that failed at once (no broker yet) must not spin.
    if (err != RD_KAFKA_RESP_ERR__TIMED_OUT)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::string msg = "kafka: cannot reach broker " + std::string(brokers) + ": " +
                    (err ? rd_kafka_err2str(err) : "no brokers in metadata");
  if (std::string last = events.last_error(); !last.empty()) msg += " (" + last + ")";
  return Status::Unavailable(std::move(msg));
}

}  // namespace financelake::kafka::internal
