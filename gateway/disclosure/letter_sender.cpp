#include "gateway/disclosure/letter_sender.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fstream>
#include <sstream>

#include "fhir/fhir_time.hpp"
#include "gateway/delivery/http_client.hpp"
#include "gateway/delivery/outbound_check.hpp"
#include "gateway/delivery/retry_after.hpp"
#include "gateway/disclosure/letter_workflow.hpp"
#include "gateway/log/json_log.hpp"
#include "gateway/store/letter_table.hpp"
#include "gateway/store/store_awaitable.hpp"
#include "mappers/disclosure/letter_composer.hpp"

namespace homebase::gateway::disclosure {

namespace asio = boost::asio;
namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr auto idle_poll = std::chrono::seconds(5);

// The school's Retry-After on 429/503, when it gave a usable one.
std::optional<std::chrono::milliseconds> retry_after(const delivery::http_result& result) {
  if (result.status != 429 && result.status != 503) return std::nullopt;
  auto delay = delivery::retry_after_delay(result.retry_after, std::chrono::system_clock::now());
  if (!delay) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(*delay);
}

std::string read_pem(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in || text.str().find("-----BEGIN") == std::string::npos)
    throw config::config_error(key + ": '" + path + "' is not a readable PEM file");
  return text.str();
}
}  // namespace

letter_sender::letter_sender(asio::io_context& ioc, config::config_ptr config, store::sqlite_store& store)
    : config_(std::move(config)),
      store_(store),
      strand_(asio::make_strand(ioc)),
      timer_(strand_),
      rng_(std::random_device{}()) {
  policy_ = delivery::retry_policy::of(config_->delivery);
  credentials_ = credentials_of(*config_);
  mail_ = mail_of(*config_);
}

std::shared_ptr<letter_sender::credentials_map> letter_sender::credentials_of(
    const config::gateway_config& config) {
  auto out = std::make_shared<credentials_map>();
  for (const auto& school : config.schools)
    if (!school.fhir_base_url.empty())
      out->emplace(school.fhir_base_url + "/Bundle",
                   std::make_unique<delivery::destination_credentials>(school.auth, config.delivery,
                                                                       "schools[" + school.id + "].auth"));
  return out;
}

letter_sender::mail_settings letter_sender::mail_of(const config::gateway_config& config) {
  mail_settings out;
  for (const auto& school : config.schools)
    for (const auto& c : school.channels)
      if (!c.certificate_file.empty() && !out.school_certificates.contains(c.certificate_file))
        out.school_certificates[c.certificate_file] =
            read_pem(c.certificate_file, "schools[" + school.id + "].channels.certificate_file");
  const auto& m = config.mail;
  out.smtp.url = m.smtp_url;
  out.smtp.username = m.username;
  out.smtp.password = m.password;
  out.smtp.ca_file = m.ca_file;
  out.smtp.timeout = m.timeout;
  if (!m.signing_certificate_file.empty()) {
    out.signer_certificate_pem = read_pem(m.signing_certificate_file, "mail.signing_certificate_file");
    out.signer_key_pem = read_pem(m.signing_key_file, "mail.signing_key_file");
  }
  return out;
}

std::function<void()> letter_sender::prepare_reload(config::config_ptr next) {
  auto credentials = credentials_of(*next);  // throws config_error for an unusable key or certificate
  auto mail = std::make_shared<mail_settings>(mail_of(*next));  // throws config_error for an unreadable PEM
  return [this, next, credentials, mail] {
    asio::post(strand_, [this, next, credentials, mail] {
      config_ = next;
      credentials_ = credentials;  // a send in progress keeps the map it took
      mail_ = *mail;               // a mail being sent has its own copy of the settings
      policy_ = delivery::retry_policy::of(next->delivery);
      if (started_ && !running_ && !next->schools.empty() && !stopping_) spawn();
      woken_ = true;
      timer_.cancel();
    });
  };
}

