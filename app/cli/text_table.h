#pragma once
// An aligned plain-text table for the CLI's human output: left-aligned text columns,
// right-aligned numeric columns, a rule under the header.
#include <algorithm>
#include <string>
#include <vector>

namespace qs {

// Columns on a terminal: UTF-8 continuation bytes (10xxxxxx) take no column of their own.
inline size_t display_width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

class TextTable {
 public:
  // `right` marks columns that hold numbers (right-aligned).
  TextTable(std::vector<std::string> header, std::vector<bool> right)
      : header_(std::move(header)), right_(std::move(right)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }

  std::string str() const {
    std::vector<size_t> w(header_.size(), 0);
    for (size_t c = 0; c < header_.size(); ++c) w[c] = display_width(header_[c]);
    for (const auto& r : rows_)
      for (size_t c = 0; c < r.size() && c < w.size(); ++c) w[c] = std::max(w[c], display_width(r[c]));
    std::string out;
    auto line = [&](const std::vector<std::string>& r) {
      for (size_t c = 0; c < w.size(); ++c) {
        const std::string& cell = c < r.size() ? r[c] : std::string();
        const std::string pad(w[c] - display_width(cell), ' ');
        out += right_[c] ? pad + cell : cell + (c + 1 < w.size() ? pad : "");
        if (c + 1 < w.size()) out += "  ";
      }
      while (!out.empty() && out.back() == ' ') out.pop_back();
      out += '\n';
    };
    line(header_);
    size_t total = 0;
    for (size_t c = 0; c < w.size(); ++c) total += w[c] + (c + 1 < w.size() ? 2 : 0);
    out += std::string(total, '-') + '\n';
    for (const auto& r : rows_) line(r);
    return out;
  }

 private:
  std::vector<std::string> header_;
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace qs
