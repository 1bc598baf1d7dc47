#include "financelake/kafka/broker_list.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace financelake::kafka {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  return out;
}

// What is wrong with one entry, or "" when nothing is.
std::string EntryProblem(std::string_view e) {
  if (const size_t scheme = e.find("://"); scheme != std::string_view::npos) {
    const std::string proto = Upper(e.substr(0, scheme));
    if (proto != "PLAINTEXT" && proto != "SSL" && proto != "SASL_PLAINTEXT" &&
        proto != "SASL_SSL") {
      return fmt::format(
          "'{}://' is not a Kafka protocol (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL)",
          e.substr(0, scheme));
    }
    e.remove_prefix(scheme + 3);
  }
  std::string_view host = e;
  std::string_view port;
  if (!e.empty() && e.front() == '[') {  // [IPv6]:port
    const size_t close = e.find(']');
    if (close == std::string_view::npos) return "an IPv6 address without its closing ']'";
    host = e.substr(1, close - 1);
    std::string_view rest = e.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return "text after the IPv6 address that is not ':PORT'";
      port = rest.substr(1);
      if (port.empty()) return "':' without a port";
    }
  } else if (const size_t colon = e.rfind(':'); colon != std::string_view::npos) {
    if (e.find(':') != colon) return "more than one ':' (write an IPv6 address as [ADDRESS]:PORT)";
    host = e.substr(0, colon);
    port = e.substr(colon + 1);
    if (port.empty()) return "':' without a port";
  }
  for (char c : host) {  // an empty host is librdkafka's localhost
    const auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '.' || c == '-' || c == '_' || c == ':' || c == '%')) {
      return fmt::format("'{}' is not a host name or address", host);
    }
  }
  if (!port.empty()) {
    const bool digits = port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) {
                          return c >= '0' && c <= '9';
                        });
    const long value = digits ? std::stol(std::string(port)) : 0;
    if (!digits || value < 1 || value > 65535) {
      return fmt::format("port '{}' is not a number in 1..65535", port);
    }
  }
  return "";
}

}  // namespace

Status CheckBrokerList(std::string_view brokers) {
  if (Trim(brokers).empty())
    return Status::InvalidArgument("--brokers is empty: give HOST:PORT[,...]");
  size_t start = 0;
  int entries = 0;
  while (true) {
    const size_t comma = brokers.find(',', start);
    const std::string_view entry = Trim(brokers.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    // librdkafka skips empty entries (a trailing comma of a generated list).
    if (!entry.empty()) {
      ++entries;
      if (std::string problem = EntryProblem(entry); !problem.empty()) {
        return Status::InvalidArgument(
            fmt::format("--brokers '{}': {} (give HOST:PORT[,...])", entry, problem));
      }
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (entries == 0) {
    return Status::InvalidArgument(
        fmt::format("--brokers '{}' names no broker: give HOST:PORT[,...]", brokers));
  }
  return Status::OK();
}

}  // namespace financelake::kafka
