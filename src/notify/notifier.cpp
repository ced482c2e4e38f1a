#include "notify/notifier.hpp"

#include <array>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <httplib.h>

#include "core/bounded_queue.hpp"
#include "core/error.hpp"
#include "core/json_escape.hpp"
#include "io/output_sink.hpp"

namespace dnslens {

void NotifierConfig::validate() const {
  if (batch_max_events == 0) throw Error(ErrorCode::kUsage, "notification batch size must be at least 1");
  if (max_batches_per_minute <= 0) throw Error(ErrorCode::kUsage, "notification rate must be positive");
  if (!webhook_url.empty() && !webhook_url.starts_with("http://") && !webhook_url.starts_with("https://")) {
    throw Error(ErrorCode::kUsage, "webhook URL must start with http:// or https://");
  }
  if (max_retries < 0 || backoff_initial_ms < 0 || timeout_ms <= 0) {
    throw Error(ErrorCode::kUsage, "notification retry/timeout settings must be positive");
  }
}

namespace {

using Clock = std::chrono::steady_clock;

struct WebhookTarget {
  std::string origin;  // scheme://host:port
  std::string path;
};

WebhookTarget split_url(const std::string& url) {
  std::size_t scheme_end = url.find("://");
  std::size_t path_start = url.find('/', scheme_end + 3);
  if (path_start == std::string::npos) return {url, "/"};
  return {url.substr(0, path_start), url.substr(path_start)};
}

std::array<std::uint64_t, kNotificationKindCount> count_kinds(const std::vector<Notification>& events) {
  std::array<std::uint64_t, kNotificationKindCount> n{};
  for (const Notification& e : events) ++n[static_cast<std::size_t>(e.kind)];
  return n;
}

// "dnslens: 3 threat-intel matches", or with several kinds "dnslens: 5 events (2 interesting-domain
// matches, 3 findings)", then one line per event as its producer wrote it.
std::string slack_text(const std::vector<Notification>& events, std::uint64_t suppressed) {
  const auto n = count_kinds(events);
  std::size_t kinds = 0, only = 0;
  for (std::size_t k = 0; k < n.size(); ++k) {
    if (n[k] > 0) {
      ++kinds;
      only = k;
    }
  }
  std::string text;
  if (kinds <= 1) {
    text = fmt::format("dnslens: {} {}", events.size(),
                       notification_title(static_cast<NotificationKind>(only), events.size()));
  } else {
    text = fmt::format("dnslens: {} events (", events.size());
    for (std::size_t k = 0, listed = 0; k < n.size(); ++k) {
      if (n[k] == 0) continue;
      text += fmt::format("{}{} {}", listed++ ? ", " : "", n[k],
                          notification_title(static_cast<NotificationKind>(k), n[k]));
    }
    text += ')';
  }
  // Events held back by the rate limit are of any kind: counted apart, not under the batch's title.
  if (suppressed) text += fmt::format(" (and {} more not listed: rate limit)", suppressed);
  for (const Notification& e : events) {
    text += "\n• ";
    text += e.line;
  }
  std::string body = "{\"text\":\"";
  append_json_escaped_bytes(body, text);
  body += "\"}";
  return body;
}

class Notifier final : public MatchNotifier {
 public:
  explicit Notifier(NotifierConfig config) : config_(std::move(config)), queue_(config_.queue_capacity) {
    config_.validate();
    if (!config_.file.empty()) file_ = make_file_sink(config_.file, Compression::kNone, OpenMode::kAppend);
    tokens_ = static_cast<double>(config_.burst_batches);
    last_refill_ = Clock::now();
    thread_ = std::thread([this] { loop(); });
  }
  ~Notifier() override { close(); }

  void enqueue(Notification event) override {
    std::lock_guard lock(stats_mutex_);
    ++stats_.events_in;
    if (!queue_.try_push(std::move(event))) ++stats_.events_dropped;
  }

  void close() override {
    if (!thread_.joinable()) return;
    queue_.close();
    thread_.join();
    if (file_) file_->finish();
  }

  NotifierStats stats() const override {
    std::lock_guard lock(stats_mutex_);
    return stats_;
  }

