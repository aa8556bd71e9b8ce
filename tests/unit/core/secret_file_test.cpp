// Secret files: the first line is the secret; a file others may read, or that
// another user owns, is refused with the file named and the content unquoted.
#include "core/secret_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/config.h"

namespace sipnic::core {
namespace {

namespace fs = std::filesystem;

class SecretDir : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "sipnic-secret-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string file(const std::string& content, mode_t mode) {
    std::string p = (dir_ / "pw").string();
    std::ofstream(p, std::ios::binary) << content;
    ::chmod(p.c_str(), mode);
    return p;
  }
  fs::path dir_;
};

TEST_F(SecretDir, TheSecretIsTheFirstLineWithoutItsLineEnd) {
  EXPECT_EQ(read_secret_file(file("s3cret pass\r\nignored\n", 0600)), "s3cret pass");
  EXPECT_EQ(read_secret_file(file("no newline", 0400)), "no newline");
  EXPECT_EQ(secret_file_problem(file("x\n", 0600)), "");
}

TEST_F(SecretDir, AFileOthersMayReadIsRefusedNamingTheFileNotTheSecret) {
  std::string p = file("hunter2\n", 0640);
  EXPECT_NE(secret_file_problem(p).find("mode 0640"), std::string::npos);
  try {
    read_secret_file(p);
    FAIL() << "a group-readable secret file was read";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.file(), p);
    EXPECT_NE(std::string(e.what()).find("0600 or stricter"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
  }
}

TEST_F(SecretDir, MissingEmptyOrNonRegularFilesAreRefused) {
  EXPECT_THROW(read_secret_file((dir_ / "absent").string()), ConfigError);
  EXPECT_THROW(read_secret_file(file("\nsecond line\n", 0600)), ConfigError);
  EXPECT_EQ(secret_file_problem(dir_.string()), "not a regular file");
  fs::create_symlink(file("x\n", 0600), dir_ / "link");
  EXPECT_NE(secret_file_problem((dir_ / "link").string()), "");  // O_NOFOLLOW: no symlinks
}

}  // namespace
}  // namespace sipnic::core
