#include "security/jaas.h"

#include <optional>

namespace sluice::security {
namespace {

// java.io.StreamTokenizer, reduced to what JaasConfig's set-up uses.
class tokenizer {
 public:
  static constexpr int tt_eof = -1;
  static constexpr int tt_number = -2;
  static constexpr int tt_word = -3;

  explicit tokenizer(std::string_view text) : text_(text) {}

  int next() {
    sval_.reset();
    int c = skip_blanks_and_comments();
    if (c < 0) return type_ = tt_eof;
    if (is_digit_start(c)) {
      if (c == '-') {
        int n = peek();
        if (n != '.' && (n < '0' || n > '9')) {
          ++pos_;
          return type_ = '-';
        }
      }
      ++pos_;
      while (pos_ < text_.size() && (is_digit(text_[pos_]) || text_[pos_] == '.')) ++pos_;
      return type_ = tt_number;
    }
    if (is_word(c)) {
      size_t start = pos_;
      while (pos_ < text_.size() &&
             (is_word(uchar(text_[pos_])) || is_digit_start(uchar(text_[pos_]))))
        ++pos_;
      sval_ = std::string(text_.substr(start, pos_ - start));
      return type_ = tt_word;
    }
    ++pos_;
    if (c == '"' || c == '\'') return quoted(c);
    return type_ = c;
  }
  int type() const { return type_; }
  const std::optional<std::string>& sval() const { return sval_; }

 private:
  static int uchar(char c) { return static_cast<unsigned char>(c); }
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  static bool is_digit_start(int c) { return (c >= '0' && c <= '9') || c == '.' || c == '-'; }
  static bool is_word(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0xA0 || c == '-' || c == '_' ||
           c == '$';
  }
  int peek() const { return pos_ + 1 < text_.size() ? uchar(text_[pos_ + 1]) : -1; }

  int skip_blanks_and_comments() {
    for (;;) {
      while (pos_ < text_.size() && uchar(text_[pos_]) <= ' ') ++pos_;
      if (pos_ >= text_.size()) return -1;
      int c = uchar(text_[pos_]);
      if (c != '/') return c;
      if (peek() == '*') {
        size_t end = text_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) return -1;
        pos_ = end + 2;
      } else {  // "//" comments, and a lone '/' is a comment character too
        size_t end = text_.find_first_of("\r\n", pos_);
        if (end == std::string_view::npos) return -1;
        pos_ = end;
      }
    }
  }

  int quoted(int quote) {
    std::string out;
    while (pos_ < text_.size()) {
      int c = uchar(text_[pos_]);
      if (c == quote) {
        ++pos_;
        break;
      }
      if (c == '\n' || c == '\r') break;  // an unterminated string ends at the line's end
      ++pos_;
      if (c == '\\' && pos_ < text_.size()) {
        c = uchar(text_[pos_++]);
        switch (c) {
          case 'a':
            c = 7;
            break;
          case 'b':
            c = '\b';
            break;
          case 'f':
            c = 0xC;
            break;
          case 'n':
            c = '\n';
            break;
          case 'r':
            c = '\r';
            break;
          case 't':
            c = '\t';
            break;
          case 'v':
            c = 0xB;
            break;
          default:
            if (c >= '0' && c <= '7') {  // up to three octal digits (\ooo, first digit <= 3)
              int first = c - '0';
              int value = first;
              int more = first <= 3 ? 2 : 1;
              while (more-- > 0 && pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '7')
                value = value * 8 + (text_[pos_++] - '0');
              c = value;
            }
        }
      }
      out += static_cast<char>(c);
    }
    sval_ = std::move(out);
    return type_ = quote;
  }

  std::string_view text_;
  size_t pos_ = 0;
  int type_ = tt_eof;
  std::optional<std::string> sval_;
};

result<jaas_entry> parse_entry(tokenizer& t) {
  jaas_entry e;
  if (!t.sval()) return fail(errc::invalid_config, "Login module not specified in JAAS config");
  e.login_module = *t.sval();
  if (t.next() == tokenizer::tt_eof)
    return fail(errc::invalid_config, "Login module control flag not specified in JAAS config");
  if (!t.sval())
    return fail(errc::invalid_config,
                "Login module control flag is not available in the JAAS config");
  std::string flag;
  for (char c : *t.sval()) flag += static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  if (flag != "REQUIRED" && flag != "REQUISITE" && flag != "SUFFICIENT" && flag != "OPTIONAL")
    return fail(errc::invalid_config,
                "Invalid login module control flag '" + *t.sval() + "' in JAAS config");
  e.control_flag = flag;
  while (t.next() != tokenizer::tt_eof && t.type() != ';') {
    std::string key = t.sval().value_or("null");
    if (t.next() != '=' || t.next() == tokenizer::tt_eof || !t.sval())
      return fail(errc::invalid_config, "Value not specified for key '" + key + "' in JAAS config");
    e.options[key] = *t.sval();
  }
  if (t.type() != ';')
    return fail(errc::invalid_config, "JAAS config entry not terminated by semi-colon");
  return e;
}

}  // namespace

result<std::vector<jaas_entry>> parse_jaas_entries(std::string_view text) {
  tokenizer t(text);
  std::vector<jaas_entry> entries;
  while (t.next() != tokenizer::tt_eof) {
    auto e = parse_entry(t);
    if (!e) return std::move(e).error();
    entries.push_back(std::move(*e));
  }
  if (entries.empty())
    return fail(errc::invalid_config, "Login module not specified in JAAS config");
  return entries;
}

result<jaas_entry> parse_jaas_config(std::string_view text) {
  auto entries = parse_jaas_entries(text);
  if (!entries) return std::move(entries).error();
  if (entries->size() != 1)
    return fail(errc::invalid_config, "JAAS config property contains " +
                                          std::to_string(entries->size()) +
                                          " login modules, should be 1 module");
  return std::move(entries->front());
}

}  // namespace sluice::security
