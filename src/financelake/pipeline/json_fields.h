// Top-level field extraction from a JSON object without building a document: what Bronze needs
// to pull event_id, event_time, the entity key and source out of millions of payloads a second.
//
// The whole text is checked to be one well-formed JSON object (RFC 8259 grammar; nesting up to
// 128 levels); when it is not, Extract() returns false and no field is set, so a malformed
// payload never yields half-read fields. Thread-safe (no state).
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace financelake::pipeline {

struct JsonField {
  JsonField() = default;
  // A copy's value points into its own storage when the original's did.
  JsonField(const JsonField& other) { *this = other; }
  JsonField& operator=(const JsonField& other) {
    if (this == &other) return *this;
    name = other.name;
    present = other.present;
    is_string = other.is_string;
    is_null = other.is_null;
    storage = other.storage;
    const bool owned = !other.storage.empty() && other.value.data() == other.storage.data();
    value = owned ? std::string_view(storage) : other.value;
    return *this;
  }

  std::string_view name;  // looked up among the object's top-level keys
  bool present = false;   // set by Extract(); false also when the value is null
  bool is_string = false;
  bool is_null = false;   // the key is there with the value null
  // The value: unescaped for a string; the literal text for a number, true or false; the raw
  // text for an object or array. The first occurrence wins for a repeated key. A view into the
  // JSON text (no copy) or, for a string with escapes, into `storage`: valid while both the
  // text and this field are unchanged.
  std::string_view value;
  std::string storage;
};

// False when `json` is not a single well-formed JSON object (leading/trailing whitespace is
// allowed). Clears and then fills `fields`.
bool ExtractJsonFields(std::string_view json, std::span<JsonField> fields);

}  // namespace financelake::pipeline
