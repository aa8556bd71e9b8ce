// DefaultInitAllocator: a std::allocator whose value-less construct()
// default-initialises, so std::vector<std::uint8_t, DefaultInitAllocator<...>>
// ::resize() grows without zero-filling. For buffers that are written right
// after they grow (a read(2) into the tail, an engine writing its output):
// the zero fill would be a second full pass over every byte.
#pragma once

#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace sipnic::core {

template <typename T, typename Base = std::allocator<T>>
class DefaultInitAllocator : public Base {
 public:
  using Base::Base;
  template <typename U>
  struct rebind {
    using other = DefaultInitAllocator<U, typename std::allocator_traits<Base>::template rebind_alloc<U>>;
  };

  template <typename U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    std::allocator_traits<Base>::construct(static_cast<Base&>(*this), p, std::forward<Args>(args)...);
  }
};

}  // namespace sipnic::core
