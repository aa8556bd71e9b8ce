// Test corpora on disk: the message files of a directory, and the RFC 4475 /
// RFC 5118 torture messages, read the same way by every test that uses them.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace sipnic::test {

// Every regular file of `dir`, in name order (tests/data/SOURCES says where
// each comes from; nothing else lives beside the messages).
inline std::vector<std::string> read_message_files(const std::string& dir) {
  std::vector<std::filesystem::path> paths;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_regular_file()) paths.push_back(e.path());
  }
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::ifstream in(p, std::ios::binary);
    out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return out;
}

// The RFC 4475 messages, then the RFC 5118 ones (61 in all), from the test
// data directory the build names (SIPNIC_TESTDATA).
inline std::vector<std::string> rfc_torture_messages(const std::string& testdata) {
  std::vector<std::string> all = read_message_files(testdata + "/sip/rfc4475");
  for (auto& m : read_message_files(testdata + "/sip/rfc5118")) all.push_back(std::move(m));
  return all;
}

}  // namespace sipnic::test
