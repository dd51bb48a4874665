#include "common/jwt/json_object.h"

#include <exception>
#include <string>
#include <unordered_set>
#include <vector>

#include "absl/status/status.h"
#include "boost/json/basic_parser_impl.hpp"
#include "boost/json/error.hpp"
#include "boost/json/value_stack.hpp"

namespace postern::jwt {
namespace {

namespace json = boost::json;

// A basic_parser handler that builds a json::value exactly as
// boost::json::parser does, and additionally fails on the first member name
// repeated within one object (boost::json::parser would keep the last one).
class StrictHandler {
 public:
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  StrictHandler() { stack_.reset(); }

  json::value Release() { return stack_.release(); }
  bool duplicate_key() const { return duplicate_key_; }

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) {
    keys_.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t n, json::error_code&) {
    keys_.pop_back();
    stack_.push_object(n);
    return true;
  }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t n, json::error_code&) {
    stack_.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    key_.append(s.data(), s.size());
    stack_.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
    key_.append(s.data(), s.size());
    if (!keys_.back().insert(std::move(key_)).second) {
      duplicate_key_ = true;
      ec = json::error::syntax;
      return false;
    }
    key_.clear();
    stack_.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    stack_.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    stack_.push_string(s);
    return true;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    stack_.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    stack_.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view, json::error_code&) {
    stack_.push_double(d);
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    stack_.push_bool(b);
    return true;
  }
  bool on_null(json::error_code&) {
    stack_.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  json::value_stack stack_;
  std::vector<std::unordered_set<std::string>> keys_;  // one set per open object
  std::string key_;                                    // the member name being read
  bool duplicate_key_ = false;
};

absl::Status Invalid(std::string_view what, std::string_view problem) {
  std::string message(what);
  message.append(problem);
  return absl::InvalidArgumentError(message);
}

}  // namespace

absl::StatusOr<boost::json::object> ParseJsonObject(std::string_view text, std::string_view what) {
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;  // comments, trailing commas, bad UTF-8: all off by default
  try {
    json::basic_parser<StrictHandler> parser(options);
    json::error_code ec;
    const std::size_t consumed = parser.write_some(false, text.data(), text.size(), ec);
    if (parser.handler().duplicate_key()) return Invalid(what, " has a duplicate member name");
    if (ec == json::error::too_deep) return Invalid(what, " is nested too deeply");
    if (ec || consumed != text.size() || !parser.done()) {
      return Invalid(what, " is not valid JSON (" + (ec ? ec.message() : "trailing data") + ")");
    }
    json::value value = parser.handler().Release();
    if (!value.is_object()) return Invalid(what, " must be a JSON object");
    return std::move(value.as_object());
  } catch (const std::exception& e) {
    // Only allocation can throw here; report it rather than let it escape.
    return absl::ResourceExhaustedError(std::string(what) + " could not be parsed: " + e.what());
  }
}

}  // namespace postern::jwt
