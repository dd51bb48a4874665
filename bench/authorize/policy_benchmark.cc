// How long one authorization decision takes on a realistic config: 1,000
// routes, each with an allow rule ORing five emails, a group and source
// ranges, and a deny rule with `not`. Each iteration decides for a random
// route, so the caches see what a busy authorize service sees. Target: well
// under 2 µs per decision.
//
//   bazel run -c opt //bench/authorize:policy_benchmark
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "authorize/policy/compiled_policy.h"
#include "authorize/policy/request.h"
#include "benchmark/benchmark.h"
#include "common/policy/ppl.h"

namespace postern::authorize {
namespace {

using policy::Criterion;
using policy::Expression;
using policy::Matcher;
using policy::Policy;
using policy::Rule;

constexpr int kRoutes = 1000;
constexpr int kRandomRoutes = 1 << 14;

Expression Leaf(std::string name, std::string op, policy::Value operand) {
  Expression e;
  e.criterion =
      Criterion{std::move(name), "", {Matcher{std::move(op), std::move(operand), {}}}, {}};
  return e;
}

Expression Conditional(Expression::Kind kind, std::vector<Expression> children) {
  Expression e;
  e.kind = kind;
  e.children = std::move(children);
  return e;
}

// policy:
//   - allow:
//       or:
//         - email: {is: user<r>-<i>@example.com}     # five of these
//         - groups: {has: [team-<r % 50>, sre]}
//         - source_ip: {in: [10.<r>.0.0/16, 192.168.<r>.0/24, 2001:db8:<r>::/48]}
//   - deny:
//       not:
//         - domain: {in: [example.com, not-example.com]}
Policy RoutePolicy(int route) {
  std::vector<Expression> allowed;
  for (int i = 0; i < 5; ++i) {
    allowed.push_back(Leaf("email", "is", absl::StrCat("user", route, "-", i, "@example.com")));
  }
  allowed.push_back(
      Leaf("groups", "has", std::vector<std::string>{absl::StrCat("team-", route % 50), "sre"}));
  allowed.push_back(Leaf("source_ip", "in",
                         std::vector<std::string>{absl::StrCat("10.", route % 256, ".0.0/16"),
                                                  absl::StrCat("192.168.", route % 256, ".0/24"),
                                                  absl::StrCat("2001:db8:", route, "::/48")}));
  Rule allow{policy::Action::kAllow, {Conditional(Expression::Kind::kOr, std::move(allowed))}, {}};
  Rule deny{policy::Action::kDeny,
            {Conditional(Expression::Kind::kNot,
                         {Leaf("domain", "in",
                               std::vector<std::string>{"example.com", "not-example.com"})})},
            {}};
  return Policy{{std::move(allow), std::move(deny)}};
}

const std::vector<CompiledPolicy>& Routes() {
  static const auto* routes = [] {
    auto* compiled = new std::vector<CompiledPolicy>;
    for (int r = 0; r < kRoutes; ++r) compiled->push_back(*CompiledPolicy::Compile(RoutePolicy(r)));
    return compiled;
  }();
  return *routes;
}

const std::vector<int>& RandomRoutes() {
  static const auto* picks = [] {
    auto* indices = new std::vector<int>(kRandomRoutes);
    std::mt19937 random(42);
    std::uniform_int_distribution<int> route(0, kRoutes - 1);
    for (int& index : *indices) index = route(random);
    return indices;
  }();
  return *picks;
}

void Decide(benchmark::State& state, const Identity* identity, std::string_view source_ip,
            Verdict expected) {
  const std::vector<CompiledPolicy>& routes = Routes();
  const std::vector<int>& picks = RandomRoutes();
  const Request request{.identity = identity, .source_ip = source_ip, .now = absl::Now()};
  size_t next = 0;
  int unexpected = 0;
  for (auto _ : state) {
    Decision decision = routes[picks[next++ % picks.size()]].Evaluate(request);
    unexpected += decision.verdict != expected;
    benchmark::DoNotOptimize(decision);
  }
  if (unexpected != 0) state.SkipWithError("a decision came out other than expected");
}

// A member of `sre`: five emails miss, groups matches, the deny is checked.
void BM_DecideAllowedByGroup(benchmark::State& state) {
  const Identity sre{.user = "u1", .email = "oncall@example.com", .groups = {"eng", "sre"}};
  Decide(state, &sre, "203.0.113.9", Verdict::kAllow);
}
BENCHMARK(BM_DecideAllowedByGroup);

// Nothing matches: every criterion of both rules runs.
void BM_DecideDeniedNothingMatches(benchmark::State& state) {
  const Identity stranger{.user = "u2", .email = "stranger@example.com", .groups = {"sales"}};
  Decide(state, &stranger, "203.0.113.9", Verdict::kDeny);
}
BENCHMARK(BM_DecideDeniedNothingMatches);

// Denied by the `not` rule: a foreign domain in an allowed group.
void BM_DecideDeniedByNot(benchmark::State& state) {
  const Identity outsider{.user = "u3", .email = "x@elsewhere.example", .groups = {"sre"}};
  Decide(state, &outsider, "203.0.113.9", Verdict::kDeny);
}
BENCHMARK(BM_DecideDeniedByNot);

// No session: every branch is evaluated to tell whether a login would help.
void BM_DecideNoSession(benchmark::State& state) {
  Decide(state, nullptr, "2001:db8:ffff::1", Verdict::kUnauthenticated);
}
BENCHMARK(BM_DecideNoSession);

// Compiling the whole 1,000-route config, as on every config reload.
void BM_Compile1000Routes(benchmark::State& state) {
  std::vector<Policy> policies;
  for (int r = 0; r < kRoutes; ++r) policies.push_back(RoutePolicy(r));
  for (auto _ : state) {
    std::vector<CompiledPolicy> compiled;
    compiled.reserve(kRoutes);
    for (const Policy& policy : policies) compiled.push_back(*CompiledPolicy::Compile(policy));
    benchmark::DoNotOptimize(compiled);
  }
}
BENCHMARK(BM_Compile1000Routes)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace postern::authorize
