// letter_sender: sends approved (queued) school letters, one at a time, on its own strand with its own
// timer (letters are rare; one worker keeps the order simple and a school that is down only delays its own
// letters, whose next attempt is pushed back by the retry policy). Each send is:
//   claim (store job: the disclosure gate runs again on the committed Consents) -> by the letter's channel:
//     fhir        outbound check (R4 validation) -> POST [school base]/Bundle
//     email       the signed PDF attached, sent by gateway/letters/mail_sender (libcurl SMTP, STARTTLS,
//                 S/MIME when the school has a certificate) on the sender's own thread (a thread_pool of
//                 one: libcurl blocks, the I/O threads never do); SMTP 250 is sent, a transient failure
//                 retrying (the delivery retry policy), a permanent one dead
//     hand_carry  nothing leaves: the family carries the PDF; sent at once, disclosed to the parent
//   -> finish (store job: sent + AuditEvent | retrying | dead).
// The loop also turns drafts that waited longer than letters.approval_reminder_after into a Task for the
// signing clinician (letter_workflow::remind), at most once per idle poll.
// A letter left `sending` by a stop is claimed again at start-up, and so judged again.
// Each school's letters are posted with its credentials (schools[].auth, delivery/destination_credentials);
// the constructor throws config::config_error when a school's key or certificate is unusable.
// A config reload (prepare_reload) gives it the new schools, credentials and delivery settings for the next
// letter; a letter being sent finishes with what it started with.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <map>
#include <memory>
#include <random>

#include "config/gateway_config.hpp"
#include "gateway/delivery/destination_credentials.hpp"
#include "gateway/delivery/retry_policy.hpp"
#include "gateway/letters/mail_sender.hpp"
#include "gateway/store/letter_status.hpp"
#include "gateway/store/sqlite_store.hpp"

namespace homebase::gateway::disclosure {

class letter_sender {
 public:
  letter_sender(boost::asio::io_context& ioc, config::config_ptr config, store::sqlite_store& store);
  void start();
  // A config reload: builds the schools' credentials (throws config::config_error; nothing switched) and
  // returns the step that switches (thread-safe; on the sender's strand).
  [[nodiscard]] std::function<void()> prepare_reload(config::config_ptr next);
  // Thread-safe: a letter was queued.
  void notify();
  void stop();
  [[nodiscard]] int in_flight() const { return in_flight_.load(); }

 private:
  using credentials_map = std::map<std::string, std::unique_ptr<delivery::destination_credentials>>;
  static std::shared_ptr<credentials_map> credentials_of(const config::gateway_config& config);
  boost::asio::awaitable<void> run();
  void spawn();  // on strand_
  boost::asio::awaitable<void> remind_waiting_drafts();

  struct attempt {
    store::letter_status status = store::letter_status::retrying;
    std::string detail, response;
    std::int64_t next_attempt_ms = 0;
  };
  // The secure e-mail settings of `mail:` and the schools' S/MIME certificates, read from their files
  // (config_error when one cannot be read); replaced by a reload, on strand_.
  struct mail_settings {
    letters::smtp_settings smtp;
    std::string signer_certificate_pem, signer_key_pem;      // S/MIME signing (mail.signing_*)
    std::map<std::string, std::string> school_certificates;  // certificate_file -> PEM
  };
  static mail_settings mail_of(const config::gateway_config& config);

  config::config_ptr config_;
  store::sqlite_store& store_;
  boost::asio::strand<boost::asio::io_context::executor_type> strand_;
  boost::asio::steady_timer timer_;
  // By the school's letter URL ([base]/Bundle, as claim_letter names it); on strand_ (a reload replaces it;
  // a send holds the map it started with).
  std::shared_ptr<credentials_map> credentials_;
  bool started_ = false;  // on strand_
  bool running_ = false;  // on strand_: run() was spawned
  delivery::retry_policy policy_;
  mail_settings mail_;                       // on strand_
  boost::asio::thread_pool mail_pool_{1};    // send_mail blocks: it runs here
  std::int64_t next_reminder_check_ms_ = 0;  // on strand
  std::mt19937_64 rng_;
  bool woken_ = false;  // on strand
  std::atomic<bool> stopping_{false};
  std::atomic<int> in_flight_{0};
};

}  // namespace homebase::gateway::disclosure
