// Session-ticket keys that every replica holding the same shared secret
// derives identically, so a client resumes its TLS session on any replica.
//
// The key for epoch e = floor(now / rotation_period) is
// HKDF-SHA256(secret, info = "postern tls session ticket key v1" || e as 8
// big-endian bytes). A server issues tickets under the current epoch's key and
// accepts the current and the previous epoch's (re-issuing tickets made under
// the previous one), so a ticket stays usable for one to two periods, and a
// leaked ticket key stops decrypting new traffic after two periods at most.
// Replicas need clocks that agree to well within one period.
//
//   absl::StatusOr<std::shared_ptr<const SessionTicketKeys>> keys =
//       SessionTicketKeys::Create(secret, TicketOptions{});
//   if (!keys.ok()) return keys.status();
//   if (absl::Status s = (*keys)->InstallOn(ctx); !s.ok()) return s;
#ifndef POSTERN_COMMON_TLS_SESSION_TICKET_KEYS_H_
#define POSTERN_COMMON_TLS_SESSION_TICKET_KEYS_H_

#include <openssl/ssl.h>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace postern::tls {

struct TicketOptions {
  // How long one key issues tickets. At least one second.
  absl::Duration rotation_period = absl::Hours(12);
  // Returns the current time; tests inject a fake one. Empty means absl::Now.
  // Called from TLS handshakes on any thread, so it must be thread-safe.
  std::function<absl::Time()> clock;
};

class SessionTicketKeys : public std::enable_shared_from_this<SessionTicketKeys> {
 public:
  // The material of one epoch's key: a public 16-byte name sent in each
  // ticket (so the server knows which key made it), and the AES-256-CBC and
  // HMAC-SHA256 keys the ticket callback API requires. Wiped on destruction.
  struct Key {
    std::array<uint8_t, 16> name;
    std::array<uint8_t, 32> aes_key;
    std::array<uint8_t, 32> hmac_key;
    ~Key();
  };

  // Create derives keys from `secret` (the decoded shared secret, at least 32
  // bytes; kept only as its HKDF pseudorandom key). Fails with
  // kInvalidArgument for a short secret or a rotation period under a second.
  static absl::StatusOr<std::shared_ptr<const SessionTicketKeys>> Create(
      absl::Span<const uint8_t> secret, TicketOptions options);

  ~SessionTicketKeys();
  SessionTicketKeys(const SessionTicketKeys&) = delete;
  SessionTicketKeys& operator=(const SessionTicketKeys&) = delete;

  // CurrentEpoch is floor(clock() / rotation_period), counted from the Unix epoch.
  int64_t CurrentEpoch() const;

  // KeyForEpoch returns the key of `epoch`. Does not fail in practice (HKDF
  // rejects only lengths this never asks for); a crypto library that cannot
  // compute an HMAC aborts the process (see crypto::HmacSha256).
  absl::StatusOr<Key> KeyForEpoch(int64_t epoch) const;

  // InstallOn makes `ctx` (a server context) issue and accept tickets with
  // these keys, and sets its session lifetime to one rotation period (capped
  // at TLS 1.3's 7 days) so clients do not offer tickets likely to be refused.
  // `ctx` keeps these keys alive for as long as it lives. Call before `ctx` is
  // used for connections.
  absl::Status InstallOn(SSL_CTX* ctx) const;

 private:
  SessionTicketKeys(std::string prk, TicketOptions options);

  std::string prk_;  // HKDF pseudorandom key of the secret; wiped on destruction
  TicketOptions options_;
};

}  // namespace postern::tls

#endif  // POSTERN_COMMON_TLS_SESSION_TICKET_KEYS_H_
