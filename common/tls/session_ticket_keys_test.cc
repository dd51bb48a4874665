#include "common/tls/session_ticket_keys.h"

#include <cstdint>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace postern::tls {
namespace {

const std::vector<uint8_t> kSecret(32, 0x42);

TicketOptions At(absl::Time now, absl::Duration period = absl::Hours(12)) {
  return TicketOptions{.rotation_period = period, .clock = [now] { return now; }};
}

TEST(SessionTicketKeysTest, EpochIsTimeDividedByRotationPeriod) {
  const absl::Time start = absl::FromUnixSeconds(1'700'000'000);
  auto keys = SessionTicketKeys::Create(kSecret, At(start, absl::Hours(12)));
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ((*keys)->CurrentEpoch(), 1'700'000'000 / (12 * 3600));

  auto one_hour =
      SessionTicketKeys::Create(kSecret, At(absl::FromUnixSeconds(7199), absl::Hours(1)));
  ASSERT_TRUE(one_hour.ok());
  EXPECT_EQ((*one_hour)->CurrentEpoch(), 1);
}

TEST(SessionTicketKeysTest, SameSecretGivesSameKeysOnEveryReplica) {
  auto replica_a = SessionTicketKeys::Create(kSecret, At(absl::FromUnixSeconds(1)));
  auto replica_b = SessionTicketKeys::Create(kSecret, At(absl::FromUnixSeconds(999'999)));
  ASSERT_TRUE(replica_a.ok() && replica_b.ok());
  auto a = (*replica_a)->KeyForEpoch(7);
  auto b = (*replica_b)->KeyForEpoch(7);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->name, b->name);
  EXPECT_EQ(a->aes_key, b->aes_key);
  EXPECT_EQ(a->hmac_key, b->hmac_key);
}

TEST(SessionTicketKeysTest, KeysDifferAcrossEpochsAndSecrets) {
  auto keys = SessionTicketKeys::Create(kSecret, {});
  auto other = SessionTicketKeys::Create(std::vector<uint8_t>(32, 0x43), {});
  ASSERT_TRUE(keys.ok() && other.ok());
  auto epoch_7 = (*keys)->KeyForEpoch(7);
  auto epoch_8 = (*keys)->KeyForEpoch(8);
  auto other_7 = (*other)->KeyForEpoch(7);
  ASSERT_TRUE(epoch_7.ok() && epoch_8.ok() && other_7.ok());
  EXPECT_NE(epoch_7->name, epoch_8->name);
  EXPECT_NE(epoch_7->aes_key, epoch_8->aes_key);
  EXPECT_NE(epoch_7->name, other_7->name);
  EXPECT_NE(epoch_7->hmac_key, other_7->hmac_key);
  // The key name is public; it must not be a copy of secret key material.
  EXPECT_NE(std::vector<uint8_t>(epoch_7->name.begin(), epoch_7->name.end()),
            std::vector<uint8_t>(epoch_7->aes_key.begin(), epoch_7->aes_key.begin() + 16));
}

TEST(SessionTicketKeysTest, RefusesShortSecretAndTinyPeriod) {
  auto short_secret = SessionTicketKeys::Create(std::vector<uint8_t>(31, 1), {});
  EXPECT_EQ(short_secret.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(short_secret.status().message()),
            "session ticket secret is 31 bytes; at least 32 needed");

  auto zero_period = SessionTicketKeys::Create(kSecret, At(absl::Now(), absl::ZeroDuration()));
  EXPECT_EQ(zero_period.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace postern::tls