 private:
  void loop() {
    std::vector<Notification> batch;
    auto batch_started = Clock::now();
    bool open = true;
    while (open || !batch.empty()) {
      if (open) {
        auto wait = std::chrono::milliseconds(config_.batch_wait_ms) - (Clock::now() - batch_started);
        if (batch.empty()) wait = std::chrono::milliseconds(config_.batch_wait_ms);
        auto event = queue_.pop_for(std::max<Clock::duration>(wait, std::chrono::milliseconds(1)));
        if (event) {
          if (batch.empty()) batch_started = Clock::now();
          write_local(*event);
          if (batch.size() < config_.batch_max_events) {
            batch.push_back(std::move(*event));
          } else {
            ++suppressed_;  // the batch is full and waiting for a rate-limit token
          }
        } else if (queue_.closed()) {
          open = false;
        }
      }
      bool due = !batch.empty() && (batch.size() >= config_.batch_max_events || !open ||
                                    Clock::now() - batch_started >= std::chrono::milliseconds(config_.batch_wait_ms));
      if (!due) continue;
      if (config_.webhook_url.empty()) {
        count_delivered(batch.size());
        batch.clear();
        continue;
      }
      if (!take_token()) {
        if (!open) {
          // Shutting down with no token left: wait for one rather than lose the batch.
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        continue;
      }
      send_webhook(batch);
      batch.clear();
    }
    if (suppressed_) {
      std::lock_guard lock(stats_mutex_);
      stats_.events_dropped += suppressed_;
      suppressed_ = 0;
    }
  }

  void write_local(const Notification& event) {
    if (config_.to_stdout) {
      std::fwrite(event.json.data(), 1, event.json.size(), stdout);
      std::fputc('\n', stdout);
      std::fflush(stdout);
    }
    if (file_) {
      std::string line = event.json + "\n";
      file_->write(line);
    }
  }

  void count_delivered(std::size_t n) {
    std::lock_guard lock(stats_mutex_);
    stats_.events_delivered += n;
  }

  bool take_token() {
    auto now = Clock::now();
    double secs = std::chrono::duration<double>(now - last_refill_).count();
    last_refill_ = now;
    tokens_ =
        std::min(static_cast<double>(config_.burst_batches), tokens_ + secs * config_.max_batches_per_minute / 60.0);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

  void send_webhook(const std::vector<Notification>& batch) {
    std::uint64_t suppressed = suppressed_;
    std::string body;
    if (config_.slack) {
      body = slack_text(batch, suppressed);
    } else {
      // type: the events' kind when they share one, else "mixed"; counts: how many of each kind.
      const auto n = count_kinds(batch);
      std::string_view type = "mixed";
      for (std::size_t k = 0; k < n.size(); ++k) {
        if (n[k] == batch.size()) type = notification_event_name(static_cast<NotificationKind>(k));
      }
      body = fmt::format("{{\"source\":\"dnslens\",\"type\":\"{}\",\"count\":{},\"suppressed\":{},\"counts\":{{", type,
                         batch.size(), suppressed);
      for (std::size_t k = 0; k < n.size(); ++k) {
        body +=
            fmt::format("{}\"{}\":{}", k ? "," : "", notification_event_name(static_cast<NotificationKind>(k)), n[k]);
      }
      body += "},\"events\":[";
      for (std::size_t i = 0; i < batch.size(); ++i) {
        if (i) body += ',';
        body += batch[i].json;
      }
      body += "]}";
    }
    WebhookTarget target = split_url(config_.webhook_url);
    httplib::Client client(target.origin);
    client.set_connection_timeout(std::chrono::milliseconds(config_.timeout_ms));
    client.set_read_timeout(std::chrono::milliseconds(config_.timeout_ms));
    client.set_write_timeout(std::chrono::milliseconds(config_.timeout_ms));
    client.set_tcp_nodelay(true);  // headers and body are separate writes: no wait for a delayed ACK
    int backoff = config_.backoff_initial_ms;
    for (int attempt = 0;; ++attempt) {
      auto res = client.Post(target.path, body, "application/json");
      int status = res ? res->status : 0;
      if (status >= 200 && status < 300) {
        suppressed_ -= std::min(suppressed_, suppressed);
        std::lock_guard lock(stats_mutex_);
        stats_.events_delivered += batch.size();
        stats_.events_dropped += suppressed;
        ++stats_.batches_sent;
        return;
      }
      bool retryable = status == 0 || status == 429 || status >= 500;
      if (!retryable || attempt >= config_.max_retries) break;
      int wait = backoff;
      if (res && res->has_header("Retry-After")) {
        int seconds = std::atoi(res->get_header_value("Retry-After").c_str());
        if (seconds > 0) wait = std::min(config_.backoff_max_ms, seconds * 1000);
      }
      {
        std::lock_guard lock(stats_mutex_);
        ++stats_.retries;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(wait));
      backoff = std::min(config_.backoff_max_ms, backoff * 2);
    }
    std::fprintf(stderr, "dnslens: webhook delivery of %zu event(s) failed after %d attempt(s)\n", batch.size(),
                 config_.max_retries + 1);
    std::lock_guard lock(stats_mutex_);
    ++stats_.batches_failed;
  }

  NotifierConfig config_;
  BoundedQueue<Notification> queue_;
  std::unique_ptr<OutputSink> file_;
  std::thread thread_;
  mutable std::mutex stats_mutex_;
  NotifierStats stats_;
  std::uint64_t suppressed_ = 0;
  double tokens_ = 0;
  Clock::time_point last_refill_;
};

}  // namespace

std::unique_ptr<MatchNotifier> make_notifier(const NotifierConfig& config) {
  return std::make_unique<Notifier>(config);
}

}  // namespace dnslens
