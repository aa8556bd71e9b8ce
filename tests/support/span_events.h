// Span::Callbacks that keep every call event in a vector (without the
// setup, which points into the call control), for the pri tests that run
// spans and NFAS groups back to back on a manual clock.
#pragma once

#include <vector>

#include "pri/span.h"

namespace sipnic::test {

inline pri::Span::Callbacks recording_span_events(std::vector<pri::CallEvent>& into) {
  pri::Span::Callbacks cb;
  cb.on_event = [&into](const pri::CallEvent& e) {
    into.push_back(e);
    into.back().setup = nullptr;
  };
  return cb;
}

}  // namespace sipnic::test
