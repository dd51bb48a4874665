#include "common/config/yaml_source.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/config/absl_view.h"

namespace postern::config {
namespace {

policy::SourcePosition PositionOf(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null() || mark.line < 0 || mark.column < 0) return {};
  return {mark.line + 1, mark.column + 1};
}

// yaml-cpp marks plain (unquoted, untagged) scalars with the tag "?".
bool IsPlain(const YAML::Node& node) { return node.Tag() == "?"; }

}  // namespace

YamlSource::YamlSource(YAML::Node node, std::string_view file_name, std::string root_path)
    : YamlSource(node, file_name, std::move(root_path), PositionOf(node), PositionOf(node)) {
  if (position_.line == 0) position_ = key_position_ = {1, 1};
}

YamlSource::YamlSource(YAML::Node node, std::string_view file_name, std::string path,
                       policy::SourcePosition position, policy::SourcePosition key_position)
    : node_(std::move(node)),
      file_name_(file_name),
      path_(std::move(path)),
      position_(position),
      key_position_(key_position) {}

YamlSource YamlSource::AtKey() const {
  YamlSource at_key = *this;
  at_key.position_ = key_position_;
  return at_key;
}

absl::Status YamlSource::Error(absl::string_view message) const {
  std::string text = FormatPosition(file_name_, position_);
  if (!path_.empty()) absl::StrAppend(&text, ": ", path_);
  absl::StrAppend(&text, ": ", message);
  return absl::InvalidArgumentError(text);
}

const char* YamlSource::Describe() const {
  switch (node_.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return IsBoolean() ? "a boolean" : "a string";
    default:
      return "nothing";
  }
}

absl::StatusOr<std::vector<std::pair<std::string, YamlSource>>> YamlSource::Entries() const {
  if (!IsMap()) return Error(absl::StrCat("expected a map, got ", Describe()));
  std::vector<std::pair<std::string, YamlSource>> entries;
  entries.reserve(node_.size());
  // Most maps have a handful of keys; a hash map only pays off for big ones.
  absl::flat_hash_map<std::string, policy::SourcePosition> seen;
  const bool use_hash = node_.size() > 16;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    // A copy: yaml-cpp's iterator returns a temporary proxy from operator->, so a
    // reference to it->first would dangle at the end of this statement.
    const YAML::Node key = it->first;
    const policy::SourcePosition key_position = PositionOf(key);
    if (!key.IsScalar()) {
      YamlSource key_source(key, file_name_, path_, key_position, key_position);
      return key_source.Error(absl::StrCat("expected a string key, got ", key_source.Describe()));
    }
    const std::string& name = key.Scalar();
    if (name == "<<" && key.Tag() == "?") {
      // yaml-cpp 0.7 does not implement merge keys; ignoring one would
      // silently drop whatever it was meant to bring in (often a policy).
      return Child(name, key, key_position)
          .Error(
              "YAML merge keys (<<) are not supported; repeat the settings or use an alias (*name) "
              "for a whole value");
    }
    std::optional<policy::SourcePosition> first;
    if (use_hash) {
      auto [previous, inserted] = seen.emplace(name, key_position);
      if (!inserted) first = previous->second;
    } else {
      for (const auto& [earlier, earlier_value] : entries) {
        if (earlier == name) {
          first = earlier_value.key_position();
          break;
        }
      }
    }
    if (first.has_value()) {
      return Child(name, key, key_position)
          .Error(absl::StrCat("duplicate key ", QuoteForError(name), " (first at line ",
                              first->line, ")"));
    }
    entries.emplace_back(name, Child(name, it->second, key_position));
  }
  return entries;
}

absl::StatusOr<std::vector<YamlSource>> YamlSource::Elements() const {
  if (!IsList()) return Error(absl::StrCat("expected a list, got ", Describe()));
  std::vector<YamlSource> elements;
  elements.reserve(node_.size());
  size_t index = 0;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    elements.push_back(Element(index++, *it));
  }
  return elements;
}

absl::StatusOr<std::string> YamlSource::String() const {
  if (!IsScalar()) return Error(absl::StrCat("expected a string, got ", Describe()));
  return node_.Scalar();
}

bool YamlSource::IsBoolean() const {
  if (!IsScalar() || !IsPlain(node_)) return false;
  const std::string& text = node_.Scalar();
  return text == "true" || text == "True" || text == "TRUE" || text == "false" || text == "False" ||
         text == "FALSE";
}

absl::StatusOr<bool> YamlSource::Bool() const {
  if (!IsBoolean()) {
    return Error(absl::StrCat("expected true or false, got ", IsScalar()
                                                                  ? QuoteForError(node_.Scalar())
                                                                  : std::string(Describe())));
  }
  return node_.Scalar()[0] == 't' || node_.Scalar()[0] == 'T';
}

absl::StatusOr<std::vector<std::string>> YamlSource::StringList() const {
  auto elements = Elements();
  if (!elements.ok()) return elements.status();
  std::vector<std::string> values;
  values.reserve(elements->size());
  for (const YamlSource& element : *elements) {
    auto value = element.String();
    if (!value.ok()) return value.status();
    values.push_back(*std::move(value));
  }
  return values;
}

YamlSource YamlSource::Child(std::string_view key, const YAML::Node& value,
                             policy::SourcePosition key_position) const {
  // yaml-cpp places an empty value (`from:`) at the start of the next line;
  // the key is where the user should look.
  policy::SourcePosition position = PositionOf(value);
  if (value.IsNull() || position.line == 0) position = key_position;
  std::string child_path =
      path_.empty() ? std::string(key) : absl::StrCat(path_, ".", AbslView(key));
  return YamlSource(value, file_name_, std::move(child_path), position, key_position);
}

YamlSource YamlSource::Element(size_t index, const YAML::Node& value) const {
  policy::SourcePosition position = PositionOf(value);
  if (position.line == 0) position = position_;
  return YamlSource(value, file_name_, absl::StrCat(path_, "[", index, "]"), position, position);
}

}  // namespace postern::config
