// Walking a parsed YAML document with its file name, key path and positions,
// so that every error a config file can produce names where it is:
//
//   config.yaml:14:9: routes[1].from: port required in tcp+https URL
//
// Used by the config loader and the policy parser; it knows nothing of either.
//
//   YamlSource root(YAML::Load(text), "config.yaml");
//   auto entries = root.Entries();  // duplicate keys are errors
//   if (!entries.ok()) return entries.status();
//   for (const auto& [key, value] : *entries) {
//     if (key == "address") { auto address = value.String(); ... }
//   }
#ifndef POSTERN_COMMON_CONFIG_YAML_SOURCE_H_
#define POSTERN_COMMON_CONFIG_YAML_SOURCE_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/config/error_text.h"
#include "common/policy/ppl.h"
#include "yaml-cpp/yaml.h"

namespace postern::config {

// A YAML node seen from where it sits in a file. Cheap to copy. Holds a view
// of the file name: the string it was built from must outlive it and every
// YamlSource derived from it. Not thread-safe to share while the underlying
// YAML document is being modified (the loader never modifies it).
class YamlSource {
 public:
  // `node` is a document root; `root_path` names it in errors (usually
  // empty; "policy" when a document holds only a policy).
  YamlSource(YAML::Node node, std::string_view file_name, std::string root_path = "");

  const YAML::Node& node() const { return node_; }
  // The key path, e.g. "routes[1].policy[0].allow.or[2]"; empty at the root.
  const std::string& path() const { return path_; }
  // 1-based line/column; {0, 0} when the YAML library gave no position.
  policy::SourcePosition position() const { return position_; }
  // Where the key naming this value was written (for a map entry), else the
  // same as position(). Criteria and operators are reported at their key.
  policy::SourcePosition key_position() const { return key_position_; }
  std::string_view file_name() const { return file_name_; }

  // AtKey is this value positioned at its key, for errors about the key
  // itself (an unknown operator, a misspelt criterion).
  YamlSource AtKey() const;

  // Error returns kInvalidArgument "file:line:col: path: message".
  absl::Status Error(absl::string_view message) const;

  bool IsNull() const { return node_.IsNull(); }
  bool IsMap() const { return node_.IsMap(); }
  bool IsList() const { return node_.IsSequence(); }
  bool IsScalar() const { return node_.IsScalar(); }

  // Describe names the node's kind for "expected X, got Y" messages:
  // "a map", "a list", "a string", "a boolean", "a number", "nothing".
  const char* Describe() const;

  // Entries returns the key/value pairs of a map in the order written.
  // Fails if the node is not a map, a key is not a scalar, or a key appears
  // twice (YAML forbids it, and silently keeping one of two `policy:` keys
  // would hide half a policy). Merge keys (`<<: *base`) are refused too:
  // yaml-cpp 0.7 does not implement them.
  absl::StatusOr<std::vector<std::pair<std::string, YamlSource>>> Entries() const;

  // Elements returns the items of a list. Fails if the node is not a list.
  absl::StatusOr<std::vector<YamlSource>> Elements() const;

  // String returns a scalar's text (numbers keep their text). Fails for maps,
  // lists and null.
  absl::StatusOr<std::string> String() const;

  // Bool accepts the YAML 1.2 booleans true/True/TRUE/false/False/FALSE,
  // unquoted. Quoted "true" is a string, and yes/no/on/off are refused so
  // that a typo never turns into a permission.
  absl::StatusOr<bool> Bool() const;

  // StringList accepts a list of scalars.
  absl::StatusOr<std::vector<std::string>> StringList() const;

  // IsBoolean is true for an unquoted scalar Bool would accept.
  bool IsBoolean() const;

  // Child is the value of `key` in this map; Element is item `index` of this
  // list. Both only extend the key path; `value` must come from this node.
  YamlSource Child(std::string_view key, const YAML::Node& value,
                   policy::SourcePosition key_position) const;
  YamlSource Element(size_t index, const YAML::Node& value) const;

 private:
  YamlSource(YAML::Node node, std::string_view file_name, std::string path,
             policy::SourcePosition position, policy::SourcePosition key_position);

  YAML::Node node_;
  std::string_view file_name_;
  std::string path_;
  policy::SourcePosition position_;
  policy::SourcePosition key_position_;
};

// ParseYamlDocument parses text holding at most one YAML document. Returns
// a Null node for text without a document (empty, only comments). Fails
// with kInvalidArgument "file:line:col: ..." for text that is not UTF-8 or
// holds characters YAML forbids (NUL and other control characters), for a
// YAML syntax error, and for more than one document (`---`), which would
// otherwise be ignored without a word. Never throws.
//
// The character check is not pedantry: on some invalid bytes yaml-cpp 0.7
// stops reading, returns an empty document, and reports it again forever
// to YAML::LoadAll, so a garbled file would load as an empty config.
absl::StatusOr<YAML::Node> ParseYamlDocument(std::string_view text, std::string_view file_name);

}  // namespace postern::config

#endif  // POSTERN_COMMON_CONFIG_YAML_SOURCE_H_
