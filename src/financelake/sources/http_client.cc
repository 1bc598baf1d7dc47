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
    std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
    if (head == kName) {
      std::string value(line.substr(kName.size()));
      while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
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

}  // namespace

std::string RedactUrl(std::string_view url) {
  std::string out(url);
  for (const char* key : {"apikey=", "api_key=", "key=", "token=", "x_cg_demo_api_key=", "x_cg_pro_api_key="}) {
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
  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout_ms));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.timeout_ms));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
  curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(c, CURLOPT_USERAGENT, "financelake/0.1");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &response.retry_after_s);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  const CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_WRITE_ERROR && response.body.size() + CURL_MAX_WRITE_SIZE > kMaxBodyBytes) {
    return Status::DataLoss(fmt::format("http: GET {}: the response is larger than {} MiB; refused",
                                        RedactUrl(request.url), kMaxBodyBytes >> 20));
  }
  if (rc != CURLE_OK) {
    return Status::Unavailable(fmt::format("http: GET {}: {}", RedactUrl(request.url),
                                           error[0] != 0 ? error : curl_easy_strerror(rc)));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace financelake::sources
