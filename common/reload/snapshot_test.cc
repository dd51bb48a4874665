#include "common/reload/snapshot.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace postern::reload {
namespace {

TEST(SnapshotTest, ReadersKeepTheValueTheyTook) {
  Snapshot<std::string> snapshot(std::make_shared<const std::string>("old"));
  std::shared_ptr<const std::string> held = snapshot.Get();
  snapshot.Set(std::make_shared<const std::string>("new"));
  EXPECT_EQ(*held, "old");
  EXPECT_EQ(*snapshot.Get(), "new");
}

TEST(SnapshotTest, ConcurrentReadersSeeWholeValues) {
  Snapshot<std::vector<int>> snapshot(std::make_shared<const std::vector<int>>(100, 0));
  std::atomic<bool> torn{false};
  std::thread writer([&] {
    for (int i = 1; i <= 2000; ++i) snapshot.Set(std::make_shared<const std::vector<int>>(100, i));
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        auto v = snapshot.Get();
        for (int x : *v) {
          if (x != v->front()) torn = true;
        }
      }
    });
  }
  writer.join();
  for (auto& t : readers) t.join();
  EXPECT_FALSE(torn);
  EXPECT_EQ(snapshot.Get()->front(), 2000);
}

}  // namespace
}  // namespace postern::reload
