#include "common/config/yaml_source.h"

#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/config/absl_view.h"
#include "yaml-cpp/eventhandler.h"

namespace postern::config {
namespace {

policy::SourcePosition PositionOf(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.is_null() || mark.line < 0 || mark.column < 0) return {};
  return {mark.line + 1, mark.column + 1};
}

// yaml-cpp marks plain (unquoted, untagged) scalars with the tag "?".
bool IsPlain(const YAML::Node& node) { return node.Tag() == "?"; }

// CheckCharacters accepts UTF-8 holding only what YAML 1.2 calls printable
// (tab, LF, CR, U+0020..U+007E, U+0085, U+00A0..U+D7FF, U+E000..U+FFFD,
// U+10000..U+10FFFF), with an optional byte order mark at the start.
absl::Status CheckCharacters(std::string_view text, std::string_view file_name) {
  int line = 1, column = 1;
  size_t i = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
  while (i < text.size()) {
    const unsigned char lead = static_cast<unsigned char>(text[i]);
    uint32_t code = 0;
    size_t length = 0;
    if (lead < 0x80) {
      code = lead;
      length = 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      code = lead & 0x1F;
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      code = lead & 0x0F;
      length = 3;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      code = lead & 0x07;
      length = 4;
    }
    bool valid = length > 0 && i + length <= text.size();
    for (size_t k = 1; valid && k < length; ++k) {
      const unsigned char next = static_cast<unsigned char>(text[i + k]);
      valid = (next & 0xC0) == 0x80;
      code = (code << 6) | (next & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if (valid && ((length == 3 && code < 0x800) || (length == 4 && code < 0x10000) ||
                  (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF)) {
      valid = false;
    }
    const policy::SourcePosition where{line, column};
    if (!valid) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: invalid YAML: byte 0x%02x is not valid UTF-8",
                          AbslView(FormatPosition(file_name, where)), lead));
    }
    const bool printable = code == 0x09 || code == 0x0A || code == 0x0D ||
                           (code >= 0x20 && code <= 0x7E) || code == 0x85 ||
                           (code >= 0xA0 && code <= 0xD7FF) || (code >= 0xE000 && code <= 0xFFFD) ||
                           code >= 0x10000;
    if (!printable) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: invalid YAML: control character U+%04X is not allowed",
                          AbslView(FormatPosition(file_name, where)), code));
    }
    if (code == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    i += length;
  }
  return absl::OkStatus();
}

// Counts documents without building them; see ParseYamlDocument.
class DocumentCounter : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  std::vector<YAML::Mark> starts;
};

policy::SourcePosition PositionOfMark(const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0 || mark.column < 0) return {};
  return {mark.line + 1, mark.column + 1};
}

}  // namespace

absl::StatusOr<YAML::Node> ParseYamlDocument(std::string_view text, std::string_view file_name) {
  if (absl::Status status = CheckCharacters(text, file_name); !status.ok()) return status;
  try {
    const std::string copy(text);
    YAML::Node document = YAML::Load(copy);
    // A second pass that only counts documents: YAML::LoadAll cannot be
    // trusted to stop (see the header), so ask for at most two.
    std::istringstream stream(copy);
    YAML::Parser parser(stream);
    DocumentCounter counter;
    for (int i = 0; i < 2 && parser.HandleNextDocument(counter); ++i) {
    }
    if (counter.starts.size() > 1) {
      const YAML::Mark& second = counter.starts[1];
      if (second.pos <= counter.starts[0].pos) {
        return absl::InvalidArgumentError(
            absl::StrCat(AbslView(FormatPosition(file_name, PositionOfMark(second))),
                         ": invalid YAML: the parser made no progress here"));
      }
      return absl::InvalidArgumentError(
          absl::StrCat(AbslView(FormatPosition(file_name, {PositionOfMark(second).line, 1})),
                       ": config file holds more than one YAML document (---); keep one"));
    }
    return document;
  } catch (const YAML::Exception& error) {
    return absl::InvalidArgumentError(
        absl::StrCat(AbslView(FormatPosition(file_name, PositionOfMark(error.mark))),
                     ": invalid YAML: ", error.msg));
  }
}

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
    // yaml-cpp's iterator hands out a temporary proxy: copy the nodes (cheap
    // handles) rather than keep references into it.
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
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
    entries.emplace_back(name, Child(name, value, key_position));
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
