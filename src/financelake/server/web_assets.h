// The web UI, embedded in the binary at build time (web/ plus the npm libraries it uses;
// cmake/embed_files.cmake writes the table).
#pragma once

#include <cstddef>
#include <string_view>

namespace financelake::server {

struct WebAsset {
  const char* path;          // "/index.html"
  const char* content_type;  // "text/html; charset=utf-8"
  const unsigned char* data;
  size_t size;
};

// The asset served at `path`, or nullptr.
const WebAsset* FindWebAsset(std::string_view path);

}  // namespace financelake::server
