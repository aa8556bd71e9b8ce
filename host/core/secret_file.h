// Secrets read from files (digest passwords): the file holds the secret alone,
// its first line without the line end (nothing else is read). It must be a
// regular file owned by the user sipnic runs as, with no group or other
// permission bits (mode 0600 or 0400), so that a secret is never left
// readable by others by mistake. Errors name the file and the rule broken;
// they never quote the file's content.
#pragma once

#include <string>

namespace sipnic::core {

// Why `path` may not hold a secret ("" if it may): missing or unreadable,
// not a regular file, another owner, group or other bits set.
std::string secret_file_problem(const std::string& path);
// The secret. Throws ConfigError(path, 0, "", reason) when
// secret_file_problem() names one, or when the first line is empty.
std::string read_secret_file(const std::string& path);

}  // namespace sipnic::core
