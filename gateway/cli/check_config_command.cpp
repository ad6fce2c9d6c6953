#include "gateway/cli/check_config_command.hpp"

#include <exception>
#include <map>
#include <ostream>

#include "fhir/validation/validator.hpp"
#include "gateway/auth/token_endpoint.hpp"
#include "gateway/delivery/destination_credentials.hpp"
#include "gateway/pipeline/partner_concept_maps.hpp"

namespace homebase::gateway::cli {

namespace {

std::string listed(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id;
  return out.empty() ? "(none)" : out;
}

}  // namespace

std::string_view check_config_help() {
  return "usage: homebase check-config FILE\n"
         "       homebase --check-config FILE   (the same)\n"
         "\n"
         "Checks a configuration file as the gateway does at start-up, without starting it and without\n"
         "opening the store: every key and value (an error names the file, line and key), the partners'\n"
         "ConceptMaps, the medical homes' and schools' keys and certificates, and every client's JWK Set.\n"
         "On success prints a summary: partners, medical homes, schools, clients, the store path and the\n"
         "listeners.\n"
         "\n"
         "Exit status: 0 the file is good; 1 it is not (the reason on stderr); 2 usage error.\n";
}

void print_config_summary(const config::gateway_config& config, std::ostream& out) {
  std::vector<std::string> partners, homes, schools;
  for (const auto& p : config.partners) partners.push_back(p.id);
  for (const auto& h : config.medical_homes) homes.push_back(h.id + " -> " + h.fhir_base_url);
  for (const auto& s : config.schools) schools.push_back(s.id);
  std::map<std::string_view, int> clients;
  for (const auto& c : config.clients) ++clients[config::to_string(c.kind)];
  std::string client_counts;
  for (const auto& [kind, n] : clients)
    client_counts += (client_counts.empty() ? "" : ", ") + std::to_string(n) + " " + std::string(kind);
  out << "partners (" << config.partners.size() << "): " << listed(partners) << "\n"
      << "medical homes (" << config.medical_homes.size() << "): " << listed(homes) << "\n"
      << "schools (" << config.schools.size() << "): " << listed(schools) << "\n"
      << "clients (" << config.clients.size() << "): " << (client_counts.empty() ? "(none)" : client_counts)
      << "\n"
      << "store: " << config.store.path << "\n"
      << "listen: " << (config.server.tls ? "https://" : "http://") << config.server.listen_address << ":"
      << config.server.port << (config.server.port == 0 ? " (a free port)" : "")
      << (config.server.tls && !config.server.tls->client_ca_file.empty() ? " (mutual TLS)" : "") << "\n";
  if (!config.metrics.enabled)
    out << "metrics: off\n";
  else if (!config.metrics.listen_address.empty())
    out << "metrics: http://" << config.metrics.listen_address << ":" << config.metrics.listen_port
        << "/metrics\n";
  else
    out << "metrics: /metrics on the listener above (operators)\n";
  if (config.auth.development_mode) out << "auth: DEVELOPMENT MODE (loopback only, never in production)\n";
}

int run_check_config_command(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    out << check_config_help();
    return 0;
  }
  if (args.size() != 1 || args[0].empty() || args[0][0] == '-') {
    err << "homebase check-config: expected one FILE\n" << check_config_help();
    return 2;
  }
  try {
    auto checked = config::load_file(args[0]);
    (void)pipeline::partner_concept_maps::load(*checked, fhir::validator());
    delivery::check_destination_credentials(*checked);  // keys and certificates of destinations
    auth::token_endpoint::check_client_keys(*checked);  // every client's JWK Set
    out << "config OK: " << args[0] << "\n";
    print_config_summary(*checked, out);
    return 0;
  } catch (const config::config_error& e) {
    err << "homebase check-config: configuration error: " << e.what() << "\n";
  } catch (const std::exception& e) {
    err << "homebase check-config: " << e.what() << "\n";
  }
  return 1;
}

}  // namespace homebase::gateway::cli
