// gateway_config: the YAML configuration, loaded and checked once at start-up into immutable values.
// A bad file names the key and the line and the gateway refuses to start (load throws config_error;
// exceptions are allowed here because this only runs before the first request).
// See config/homebase.example.yaml for every key with its default.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace homebase::config {

struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct tls_settings {
  std::string certificate_file;  // PEM chain
  std::string private_key_file;  // PEM key
  // Trust anchors for client certificates (mutual TLS). Empty: no client certificate is asked for. Set: a
  // client may present one; the handshake completes either way (http/peer_certificate), and the
  // authenticator refuses (401, audited) a certificate that does not chain to these or that no client is
  // bound to (clients[].certificates); a trusted, bound one identifies its client.
  std::string client_ca_file;
};

// A token bucket: `per_second` tokens added each second, at most `burst` held.
struct rate_limit {
  double per_second = 0;  // 0: no limit
  double burst = 0;
};

struct server_settings {
  std::string listen_address = "127.0.0.1";
  unsigned short port = 8080;
  int io_threads = 2;
  std::size_t header_limit_bytes = 16 * 1024;
  std::size_t body_limit_bytes = 8 * 1024 * 1024;
  // Request bodies being read or handled at once, all connections together; a request that does not fit
  // is answered 503 with Retry-After (bounds memory: a parsed body takes up to ~16x its size).
  std::size_t inflight_body_budget_bytes = 32 * 1024 * 1024;
  std::size_t json_max_depth = 64;
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds shutdown_deadline{10'000};
  std::string public_base_url;      // how partners reach us (CapabilityStatement, responses); empty: derived
                                    // from the bound address by with_bound_port()
  std::optional<tls_settings> tls;  // absent: plain HTTP
  // The edge (RFC 9110, RFC 6585): a request target longer than this is 414.
  std::size_t target_limit_bytes = 8 * 1024;
  // Open connections at once, in total and from one address; beyond either, a new connection is answered
  // 503 (total) or 429 (per address) and closed.
  int max_connections = 1024;
  int max_connections_per_address = 256;
  // Requests from one address before it is authenticated (every request counts); beyond: 429 Retry-After.
  rate_limit per_address{500, 1000};
};

struct store_settings {
  std::string path = "homebase.db";
  int max_batch = 256;  // group commit: most requests committed in one transaction
};

// Delivery to medical homes and schools (gateway/delivery/retry_policy, delivery_service).
struct delivery_settings {
  std::chrono::milliseconds base_backoff{1'000};     // the first retry waits 0.5-1 s, then doubling ...
  std::chrono::milliseconds max_backoff{3'600'000};  // ... up to an hour between attempts
  std::chrono::seconds give_up_after{72 * 3'600};    // then a delivery queued this long is dead-lettered
  int max_attempts = 0;  // > 0: also dead after this many attempts (configurations before issue 10)
  int window = 4;        // deliveries in flight per medical home, each for another child (0: held)
  std::chrono::milliseconds request_timeout{15'000};
  bool verify_tls_peer = true;
  std::string ca_file;  // extra trust anchors for https destinations; empty: system defaults
};

struct business_identifier {
  std::string system;
  std::string value;
};

// How the ingest path validates a partner's messages against R4 (fhir/validation/validator.hpp).
//   strict:  every validation error rejects the message (422)
//   lenient: unknown elements are warnings (reported in the response, not rejected); other errors reject
enum class validation_mode { strict, lenient };

// A FHIR R4 ConceptMap file (JSON) that translates a partner's local codes (partners[].concept_maps).
struct concept_map_file {
  std::string path;    // resolved against the config file's directory
  std::string origin;  // "FILE:LINE: partners[i].concept_maps[j]", to name the entry in start-up errors
};

// How a client proves who it is: a JWK Set for SMART Backend Services (private_key_jwt), one or more
// bound certificates (mutual TLS), or both.
struct certificate_binding {
  std::string sha256;   // fingerprint, lower-case hex without colons (the file may write it with colons)
  std::string subject;  // exact subject, one line RFC 2253 ("CN=nicu-gw,O=St. Elsewhere")
  std::string san;      // a subjectAltName (DNS name, URI or e-mail) the certificate must carry
};

struct client_credentials {
  std::string jwks_json;    // the client's JWK Set as JSON (inline `jwks:` or read from `jwks_file:`)
  std::string jwks_origin;  // "FILE:LINE: clients[i].jwks", to name it in start-up errors
  std::vector<certificate_binding> certificates;
};

// Every caller is a configured client (docs/ARCHITECTURE.md, "Trust").
enum class client_kind { partner, medical_home, school, operator_ };
[[nodiscard]] std::string_view to_string(client_kind kind);

// The clinician a medical_home client signs for (issue 12): the signer of school letters it may approve
// (a letter whose signer NPI is this npi), printed in the letter's signature block.
struct clinician_identity {
  std::string name;         // "Elena Brooks"
  std::string credentials;  // "MD, FAAP"
  std::string npi;          // 10 digits
  std::string phone;
  std::string email;
};

struct client {
  std::string id;  // also the SMART client_id (the assertion's iss and sub)
  client_kind kind = client_kind::operator_;
  std::string name;
  client_credentials credentials;
  // partner: the partners[] entry it is (same id); what it may send. `all_events`: every event the gateway
  // supports (events not written in the file).
  std::string partner_id;
  bool all_events = true;
  std::vector<std::string> events;
  bool all_documents = true;
  std::vector<std::string> documents;  // document kinds: "discharge-summary"
  // medical_home, school, operator: SMART scopes as written (v1 system/X.read|write|*, v2 system/X.cruds).
  std::vector<std::string> scopes;
  std::string medical_home_id;                  // medical_home: the medical_homes[] entry it acts for
  std::string school_id;                        // school: the schools[] entry it is
  std::vector<std::string> roles;               // medical_home: e.g. care-coordinator, clinician (issue 12)
  std::optional<clinician_identity> clinician;  // medical_home: the clinician it approves letters as
  rate_limit rate{50, 100};
};

// Gateway-wide authentication settings.
struct auth_settings {
  // Loopback development mode: a request without credentials is taken as coming from the partner its
  // MessageHeader names (or its document's custodian/author), and as an operator on every other route.
  // Refused at start-up unless every listener is on loopback.
  bool development_mode = false;
  std::chrono::seconds token_lifetime{300};          // access tokens we issue (at most 300 s, SMART-12)
  std::chrono::seconds assertion_max_lifetime{300};  // a client assertion's exp at most this far ahead
  // Failed authentications from one address per minute before further attempts are answered 429.
  int failed_per_minute = 20;
  // Refusals audited one by one per address and reason per minute; beyond, counted into one AuditEvent.
  int audit_refusals_per_minute = 5;
};

// How Homebase proves itself to a destination (a medical home's or a school's FHIR server).
struct destination_auth {
  enum class method { none, smart, certificate, bearer };
  method how = method::none;
  // smart: SMART Backend Services as a client.
  std::string token_url;
  std::string client_id;
  std::string private_key_file;  // PEM, RSA (RS384) or EC P-384 (ES384)
  std::string key_id;            // the kid our JWKS publishes for it
  std::string algorithm = "RS384";
  std::string scope = "system/*.write";
  // certificate: a TLS client certificate (also allowed beside smart).
  std::string certificate_file;
  std::string certificate_key_file;
  // bearer: a static token, for test set-ups only.
  std::string bearer_token;
};

struct partner {
  std::string id;
  std::string name;
  std::vector<std::string> source_endpoints;  // MessageHeader.source.endpoint values that identify it
  validation_mode validation = validation_mode::strict;
  std::vector<concept_map_file> concept_maps;  // applied in this order at ingest (mappers/terminology)
  // Organisation identifiers that identify it as the sender of a document (POST /fhir/Bundle), matched
  // against the Composition's custodian and authors; a document has no MessageHeader.source.
  std::vector<business_identifier> organization_identifiers;
};

struct medical_home {
  std::string id;
  std::string name;
  std::string fhir_base_url;                                  // where the transaction Bundle is posted
  std::vector<business_identifier> organization_identifiers;  // in Patient.generalPractitioner / CareTeam
  std::vector<business_identifier> patients;                  // explicit mapping of child identifiers
  destination_auth auth;                                      // how deliveries authenticate
  std::optional<int> delivery_window;                         // overrides delivery.window for this home
  // Issue 11 (the pull): read back the Tasks (and Appointments) Homebase wrote at this home every `every`,
  // following at most `max_pages` pages a pass (gateway/scheduler/practice_read_back). Absent: off.
  struct read_back_settings {
    std::chrono::seconds every{900};
    int max_pages = 20;
  };
  std::optional<read_back_settings> read_back;
  // The practice's letterhead on school letters (issue 12); empty: the name alone.
  struct letterhead_settings {
    std::string name;
    std::vector<std::string> address_lines;
    std::string phone, fax, email, website;
  } letterhead;
};

// The coordination rules (mappers/coordination, domain.md §5.3): each can be switched off, and each
// duration is written with its unit in the file (30d, 12h, 5s). Defaults are the clinical norms.
struct coordination_settings {
  using seconds = std::chrono::seconds;
  static constexpr seconds days(long n) { return seconds(n * 86'400); }
  bool enabled = true;  // false: no rule runs and the scheduler stays idle
  struct {
    bool enabled = true;
    int weekday = 3;  // 0 = Sunday .. 6 = Saturday: the day of the weekly case conference
  } case_conference;
  struct {
    bool enabled = true;
    seconds due_after_discharge = days(7);
  } parent_partner_outreach;
  struct {
    bool enabled = true;
    seconds within = days(2);  // PCP visit after discharge
  } pcp_visit;
  struct {
    bool enabled = true;
    seconds due_within = days(7);  // when the item itself names no date
  } schedule_followup;
  struct {
    bool enabled = true;
    seconds referral_within = days(7);         // of identification (34 CFR 303.303)
    seconds acknowledgement_within = days(7);  // of the referral, then escalate
    seconds ifsp_within = days(45);            // of the referral (34 CFR 303.310)
  } early_intervention;
  struct {
    bool enabled = true;
  } interpreter;
  struct {
    bool enabled = true;
  } transport;
  struct {
    bool enabled = true;
    int max_visits_per_week = 3;
    int max_sites_per_day = 2;
  } appointment_burden;
  struct {
    bool enabled = true;
    seconds close_within = days(30);  // of the visit: the report must be back
  } referral_loop;
  struct {
    bool enabled = true;
    double min_grams_per_day = 15;
    seconds window = days(14);
  } weight_gain;
  struct {
    bool enabled = true;
  } rop_followup;
  struct {
    bool enabled = true;  // two active instructions for one drug that disagree: reconcile them
  } medication_conflict;
  struct {
    bool enabled = true;  // a specialist's visit summary: the PCP reviews it
  } visit_summary_review;
};

// A school district that may receive letters (gateway/disclosure), only with the family's authorization.
// Its Organization is of type `edu` (organization-type); a Consent names it by one of these identifiers.
// How a letter reaches a school (issue 12 item 3).
//   email       secure e-mail (mail: block) to `to`, the PDF attached; S/MIME to `certificate_file` if set
//   fhir        the document Bundle, POST [fhir_base_url]/Bundle (then fhir_base_url is required)
//   hand_carry  the family carries the PDF: recorded as a disclosure to the parent with legal authority
enum class letter_channel_kind { email, fhir, hand_carry };
[[nodiscard]] std::string_view to_string(letter_channel_kind kind);

struct letter_channel {
  letter_channel_kind kind = letter_channel_kind::fhir;
  std::vector<std::string> to;   // email: the recipients' addresses
  std::string certificate_file;  // email: the school's S/MIME certificate (PEM); empty: not encrypted
};

struct school {
  std::string id;
  std::string name;
  std::string fhir_base_url;                                  // letters are posted to [base]/Bundle
  std::vector<business_identifier> organization_identifiers;  // at least one
  destination_auth auth;                                      // how letters are sent authenticated
  std::vector<letter_channel> channels;  // in order; a request may name one, else the first (default: fhir)

  [[nodiscard]] const letter_channel* find_channel(letter_channel_kind kind) const;
};

// Secure e-mail (gateway/letters/mail_sender): the practice's SMTP submission server. STARTTLS is required.
struct mail_settings {
  bool configured = false;  // a `mail:` block was given
  std::string smtp_url;     // smtp://host:587 (STARTTLS) or smtps://host:465
  std::string username;
  std::string password;  // read from password_file or the environment variable password_env
  std::string from;      // "Meadowbrook Pediatrics <letters@meadowbrook.example.org>"
  std::string ca_file;   // trust anchors for the server's certificate; empty: the system's
  std::chrono::milliseconds timeout{30'000};
  std::string signing_certificate_file;  // S/MIME: the practice's certificate (PEM); empty: not signed
  std::string signing_key_file;
};

// School letters' life (gateway/disclosure).
struct letters_settings {
  // A draft waiting this long for its signer becomes a Task for the clinician (once).
  std::chrono::seconds approval_reminder_after{2 * 86'400};
};

// Logs (gateway/log/json_log): one JSON object per line on stderr. The level is re-read on SIGHUP.
struct log_settings {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
};

// GET /metrics (gateway/metrics/): Prometheus text exposition. On the main listener it needs an operator
// (development mode: any caller without credentials); `listen` adds a listener of its own that serves only
// /metrics, without authentication (bind it to loopback or a private network).
struct metrics_settings {
  bool enabled = true;         // false: /metrics answers 404 and the hot path records nothing
  std::string listen_address;  // empty: no separate listener
  unsigned short listen_port = 0;
};

// Retention (gateway/scheduler/retention_job, gateway/store/retention_purge): how long what is done is kept.
// Only delivered messages (status sent, every delivery sent) lose their raw body, and only sent deliveries
// their attempts; the message and delivery rows stay. Durations are written with their unit (90d, 5s).
struct retention_settings {
  using seconds = std::chrono::seconds;
  bool enabled = true;                         // false: nothing is ever purged
  seconds message_bodies{90 * 86'400};         // a delivered message's body, counted from its delivery
  seconds delivery_attempts{90 * 86'400};      // a sent delivery's attempts, counted from its delivery
  seconds audit_events{2'192 * 86'400};        // 6 years (HIPAA, 45 CFR 164.316(b)(2)(i))
  seconds purge_every{3'600};                  // a purge pass starts this often (and once at start-up)
  int purge_batch = 200;                       // rows per write job
  std::chrono::milliseconds purge_pause{100};  // between two write jobs of a pass
};

// The web console (gateway/console/): human sign-in and the operator's and care coordinators' pages.
enum class console_user_role { operator_, care_coordinator };

// One person the identity provider may sign in: matched by the ID token's `sub`, or by its `email` when
// the token also says `email_verified: true` (compared without regard to case). Nobody else gets in.
struct console_oidc_user {
  std::string subject;  // the `sub` claim; or
  std::string email;    // a verified `email` claim
  std::string name;     // shown in the console and its audit trail; empty: the email or the subject
  console_user_role role = console_user_role::care_coordinator;
  std::string medical_home_id;  // care_coordinator: the medical_homes[] entry they work for
  std::string origin;           // "FILE:LINE: console.oidc.users[i]", to name the entry in messages
};

// Sign-in to the console through the practice's OpenID provider (gateway/console/oidc_sign_in):
// authorization code flow with PKCE (S256).
struct console_oidc_settings {
  std::string issuer;  // exactly as the provider's discovery document states it (https; http on loopback)
  std::string client_id;
  // How the gateway authenticates at the token endpoint.
  enum class client_auth { client_secret_basic, client_secret_post, private_key_jwt, none };
  client_auth auth = client_auth::client_secret_basic;
  std::string client_secret;     // read from client_secret_file at start-up (never written in the YAML)
  std::string private_key_file;  // private_key_jwt: PEM, RSA (RS384) or EC P-384 (ES384)
  std::string key_id;            // private_key_jwt: the kid the provider knows the key by
  std::string scopes = "openid email profile";
  std::string redirect_uri;  // empty: server.public_base_url without /fhir, + /console/oidc/callback
  std::string ca_file;       // extra trust anchors for an https provider; empty: the system's
  std::chrono::seconds clock_skew{60};                // allowed on the ID token's exp and iat
  std::chrono::seconds flow_lifetime{600};            // from the login redirect to the callback
  std::chrono::milliseconds request_timeout{10'000};  // each request to the provider
  std::vector<console_oidc_user> users;
};

// A person who signs in with a password (console.users[]). The hash is the self-describing scrypt string
// `homebase hash-password` prints (gateway/console/password_hash); the password itself is never in the file.
struct console_user {
  std::string name;
  std::string password_hash;
  console_user_role role = console_user_role::care_coordinator;
  std::string medical_home_id;  // care_coordinator: the medical_homes[].id they work for
};

// Repeated failed sign-ins: after `failures` for one user name, or `address_failures` from one address,
// within `window`, sign-in is refused (before any password is checked) for `duration`.
struct console_lockout {
  int failures = 5;
  int address_failures = 20;
  std::chrono::seconds window{15 * 60};
  std::chrono::seconds duration{15 * 60};
};

struct console_settings {
  bool enabled = false;                         // false: /console answers 404
  std::chrono::seconds session_ttl{8 * 3'600};  // a session ends this long after sign-in, however used
  std::chrono::seconds idle_timeout{30 * 60};   // ... or after this long without a request
  console_lockout lockout;
  std::vector<console_user> users;
  std::optional<console_oidc_settings>
      oidc;  // absent: no OpenID Connect sign-in (gateway/console/oidc_sign_in)

  [[nodiscard]] const console_user* find_user(std::string_view name) const;
};

struct gateway_config {
  server_settings server;
  store_settings store;
  log_settings log;
  metrics_settings metrics;
  retention_settings retention;
  delivery_settings delivery;
  std::vector<partner> partners;
  std::vector<medical_home> medical_homes;
  coordination_settings coordination;
  std::vector<school> schools;
  mail_settings mail;
  letters_settings letters;
  auth_settings auth;
  console_settings console;
  // Every client: one per partner (kind partner, id = the partner's id) then the `clients:` list.
  std::vector<client> clients;

  [[nodiscard]] const client* find_client(std::string_view id) const;
  [[nodiscard]] const medical_home* find_medical_home(std::string_view id) const;
  // How many deliveries to `home` may be in flight at once: its delivery_window, else delivery.window.
  [[nodiscard]] int delivery_window(const medical_home& home) const;
  [[nodiscard]] const partner* find_partner_by_endpoint(std::string_view source_endpoint) const;
  [[nodiscard]] const partner* find_partner(std::string_view id) const;
  [[nodiscard]] const school* find_school(std::string_view system, std::string_view value) const;
  [[nodiscard]] const school* find_school_by_id(std::string_view id) const;
  // The partner that lists system|value among its organization_identifiers, or nullptr.
  [[nodiscard]] const partner* find_partner_by_organization(std::string_view system,
                                                            std::string_view value) const;
};

using config_ptr = std::shared_ptr<const gateway_config>;

// A copy of `config` whose server.port is the port actually bound (port 0 in the file picks a free one)
// and whose public_base_url, when the file left it empty, is derived from the listen address.
[[nodiscard]] config_ptr with_bound_port(const config_ptr& config, unsigned short port);

// "30d", "12h", "15m", "5s", "2w" as seconds; nullopt when `text` is not a positive count with one unit.
[[nodiscard]] std::optional<std::chrono::seconds> parse_duration(std::string_view text);

// A copy of `config` whose store.path is `path` (made absolute against the working directory; ":memory:"
// kept as is). Throws config_error naming `origin` when `path` is empty.
[[nodiscard]] config_ptr with_store_path(const config_ptr& config, const std::string& path,
                                         const std::string& origin);

// Loads and checks a YAML file. Relative paths in it (store, TLS files, ConceptMaps) are taken relative
// to the file. A ConceptMap file must exist; its content is checked when the gateway loads it.
// The environment variable HOMEBASE_STORE_PATH, when set, replaces store.path (relative to the working
// directory): deploy/run.sh points it at ./var, the systemd unit and the container at /var/lib/homebase.
[[nodiscard]] config_ptr load_file(const std::string& path);
// Loads from text; `origin` names the source in error messages.
[[nodiscard]] config_ptr load_text(const std::string& yaml, const std::string& origin = "<text>",
                                   const std::string& base_dir = ".");

}  // namespace homebase::config
