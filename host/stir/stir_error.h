// The stir layer's one error convention: setting up (loading a key, a
// certificate repository, trust anchors) throws StirError naming the file and
// the reason; handling a message never throws, it returns a value that says
// what was wrong (a Decoded-style optional, or a VerificationResult).
#pragma once

#include <stdexcept>

namespace sipnic::stir {

class StirError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace sipnic::stir
