// HTTP GET for the API pollers: the only file that includes libcurl.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "financelake/base/result.h"

namespace financelake::sources {

struct HttpRequest {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  int timeout_ms = 10000;
};

struct HttpResponse {
  long status = 0;
  std::string body;
  // From a Retry-After header: its seconds, or its HTTP-date as seconds from now.
  std::optional<double> retry_after_s;
};

// A transport failure (refused, timeout, DNS) is Unavailable naming the redacted URL and curl's
// reason; any HTTP status is a response.
Result<HttpResponse> HttpGet(const HttpRequest& request);

// The URL with the values of secret query parameters (apikey, api_key, key, token, x_cg_*)
// replaced by "REDACTED": what may appear in logs and errors.
std::string RedactUrl(std::string_view url);

}  // namespace financelake::sources
