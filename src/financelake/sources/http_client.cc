#include "financelake/sources/http_client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <mutex>

namespace financelake::sources {
namespace {

// No API answer we read is anywhere near this; a bigger (or decompressing) body is refused
// before it can exhaust memory.
constexpr size_t kMaxBodyBytes = size_t{64} << 20;

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* body = static_cast<std::string*>(user);
  if (body->size() + size * n > kMaxBodyBytes) return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  body->append(data, size * n);
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  std::string_view line(data, size * n);
  constexpr std::string_view kName = "retry-after:";
  if (line.size() > kName.size()) {
    std::string head(line.substr(0, kName.size()));
    std::transform(head.begin(), head.end(), head.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (head == kName) {
      std::string value(line.substr(kName.size()));
      while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())))
        value.pop_back();
      char* end = nullptr;
      const double s = std::strtod(value.c_str(), &end);
      auto* out = static_cast<std::optional<double>*>(user);
      if (end != value.c_str() && *end == '\0' && s >= 0) {
        *out = s;
      } else if (const time_t when = curl_getdate(value.c_str(), nullptr); when > 0) {
        // The HTTP-date form ("Wed, 21 Oct 2015 07:28:00 GMT"): seconds from now.
        *out = std::max(0.0, std::difftime(when, std::time(nullptr)));
      }
    }
  }
  return size * n;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

constexpr int kMaxRedirects = 3;

// Scheme, host and port (the scheme's default when not written), lower-cased; nullopt when the
// URL cannot be parsed.
struct Origin {
  std::string scheme, host, port;
};
std::optional<Origin> ParseOrigin(std::string_view url) {
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, std::string(url).c_str(), 0) != CURLUE_OK) {
    return std::nullopt;
  }
  auto part = [&](CURLUPart which, unsigned flags, std::string* out) {
    char* value = nullptr;
    if (curl_url_get(u.get(), which, &value, flags) != CURLUE_OK) return false;
    out->assign(value);
    curl_free(value);
    std::transform(out->begin(), out->end(), out->begin(),
                   [](unsigned char c) { return std::tolower(c); });
    return true;
  };
  Origin o;
  if (!part(CURLUPART_SCHEME, 0, &o.scheme) || !part(CURLUPART_HOST, 0, &o.host) ||
      !part(CURLUPART_PORT, CURLU_DEFAULT_PORT, &o.port)) {
    return std::nullopt;
  }
  return o;
}

}  // namespace

std::string RedactUrl(std::string_view url) {
  std::string out(url);
  for (const char* key :
       {"apikey=", "api_key=", "key=", "token=", "x_cg_demo_api_key=", "x_cg_pro_api_key="}) {
    size_t at = 0;
    while ((at = out.find(key, at)) != std::string::npos) {
      const bool starts = at > 0 && (out[at - 1] == '?' || out[at - 1] == '&');
      const size_t value = at + std::string_view(key).size();
      if (!starts) {
        at = value;
        continue;
      }
      const size_t end = std::min(out.find('&', value), out.size());
      out.replace(value, end - value, "REDACTED");
      at = value;
    }
  }
  return out;
}

Status CheckBaseUrl(std::string_view url) {
  const bool printable = std::all_of(url.begin(), url.end(), [](char ch) {
    return static_cast<unsigned char>(ch) > 0x20 && static_cast<unsigned char>(ch) < 0x7f;
  });
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  if (!printable || !u ||
      curl_url_set(u.get(), CURLUPART_URL, std::string(url).c_str(), 0) != CURLUE_OK) {
    return Status::InvalidArgument("is not a URL (expected http://host[:port][/path])");
  }
  const std::optional<Origin> o = ParseOrigin(url);
  if (!o || (o->scheme != "http" && o->scheme != "https") || o->host.empty()) {
    return Status::InvalidArgument("is not an http or https URL of a host");
  }
  for (CURLUPart part : {CURLUPART_QUERY, CURLUPART_FRAGMENT, CURLUPART_USER}) {
    char* value = nullptr;
    if (curl_url_get(u.get(), part, &value, 0) == CURLUE_OK) {
      curl_free(value);
      return Status::InvalidArgument(
          "has a query, fragment or user name; give the API's base only");
    }
  }
  return Status::OK();
}

bool IsSafeRedirect(std::string_view from, std::string_view to) {
  const std::optional<Origin> a = ParseOrigin(from), b = ParseOrigin(to);
  if (!a || !b || a->host != b->host) return false;
  if (b->scheme != "http" && b->scheme != "https") return false;
  if (a->scheme == b->scheme) return a->port == b->port;
  return a->scheme == "http" && b->scheme == "https";
}

Result<HttpResponse> HttpGet(const HttpRequest& request) {
  static std::once_flag init;
  std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Status::Internal("http: curl_easy_init failed");
  HttpResponse response;
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  for (const std::string& h : request.headers) {
    headers.reset(curl_slist_append(headers.release(), h.c_str()));
  }
  char error[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout_ms));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.timeout_ms));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  // libcurl would send our headers (the API key) to any host a server redirects to, and follow
  // https -> http: redirects are followed here, one hop at a time, only where that is safe.
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(c, CURLOPT_USERAGENT, "financelake/0.1");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &response.retry_after_s);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  std::string url = request.url;
  for (int hop = 0;; ++hop) {
    response.body.clear();
    response.retry_after_s.reset();
    error[0] = 0;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    const CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_WRITE_ERROR && response.body.size() + CURL_MAX_WRITE_SIZE > kMaxBodyBytes) {
      return Status::DataLoss(
          fmt::format("http: GET {}: the response is larger than {} MiB; refused", RedactUrl(url),
                      kMaxBodyBytes >> 20));
    }
    if (rc != CURLE_OK) {
      return Status::Unavailable(fmt::format("http: GET {}: {}", RedactUrl(url),
                                             error[0] != 0 ? error : curl_easy_strerror(rc)));
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
    char* location = nullptr;
    curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &location);
    if (response.status < 300 || response.status > 399 || location == nullptr) return response;
    const std::string target = location;
    if (!IsSafeRedirect(url, target)) {
      response.redirect_refused = fmt::format(
          "redirect to {} not followed: another host, or https to http (the request's headers, "
          "an API key, are not sent there)",
          RedactUrl(target));
      return response;
    }
    if (hop == kMaxRedirects) {
      response.redirect_refused =
          fmt::format("more than {} redirects, the last to {}", kMaxRedirects, RedactUrl(target));
      return response;
    }
    url = target;
  }
}

}  // namespace financelake::sources
