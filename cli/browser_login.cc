#include "cli/browser_login.h"

#include <spawn.h>
#include <sys/wait.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/login_callback.h"
#include "common/http/form_encoding.h"
#include "common/http/http_client.h"
#include "common/http/web_url.h"
#include "common/log/log.h"

extern char** environ;

namespace postern::cli {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using asio::experimental::awaitable_operators::operator||;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
constexpr char kLoginPath[] = "/.pomerium/api/v1/login";
// A browser's request to the callback is one small GET.
constexpr std::size_t kMaxRequestHead = 16 * 1024;
// Browsers open speculative connections they may never use: each callback
// connection gets this long to send its request.
constexpr auto kCallbackRequestTimeout = std::chrono::seconds(10);

// The loopback listener the browser walk ends at, shared by its accept loop
// and the connections it serves.
struct Callback {
  explicit Callback(asio::any_io_executor executor)
      : acceptor(executor), done(executor, asio::steady_timer::time_point::max()) {}

  void Finish() {
    finished = true;
    boost::system::error_code ignored;
    acceptor.close(ignored);
    for (const std::weak_ptr<tcp::socket>& weak : connections) {
      if (std::shared_ptr<tcp::socket> socket = weak.lock()) socket->close(ignored);
    }
    connections.clear();
    done.cancel();
  }

  tcp::acceptor acceptor;
  asio::steady_timer done;  // never expires; cancel() wakes Login
  std::string state;        // in the callback URL: only the proxy's redirect has it
  std::optional<std::string> token;
  std::vector<std::weak_ptr<tcp::socket>> connections;
  bool finished = false;
};

asio::awaitable<void> ServeCallbackConnection(std::shared_ptr<Callback> callback,
                                              std::shared_ptr<tcp::socket> socket) {
  asio::steady_timer limit(socket->get_executor(), kCallbackRequestTimeout);
  limit.async_wait([socket](const boost::system::error_code& ec) {
    boost::system::error_code ignored;
    if (!ec) socket->close(ignored);
  });
  std::string head;
  auto [read_ec, n] = co_await asio::async_read_until(
      *socket, asio::dynamic_buffer(head, kMaxRequestHead), "\r\n\r\n", kTuple);
  if (read_ec) co_return;
  CallbackRequest request = ReadCallbackRequest(head.substr(0, n), callback->state);
  std::optional<std::string> token = std::move(request.token);
  co_await asio::async_write(*socket, asio::buffer(request.answer), kTuple);
  limit.cancel();
  boost::system::error_code ignored;
  socket->shutdown(tcp::socket::shutdown_send, ignored);
  if (token.has_value() && !callback->finished && !callback->token.has_value()) {
    callback->token = std::move(token);
    callback->done.cancel();
  }
}

asio::awaitable<void> AcceptCallbacks(std::shared_ptr<Callback> callback) {
  while (!callback->finished) {
    auto socket = std::make_shared<tcp::socket>(callback->acceptor.get_executor());
    auto [ec] = co_await callback->acceptor.async_accept(*socket, kTuple);
    if (callback->finished) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      continue;
    }
    callback->connections.push_back(socket);
    asio::co_spawn(callback->acceptor.get_executor(), ServeCallbackConnection(callback, socket),
                   asio::detached);
  }
}

// Spawn starts `program url` without waiting for it; its stdout goes to
// stderr (stdout may be a tunnel). A thread reaps it and reports a failure.
absl::Status Spawn(const std::string& program, const std::string& url) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, 2, 1);
  std::vector<char*> argv = {const_cast<char*>(program.c_str()), const_cast<char*>(url.c_str()),
                             nullptr};
  pid_t pid = 0;
  const int error = posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    return absl::UnavailableError(absl::StrCat("cannot run ", program, ": ", std::strerror(error)));
  }
  std::thread([pid, program] {
    int status = 0;
    if (waitpid(pid, &status, 0) == pid && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      log::Warn("the browser program %s failed (%s); open the sign-in URL yourself", program,
                WIFEXITED(status) ? absl::StrCat("exit status ", WEXITSTATUS(status))
                                  : std::string("killed by a signal"));
    }
  }).detach();
  return absl::OkStatus();
}

// Opener returns the desktop's URL opener, or "" when there is no desktop.
std::string Opener() {
#ifdef __APPLE__
  return "open";
#else
  for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') return "xdg-open";
  }
  return "";
#endif
}

void ShowSignIn(const LoginOptions& options, const std::string& url) {
  const std::string proxy = options.proxy.ToString();
  const std::string wait = absl::FormatDuration(options.timeout);
  std::string program = options.browser_cmd;
  if (program.empty() && !options.no_browser) program = Opener();
  if (!program.empty()) {
    absl::Status spawned = Spawn(program, url);
    if (spawned.ok()) {
      log::WriteLine(2, absl::StrCat("postern: proxy ", proxy,
                                     " asks you to sign in; opening the sign-in page in your "
                                     "browser. If it does not open, visit:\n  ",
                                     url, "\n"));
      return;
    }
    log::Warn("%s", spawned.message());
  }
  log::WriteLine(2, absl::StrCat("postern: proxy ", proxy,
                                 " asks you to sign in: open this URL in a browser on this "
                                 "computer (waiting up to ",
                                 wait, "):\n  ", url, "\n"));
}

