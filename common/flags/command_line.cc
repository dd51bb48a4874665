#include "common/flags/command_line.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace postern::flags {
namespace {

const FlagSpec* Find(const std::vector<FlagSpec>& specs, std::string_view name) {
  for (const FlagSpec& spec : specs) {
    if (spec.name == name) return &spec;
    for (const std::string& alias : spec.aliases) {
      if (alias == name) return &spec;
    }
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<CommandLine> CommandLine::Parse(const std::vector<std::string>& args,
                                               const std::vector<FlagSpec>& specs) {
  CommandLine out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      out.positional_.insert(out.positional_.end(), args.begin() + i + 1, args.end());
      break;
    }
    if (arg.size() < 2 || arg[0] != '-') {
      out.positional_.push_back(arg);
      continue;
    }
    std::string_view body = arg;
    body.remove_prefix(body.starts_with("--") ? 2 : 1);
    std::string name(body);
    std::optional<std::string> inline_value;
    if (size_t eq = body.find('='); eq != std::string_view::npos) {
      name = std::string(body.substr(0, eq));
      inline_value = std::string(body.substr(eq + 1));
    }
    const FlagSpec* spec = Find(specs, name);
    if (spec == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
    if (out.values_.contains(spec->name)) {
      return absl::InvalidArgumentError(absl::StrCat("flag --", spec->name, " given twice"));
    }
    std::string value;
    if (spec->value_name.empty()) {
      if (inline_value.has_value()) {
        return absl::InvalidArgumentError(
            absl::StrCat("flag --", spec->name, " takes no value (got \"", *inline_value, "\")"));
      }
    } else if (inline_value.has_value()) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("flag --", spec->name, " needs a value (", spec->value_name, ")"));
    }
    out.values_.emplace(spec->name, std::move(value));
  }
  return out;
}

bool CommandLine::Has(std::string_view name) const { return values_.contains(name); }

std::string CommandLine::Value(std::string_view name, std::string_view fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::string(fallback) : it->second;
}

std::string Help(std::string_view usage, const std::vector<FlagSpec>& specs) {
  std::string out = absl::StrCat(std::string(usage), "\n\nflags:\n");
  for (const FlagSpec& spec : specs) {
    std::string names = absl::StrCat("--", spec.name);
    for (const std::string& alias : spec.aliases) absl::StrAppend(&names, ", --", alias);
    if (!spec.value_name.empty()) absl::StrAppend(&names, " ", spec.value_name);
    absl::StrAppend(&out, "  ", names, "\n      ", spec.help, "\n");
  }
  return out;
}

std::vector<std::string> Arguments(int argc, char** argv) {
  return std::vector<std::string>(argv + (argc > 0 ? 1 : 0), argv + argc);
}

Invocation UsageError(const ProgramUsage& program, std::string_view error, std::ostream& err) {
  err << program.program << ": " << error << "\n" << program.usage << "\n";
  return {.exit_status = 2};
}

Invocation ParseProgramCommandLine(const ProgramUsage& program,
                                   const std::vector<std::string>& args, std::ostream& out,
                                   std::ostream& err) {
  absl::StatusOr<CommandLine> cl = CommandLine::Parse(args, program.flags);
  if (!cl.ok()) return UsageError(program, std::string(cl.status().message()), err);
  if (cl->Has("help")) {
    out << Help(program.usage, program.flags);
    return {.exit_status = 0};
  }
  if (!program.takes_arguments && !cl->positional().empty()) {
    return UsageError(program, "unexpected argument \"" + cl->positional().front() + "\"", err);
  }
  return {.command_line = *std::move(cl)};
}

}  // namespace postern::flags
