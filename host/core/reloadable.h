// One value that every worker reads and a reload replaces whole (`sipnic
// reload`): readers take current() once and keep what they got, so a reload
// never changes a value under a connection or a call in progress.
#pragma once

#include <atomic>
#include <memory>

namespace sipnic::core {

template <class T>
class Reloadable {
 public:
  explicit Reloadable(std::shared_ptr<const T> value) : value_(std::move(value)) {}
  std::shared_ptr<const T> current() const { return value_.load(); }
  void replace(std::shared_ptr<const T> value) { value_.store(std::move(value)); }

 private:
  std::atomic<std::shared_ptr<const T>> value_;
};

}  // namespace sipnic::core
