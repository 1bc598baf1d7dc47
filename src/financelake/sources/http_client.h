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
  // A 3xx that was not followed: why, naming the redacted target ("" for any other response).
  std::string redirect_refused;
};

// A transport failure (refused, timeout, DNS) is Unavailable naming the redacted URL and curl's
// reason; any HTTP status is a response. Only http and https are spoken. Redirects are followed
// (at most 3) only where IsSafeRedirect allows, since the request's headers (an API key) go
// along; any other redirect is returned as the 3xx response with `redirect_refused` set.
Result<HttpResponse> HttpGet(const HttpRequest& request);

// OK if `url` is an absolute http or https URL with a host and no query or fragment (an API's
// base URL); else InvalidArgument saying what is wrong ("is not an http(s) URL").
Status CheckBaseUrl(std::string_view url);

// Whether a redirect from `from` to `to` may carry the request's headers: the same host, with
// the same scheme and port, or from http to https. Never to another host, never https -> http.
bool IsSafeRedirect(std::string_view from, std::string_view to);

// The URL with the values of secret query parameters (apikey, api_key, key, token, x_cg_*)
// replaced by "REDACTED": what may appear in logs and errors.
std::string RedactUrl(std::string_view url);

}  // namespace financelake::sources
