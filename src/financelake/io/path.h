// Lexical helpers for '/'-separated paths. They never touch a filesystem, so they work the same
// for POSIX and in-memory paths. Trailing slashes are ignored ("a/b/" is "a/b"); a leading '/'
// makes a path absolute. Thread-safe (pure functions).
#pragma once

#include <string>
#include <string_view>

namespace financelake::io {

// "a" + "b" -> "a/b"; never doubles a separator ("a/" + "/b" -> "a/b"). An empty side yields the
// other side. `b` is taken as relative to `a` even if it starts with '/'.
std::string JoinPath(std::string_view a, std::string_view b);

// The directory part: "a/b/c" -> "a/b", "/a" -> "/", "a" -> "" (the current directory),
// "/" -> "/", "" -> "".
std::string DirName(std::string_view path);

// The last component: "a/b/c" -> "c", "a/b/" -> "b", "/" -> "", "" -> "".
std::string BaseName(std::string_view path);

// The same path without "." components, repeated or trailing '/' and "x/.." pairs:
// "a//./b/../c/" -> "a/c", "/.." -> "/", "../a" -> "../a", "" or "." -> ".".
std::string NormalizePath(std::string_view path);

}  // namespace financelake::io
