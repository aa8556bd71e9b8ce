#include "sip/option_tags.h"

#include "sip/header_values.h"

namespace sipnic::sip {

bool lists_token(const MessageView& m, offload::HeaderId id, std::string_view token) {
  for (const auto& h : m.all(id)) {
    CommaValues values(m.value(h));
    while (auto v = values.next()) {
      if (*v == token) return true;
    }
  }
  return false;
}

}  // namespace sipnic::sip