void letter_sender::start() {
  asio::post(strand_, [this] {
    started_ = true;
    if (!config_->schools.empty()) spawn();
  });
}

void letter_sender::spawn() {
  running_ = true;
  asio::co_spawn(strand_, run(), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      log::write({.lvl = log::level::critical, .event = "letters.sender_stopped", .detail = ex.what()});
    }
  });
}

void letter_sender::notify() {
  asio::post(strand_, [this] {
    woken_ = true;
    timer_.cancel();
  });
}

void letter_sender::stop() {
  stopping_ = true;
  asio::post(strand_, [this] { timer_.cancel(); });
}

asio::awaitable<void> letter_sender::remind_waiting_drafts() {
  auto now = store::now_ms();
  if (now < next_reminder_check_ms_) co_return;
  next_reminder_check_ms_ = now + std::chrono::milliseconds(idle_poll).count();
  auto cutoff = fhir::format_instant(
      now - std::chrono::duration_cast<std::chrono::milliseconds>(config_->letters.approval_reminder_after)
                .count());
  auto drafts = store::letter_table::drafts_to_remind(store_, cutoff, 20);
  if (!drafts) co_return;
  for (const auto& d : *drafts) {
    auto config = config_;
    auto id = d.id;
    store::sqlite_store::job job = [config, id](store::write_tx& tx) {
      remind(tx, *config, id, fhir::format_instant(store::now_ms()));
      return tx.ok();
    };
    (void)co_await store::run_in_store(store_, std::move(job));
  }
}

