// C++ state attached to an SSL_CTX or SSL for the object's whole lifetime.
//
// TLS library callbacks (session tickets, SNI, new client sessions) get only
// the SSL*, and a context may outlive the C++ object that configured it (Asio
// takes its own reference; connections in flight keep theirs). So the state a
// callback needs is owned by the library object itself, through an ex_data
// slot of our own whose free function deletes it. Slot 0 ("app data") is left
// alone: Asio uses it.
//
//   ExData<SSL_CTX, SessionCache>::Set(ctx, std::make_unique<SessionCache>());
//   SessionCache* cache = ExData<SSL_CTX, SessionCache>::Get(SSL_get_SSL_CTX(ssl));
#ifndef POSTERN_COMMON_TLS_EX_DATA_H_
#define POSTERN_COMMON_TLS_EX_DATA_H_

#include <openssl/ssl.h>

#include <memory>
#include <type_traits>

namespace postern::tls::internal {

// ExData<Parent, T> is one ex_data slot, allocated on first use, holding a T
// owned by a Parent (SSL_CTX or SSL). Thread-safety: Get may be called
// concurrently; Set must not race with other uses of the same object (call it
// while configuring, before the object is shared).
template <typename Parent, typename T>
class ExData {
  static_assert(std::is_same_v<Parent, SSL_CTX> || std::is_same_v<Parent, SSL>);

 public:
  // Set gives `value` to `parent`, deleting any earlier value; returns false
  // (deleting `value`, keeping the earlier one) if the library cannot store it.
  static bool Set(Parent* parent, std::unique_ptr<T> value) {
    int index = Index();
    if (index < 0) return false;
    T* previous = Get(parent);
    bool stored;
    if constexpr (std::is_same_v<Parent, SSL_CTX>) {
      stored = SSL_CTX_set_ex_data(parent, index, value.get()) == 1;
    } else {
      stored = SSL_set_ex_data(parent, index, value.get()) == 1;
    }
    if (!stored) return false;
    value.release();
    delete previous;
    return true;
  }

  // Get returns the value given to `parent`, or nullptr if none (e.g. the
  // object was not configured by us).
  static T* Get(const Parent* parent) {
    int index = Index();
    if (index < 0) return nullptr;
    if constexpr (std::is_same_v<Parent, SSL_CTX>) {
      return static_cast<T*>(SSL_CTX_get_ex_data(parent, index));
    } else {
      return static_cast<T*>(SSL_get_ex_data(parent, index));
    }
  }

 private:
  static int Index() {
    static const int index = [] {
      if constexpr (std::is_same_v<Parent, SSL_CTX>) {
        return SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, &Free);
      } else {
        return SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, &Free);
      }
    }();
    return index;
  }

  // Called by the library when the parent is freed, with ptr == nullptr for
  // objects that never had a value.
  static void Free(void* /*parent*/, void* ptr, CRYPTO_EX_DATA* /*ad*/, int /*index*/,
                   long /*argl*/, void* /*argp*/) {
    delete static_cast<T*>(ptr);
  }
};

}  // namespace postern::tls::internal

#endif  // POSTERN_COMMON_TLS_EX_DATA_H_
