// Checking a bootstrap server list (`--brokers`) before librdkafka sees it: librdkafka takes
// a port beyond 65535 modulo 65536 (127.0.0.1:84642 reaches port 19106) and `9092x` as 9092,
// and reports `http://host:port` or a list of nothing but commas only as a transport failure
// after the connect timeout.
#pragma once

#include <string_view>

#include "financelake/base/status.h"

namespace financelake::kafka {

// OK for "HOST[:PORT][,...]": each entry optionally prefixed by a Kafka security protocol
// (`PLAINTEXT://`, `SSL://`, `SASL_PLAINTEXT://`, `SASL_SSL://`), a host name, IPv4 address or
// bracketed IPv6 address (empty: localhost, as librdkafka reads it), and a port of digits in
// 1..65535 (librdkafka's default 9092 when absent). Empty entries are skipped, as librdkafka
// does, but one must be left. InvalidArgument naming the entry and what is wrong with it
// otherwise.
Status CheckBrokerList(std::string_view brokers);

}  // namespace financelake::kafka
