// UTF-8 decoding and validation, shared by the JSON writer (which never emits invalid UTF-8) and
// Delta statistics (which leave out min/max values that are not UTF-8); one-line text for tables.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace financelake {

// Length of the UTF-8 sequence starting at s[i] and its code point; an invalid lead or
// continuation byte counts as one character (code point = that byte). Callers check validity
// with Utf8SequenceLength where it matters.
size_t DecodeUtf8(std::string_view s, size_t i, char32_t* cp);

// Length of the well-formed UTF-8 sequence at s[i] (1-4), or 0 when the bytes there are not one
// (stray continuation byte, truncated sequence, overlong form, surrogate, past U+10FFFF).
size_t Utf8SequenceLength(std::string_view s, size_t i);

// True when `s` is well-formed UTF-8 (ASCII runs are checked eight bytes at a time).
bool IsValidUtf8(std::string_view s);

// Appends `s` to `out` with every byte that does not start a well-formed sequence replaced by
// U+FFFD (EF BF BD), one per byte, as the JSON writer does: the result is always valid UTF-8.
void AppendUtf8Replacing(std::string_view s, std::string* out);

// `s` itself when it is UTF-8; otherwise `s` with U+FFFD (as above) written into `*scratch`,
// returned as a view of it. For storing text in Parquet string columns, which must be UTF-8.
std::string_view Utf8OrReplaced(std::string_view s, std::string* scratch);

// Keeps text on one line for a terminal table: control characters (and DEL) become \n, \t, \r
// or \xNN; every other byte is kept.
std::string EscapeControl(std::string_view s);

}  // namespace financelake