asio::awaitable<void> letter_sender::run() {
  const config::destination_auth no_auth;
  delivery::destination_credentials plain(no_auth, config_->delivery, "delivery");
  while (!stopping_) {
    woken_ = false;
    std::int64_t next_due = 0;
    auto now = store::now_ms();
    auto due = store::letter_table::next_due(store_, now, next_due);
    if (!due) log::write({.lvl = log::level::error, .event = "letters.read_failed", .detail = due.error()});
    auto letter = due ? std::move(*due) : std::nullopt;
    co_await remind_waiting_drafts();
    if (!letter) {
      if (woken_) continue;
      auto wait = std::min<std::int64_t>(next_due - now, std::chrono::milliseconds(idle_poll).count());
      timer_.expires_after(std::chrono::milliseconds(wait));
      co_await timer_.async_wait(nothrow);
      continue;
    }
    ++in_flight_;
    auto claim = std::make_shared<claim_outcome>();
    auto id = letter->id;
    auto config = config_;
    store::sqlite_store::job claim_job = [claim, config, id](store::write_tx& tx) {
      *claim = claim_letter(tx, *config, id, fhir::format_instant(store::now_ms()));
      return tx.ok();
    };
    bool committed = co_await store::run_in_store(store_, std::move(claim_job));
    if (!committed || !claim->send) {
      --in_flight_;
      if (!committed) {
        timer_.expires_after(config_->delivery.base_backoff);
        co_await timer_.async_wait(nothrow);
      }
      continue;
    }
    int attempts = letter->attempts + 1;
    store::letter_status status = store::letter_status::retrying;
    std::string detail, response;
    std::int64_t next_attempt = 0;
    // The retry period counts from the letter's request (a letter is never requeued).
    auto requested = fhir::parse_date_range(letter->created_at, fhir::date_syntax::resource);
    auto queued_for = [&] {
      return std::chrono::milliseconds(requested ? store::now_ms() - requested->low : 0);
    };
    if (claim->channel == config::letter_channel_kind::hand_carry) {
      // Nothing leaves the gateway: the family carries the signed PDF (the DocumentReference has it).
      status = store::letter_status::sent;
      detail = "handed to the family";
    } else if (claim->channel == config::letter_channel_kind::email) {
      letters::mail_message message;
      message.from = config_->mail.from;
      message.to = claim->to;
      message.subject = claim->subject;
      message.text =
          "Please find attached a signed letter from the student's physician, sent with the written "
          "authorization of the student's parent or guardian.\n\nThis message contains protected health "
          "information. If you are not the intended recipient, tell the sender and delete it.\n";
      message.html = claim->html;
      message.attachments.push_back({claim->filename, "application/pdf", claim->pdf});
      message.message_id =
          "<school-letter-" + std::to_string(id) + "." + std::to_string(attempts) + "@homebase>";
      letters::smime_settings smime;
      if (!claim->certificate_file.empty() && !mail_.signer_certificate_pem.empty()) {
        smime.enabled = true;
        smime.signer_certificate_pem = mail_.signer_certificate_pem;
        smime.signer_key_pem = mail_.signer_key_pem;
        smime.recipient_certificate_pem = mail_.school_certificates[claim->certificate_file];
      }
      // libcurl blocks: the send runs on the sender's own thread, and the loop resumes on its strand. One
      // shared state, a named operation (GCC 12: no temporaries inside a co_await expression).
      struct mail_job {
        letters::smtp_settings smtp;
        letters::smime_settings smime;
        letters::mail_message message;
        letters::mail_result result;
      };
      auto job = std::make_shared<mail_job>();
      job->smtp = mail_.smtp;
      job->smime = std::move(smime);
      job->message = std::move(message);
      auto send = [job]() -> asio::awaitable<void> {
        job->result = letters::send_mail(job->smtp, job->smime, job->message);
        co_return;
      };
      auto sending = asio::co_spawn(mail_pool_, std::move(send), asio::use_awaitable);
      co_await std::move(sending);
      const auto* result = &job->result;
      detail = result->sent ? "SMTP " + std::to_string(result->smtp_code)
                            : "SMTP " + std::to_string(result->smtp_code) + ": " + result->detail;
      response = result->detail;
      // As the retry policy reads HTTP: a transient failure is a 503, a permanent one a 400.
      auto verdict = policy_.classify(result->sent        ? 200
                                      : result->transient ? 503
                                                          : 400,
                                      attempts, queued_for());
      status = verdict == delivery::verdict::sent   ? store::letter_status::sent
               : verdict == delivery::verdict::dead ? store::letter_status::dead
                                                    : store::letter_status::retrying;
      if (verdict == delivery::verdict::retry)
        next_attempt = store::now_ms() + policy_.backoff(attempts, rng_).count();
    } else if (auto problems = delivery::outbound_problems(claim->document)) {
      // Our defect: the school receives only valid R4, and no retry can help.
      status = store::letter_status::dead;
      detail = *problems;
    } else {
      auto credentials_now = credentials_;  // kept through the send, whatever a reload does meanwhile
      auto found = credentials_now->find(claim->school_url);
      auto& credentials = found != credentials_now->end() ? *found->second : plain;
      // A token that cannot be had is a failed attempt (status 0, retried), its error in the letter's row.
      auto result = co_await credentials.post(claim->school_url, claim->document, "application/fhir+json");
      auto verdict = policy_.classify(result.status, attempts, queued_for());
      status = verdict == delivery::verdict::sent   ? store::letter_status::sent
               : verdict == delivery::verdict::dead ? store::letter_status::dead
                                                    : store::letter_status::retrying;
      detail = result.error.empty() ? "HTTP " + std::to_string(result.status) : result.error;
      response = result.body;
      if (verdict == delivery::verdict::retry)
        next_attempt =
            store::now_ms() + policy_.next_delay(result.status, attempts, retry_after(result), rng_).count();
    }
    store::sqlite_store::job finish = [config, id, status, detail, response,
                                       next_attempt](store::write_tx& tx) {
      finish_letter(tx, *config, id, status, detail, response, next_attempt,
                    fhir::format_instant(store::now_ms()));
      return tx.ok();
    };
    committed = co_await store::run_in_store(store_, std::move(finish));
    --in_flight_;
    if (!committed) {
      timer_.expires_after(policy_.backoff(attempts, rng_));
      co_await timer_.async_wait(nothrow);
    }
  }
}

}  // namespace homebase::gateway::disclosure
