// MessageView: read access to one parsed message through its header index,
// without re-scanning the bytes. A view holds the message bytes, its
// MessageRecord and its HeaderRecords; it owns none of them, so the batch (or
// the SipMessage) it was made from must outlive it.
#pragma once

#include <cstddef>
#include <iterator>
#include <span>
#include <string_view>

#include "offload/sip_index.h"

namespace sipnic::sip {

class MessageView {
 public:
  // `message`: the message's own bytes (record offsets are relative to it);
  // `headers`: exactly its header records.
  MessageView(std::string_view message, const offload::MessageRecord& record,
              std::span<const offload::HeaderRecord> headers)
      : bytes_(message), rec_(&record), headers_(headers) {}

  // A view of message `record` of a parse batch: `segment` is the segment's
  // bytes, `all_headers` the batch's whole header array.
  static MessageView from_batch(std::string_view segment, const offload::MessageRecord& record,
                                std::span<const offload::HeaderRecord> all_headers);

  const offload::MessageRecord& record() const { return *rec_; }
  std::string_view bytes() const { return bytes_; }
  std::string_view header_section() const { return bytes_.substr(0, rec_->header_len); }
  std::string_view body() const { return bytes_.substr(rec_->header_len, rec_->body_len); }

  bool is_request() const { return (rec_->flags & offload::kMessageIsRequest) != 0; }
  bool has_content_length() const { return (rec_->flags & offload::kMessageHasContentLength) != 0; }
  std::string_view method() const { return text(rec_->method); }
  std::string_view uri() const { return text(rec_->uri); }
  std::string_view version() const { return text(rec_->version); }
  int status() const { return rec_->status_code; }
  std::string_view reason() const { return text(rec_->reason); }

  std::span<const offload::HeaderRecord> headers() const { return headers_; }
  offload::HeaderId id(const offload::HeaderRecord& h) const { return static_cast<offload::HeaderId>(h.id); }
  std::string_view name(const offload::HeaderRecord& h) const { return bytes_.substr(h.name_off, h.name_len); }
  std::string_view value(const offload::HeaderRecord& h) const { return bytes_.substr(h.value_off, h.value_len); }

  // First instance of a known header; nullptr if absent.
  const offload::HeaderRecord* find(offload::HeaderId id) const;
  // First instance by name, case-insensitive. Known names (long or compact)
  // match by id, so find("v") finds "Via:"; other names compare as text.
  const offload::HeaderRecord* find(std::string_view name) const;
  // First value, "" if absent (use find() to tell absent from empty).
  std::string_view header(offload::HeaderId id) const;
  std::string_view header(std::string_view name) const;
  bool has(offload::HeaderId id) const { return find(id) != nullptr; }
  std::size_t count(offload::HeaderId id) const;

  // All instances of one header id, in message order.
  class Range {
   public:
    class iterator {
     public:
      using iterator_category = std::forward_iterator_tag;
      using value_type = offload::HeaderRecord;
      using difference_type = std::ptrdiff_t;
      using pointer = const offload::HeaderRecord*;
      using reference = const offload::HeaderRecord&;
      iterator() = default;
      iterator(const offload::HeaderRecord* p, const offload::HeaderRecord* end, std::uint8_t id)
          : p_(p), end_(end), id_(id) {
        skip();
      }
      const offload::HeaderRecord& operator*() const { return *p_; }
      const offload::HeaderRecord* operator->() const { return p_; }
      iterator& operator++() {
        ++p_;
        skip();
        return *this;
      }
      iterator operator++(int) {
        iterator old = *this;
        ++*this;
        return old;
      }
      bool operator==(const iterator& o) const { return p_ == o.p_; }

     private:
      void skip() {
        while (p_ != end_ && p_->id != id_) ++p_;
      }
      const offload::HeaderRecord* p_ = nullptr;
      const offload::HeaderRecord* end_ = nullptr;
      std::uint8_t id_ = 0;
    };
    Range(std::span<const offload::HeaderRecord> h, offload::HeaderId id)
        : b_(h.data()), e_(h.data() + h.size()), id_(static_cast<std::uint8_t>(id)) {}
    iterator begin() const { return iterator(b_, e_, id_); }
    iterator end() const { return iterator(e_, e_, id_); }

   private:
    const offload::HeaderRecord* b_;
    const offload::HeaderRecord* e_;
    std::uint8_t id_;
  };
  Range all(offload::HeaderId id) const { return Range(headers_, id); }

 private:
  std::string_view text(offload::Span s) const { return bytes_.substr(s.off, s.len); }

  std::string_view bytes_;
  const offload::MessageRecord* rec_;
  std::span<const offload::HeaderRecord> headers_;
};

}  // namespace sipnic::sip
