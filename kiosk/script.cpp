#include "kiosk/script.h"

#include <charconv>
#include <map>
#include <optional>

namespace kiosk {
namespace {

using Kind = ScriptStep::Kind;

const std::map<std::string_view, Kind>& Verbs() {
  static const std::map<std::string_view, Kind> verbs = {
      {"tap", Kind::kTap},           {"tap-at", Kind::kTap},
      {"click", Kind::kClick},       {"long-press", Kind::kLongPress},
      {"drag", Kind::kDrag},         {"type", Kind::kType},
      {"key", Kind::kKey},           {"wait", Kind::kWait},
      {"wait-for", Kind::kWaitFor},  {"wait-for-text", Kind::kWaitForText},
      {"expect", Kind::kExpect},     {"expect-absent", Kind::kExpectAbsent},
      {"expect-screen", Kind::kExpectScreen},
      {"screenshot", Kind::kScreenshot}, {"quit", Kind::kQuit},
  };
  return verbs;
}

// Splits on blanks; "double quotes" group words, \" and \\ escape inside them.
base::Result<std::vector<std::string>> Tokenize(std::string_view line) {
  std::vector<std::string> tokens;
  size_t i = 0;
  while (i < line.size()) {
    if (line[i] == ' ' || line[i] == '\t') { ++i; continue; }
    if (line[i] == '#') break;
    std::string token;
    if (line[i] == '"') {
      ++i;
      bool closed = false;
      while (i < line.size()) {
        char c = line[i++];
        if (c == '"') { closed = true; break; }
        if (c == '\\' && i < line.size()) c = line[i++];
        token += c;
      }
      if (!closed) return base::MakeError(base::ErrorCode::kInvalidInput, "unclosed quote");
    } else {
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') token += line[i++];
    }
    tokens.push_back(std::move(token));
  }
  return tokens;
}

std::optional<float> ToNumber(const std::string& token) {
  float value = 0;
  auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (ec != std::errc() || end != token.data() + token.size()) return std::nullopt;
  return value;
}

// Reads a target at tokens[at]: either "x y" numbers or one name. Returns the
// number of tokens used, 0 if none fit.
size_t ReadTarget(const std::vector<std::string>& tokens, size_t at, ScriptTarget& target) {
  if (at + 1 < tokens.size()) {
    auto x = ToNumber(tokens[at]);
    auto y = ToNumber(tokens[at + 1]);
    if (x && y) {
      target = {"", true, *x, *y};
      return 2;
    }
  }
  if (at < tokens.size() && !tokens[at].empty()) {
    target = {tokens[at], false, 0, 0};
    return 1;
  }
  return 0;
}

base::Result<ScriptStep> ParseStep(const std::vector<std::string>& tokens, int line) {
  auto fail = [&](const std::string& why) {
    return base::MakeError(base::ErrorCode::kInvalidInput,
                           "script line " + std::to_string(line) + ": " + why);
  };
  auto verb = Verbs().find(tokens[0]);
  if (verb == Verbs().end()) return fail("unknown command '" + tokens[0] + "'");
  ScriptStep step;
  step.kind = verb->second;
  step.line = line;
  const size_t argc = tokens.size() - 1;
  auto number = [&](size_t index) -> std::optional<float> {
    return index < tokens.size() ? ToNumber(tokens[index]) : std::nullopt;
  };

  switch (step.kind) {
    case Kind::kTap:
    case Kind::kClick:
    case Kind::kExpect:
    case Kind::kExpectAbsent:
      if (argc == 0 || ReadTarget(tokens, 1, step.target) != argc) return fail(tokens[0] + " takes a widget or x y");
      break;
    case Kind::kLongPress:
    case Kind::kWaitFor:
    case Kind::kDrag: {
      const size_t used = ReadTarget(tokens, 1, step.target);
      if (used == 0) return fail(tokens[0] + " needs a widget or x y");
      size_t next = 1 + used;
      if (step.kind == Kind::kDrag) {
        auto dx = number(next), dy = number(next + 1);
        if (!dx || !dy) return fail("drag needs dx dy after its start");
        step.dx = *dx;
        step.dy = *dy;
        next += 2;
      }
      const int default_ms = step.kind == Kind::kLongPress ? 1000
                             : step.kind == Kind::kDrag    ? 300
                                                           : 5000;
      auto ms = number(next);
      step.duration_ms = ms ? static_cast<int>(*ms) : default_ms;
      if (next + (ms ? 1 : 0) != tokens.size()) return fail("too many words for " + tokens[0]);
      break;
    }
    case Kind::kWaitForText: {
      // A widget by id (not a point: a point has no text), the text, [ms].
      if (argc < 2 || argc > 3 || ReadTarget(tokens, 1, step.target) != 1 || step.target.at_point) {
        return fail("wait-for-text takes a widget, the text it must contain, and milliseconds if not 5000");
      }
      step.text = tokens[2];
      auto ms = number(3);
      if (argc == 3 && !ms) return fail("wait-for-text: milliseconds expected after the text");
      step.duration_ms = ms ? static_cast<int>(*ms) : 5000;
      break;
    }
    case Kind::kWait: {
      auto ms = number(1);
      if (!ms || argc != 1) return fail("wait takes milliseconds");
      step.duration_ms = static_cast<int>(*ms);
      break;
    }
    case Kind::kType:
    case Kind::kKey:
    case Kind::kExpectScreen:
    case Kind::kScreenshot:
      if (argc != 1) return fail(tokens[0] + " takes one word (quote text with blanks)");
      step.text = tokens[1];
      break;
    case Kind::kQuit:
      if (argc != 0) return fail("quit takes nothing");
      break;
  }
  return step;
}

}  // namespace

base::Result<std::vector<ScriptStep>> ParseScript(std::string_view text) {
  std::vector<ScriptStep> steps;
  int line_number = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++line_number;
    start = end + 1;
    auto tokens = Tokenize(line);
    if (!tokens) {
      return base::MakeError(base::ErrorCode::kInvalidInput,
                             "script line " + std::to_string(line_number) + ": " + tokens.error().message);
    }
    if (tokens->empty()) continue;
    auto step = ParseStep(*tokens, line_number);
    if (!step) return step.error();
    steps.push_back(std::move(*step));
  }
  return steps;
}

std::string Describe(const ScriptStep& step) {
  std::string verb;
  for (const auto& [name, kind] : Verbs()) {
    if (kind == step.kind && name != "tap-at") verb = name;
  }
  std::string text = "line " + std::to_string(step.line) + ": " + verb;
  if (step.target.at_point) {
    text += " " + std::to_string(static_cast<int>(step.target.x)) + " " +
            std::to_string(static_cast<int>(step.target.y));
  } else if (!step.target.name.empty()) {
    text += " " + step.target.name;
  }
  if (!step.text.empty()) text += " " + step.text;
  return text;
}

}  // namespace kiosk