// Printable returns the start of an answer from the network on one line.
std::string Printable(absl::string_view text) {
  std::string out(text.substr(0, 200));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = ' ';
  }
  return std::string(absl::StripAsciiWhitespace(out));
}

}  // namespace

absl::Duration LoginTimeoutFromEnvironment() {
  const char* value = std::getenv("POSTERN_LOGIN_TIMEOUT_SECONDS");
  int seconds = 0;
  if (value != nullptr && absl::SimpleAtoi(value, &seconds) && seconds > 0) {
    return absl::Seconds(seconds);
  }
  return absl::Minutes(5);
}

asio::awaitable<absl::StatusOr<std::string>> BrowserLogin::Login() {
  co_await asio::this_coro::throw_if_cancelled(false);
  const asio::any_io_executor executor = co_await asio::this_coro::executor;
  const std::string proxy = options_.proxy.ToString();
  try {
    auto callback = std::make_shared<Callback>(executor);
    boost::system::error_code ec;
    const tcp::endpoint loopback(asio::ip::make_address_v4("127.0.0.1"), 0);
    callback->acceptor.open(loopback.protocol(), ec);
    if (!ec) callback->acceptor.bind(loopback, ec);
    if (!ec) callback->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      co_return absl::UnavailableError(
          absl::StrCat("cannot open the login callback listener on 127.0.0.1: ", ec.message()));
    }
    struct Closer {
      std::shared_ptr<Callback> callback;
      ~Closer() {
        if (!callback->finished) callback->Finish();
      }
    } closer{callback};
    absl::StatusOr<std::string> state = NewCallbackState();
    if (!state.ok()) {
      co_return absl::InternalError(
          absl::StrCat("cannot start a login: no random state: ", state.status().message()));
    }
    callback->state = *std::move(state);
    const std::string redirect_uri =
        CallbackRedirectUri(callback->acceptor.local_endpoint().port(), callback->state);

    absl::StatusOr<std::shared_ptr<http::HttpClient>> client =
        http::HttpClient::Create(options_.tls);
    if (!client.ok()) co_return client.status();
    const std::string login_url =
        absl::StrCat("https://", proxy, kLoginPath, "?",
                     http::FormEncode({{"pomerium_redirect_uri", redirect_uri}}));
    log::Debug("asking proxy %s for a sign-in URL", proxy);
    // Named, not braced temporaries: GCC 12 frees a braced class temporary
    // passed by value to a coroutine twice.
    http::HttpRequest request;
    request.url = login_url;
    http::FetchOptions fetch_options;
    fetch_options.timeout = absl::Seconds(30);
    absl::StatusOr<http::HttpResponse> response =
        co_await (*client)->Fetch(std::move(request), fetch_options);
    if (!response.ok()) {
      if ((co_await asio::this_coro::cancellation_state).cancelled() !=
          asio::cancellation_type::none) {
        co_return absl::CancelledError("login cancelled");
      }
      co_return absl::UnavailableError(absl::StrCat("cannot get a sign-in URL from proxy ", proxy,
                                                    ": ", response.status().message()));
    }
    if (response->status != 200) {
      co_return absl::UnavailableError(absl::StrCat("proxy ", proxy, " gave no sign-in URL (HTTP ",
                                                    response->status, ": ",
                                                    Printable(response->body), ")"));
    }
    const std::string sign_in(absl::StripAsciiWhitespace(response->body));
    if (!http::ParseWebUrl(sign_in).ok()) {
      co_return absl::UnavailableError(
          absl::StrCat("proxy ", proxy, " answered the login request with no valid URL"));
    }

    asio::co_spawn(executor, AcceptCallbacks(callback), asio::detached);
    ShowSignIn(options_, sign_in);

    asio::steady_timer deadline(executor, absl::ToChronoNanoseconds(options_.timeout));
    co_await (callback->done.async_wait(kTuple) || deadline.async_wait(kTuple));
    std::optional<std::string> token = std::move(callback->token);
    callback->Finish();
    if (!token.has_value()) {
      if ((co_await asio::this_coro::cancellation_state).cancelled() !=
          asio::cancellation_type::none) {
        co_return absl::CancelledError("login cancelled");
      }
      co_return absl::DeadlineExceededError(
          absl::StrCat("login to proxy ", proxy, " did not complete within ",
                       absl::FormatDuration(options_.timeout),
                       "; run the command again and finish signing in in the browser"));
    }
    log::Info("signed in to proxy %s", proxy);
    if (options_.cache != nullptr) {
      if (absl::Status stored = options_.cache->Store(options_.proxy, *token); !stored.ok()) {
        log::Warn("the session works but cannot be cached for later runs: %s", stored.message());
      }
    }
    co_return *std::move(token);
  } catch (const std::exception& e) {
    co_return absl::InternalError(absl::StrCat("login to proxy ", proxy, " failed: ", e.what()));
  }
}

}  // namespace postern::cli
