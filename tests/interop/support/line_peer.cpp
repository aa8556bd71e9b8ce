#include "interop/support/line_peer.h"

#include <fstream>
#include <utility>

#include "support/eventually.h"

namespace sipnic::test {

LinePeer::LinePeer(std::vector<std::string> argv, std::string stdout_path, std::string stderr_path)
    : stdout_path_(stdout_path),
      process_(std::move(argv),
               {.stdout_path = std::move(stdout_path), .stderr_path = std::move(stderr_path), .stdin_channel = true}) {}

bool LinePeer::send(std::string_view line) {
  std::string text(line);
  text += '\n';
  return process_.write_stdin(text);
}

void LinePeer::read_new_lines() {
  std::ifstream in(stdout_path_, std::ios::binary);
  if (!in) return;
  in.seekg(static_cast<std::streamoff>(read_offset_));
  std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  read_offset_ += chunk.size();
  partial_ += chunk;
  std::size_t start = 0;
  for (std::size_t nl = partial_.find('\n'); nl != std::string::npos; nl = partial_.find('\n', start)) {
    lines_.push_back(partial_.substr(start, nl - start));
    taken_.push_back(false);
    start = nl + 1;
  }
  partial_.erase(0, start);
}

std::optional<std::string> LinePeer::take(const std::function<bool(std::string_view)>& match,
                                          std::chrono::milliseconds limit) {
  std::optional<std::string> found;
  std::size_t searched = 0;  // lines before this one were not taken and did not match
  eventually(
      [&] {
        read_new_lines();
        for (; searched < lines_.size(); ++searched) {
          if (!taken_[searched] && match(lines_[searched])) {
            taken_[searched] = true;
            found = lines_[searched];
            return true;
          }
        }
        return false;
      },
      limit);
  return found;
}

std::optional<std::string> LinePeer::take(const std::regex& pattern, std::chrono::milliseconds limit) {
  return take([&](std::string_view line) { return std::regex_search(line.begin(), line.end(), pattern); }, limit);
}

const std::vector<std::string>& LinePeer::lines() {
  read_new_lines();
  return lines_;
}

std::size_t LinePeer::count(const std::function<bool(std::string_view)>& match) {
  std::size_t n = 0;
  for (const auto& line : lines())
    if (match(line)) ++n;
  return n;
}

}  // namespace sipnic::test
